//! The rules in force for a run: built-ins with the config's overrides,
//! custom rules, `--select`/`--ignore`; and which of them fire for one
//! reference.

use super::builtin::builtin_defs;
use super::rule::{Rule, RuleError};
use super::schema::{RuleDef, Severity, SeveritySetting, Target};
use crate::image::Image;
use crate::kinds::FileKind;
use std::collections::BTreeMap;

/// The rules in force: built-ins with overrides applied, then custom rules.
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Every rule id, in force or not: what a suppression may name.
    pub all_ids: Vec<String>,
}

pub struct Selection<'a> {
    pub select: &'a [String],
    pub ignore: &'a [String],
}

impl RuleSet {
    pub fn new(
        overrides: &BTreeMap<String, SeveritySetting>,
        custom: &[RuleDef],
        selection: &Selection,
    ) -> Result<RuleSet, RuleError> {
        let mut rules = Vec::new();
        for def in builtin_defs() {
            rules.push(Rule::compile(def)?);
        }
        for def in custom {
            if def.fix.is_some() {
                return Err(RuleError(format!(
                    "rule `{}`: custom rules cannot declare a fix",
                    def.id
                )));
            }
            if rules.iter().any(|r| r.id() == def.id) {
                return Err(RuleError(format!("rule `{}` is defined twice", def.id)));
            }
            rules.push(Rule::compile(def.clone())?);
        }
        let known = |id: &str| rules.iter().any(|r| r.id() == id);
        for id in overrides
            .keys()
            .chain(selection.select)
            .chain(selection.ignore)
        {
            if !known(id) {
                return Err(RuleError(format!("unknown rule `{id}`")));
            }
        }
        for rule in &rules {
            if let Some(bad) = rule.def.unless.iter().find(|u| !known(u)) {
                return Err(RuleError(format!(
                    "rule `{}`: `unless` names unknown rule `{bad}`",
                    rule.id()
                )));
            }
        }
        let mut off = Vec::new();
        for rule in &mut rules {
            match overrides.get(rule.id()) {
                Some(SeveritySetting::Off) => off.push(rule.id().to_string()),
                Some(SeveritySetting::Error) => rule.severity = Severity::Error,
                Some(SeveritySetting::Warning) => rule.severity = Severity::Warning,
                Some(SeveritySetting::Info) => rule.severity = Severity::Info,
                None => {}
            }
        }
        let selected = |id: &str| {
            (selection.select.is_empty() || selection.select.iter().any(|s| s == id))
                && !selection.ignore.iter().any(|s| s == id)
                && !off.iter().any(|s| s == id)
        };
        let all_ids = rules.iter().map(|r| r.id().to_string()).collect();
        rules.retain(|r| selected(r.id()));
        Ok(RuleSet { rules, all_ids })
    }

    /// The rules that fire for one reference, `unless` applied.
    pub fn evaluate(
        &self,
        target: Target,
        kind: FileKind,
        path: &str,
        image: Option<&Image>,
    ) -> Vec<&Rule> {
        let fired: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.matches(target, kind, path, image))
            .collect();
        fired
            .iter()
            .filter(|r| {
                !r.def
                    .unless
                    .iter()
                    .any(|u| fired.iter().any(|f| f.id() == u))
            })
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::builtin::BUILTIN;

    #[test]
    fn every_rule_file_is_embedded_and_valid() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = BUILTIN.iter().map(|(n, _)| format!("{n}.toml")).collect();
        assert_eq!(on_disk, embedded);
        for def in builtin_defs() {
            let name = BUILTIN.iter().find(|(n, _)| *n == def.id).map(|(n, _)| *n);
            assert_eq!(name, Some(def.id.as_str()), "file name matches id");
            assert!(def.summary.is_some() && def.documentation.is_some() && def.help.is_some());
        }
        let set = RuleSet::new(
            &BTreeMap::new(),
            &[],
            &Selection {
                select: &[],
                ignore: &[],
            },
        )
        .unwrap();
        assert_eq!(set.rules.len(), BUILTIN.len());
    }
}
