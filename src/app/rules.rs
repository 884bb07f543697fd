//! `imagelint rules` and `imagelint explain RULE`, from the rule files and
//! the config's custom `[[rule]]`s, with the config's severities.

use super::errors::{Error, EXIT_OK};
use super::settings::Loaded;
use crate::cli::RulesArgs;
use crate::render::rule_list::{rule_list, Listed};
use crate::render::RenderError;
use crate::rules::{builtin_defs, RuleSet, Selection, SeveritySetting};
use std::io::{self, Write};
use std::path::Path;

fn listed(config: Option<&Path>) -> Result<Vec<Listed>, Error> {
    let cwd = std::env::current_dir().map_err(Error::CurrentDir)?;
    let loaded = Loaded::new(config, &cwd, Path::new(""))?;
    let c = &loaded.config;
    // The same checks a run makes: a bad custom rule is an error here too.
    let none = Selection {
        select: &[],
        ignore: &[],
    };
    RuleSet::new(&c.rules, &c.rule, &none).map_err(|e| Error::Setting {
        path: loaded.shown.clone(),
        message: e.to_string(),
    })?;
    let builtin = builtin_defs().into_iter().map(|d| (d, false));
    let custom = c.rule.iter().cloned().map(|d| (d, true));
    Ok(builtin
        .chain(custom)
        .map(|(def, custom)| {
            let severity = match c.rules.get(&def.id) {
                Some(SeveritySetting::Off) => "off",
                Some(SeveritySetting::Error) => "error",
                Some(SeveritySetting::Warning) => "warning",
                Some(SeveritySetting::Info) => "info",
                None => def.severity.as_str(),
            };
            Listed {
                def,
                custom,
                severity,
            }
        })
        .collect())
}

pub(super) fn list(args: &RulesArgs) -> Result<u8, Error> {
    let rules = listed(args.config.as_deref())?;
    let text = rule_list(args.format, &rules);
    io::stdout()
        .write_all(text.as_bytes())
        .map_err(RenderError::from)?;
    Ok(EXIT_OK)
}

pub(super) fn explain(id: &str, config: Option<&Path>) -> Result<u8, Error> {
    let rules = listed(config)?;
    let Some(rule) = rules.iter().find(|r| r.def.id == id) else {
        let near = rules
            .iter()
            .map(|r| r.def.id.as_str())
            .min_by_key(|r| strsim::damerau_levenshtein(id, r))
            .filter(|r| strsim::damerau_levenshtein(id, r) <= 3);
        return Err(Error::UnknownRule {
            id: id.to_string(),
            near: near.map(str::to_string),
        });
    };
    let def = &rule.def;
    let fixable = if def.fix.is_some() { "yes" } else { "no" };
    let origin = if rule.custom {
        " Custom rule, from the config."
    } else {
        ""
    };
    let mut text = format!(
        "# {}\n\nDefault severity: {}{}. Fixable: {fixable}.{origin}\n\n{}\n",
        def.id,
        def.severity,
        if rule.severity != def.severity.as_str() {
            format!(" (here: {})", rule.severity)
        } else {
            String::new()
        },
        def.summary.as_deref().unwrap_or(&def.message),
    );
    if let Some(doc) = &def.documentation {
        text.push('\n');
        text.push_str(doc.trim_end());
        text.push('\n');
    }
    if let Some(help) = def.help.as_deref().filter(|_| rule.custom) {
        text.push_str(&format!("\n{help}\n"));
    }
    io::stdout()
        .write_all(text.as_bytes())
        .map_err(RenderError::from)?;
    Ok(EXIT_OK)
}
