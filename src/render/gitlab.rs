//! `--format gitlab`: a GitLab Code Quality report, a JSON array.

use super::fingerprint::fingerprints;
use super::{RenderError, Reporter, RunReport};
use crate::analyze::finding::Finding;
use crate::rules::Severity;
use serde_json::{json, Value};

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
