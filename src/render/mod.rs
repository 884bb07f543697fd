//! Step 7: output formats. Every format implements [`Reporter`]; [`Format`]
//! names them and builds the reporter, and nothing outside this folder knows
//! one format from another. Adding a format is one module here plus one arm
//! in `Format` (name, commands, constructor).

mod concise;
mod fingerprint;
mod github;
mod gitlab;
mod human;
mod inventory;
mod json;
mod rdjson;
pub mod rule_list;
mod sarif;
mod shorten;
mod statistics;
mod summary;

use crate::analyze::finding::Finding;
use crate::analyze::Analysis;
use crate::rules::{Rule, Severity};
use crate::source::LineIndex;
use std::io::{self, Write};
use std::path::PathBuf;

/// What a run reports on: findings (`check`) or every reference
/// (`inventory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Findings,
    Inventory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Concise,
    Json,
    JsonLines,
    Github,
    Sarif,
    Gitlab,
    Table,
    Csv,
    Summary,
    Statistics,
    RdJsonLines,
}

impl Format {
    const ALL: [Format; 12] = [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::JsonLines,
        Format::RdJsonLines,
        Format::Github,
        Format::Sarif,
        Format::Gitlab,
        Format::Table,
        Format::Csv,
        Format::Summary,
        Format::Statistics,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Concise => "concise",
            Format::RdJsonLines => "rdjsonl",
            Format::Json => "json",
            Format::JsonLines => "json-lines",
            Format::Github => "github",
            Format::Sarif => "sarif",
            Format::Gitlab => "gitlab",
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Summary => "summary",
            Format::Statistics => "statistics",
        }
    }

    /// Whether the format reports this subject.
    fn reports(self, subject: Subject) -> bool {
        match self {
            Format::Json => true,
            Format::Table | Format::Csv | Format::Summary => subject == Subject::Inventory,
            _ => subject == Subject::Findings,
        }
    }

    /// `color`: this output may be coloured (it goes to a terminal).
    fn reporter(self, subject: Subject, settings: &Settings, color: bool) -> Box<dyn Reporter> {
        match self {
            Format::Human => Box::new(human::Human::new(color, settings.quiet > 0)),
            Format::Concise => Box::new(concise::Concise {
                quiet: settings.quiet > 0,
            }),
            Format::RdJsonLines => Box::new(rdjson::RdJsonLines),
            Format::Json => Box::new(json::Json::new(subject)),
            Format::JsonLines => Box::new(json::JsonLines),
            Format::Github => Box::new(github::Github),
            Format::Sarif => Box::new(sarif::Sarif {
                category: settings.category.clone(),
            }),
            Format::Gitlab => Box::new(gitlab::Gitlab),
            Format::Table => Box::new(inventory::Table::new(&settings.roots)),
            Format::Csv => Box::new(inventory::Csv::new(&settings.roots)),
            Format::Summary => Box::new(summary::Summary::new(&settings.roots)),
            Format::Statistics => Box::new(statistics::Statistics),
        }
    }

    /// The formats of a subject, for messages.
    pub fn names(subject: Subject) -> String {
        Format::ALL
            .iter()
            .filter(|f| f.reports(subject))
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn parse(name: &str, subject: Subject) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name && f.reports(subject))
    }
}

/// How the outputs are to look.
pub struct Settings {
    /// Colour for the outputs on standard output; files never get it.
    pub color: bool,
    /// `-q`: the findings and nothing else (no summary line).
    pub quiet: u8,
    /// SARIF's `automationDetails.id`: one per configuration and paths.
    pub category: String,
    /// The PATH arguments as shown (`inventory`'s repositories): with more
    /// than one, the inventory has a repository column.
    pub roots: Vec<String>,
}

/// What a whole run adds up to, for the formats that end with a summary or
/// write everything at the end.
pub struct RunReport<'a> {
    pub files: usize,
    /// Files that could not be read or parsed: their references are unknown.
    pub unchecked: usize,
    pub images: usize,
    pub fixed_files: usize,
    /// The severity of every finding and whether it has a fix.
    pub tally: &'a [(Severity, bool)],
    /// Every finding, when some reporter asked for them.
    pub findings: &'a [Finding],
    pub rules: &'a [Rule],
}

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write output: {0}")]
    Write(#[from] io::Error),
    #[error("{path}: cannot write: {source}")]
    Open { path: String, source: io::Error },
    #[error("{path}: cannot write the job summary: {source}")]
    JobSummary { path: String, source: io::Error },
}

