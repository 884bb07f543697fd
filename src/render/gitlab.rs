//! `--format gitlab`: a GitLab Code Quality report, a JSON array.

use super::{RenderError, Reporter, RunReport};
use crate::analyze::finding::Finding;
use crate::rules::Severity;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;

/// `--format gitlab`: the whole report at the end.
pub(super) struct Gitlab;

impl Reporter for Gitlab {
    fn needs_findings(&self) -> bool {
        true
    }

    fn finish(
        &self,
        out: &mut dyn std::io::Write,
        run: &RunReport,
        _chunks: usize,
    ) -> Result<(), RenderError> {
        let text = render(run.findings, &fingerprints(run.findings));
        Ok(out.write_all(text.as_bytes())?)
    }
}

/// One fingerprint per finding: the rule, the path and the reference (not
/// the line, so it survives edits above it), numbered among equals so each
/// is unique in the report.
pub(super) fn fingerprints(findings: &[Finding]) -> Vec<String> {
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

fn render(findings: &[Finding], fingerprints: &[String]) -> String {
    let issues: Vec<Value> = findings
        .iter()
        .zip(fingerprints)
        .map(|(f, fp)| {
            json!({
                "description": format!("{}: {}", f.rule, f.message),
                "check_name": &*f.rule,
                "fingerprint": fp,
                "severity": match f.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                "location": {
                    "path": &*f.path,
                    "lines": {"begin": f.location.start.line, "end": f.location.end.line},
                    "positions": {
                        "begin": {"line": f.location.start.line, "column": f.location.start.column},
                        "end": {"line": f.location.end.line, "column": f.location.end.column},
                    }
                }
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}
