//! What a run adds up to as files come back from the engine.

use super::errors::Problems;
use crate::analyze::finding::Finding;
use crate::engine::{FileEnd, Part};
use crate::render::RunReport;
use crate::rules::{Rule, Severity};

#[derive(Default)]
pub(super) struct Tally {
    pub files: usize,
    /// Files that could not be read or parsed.
    pub unchecked: usize,
    pub fixed_files: usize,
    pub images: usize,
    /// Each finding's severity and whether `--fix` can fix it.
    pub findings: Vec<(Severity, bool)>,
    /// Every finding, kept when an output needs them at the end.
    pub kept: Vec<Finding>,
    pub keep: bool,
    /// Findings the baseline records, not reported.
    pub baselined: usize,
}

impl Tally {
    pub fn keeping(keep: bool) -> Tally {
        Tally {
            keep,
            ..Tally::default()
        }
    }

    /// Counts a part of a file's findings.
    pub fn add_part(&mut self, part: &mut Part) {
        let analysis = &mut part.analysis;
        self.images += analysis.images;
        self.baselined += analysis.baselined;
        self.findings.extend_from_slice(&part.counts);
        if self.keep {
            self.kept.append(&mut analysis.findings);
        }
    }

    /// Counts a finished file; its error is reported.
    pub fn add_end(&mut self, end: &FileEnd, problems: &mut Problems) {
        if end.kind.is_some() {
            self.files += 1;
        }
        if end.fixed.is_some() {
            self.fixed_files += 1;
        }
        if let Some(e) = &end.error {
            if e.error.left_unchecked() {
                self.unchecked += 1;
            }
            problems.report(e);
        }
    }

    pub fn report<'a>(&'a self, rules: &'a [Rule]) -> RunReport<'a> {
        RunReport {
            files: self.files,
            unchecked: self.unchecked,
            images: self.images,
            fixed_files: self.fixed_files,
            tally: &self.findings,
            findings: &self.kept,
            rules,
        }
    }

    /// Whether any finding is at or above the level that fails the run.
    pub fn fails(&self, at_or_above: impl Fn(Severity) -> bool) -> bool {
        self.findings.iter().any(|(s, _)| at_or_above(*s))
    }
}
