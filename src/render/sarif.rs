//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning takes it. Columns
//! are UTF-16 code units, and `columnKind` says so.

use super::fingerprint::fingerprints;
use super::{RenderError, Reporter, RunReport};
use crate::analyze::finding::Finding;
use crate::rules::{Rule, Severity};
use serde_json::{json, Value};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// `--format sarif`: the whole document at the end.
pub(super) struct Sarif {
    /// `automationDetails.id`, stable for one configuration and paths.
    pub category: String,
}

impl Reporter for Sarif {
    fn needs_findings(&self) -> bool {
        true
    }

    fn finish(
        &self,
        out: &mut dyn std::io::Write,
        run: &RunReport,
        _chunks: usize,
    ) -> Result<(), RenderError> {
        let text = render(
            run.rules,
            run.findings,
            &fingerprints(run.findings),
            &self.category,
        );
        Ok(out.write_all(text.as_bytes())?)
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule_descriptor(rule: &Rule) -> Value {
    let def = &rule.def;
    let summary = rule.summary().to_string();
    let doc = def.documentation.as_deref().unwrap_or(&summary).trim();
    // The documentation's first paragraph under its first heading.
    let full = doc
        .split("\n\n")
        .map(|p| match p.split_once('\n') {
            Some((heading, rest)) if heading.starts_with('#') => rest,
            _ if p.starts_with('#') => "",
            _ => p,
        })
        .find(|p| !p.trim().is_empty())
        .unwrap_or(&summary)
        .replace('\n', " ");
    json!({
        "id": def.id,
        "name": def.id,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": level(def.severity)},
        "properties": {"tags": ["supply-chain", "container-image"]},
    })
}

/// The whole SARIF document for a run.
fn render(rules: &[Rule], findings: &[Finding], fingerprints: &[String], category: &str) -> String {
    let results: Vec<Value> = findings
        .iter()
        .zip(fingerprints)
        .map(|(f, fp)| {
            let index = rules.iter().position(|r| *r.id() == *f.rule).unwrap_or(0);
            json!({
                "ruleId": &*f.rule,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.path)},
                        "region": {
                            "startLine": f.location.start.line,
                            "startColumn": f.location.utf16.0,
                            "endLine": f.location.end.line,
                            "endColumn": f.location.utf16.1,
                            "byteOffset": f.location.offset,
                            "byteLength": f.location.length,
                        }
                    }
                }],
                "partialFingerprints": {"primaryLocationLineHash": fp, "imagelint/v1": fp},
            })
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "imagelint",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules.iter().map(rule_descriptor).collect::<Vec<_>>(),
            }},
            "automationDetails": {"id": category},
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A relative path as a URI reference: `/` kept, the rest percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
