//! `check --statistics`: how many findings each rule has, and how many of
//! them `--fix` can fix, instead of each finding (as ruff's `--statistics`).

use super::{RenderError, Reporter, RunReport};
use crate::words::count;
use std::collections::BTreeMap;
use std::io::Write;

pub(super) struct Statistics;

impl Reporter for Statistics {
    fn needs_findings(&self) -> bool {
        true
    }

    fn finish(&self, out: &mut dyn Write, run: &RunReport, _: usize) -> Result<(), RenderError> {
        // rule id -> (findings, fixable)
        let mut by_rule: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for f in run.findings {
            let entry = by_rule.entry(&f.rule).or_default();
            entry.0 += 1;
            entry.1 += usize::from(f.safe_fix().is_some());
        }
        let mut rows: Vec<(&str, (usize, usize))> = by_rule.into_iter().collect();
        // Most findings first, as ruff orders them; ties by rule id.
        rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        let width = rows
            .iter()
            .map(|(id, _)| id.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut text = String::new();
        if !rows.is_empty() {
            text.push_str(&format!(
                "{:>5}  {:>7}  {:<width$}  SUMMARY\n",
                "COUNT", "FIXABLE", "RULE"
            ));
        }
        for (id, (n, fixable)) in &rows {
            let summary = run
                .rules
                .iter()
                .find(|r| r.id() == *id)
                .map_or("", |r| r.summary());
            text.push_str(&format!("{n:>5}  {fixable:>7}  {id:<width$}  {summary}\n"));
        }
        let total = run.findings.len();
        let fixable: usize = rows.iter().map(|(_, (_, f))| f).sum();
        text.push_str(&match total {
            0 => format!("No findings in {}.\n", count(run.files, "file")),
            _ if fixable > 0 => format!(
                "{} in {}; {fixable} fixable with `imagelint check --fix`.\n",
                count(total, "finding"),
                count(run.files, "file")
            ),
            _ => format!(
                "{} in {}.\n",
                count(total, "finding"),
                count(run.files, "file")
            ),
        });
        Ok(out.write_all(text.as_bytes())?)
    }
}
