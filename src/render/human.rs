//! The terminal report, grouped by reference, three lines for most: the
//! most severe finding's rule and where the reference is, its message, the
//! source line with the reference painted (and marked beneath only where
//! the line goes on after it: else the column says where); then the other
//! findings on it and the helps, each help text once per run. No blank
//! lines between references: each starts at column 0 with its severity.
//! It fits 80 columns: long source lines are cut around the reference,
//! long messages wrapped, digests shortened. Written directly: one snippet
//! per reference costs a few string pushes.

use super::shorten::{fitted, short_digests};
use super::{RenderError, Reporter, RunReport};
use crate::analyze::finding::Finding;
use crate::analyze::Analysis;
use crate::rules::Severity;
use crate::source::LineIndex;
use crate::words::{count, count_as};
use std::collections::HashSet;
use std::fmt::{Display, Write as _};
use std::sync::Mutex;

/// The terminal's width the report is laid out for.
const WIDTH: usize = 80;

pub(super) struct Human {
    color: bool,
    /// No summary line (`-q`).
    quiet: bool,
    /// Helps already printed: the same advice is given once per run, under
    /// the first finding that has it in the output. Files are rendered on
    /// several threads in any order, so a rendered file only marks where a
    /// help goes (see [`HELP`]); the writer, which sees the files in path
    /// order, prints the first and drops the others.
    helps_shown: Mutex<HashSet<String>>,
}

/// A help's mark in a rendered file: `HELP`, the width of the line numbers
/// beside it, [`HELP_TEXT`], the help, [`HELP_END`]. Control characters
/// in the rest of the file's text are replaced, so a mark is never forged.
const HELP: char = '\u{1}';
const HELP_TEXT: char = '\u{2}';
const HELP_END: char = '\u{3}';

impl Reporter for Human {
    fn render_file(&self, analysis: &Analysis, text: &str, lines: &LineIndex) -> String {
        let mut out = Marked::default();
        let findings = &analysis.findings;
        let mut i = 0;
        while i < findings.len() {
            let span = findings[i].span;
            let mut j = i + 1;
            while j < findings.len() && findings[j].span == span {
                j += 1;
            }
            self.reference(&mut out, &findings[i..j], text, lines);
            i = j;
        }
        out.finish()
    }

    /// Writes a rendered file with each help printed where its mark is met
    /// first in the run.
    fn write_chunk(&self, out: &mut dyn std::io::Write, chunk: &str) -> std::io::Result<()> {
        let mut rest = chunk;
        while let Some(at) = rest.find(HELP) {
            out.write_all(&rest.as_bytes()[..at])?;
            let mark = &rest[at + HELP.len_utf8()..];
            let end = mark.find(HELP_END).unwrap_or(mark.len());
            rest = mark.get(end + HELP_END.len_utf8()..).unwrap_or("");
            let Some((width, help)) = mark[..end].split_once(HELP_TEXT) else {
                continue;
            };
            let fresh = self.helps_shown.lock().map_or(true, |mut shown| {
                !shown.contains(help) && shown.insert(help.to_string())
            });
            if fresh {
                let mut lines = String::new();
                let indent = " ".repeat(width.parse::<usize>().unwrap_or(0) + 2);
                // Whole references here: a help may say what to write.
                push_wrapped(
                    &mut lines,
                    &indent,
                    &self.paint("36", "= help:"),
                    7,
                    &short_digests(help),
                );
                out.write_all(lines.as_bytes())?;
            }
        }
        out.write_all(rest.as_bytes())
    }

    fn separator(&self) -> &'static str {
        ""
    }

    fn finish(
        &self,
        out: &mut dyn std::io::Write,
        run: &RunReport,
        chunks: usize,
    ) -> Result<(), RenderError> {
        if self.quiet {
            return Ok(());
        }
        let gap = if chunks > 0 { "\n" } else { "" };
        let mut text = String::from(gap);
        for line in summary_lines(run).lines() {
            push_wrapped(&mut text, "", "", 0, line.trim_start());
        }
        Ok(out.write_all(text.as_bytes())?)
    }
}

impl Human {
    pub(super) fn new(color: bool, quiet: bool) -> Human {
        Human {
            color,
            quiet,
            helps_shown: Mutex::new(HashSet::new()),
        }
    }

    fn paint(&self, style: &str, text: &str) -> String {
        let mut out = String::new();
        self.paint_str(&mut out, style, text);
        out
    }

    /// `text` in `style`, written straight into `out` (a number too,
    /// without a string of its own).
    fn paint_into(&self, out: &mut String, style: &str, text: impl Display) {
        // Writing to a `String` cannot fail.
        let _ = if self.color {
            write!(out, "\x1b[{style}m{text}\x1b[0m")
        } else {
            write!(out, "{text}")
        };
    }

