//! Stable finding identities for formats that track findings across runs
//! (GitLab Code Quality, SARIF): the same finding keeps its fingerprint when
//! lines above it move.

use crate::analyze::baseline::Fingerprinter;
use crate::analyze::finding::Finding;

/// One fingerprint per finding: the rule, the path and the reference (not
/// the line, so it survives edits above it), numbered among equals so each
/// is unique in the report.
pub fn fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut fingerprinter = Fingerprinter::default();
    findings
        .iter()
        .map(|f| {
            let what = f.image.as_ref().map_or(&f.message, |i| &i.canonical);
            fingerprinter.next(&f.rule, &f.path, what)
        })
        .collect()
}