impl RenderError {
    /// A closed pipe (`imagelint | head`) is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, RenderError::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// One output format. File chunks are rendered on worker threads while the
/// file's text is at hand, then written in path order on the main thread.
pub trait Reporter: Sync {
    /// Written before anything else.
    fn begin(&self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// One file's part of the output.
    fn render_file(&self, _analysis: &Analysis, _text: &str, _lines: &LineIndex) -> String {
        String::new()
    }

    /// Writes one file's part, as rendered by [`Reporter::render_file`].
    fn write_chunk(&self, out: &mut dyn Write, chunk: &str) -> io::Result<()> {
        out.write_all(chunk.as_bytes())
    }

    /// Written between two non-empty file chunks.
    fn separator(&self) -> &'static str {
        ""
    }

    /// Whether `finish` needs every finding of the run.
    fn needs_findings(&self) -> bool {
        false
    }

    /// Whether the file chunks are held back and laid out together by
    /// [`Reporter::lay_out`] (a table whose columns fit every row).
    fn lays_out(&self) -> bool {
        false
    }

    /// The held chunks, in path order, as written.
    fn lay_out(&self, chunks: Vec<String>) -> String {
        chunks.concat()
    }

    /// Written after every file; `chunks` is how many non-empty file chunks
    /// were written.
    fn finish(
        &self,
        out: &mut dyn Write,
        run: &RunReport,
        chunks: usize,
    ) -> Result<(), RenderError>;
}

/// The reporters of a run's outputs, in order; the worker threads render
/// with them.
pub struct Reporters(Vec<Box<dyn Reporter>>);

impl Reporters {
    pub fn as_refs(&self) -> Vec<&dyn Reporter> {
        self.0.iter().map(|r| r.as_ref()).collect()
    }

    /// Whether some output needs every finding at the end.
    pub fn need_findings(&self) -> bool {
        self.0.iter().any(|r| r.needs_findings())
    }
}

/// Where one output goes.
struct Destination {
    writer: Box<dyn Write>,
    chunks_written: usize,
    /// Chunks held for a reporter that lays them out at the end.
    held: Vec<String>,
}

/// The destinations of a run's outputs, in the reporters' order.
pub struct Writers(Vec<Destination>);

/// Opens each `(format, path)`: a path is created, else standard output
/// (standard error when standard output carries something else), and
/// writes each format's beginning.
pub fn open(
    formats: Vec<(Format, Option<PathBuf>)>,
    subject: Subject,
    settings: &Settings,
    stdout_taken: bool,
) -> Result<(Reporters, Writers), RenderError> {
    let mut reporters = Vec::new();
    let mut writers = Vec::new();
    for (format, path) in formats {
        let color = settings.color && path.is_none();
        let mut writer: Box<dyn Write> = match path {
            Some(p) => Box::new(io::BufWriter::new(std::fs::File::create(&p).map_err(
                |source| RenderError::Open {
                    path: p.display().to_string(),
                    source,
                },
            )?)),
            None if stdout_taken => Box::new(io::BufWriter::new(io::stderr())),
            None => Box::new(io::BufWriter::with_capacity(1 << 16, io::stdout())),
        };
        let reporter = format.reporter(subject, settings, color);
        reporter.begin(&mut writer)?;
        reporters.push(reporter);
        writers.push(Destination {
            writer,
            chunks_written: 0,
            held: Vec::new(),
        });
    }
    Ok((Reporters(reporters), Writers(writers)))
}

impl Writers {
    /// Writes one file's chunks, one per output in order.
    pub fn write_file(&mut self, reporters: &Reporters, chunks: &[String]) -> io::Result<()> {
        for ((d, r), chunk) in self.0.iter_mut().zip(&reporters.0).zip(chunks) {
            if chunk.is_empty() {
                continue;
            }
            if r.lays_out() {
                d.held.push(chunk.clone());
                d.chunks_written += 1;
                continue;
            }
            if d.chunks_written > 0 {
                d.writer.write_all(r.separator().as_bytes())?;
            }
            d.chunks_written += 1;
            r.write_chunk(&mut d.writer, chunk)?;
        }
        Ok(())
    }

    /// Ends every output; every output is ended, the first error returned.
    pub fn finish(self, reporters: &Reporters, run: &RunReport) -> Result<(), RenderError> {
        let mut first = None;
        for (mut d, r) in self.0.into_iter().zip(&reporters.0) {
            let held = std::mem::take(&mut d.held);
            let result = (if r.lays_out() {
                d.writer.write_all(r.lay_out(held).as_bytes())
            } else {
                Ok(())
            })
            .map_err(RenderError::from)
            .and_then(|_| r.finish(&mut d.writer, run, d.chunks_written))
            .and_then(|_| Ok(d.writer.flush()?));
            if let Err(e) = result {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}