    /// [`Self::paint_into`] for text, copied as is rather than formatted
    /// (a few of these for every finding).
    fn paint_str(&self, out: &mut String, style: &str, text: &str) {
        if self.color {
            out.push_str("\x1b[");
            out.push_str(style);
            out.push('m');
            out.push_str(text);
            out.push_str("\x1b[0m");
        } else {
            out.push_str(text);
        }
    }

    /// One reference and every finding on it, most severe first, as rustc
    /// and ruff lay one out: the findings, where, the source line marked,
    /// then the helps (each text once a run).
    fn reference<'f>(
        &self,
        marked: &mut Marked<'f>,
        group: &'f [Finding],
        text: &str,
        lines: &LineIndex,
    ) {
        let out = &mut marked.text;
        let mut group: Vec<&Finding> = group.iter().collect();
        group.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
        let first = group[0];
        let number_width = digits(first.location.start.line);
        for (n, f) in group.iter().enumerate() {
            let (style, word) = severity_style(f.severity);
            let label_width = word.len() + f.rule.len() + 2;
            if n == 0 {
                // The most severe finding's header says where: the rule,
                // the place and, when it fits, where in the file (`service
                // web`, `FROM (stage 0)`); its message goes beneath.
                self.label(out, style, word, &f.rule);
                out.push(' ');
                self.paint_str(out, "34", "-->");
                out.push(' ');
                let place_start = out.len();
                let start = &f.location.start;
                let _ = write!(out, "{}:{}:{}", f.path, start.line, start.column);
                let used = label_width + 5 + out[place_start..].chars().count();
                if !f.context.is_empty() && used + 2 + f.context.chars().count() <= WIDTH {
                    out.push_str("  ");
                    self.paint_str(out, "2", &f.context);
                }
                out.push('\n');
                push_wrapped(out, "  ", "", 0, &fitted(&f.message, WIDTH - 2));
            } else {
                let mut label = String::new();
                self.label(&mut label, style, word, &f.rule);
                label.push(':');
                push_wrapped(
                    out,
                    "",
                    &label,
                    label_width + 1,
                    &fitted(&f.message, WIDTH - label_width - 2),
                );
            }
        }
        self.snippet(out, first, text, lines);
        for f in &group {
            if let Some(help) = &f.help {
                marked.help(number_width, help);
            }
        }
    }

    /// `severity[rule]`, painted.
    fn label(&self, out: &mut String, style: &str, word: &str, rule: &str) {
        self.paint_str(out, style, word);
        out.push('[');
        self.paint_str(out, "1", rule);
        out.push(']');
    }

    /// The reference's first line with the reference marked: cut to fit
    /// the width around the reference, the mark cut where the line is.
    fn snippet(&self, out: &mut String, f: &Finding, text: &str, lines: &LineIndex) {
        let line = lines.line_of(f.span.start.min(text.len()));
        let start = lines.line_start(line);
        let end = text[start..]
            .find(['\n', '\r'])
            .map_or(text.len(), |e| start + e);
        let source = &text[start..end];
        let number_len = digits(line + 1);
        // " 12 │ " before the text, and a `…` on either side.
        let room = WIDTH.saturating_sub(number_len + 4 + 2).max(20);
        // Characters, not bytes: the mark goes under characters. Most
        // lines are ASCII, where the two are the same.
        let from = f.span.start.clamp(start, end) - start;
        let to = f.span.end.clamp(start, end) - start;
        let cols = LineChars::new(source);
        let (mark_from, mark_to) = (
            cols.char_at(from),
            cols.char_at(to).max(cols.char_at(from) + 1),
        );
        let chars_len = cols.chars;
        // Leading indentation is dropped, as ruff does, then the line is cut
        // to `room` around the reference.
        let indent = source
            .bytes()
            .take_while(|c| *c == b' ' || *c == b'\t')
            .count()
            .min(mark_from);
        let mut lo = indent;
        let mut hi = chars_len;
        if hi - lo > room {
            // Keep a little before the reference, as much of it as fits.
            lo = lo.max(mark_from.saturating_sub(8));
            hi = (lo + room).min(chars_len);
        }
        let cut_left = lo > indent;
        let cut_right = hi < chars_len;
        let (style, _) = severity_style(f.severity);
        // The reference painted in the line itself; the mark below it is
        // only needed where the line goes on after the reference (a
        // comment, a template's end): else `line:column` says it all.
        let (a, b) = (mark_from.clamp(lo, hi), mark_to.clamp(lo, hi));
        let piece = |from: usize, to: usize| &source[cols.byte_at(from)..cols.byte_at(to)];
        out.push(' ');
        self.paint_into(out, "34", line + 1);
        out.push(' ');
        self.paint_str(out, "34", "│");
        out.push(' ');
        if cut_left {
            out.push('…');
        }
        out.push_str(piece(lo, a));
        self.paint_into(out, underlined(f.severity), piece(a, b));
        out.push_str(piece(b, hi));
        if cut_right {
            out.push('…');
        }
        out.push('\n');
        if source[cols.byte_at(mark_to.min(chars_len))..]
            .trim()
            .is_empty()
        {
            return;
        }
        let mark_lo = mark_from.max(lo) - lo + usize::from(cut_left);
        let mark_hi = mark_to.min(hi).max(mark_from.max(lo) + 1) - lo + usize::from(cut_left);
        out.push(' ');
        out.extend(std::iter::repeat_n(' ', number_len));
        out.push(' ');
        self.paint_str(out, "34", "│");
        out.push(' ');
        out.extend(std::iter::repeat_n(' ', mark_lo));
        self.paint_into(out, style, "^".repeat(mark_hi - mark_lo));
        if mark_to > hi {
            out.push('…');
        }
        out.push('\n');
    }
}

