//! `imagelint inventory` as a table or CSV (JSON shares `render::json`).

use super::summary::repository_of;
use super::{RenderError, Reporter, RunReport};
use crate::analyze::finding::Entry;
use crate::analyze::Analysis;
use crate::source::LineIndex;
use std::fmt::Write as _;
use std::io::{self, Write};

/// `inventory --format table`.
pub(super) struct Table {
    /// With several roots, the first column names each row's.
    roots: Option<Vec<String>>,
}

impl Table {
    pub fn new(roots: &[String]) -> Table {
        Table {
            roots: (roots.len() > 1).then(|| roots.to_vec()),
        }
    }
}

impl Reporter for Table {
    fn begin(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.roots.is_some() {
            write!(out, "{:<24} ", "REPO")?;
        }
        table_header(out)
    }

    fn render_file(&self, analysis: &Analysis, _: &str, _: &LineIndex) -> String {
        table_chunk(&analysis.entries, self.roots.as_deref())
    }

    fn finish(&self, _: &mut dyn Write, _: &RunReport, _: usize) -> Result<(), RenderError> {
        Ok(())
    }
}

/// `inventory --format csv`.
pub(super) struct Csv {
    /// With several roots, the first column names each row's.
    roots: Option<Vec<String>>,
}

impl Csv {
    pub fn new(roots: &[String]) -> Csv {
        Csv {
            roots: (roots.len() > 1).then(|| roots.to_vec()),
        }
    }
}

impl Reporter for Csv {
    fn begin(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.roots.is_some() {
            write!(out, "repo,")?;
        }
        writeln!(out, "{CSV_HEADER}")
    }

    fn render_file(&self, analysis: &Analysis, _: &str, _: &LineIndex) -> String {
        csv_chunk(&analysis.entries, self.roots.as_deref())
    }

    fn finish(&self, _: &mut dyn Write, _: &RunReport, _: usize) -> Result<(), RenderError> {
        Ok(())
    }
}

/// One file's entries as table rows.
fn table_chunk(entries: &[Entry], roots: Option<&[String]>) -> String {
    let mut out = Vec::new();
    for e in entries {
        if let Some(roots) = roots {
            let _ = write!(out, "{:<24} ", repository_of(roots, &e.path));
        }
        let _ = table_row(&mut out, e);
    }
    String::from_utf8(out).unwrap_or_default()
}

/// One file's entries as CSV rows.
fn csv_chunk(entries: &[Entry], roots: Option<&[String]>) -> String {
    let mut out = String::new();
    for e in entries {
        if let Some(roots) = roots {
            out.push_str(&csv_escape(repository_of(roots, &e.path)));
            out.push(',');
        }
        let _ = csv_row(&mut out, e);
    }
    out
}

fn table_row(w: &mut dyn Write, e: &Entry) -> io::Result<()> {
    let place = format!(
        "{}:{}:{}",
        e.path, e.location.start.line, e.location.start.column
    );
    let what = match (&e.image, &e.problem) {
        (Some(i), _) => i.canonical.clone(),
        (None, Some(p)) => format!("{} ({p})", e.text),
        (None, None) => e.text.clone(),
    };
    writeln!(
        w,
        "{place:<48} {:<15} {:<16} {what}  [{}]",
        e.kind.as_str(),
        e.tag_class.unwrap_or("-"),
        e.context
    )
}

fn table_header(w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "{:<48} {:<15} {:<16} IMAGE  [CONTEXT]",
        "LOCATION", "KIND", "TAG CLASS"
    )
}

const CSV_HEADER: &str =
    "path,line,column,kind,text,registry,repository,tag,digest,canonical,upstream,tag_class,context,problem";

fn csv_row(w: &mut String, e: &Entry) -> std::fmt::Result {
    let i = e.image.as_deref();
    let field = |s: Option<&str>| csv_escape(s.unwrap_or(""));
    let cols = [
        csv_escape(&e.path),
        e.location.start.line.to_string(),
        e.location.start.column.to_string(),
        e.kind.as_str().to_string(),
        csv_escape(&e.text),
        field(i.map(|i| i.registry.as_str())),
        field(i.map(|i| i.repository.as_str())),
        field(i.and_then(|i| i.tag.as_deref())),
        field(i.and_then(|i| i.digest.as_deref())),
        field(i.map(|i| i.canonical.as_str())),
        field(i.and_then(|i| i.upstream.as_deref())),
        field(e.tag_class),
        csv_escape(&e.context),
        field(e.problem.as_deref()),
    ];
    writeln!(w, "{}", cols.join(","))
}

fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
