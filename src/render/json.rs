//! `--format json` (SPEC section 8, version 1), streamed: the findings are
//! written as files finish, the summary last.

use crate::analyze::finding::{Entry, Finding, Fix, ImageInfo, Location};
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
    fix: Option<&'a Fix>,
}

#[derive(Serialize)]
pub struct Summary {
    pub files: usize,
    pub images: usize,
    pub findings: usize,
    pub fixable: usize,
}

/// Writes a JSON document `{"version": 1, "<key>": [...], ...}` one item at
/// a time.
pub struct Stream {
    first: bool,
}

impl Stream {
    pub fn begin(w: &mut dyn Write, key: &str) -> io::Result<Stream> {
        write!(w, "{{\n  \"version\": 1,\n  \"{key}\": [")?;
        Ok(Stream { first: true })
    }

    /// Writes a chunk made by [`findings_chunk`] or [`entries_chunk`].
    pub fn chunk(&mut self, w: &mut dyn Write, chunk: &str) -> io::Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        if !self.first {
            w.write_all(b",")?;
        }
        self.first = false;
        w.write_all(chunk.as_bytes())
    }

    pub fn end(self, w: &mut dyn Write, summary: Option<&Summary>) -> io::Result<()> {
        w.write_all(if self.first { b"]" } else { b"\n  ]" })?;
        if let Some(s) = summary {
            w.write_all(b",\n  \"summary\": ")?;
            serde_json::to_writer(&mut *w, s).map_err(io::Error::other)?;
        }
        w.write_all(b"\n}\n")
    }
}

/// One file's findings as array items, each on its own line.
pub fn findings_chunk(findings: &[Finding]) -> String {
    items(findings.iter().map(finding_json))
}

/// One file's inventory entries as array items.
pub fn entries_chunk(entries: &[Entry]) -> String {
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
        fix: f.fix.as_ref(),
    }
}

/// `--format json-lines`: one finding object a line.
pub fn findings_lines(findings: &[Finding]) -> String {
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
    pub image: Option<&'a ImageInfo>,
    pub context: &'a str,
}

impl<'a> From<&'a Entry> for EntryJson<'a> {
    fn from(e: &'a Entry) -> EntryJson<'a> {
        EntryJson {
            path: &e.path,
            kind: e.kind.as_str(),
            location: &e.location,
            image: e.image.as_deref(),
            context: &e.context,
        }
    }
}
