//! `--format json` (SPEC section 8, version 1), streamed: the findings are
//! written as files finish, the summary last.

use super::{RenderError, Reporter, RunReport, Subject};
use crate::analyze::finding::{Entry, Finding, ImageInfo, Location};
use crate::analyze::Analysis;
use crate::fix::{Applicability, Edit, Fix};
use crate::source::LineIndex;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    path: &'a str,
    kind: &'a str,
    location: &'a Location,
    image: Option<&'a ImageInfo>,
    fix: Option<JsonFix<'a>>,
}

/// A fix as JSON v1 has it: applicability and edits (no title).
#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: Applicability,
    edits: &'a [Edit],
}

impl<'a> From<&'a Fix> for JsonFix<'a> {
    fn from(f: &'a Fix) -> JsonFix<'a> {
        JsonFix {
            applicability: f.applicability,
            edits: &f.edits,
        }
    }
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    images: usize,
    findings: usize,
    fixable: usize,
}

/// `--format json` and `inventory --format json`: a document
/// `{"version": 1, "<key>": [...], ...}` written one file at a time.
pub(super) struct Json {
    subject: Subject,
}

impl Json {
    pub(super) fn new(subject: Subject) -> Json {
        Json { subject }
    }
}

impl Reporter for Json {
    fn begin(&self, w: &mut dyn Write) -> io::Result<()> {
        let key = match self.subject {
            Subject::Findings => "findings",
            Subject::Inventory => "images",
        };
        write!(w, "{{\n  \"version\": 1,\n  \"{key}\": [")
    }

    fn render_file(&self, analysis: &Analysis, _text: &str, _lines: &LineIndex) -> String {
        match self.subject {
            Subject::Findings => findings_chunk(&analysis.findings),
            Subject::Inventory => entries_chunk(&analysis.entries),
        }
    }

    fn separator(&self) -> &'static str {
        ","
    }

    fn finish(&self, w: &mut dyn Write, run: &RunReport, chunks: usize) -> Result<(), RenderError> {
        w.write_all(if chunks == 0 { b"]" } else { b"\n  ]" })?;
        if self.subject == Subject::Findings {
            let summary = Summary {
                files: run.files,
                images: run.images,
                findings: run.tally.len(),
                fixable: run.tally.iter().filter(|(_, f)| *f).count(),
            };
            w.write_all(b",\n  \"summary\": ")?;
            serde_json::to_writer(&mut *w, &summary).map_err(io::Error::other)?;
        }
        Ok(w.write_all(b"\n}\n")?)
    }
}

/// `--format json-lines`: one finding object a line.
pub(super) struct JsonLines;

impl Reporter for JsonLines {
    fn render_file(&self, analysis: &Analysis, _text: &str, _lines: &LineIndex) -> String {
        findings_lines(&analysis.findings)
    }

    fn finish(&self, _: &mut dyn Write, _: &RunReport, _: usize) -> Result<(), RenderError> {
        Ok(())
    }
}

/// One file's findings as array items, each on its own line.
fn findings_chunk(findings: &[Finding]) -> String {
    items(findings.iter().map(finding_json))
}

/// One file's inventory entries as array items.
fn entries_chunk(entries: &[Entry]) -> String {
    items(entries.iter().map(EntryJson::from))
}

fn items<T: Serialize>(values: impl Iterator<Item = T>) -> String {
    let mut out = Vec::new();
    for (i, v) in values.enumerate() {
        out.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
        // Serialising plain structs of strings and numbers cannot fail.
        let _ = serde_json::to_writer(&mut out, &v);
    }
    String::from_utf8(out).unwrap_or_default()
}

fn finding_json(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: &f.rule,
        severity: f.severity.as_str(),
        message: &f.message,
        path: &f.path,
        kind: f.kind.as_str(),
        location: &f.location,
        image: f.image.as_deref(),
        fix: f.fix.as_deref().map(JsonFix::from),
    }
}

fn findings_lines(findings: &[Finding]) -> String {
    let mut out = Vec::new();
    for f in findings {
        let _ = serde_json::to_writer(&mut out, &finding_json(f));
        out.push(b'\n');
    }
    String::from_utf8(out).unwrap_or_default()
}

#[derive(Serialize)]
pub struct EntryJson<'a> {
    pub path: &'a str,
    pub kind: &'a str,
    pub location: &'a Location,
    /// The reference as read (variables resolved where they could be).
    pub text: &'a str,
    pub image: Option<&'a ImageInfo>,
    /// Why `image` is null: not a valid reference, or not resolvable.
    pub problem: Option<&'a str>,
    pub context: &'a str,
}

impl<'a> From<&'a Entry> for EntryJson<'a> {
    fn from(e: &'a Entry) -> EntryJson<'a> {
        EntryJson {
            path: &e.path,
            kind: e.kind.as_str(),
            location: &e.location,
            text: &e.text,
            image: e.image.as_deref(),
            problem: e.problem.as_deref(),
            context: &e.context,
        }
    }
}
