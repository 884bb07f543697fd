//! `imagelint rules`: the rules in force as a table or JSON.

use crate::cli::RulesFormat;
use crate::rules::RuleDef;

/// Every rule in force for a config: built-in then custom, each with the
/// severity the config gives it (`off` included).
pub struct Listed {
    pub def: RuleDef,
    pub custom: bool,
    pub severity: &'static str,
}

pub fn rule_list(format: RulesFormat, rules: &[Listed]) -> String {
    match format {
        RulesFormat::Table => table(rules),
        RulesFormat::Json => json(rules),
    }
}

fn table(rules: &[Listed]) -> String {
    let width = rules
        .iter()
        .map(|r| r.def.id.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut out = format!(
        "{:<width$}  {:<8} {:<7} SUMMARY\n",
        "RULE", "SEVERITY", "FIXABLE"
    );
    for r in rules {
        let fixable = if r.def.fix.is_some() { "yes" } else { "no" };
        let mut summary = r
            .def
            .summary
            .clone()
            .unwrap_or_else(|| r.def.message.clone());
        if r.custom {
            summary.push_str(" (custom)");
        }
        out.push_str(&format!(
            "{:<width$}  {:<8} {:<7} {summary}\n",
            r.def.id, r.severity, fixable
        ));
    }
    out
}

fn json(rules: &[Listed]) -> String {
    let items: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.def.id,
                "severity": r.severity,
                "default_severity": r.def.severity.as_str(),
                "fixable": r.def.fix.is_some(),
                "custom": r.custom,
                "summary": r.def.summary.as_deref().unwrap_or(&r.def.message),
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).expect("JSON values serialise") + "\n"
}