/// Character positions of one line and their bytes; for an ASCII line
/// (most) both are the same and nothing is counted.
struct LineChars<'a> {
    line: &'a str,
    ascii: bool,
    chars: usize,
}

impl<'a> LineChars<'a> {
    fn new(line: &'a str) -> LineChars<'a> {
        let ascii = line.is_ascii();
        let chars = if ascii {
            line.len()
        } else {
            line.chars().count()
        };
        LineChars { line, ascii, chars }
    }

    /// The character at byte `byte` (a character boundary).
    fn char_at(&self, byte: usize) -> usize {
        if self.ascii {
            byte
        } else {
            self.line[..byte].chars().count()
        }
    }

    /// The byte where character `n` starts (the line's end past its last).
    fn byte_at(&self, n: usize) -> usize {
        if self.ascii {
            n.min(self.line.len())
        } else {
            self.line
                .char_indices()
                .nth(n)
                .map_or(self.line.len(), |(i, _)| i)
        }
    }
}

/// How many digits `n` is written with.
fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The severity's style, underlined: the reference in its source line.
fn underlined(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31;4",
        Severity::Warning => "1;33;4",
        Severity::Info => "1;36;4",
    }
}

fn severity_style(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Error => ("1;31", "error"),
        Severity::Warning => ("1;33", "warning"),
        Severity::Info => ("1;36", "info"),
    }
}

/// `label message`, wrapped at word boundaries to the width, continuation
/// lines indented under the message. `label_width` is the label's width
/// without colour codes.
fn push_wrapped(out: &mut String, indent: &str, label: &str, label_width: usize, text: &str) {
    out.push_str(indent);
    out.push_str(label);
    let mut column = indent.len() + label_width;
    let gap = usize::from(!label.is_empty());
    // Most texts fit (bytes are never fewer than columns): no words to count.
    if column + gap + text.len() <= WIDTH {
        if gap == 1 {
            out.push(' ');
        }
        out.push_str(text);
        out.push('\n');
        return;
    }
    let rest_indent = indent.len() + 2;
    for (words, word) in text.split(' ').enumerate() {
        let w = word.chars().count();
        if words > 0 && column + 1 + w > WIDTH {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', rest_indent));
            column = rest_indent;
        } else if words > 0 || !label.is_empty() {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += w;
    }
    out.push('\n');
}

/// A file's report as rendered, with its helps marked.
#[derive(Default)]
struct Marked<'f> {
    text: String,
    /// Where the text not yet cleaned of control characters starts.
    clean: usize,
    /// Helps marked in this file already: each is marked once.
    helps: Vec<&'f str>,
}

impl<'f> Marked<'f> {
    fn help(&mut self, number_width: usize, help: &'f str) {
        if self.helps.contains(&help) {
            return;
        }
        self.helps.push(help);
        self.clean_up();
        let _ = write!(self.text, "{HELP}{number_width}{HELP_TEXT}");
        if forgeable(help) {
            self.text.extend(help.chars().map(unforged));
        } else {
            self.text.push_str(help);
        }
        self.text.push(HELP_END);
        self.clean = self.text.len();
    }

    /// Replaces the mark's characters in the text written since the last
    /// mark (file names, source lines and contexts come from the files).
    fn clean_up(&mut self) {
        let fresh = &self.text[self.clean..];
        if forgeable(fresh) {
            let cleaned: String = fresh.chars().map(unforged).collect();
            self.text.truncate(self.clean);
            self.text.push_str(&cleaned);
        }
    }

