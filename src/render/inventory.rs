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
    fn render_file(&self, analysis: &Analysis, _: &str, _: &LineIndex) -> String {
        table_chunk(&analysis.entries, self.roots.as_deref())
    }

    fn lays_out(&self) -> bool {
        true
    }

    /// Every column as wide as its widest cell, so long paths do not push
    /// the rest out of line; the last column is not padded.
    fn lay_out(&self, chunks: Vec<String>) -> String {
        let mut header = vec!["LOCATION", "KIND", "TAG CLASS", "IMAGE  [CONTEXT]"];
        if self.roots.is_some() {
            header.insert(0, "REPO");
        }
        let header = header.join(CELL);
        let rows: Vec<Vec<&str>> = std::iter::once(header.as_str())
            .chain(chunks.iter().flat_map(|c| c.lines()))
            .map(|row| row.split(CELL).collect())
            .collect();
        let columns = rows.first().map_or(0, Vec::len);
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                rows.iter()
                    .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &rows {
            for (i, cell) in row.iter().enumerate() {
                if i + 1 == row.len() {
                    out.push_str(cell);
                } else {
                    let pad = widths[i] - cell.chars().count();
                    out.push_str(cell);
                    out.extend(std::iter::repeat_n(' ', pad + 2));
                }
            }
            out.push('\n');
        }
        out
    }

    fn finish(&self, _: &mut dyn Write, _: &RunReport, _: usize) -> Result<(), RenderError> {
        Ok(())
    }
}

/// Between a table row's cells until the columns are laid out.
const CELL: &str = "\u{1f}";

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

/// One file's entries as table rows, cells apart by [`CELL`].
fn table_chunk(entries: &[Entry], roots: Option<&[String]>) -> String {
    let mut out = String::new();
    for e in entries {
        if let Some(roots) = roots {
            out.push_str(repository_of(roots, &e.path));
            out.push_str(CELL);
        }
        table_row(&mut out, e);
    }
    out
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

fn table_row(out: &mut String, e: &Entry) {
    let place = format!(
        "{}:{}:{}",
        e.path, e.location.start.line, e.location.start.column
    );
    let what = match (&e.image, &e.problem) {
        (Some(i), _) => i.canonical.clone(),
        (None, Some(p)) => format!("{} ({p})", e.text),
        (None, None) => e.text.clone(),
    };
    let cells = [
        place.as_str(),
        e.kind.as_str(),
        e.tag_class.unwrap_or("-"),
        &format!("{what}  [{}]", e.context),
    ];
    let cells: Vec<String> = cells.iter().map(|c| one_cell(c)).collect();
    out.push_str(&cells.join(CELL));
    out.push('\n');
}

/// A cell on one line, with no cell separator in it (a hostile file's text).
fn one_cell(text: &str) -> String {
    text.replace(['\n', '\r', '\u{1f}'], " ")
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
