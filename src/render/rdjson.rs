//! `--format rdjsonl`: reviewdog's Diagnostic Format, one JSON object per
//! line. Columns count UTF-8 bytes from 1 and a range's end is exclusive, as
//! reviewdog reads them; a safe fix is a suggestion, which reviewdog posts
//! as a suggested change.

use super::{RenderError, Reporter, RunReport};
use crate::analyze::finding::Finding;
use crate::analyze::Analysis;
use crate::rules::Severity;
use crate::source::LineIndex;
use serde_json::{json, Value};

pub(super) struct RdJsonLines;

impl Reporter for RdJsonLines {
    fn render_file(&self, analysis: &Analysis, text: &str, lines: &LineIndex) -> String {
        let mut out = String::new();
        for f in &analysis.findings {
            out.push_str(&diagnostic(f, text, lines).to_string());
            out.push('\n');
        }
        out
    }

    fn finish(
        &self,
        _: &mut dyn std::io::Write,
        _: &RunReport,
        _: usize,
    ) -> Result<(), RenderError> {
        Ok(())
    }
}

/// A byte offset as reviewdog's position: line and UTF-8 column, from 1.
fn position(offset: usize, lines: &LineIndex) -> Value {
    let line = lines.line_of(offset);
    json!({"line": line + 1, "column": offset - lines.line_start(line) + 1})
}

fn range(start: usize, end: usize, lines: &LineIndex) -> Value {
    json!({"start": position(start, lines), "end": position(end, lines)})
}

fn diagnostic(f: &Finding, text: &str, lines: &LineIndex) -> Value {
    let severity = match f.severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    };
    let mut d = json!({
        "message": f.message,
        "location": {
            "path": &*f.path,
            "range": range(f.span.start, f.span.end, lines),
        },
        "severity": severity,
        "source": {"name": "imagelint", "url": env!("CARGO_PKG_REPOSITORY")},
        "code": {"value": &*f.rule},
    });
    // Suggestions for edits in this file only (a Helm fix may edit the
    // chart's values file instead).
    let safe = f
        .safe_fix()
        .filter(|x| x.edits.iter().all(|e| e.offset + e.length <= text.len()));
    if let Some(fix) = safe {
        let suggestions: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| json!({"range": range(e.offset, e.offset + e.length, lines), "text": e.content}))
            .collect();
        d["suggestions"] = Value::Array(suggestions);
    }
    d
}