    fn finish(mut self) -> String {
        self.clean_up();
        self.text
    }
}

/// Whether `text` holds a mark's characters (one byte each, found with a
/// vectorised search: this looks at every byte of the report).
fn forgeable(text: &str) -> bool {
    const _: () = assert!(HELP as u32 == 1 && HELP_TEXT as u32 == 2 && HELP_END as u32 == 3);
    memchr::memchr3(1, 2, 3, text.as_bytes()).is_some()
}

fn unforged(c: char) -> char {
    match c {
        HELP | HELP_TEXT | HELP_END => char::REPLACEMENT_CHARACTER,
        c => c,
    }
}

/// What the human formats print after the findings: files fixed, the
/// tally, files that could not be checked.
pub(super) fn summary_lines(run: &RunReport) -> String {
    let mut text = String::new();
    if run.fixed_files > 0 {
        text.push_str(&format!("Fixed {}.\n", count(run.fixed_files, "file")));
    }
    text.push_str(&summary(run.tally, run.files, run.images));
    if run.unchecked > 0 {
        // "No findings" must not read as "all clear" when files were
        // skipped.
        text.push_str(&format!(
            "{} could not be checked: see the errors above.\n",
            count_as(run.unchecked, "file", "files")
        ));
    }
    text
}

/// The one-line tally printed after the findings.
fn summary(findings: &[(Severity, bool)], files: usize, images: usize) -> String {
    if findings.is_empty() {
        return format!(
            "No findings: {} in {}.\n",
            count(images, "image reference"),
            count(files, "file")
        );
    }
    let n_of = |s: Severity| findings.iter().filter(|(sev, _)| *sev == s).count();
    let fixable = findings.iter().filter(|(_, f)| *f).count();
    let mut parts = vec![];
    for (s, word) in [(Severity::Error, "error"), (Severity::Warning, "warning")] {
        if n_of(s) > 0 {
            parts.push(count(n_of(s), word));
        }
    }
    if n_of(Severity::Info) > 0 {
        parts.push(format!("{} info", n_of(Severity::Info)));
    }
    let mut line = format!(
        "Found {} ({}) in {} across {}.",
        count(findings.len(), "finding"),
        parts.join(", "),
        count(images, "image reference"),
        count(files, "file"),
    );
    if fixable > 0 {
        line.push_str(&format!(" {fixable} fixable with `imagelint check --fix`."));
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::finding::{LineColumn, Location};
    use crate::kinds::FileKind;
    use crate::source::Span;

    fn file(path: &str, help: &str) -> Analysis {
        let at = LineColumn { line: 1, column: 1 };
        let finding = Finding {
            rule: "mutable-tag".into(),
            severity: Severity::Error,
            message: "`x:1` is not pinned".into(),
            help: Some(help.into()),
            path: path.into(),
            kind: FileKind::Dockerfile,
            span: Span::new(5, 8),
            location: Location {
                start: at,
                end: at,
                offset: 5,
                length: 3,
                utf16: (0, 0),
            },
            context: "".into(),
            image: None,
            fix: None,
            fingerprint: String::new(),
        };
        Analysis {
            findings: vec![finding],
            ..Analysis::default()
        }
    }

    #[test]
    fn a_help_is_printed_under_its_first_finding_in_the_output() {
        let human = Human::new(false, true);
        let text = "FROM x:1\n";
        let lines = LineIndex::new(text);
        // Rendered in the other order, as two threads may.
        let b = human.render_file(&file("b", "pin it"), text, &lines);
        let a = human.render_file(&file("a", "pin it"), text, &lines);
        let mut out = Vec::new();
        human.write_chunk(&mut out, &a).unwrap();
        human.write_chunk(&mut out, &b).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.matches("= help: pin it").count(), 1, "{out}");
        assert!(
            out.find("= help").unwrap() < out.find("b:1:1").unwrap(),
            "{out}"
        );
    }

    #[test]
    fn file_text_cannot_forge_a_help() {
        let human = Human::new(false, true);
        let text = "FROM x:1\n";
        let lines = LineIndex::new(text);
        let forged = file("a\u{1}0\u{2}forged\u{3}", "pin \u{3}it");
        let mut out = Vec::new();
        let chunk = human.render_file(&forged, text, &lines);
        human.write_chunk(&mut out, &chunk).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("forged\n") && !out.contains('\u{1}'), "{out}");
        assert!(out.contains("= help: pin \u{fffd}it"), "{out}");
    }
}
