//! The terminal report: one miette diagnostic per finding, a snippet with a
//! label on the exact span, the rule id and its help.

use super::{RenderError, Reporter, RunReport};
use crate::analyze::finding::Finding;
use crate::analyze::Analysis;
use crate::rules::Severity;
use crate::source::LineIndex;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::fmt;

pub(super) struct Human {
    handler: GraphicalReportHandler,
}

impl Reporter for Human {
    fn render_file(&self, analysis: &Analysis, text: &str, lines: &LineIndex) -> String {
        self.render_findings(analysis, text, lines)
    }

    fn finish(
        &self,
        out: &mut dyn std::io::Write,
        run: &RunReport,
        _chunks: usize,
    ) -> Result<(), RenderError> {
        let mut text = String::new();
        if run.fixed_files > 0 {
            let s = if run.fixed_files == 1 { "" } else { "s" };
            text.push_str(&format!("Fixed {} file{s}.\n", run.fixed_files));
        }
        text.push_str(&summary(run.tally, run.files, run.images));
        if run.unchecked > 0 {
            // "No findings" must not read as "all clear" when files were
            // skipped.
            let (n, s) = (run.unchecked, if run.unchecked == 1 { "" } else { "s" });
            text.push_str(&format!(
                "{n} file{s} could not be checked: see the errors above.\n"
            ));
        }
        Ok(out.write_all(text.as_bytes())?)
    }
}

impl Human {
    pub(super) fn new(color: bool) -> Human {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        Human {
            handler: GraphicalReportHandler::new_themed(theme)
                .with_width(120)
                .with_wrap_lines(false)
                .with_context_lines(0)
                .with_links(false),
        }
    }

    /// All findings of one file.
    fn render_findings(&self, analysis: &Analysis, text: &str, lines: &LineIndex) -> String {
        let mut out = String::new();
        for finding in &analysis.findings {
            let source = Source {
                name: &finding.path,
                text,
                lines,
            };
            let diag = Diag { finding, source };
            if self.handler.render_report(&mut out, &diag).is_err() {
                out.push_str(&format!("{}: {}\n", finding.path, finding.message));
            }
            out.push('\n');
        }
        out
    }
}

/// The one-line tally printed after the findings.
fn summary(findings: &[(Severity, bool)], files: usize, images: usize) -> String {
    if findings.is_empty() {
        return format!("No findings: {images} image references in {files} files.\n");
    }
    let count = |s: Severity| findings.iter().filter(|(sev, _)| *sev == s).count();
    let fixable = findings.iter().filter(|(_, f)| *f).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = vec![];
    for (s, word) in [(Severity::Error, "error"), (Severity::Warning, "warning")] {
        if count(s) > 0 {
            parts.push(plural(count(s), word));
        }
    }
    if count(Severity::Info) > 0 {
        parts.push(format!("{} info", count(Severity::Info)));
    }
    let mut line = format!(
        "Found {} ({}) in {images} image references across {}.",
        plural(findings.len(), "finding"),
        parts.join(", "),
        plural(files, "file"),
    );
    if fixable > 0 {
        line.push_str(&format!(" {fixable} fixable with `imagelint check --fix`."));
    }
    line.push('\n');
    line
}

struct Diag<'a> {
    finding: &'a Finding,
    source: Source<'a>,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.finding
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.finding.span;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                Some(self.finding.context.to_string()),
                SourceSpan::new(span.start.into(), span.len()),
            ),
        )))
    }
}

/// A file's text with its line index, so a snippet costs a few lines of
/// work instead of a scan from the top of the file for every finding.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
    lines: &'a LineIndex,
}

impl SourceCode for Source<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = self.lines.line_of(start).saturating_sub(before);
        let last_line = (self.lines.line_of(end.saturating_sub(1).max(start)) + after)
            .min(self.lines.line_count().saturating_sub(1));
        let data_start = self.lines.line_start(first_line);
        let data_end = self.lines.line_start(last_line + 1).min(self.text.len());
        let data = &self.text.as_bytes()[data_start..data_end];
        let column = if before == 0 {
            self.text[self.lines.line_start(first_line)..start]
                .chars()
                .count()
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            data,
            SourceSpan::new(data_start.into(), data_end - data_start),
            first_line,
            column,
            last_line - first_line + 1,
        )))
    }
}
