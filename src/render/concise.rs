//! `--format concise`: one line per finding, `path:line:col: severity[rule]
//! message`, for terminals and editors' problem matchers; then the summary.

use super::shorten::short_digests;
use super::{RenderError, Reporter, RunReport};
use crate::analyze::Analysis;
use crate::source::LineIndex;
use std::fmt::Write as _;

pub(super) struct Concise {
    /// No summary line (`-q`).
    pub quiet: bool,
}

impl Reporter for Concise {
    fn render_file(&self, analysis: &Analysis, _: &str, _: &LineIndex) -> String {
        let mut out = String::new();
        for f in &analysis.findings {
            let _ = writeln!(
                out,
                "{}:{}:{}: {}[{}] {}",
                f.path,
                f.location.start.line,
                f.location.start.column,
                f.severity,
                f.rule,
                short_digests(&f.message)
            );
        }
        out
    }

    fn finish(
        &self,
        out: &mut dyn std::io::Write,
        run: &RunReport,
        _: usize,
    ) -> Result<(), RenderError> {
        if self.quiet {
            return Ok(());
        }
        Ok(out.write_all(super::human::summary_lines(run).as_bytes())?)
    }
}
