//! `--format json` (SPEC section 8, version 1), streamed: the findings are
//! written as files finish, the summary last.

use crate::finding::{Entry, Finding, Fix, ImageInfo, Location};
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

    fn item(&mut self, w: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
        w.write_all(if self.first { b"\n    " } else { b",\n    " })?;
        self.first = false;
        serde_json::to_writer(&mut *w, value).map_err(io::Error::other)
    }

    pub fn finding(&mut self, w: &mut dyn Write, f: &Finding) -> io::Result<()> {
        self.item(w, &finding_json(f))
    }

    pub fn entry(&mut self, w: &mut dyn Write, e: &Entry) -> io::Result<()> {
        self.item(w, &EntryJson::from(e))
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

/// One line of `--format json-lines`: a finding object.
pub fn finding_line(w: &mut dyn Write, f: &Finding) -> io::Result<()> {
    serde_json::to_writer(&mut *w, &finding_json(f)).map_err(io::Error::other)?;
    w.write_all(b"\n")
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
