//! `--format github`: workflow commands that annotate a pull request, and a
//! Markdown job summary when `GITHUB_STEP_SUMMARY` is set.
//!
//! GitHub shows at most 10 annotations of each level per step, so the most
//! important go first and one notice counts the rest; every finding is still
//! printed as a plain log line.

use super::{RenderError, Reporter, RunReport};
use crate::analyze::finding::Finding;
use crate::rules::Severity;
use crate::words;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const PER_LEVEL: usize = 10;
/// The summary upload fails over 1 MiB; stay well under it.
const SUMMARY_LIMIT: usize = 900 * 1024;

/// `--format github`: every annotation at the end, most important first.
pub(super) struct Github;

impl Reporter for Github {
    fn needs_findings(&self) -> bool {
        true
    }

    fn finish(
        &self,
        out: &mut dyn std::io::Write,
        run: &RunReport,
        _chunks: usize,
    ) -> Result<(), RenderError> {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            append(Path::new(&path), &summary(run.findings, run.files))?;
        }
        Ok(out.write_all(render(run.findings).as_bytes())?)
    }
}

/// Appends to a file GitHub reads after the step (the job summary).
fn append(path: &Path, text: &str) -> Result<(), RenderError> {
    use std::io::Write as _;
    let fail = |source| RenderError::JobSummary {
        path: path.display().to_string(),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    f.write_all(text.as_bytes()).map_err(fail)
}

/// Escapes a command's message, as the Actions toolkit does.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value: also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(f: &Finding) -> String {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let (start, end) = (f.location.start, f.location.end);
    let mut props = format!(
        "file={},line={},endLine={}",
        escape_property(&f.path),
        start.line,
        end.line
    );
    // The runner drops the position when columns span lines.
    if start.line == end.line {
        let _ = write!(props, ",col={},endColumn={}", start.column, end.column);
    }
    let _ = write!(
        props,
        ",title={}",
        escape_property(&format!("imagelint ({})", f.rule))
    );
    let message = format!(
        "{}:{}:{}: {} {}",
        f.path, start.line, start.column, f.rule, f.message
    );
    format!("::{level} {props}::{}\n", escape_data(&message))
}

fn plain(f: &Finding) -> String {
    let s = f.location.start;
    format!(
        "{}:{}:{}: {} [{}] {}\n",
        f.path, s.line, s.column, f.severity, f.rule, f.message
    )
}

/// The annotation lines for all findings (given in output order).
fn render(findings: &[Finding]) -> String {
    let mut order: Vec<&Finding> = findings.iter().collect();
    // Most severe first; the sort is stable, so path order holds within.
    order.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let overflow = [Severity::Error, Severity::Warning, Severity::Info]
        .iter()
        .any(|s| count(*s) > PER_LEVEL);
    let mut shown: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut out = String::new();
    let mut rest = Vec::new();
    for f in order {
        // The closing count is a notice too: leave room for it.
        let cap = if overflow && f.severity == Severity::Info {
            PER_LEVEL - 1
        } else {
            PER_LEVEL
        };
        let n = shown.entry(f.severity).or_default();
        if *n < cap {
            *n += 1;
            out.push_str(&command(f));
        } else {
            rest.push(f);
        }
    }
    if !rest.is_empty() {
        for f in &rest {
            out.push_str(&plain(f));
        }
        let _ = writeln!(
            out,
            "::notice title=imagelint::{} more findings are not annotated (GitHub shows 10 per level); see the log above or the job summary",
            rest.len()
        );
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The job summary: counts by rule and a table of findings, cut well under
/// GitHub's 1 MiB limit.
fn summary(findings: &[Finding], files: usize) -> String {
    let mut out = String::from("## imagelint\n\n");
    if findings.is_empty() {
        let _ = writeln!(out, "No findings in {}.", words::count(files, "file"));
        return out;
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "{} ({}, {}, {} info) in {}.\n",
        words::count(findings.len(), "finding"),
        words::count(count(Severity::Error), "error"),
        words::count(count(Severity::Warning), "warning"),
        count(Severity::Info),
        words::count(files, "file"),
    );
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *by_rule.entry(&f.rule).or_default() += 1;
    }
    out.push_str("| Rule | Findings |\n|---|---:|\n");
    for (rule, n) in by_rule {
        let _ = writeln!(out, "| `{rule}` | {n} |");
    }
    out.push_str("\n| Location | Rule | Severity | Image | Message |\n|---|---|---|---|---|\n");
    for (i, f) in findings.iter().enumerate() {
        let image = f
            .image
            .as_ref()
            .map_or(String::new(), |i| format!("`{}`", cell(&i.text)));
        let row = format!(
            "| `{}:{}` | `{}` | {} | {} | {} |\n",
            cell(&f.path),
            f.location.start.line,
            f.rule,
            f.severity,
            image,
            cell(&f.message)
        );
        if out.len() + row.len() > SUMMARY_LIMIT {
            let _ = writeln!(
                out,
                "\n… and {} more findings not listed here.",
                findings.len() - i
            );
            break;
        }
        out.push_str(&row);
    }
    out
}
