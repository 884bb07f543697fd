//! Stable finding identities for formats that track findings across runs
//! (GitLab Code Quality, SARIF): the same finding keeps its fingerprint when
//! lines above it move.

use crate::analyze::finding::Finding;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// One fingerprint per finding: the rule, the path and the reference (not
/// the line, so it survives edits above it), numbered among equals so each
/// is unique in the report.
pub fn fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let what = f
                .image
                .as_ref()
                .map_or_else(|| f.message.clone(), |i| i.canonical.clone());
            let key = format!("{}\0{}\0{}", f.rule, f.path, what);
            let n = seen.entry(key.clone()).or_default();
            let k = *n;
            *n += 1;
            let digest = Sha256::digest(format!("{key}\0{k}").as_bytes());
            digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
        })
        .collect()
}
