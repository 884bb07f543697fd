//! `check --show-files` and `check --show-settings`: what a run would read
//! and with which settings, as ruff's flags of the same names.

use super::errors::{Error, Problems, EXIT_OK};
use super::scopes::Nested;
use super::settings::{Loaded, Setup};
use crate::cli::CheckArgs;
use crate::config::Config;
use crate::discover::classify::Class;
use crate::discover::paths::display_path;
use crate::discover::record::Candidate;
use crate::render::RenderError;
use crate::rules::SeveritySetting;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

/// Every file a run would read, with its kind and, when some are checked
/// with a nearer config than the run's, that config; in reading order.
pub(super) fn files(
    candidates: &[Candidate],
    nested: &Nested,
    problems: Problems,
) -> Result<u8, Error> {
    let width = candidates
        .iter()
        .map(|c| c.display.len())
        .max()
        .unwrap_or(0);
    let kinds: Vec<String> = candidates
        .iter()
        .map(|c| match c.class {
            Class::Kind(k) => k.as_str().to_string(),
            Class::ByContent(kinds) => {
                let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                format!("{} (if its text is one)", names.join(" or "))
            }
        })
        .collect();
    let kind_width = kinds.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (c, kind) in candidates.iter().zip(&kinds) {
        match nested.config_shown(c.scope) {
            Some(config) => {
                let _ = writeln!(out, "{:<width$}  {kind:<kind_width$}  {config}", c.display);
            }
            None => {
                let _ = writeln!(out, "{:<width$}  {kind}", c.display);
            }
        }
    }
    io::stdout()
        .write_all(out.as_bytes())
        .map_err(RenderError::from)?;
    Ok(problems.exit_code(false))
}

/// Where a setting's value comes from.
fn source(from_flag: bool, in_config: bool) -> &'static str {
    if from_flag {
        "command line"
    } else if in_config {
        "config"
    } else {
        "default"
    }
}

/// One line of `--show-settings`: key, value, where the value comes from.
type Row = (String, String, String);

fn row(key: &str, value: String, from: &str) -> Row {
    (key.to_string(), value, from.to_string())
}

/// The settings in force, each with where it comes from.
pub(super) fn settings(args: &CheckArgs, setup: &Setup) -> Result<u8, Error> {
    let discover_from = super::check::discover_from(args);
    let loaded = Loaded::new(args.common.config.as_deref(), &setup.cwd, &discover_from)?;
    let mut rows = files_rows(args, setup, &loaded);
    rows.extend(config_rows(&loaded.config));
    rows.extend(rule_rows(args, setup, &loaded.config));
    rows.push(row(
        "threads",
        setup.threads.to_string(),
        source(args.common.threads.is_some(), false),
    ));
    let width = rows.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value, from) in rows {
        let _ = writeln!(out, "{key:<width$}  {value}  ({from})");
    }
    io::stdout()
        .write_all(out.as_bytes())
        .map_err(RenderError::from)?;
    Ok(EXIT_OK)
}

/// The config and lock files, and `fail-on`.
fn files_rows(args: &CheckArgs, setup: &Setup, loaded: &Loaded) -> Vec<Row> {
    let config_from = if args.common.config.is_some() {
        "command line"
    } else {
        "the nearest to the first path, or the current directory"
    };
    let mut rows = vec![match &loaded.shown {
        Some(shown) if loaded.config.extended.is_empty() => {
            row("config file", shown.clone(), config_from)
        }
        Some(shown) => row(
            "config file",
            format!(
                "{shown}, extending {}",
                loaded
                    .config
                    .extended
                    .iter()
                    .map(|p| display_path(Path::new(p), &setup.cwd))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            config_from,
        ),
        None => row(
            "config file",
            "none".into(),
            "no .imagelint.toml up to the repository root",
        ),
    }];
    rows.push(row(
        "lock file",
        display_path(&setup.lock_path, &setup.cwd),
        source(args.common.lock.is_some(), false),
    ));
    let fail_on = args.fail_on.unwrap_or(setup.fail_on);
    rows.push(row(
        "fail-on",
        format!("{fail_on:?}").to_lowercase(),
        source(args.fail_on.is_some(), loaded.config.fail_on.is_some()),
    ));
    rows
}

/// The config's keys other than the rules.
fn config_rows(c: &Config) -> Vec<Row> {
    let mut rows = vec![row(
        "allowed-registries",
        c.allowed_registries
            .as_ref()
            .map_or("any".into(), |r| format!("{r:?}")),
        source(false, c.allowed_registries.is_some()),
    )];
    for (registry, mirror) in &c.mirrors {
        let library = if mirror.keep_library() {
            ""
        } else {
            " (library/ dropped)"
        };
        let value = format!("{}{library}", mirror.prefix());
        rows.push(row(&format!("mirrors.\"{registry}\""), value, "config"));
    }
    if c.mirrors.is_empty() {
        rows.push(row("mirrors", "none".into(), "default"));
    }
    for (name, value) in &c.variables {
        rows.push(row(
            &format!("variables.{name}"),
            format!("{value:?}"),
            "config",
        ));
    }
    let lists = [
        ("insecure-registries", &c.insecure_registries),
        ("build-contexts", &c.build_contexts),
        ("files.exclude", &c.files.exclude),
    ];
    rows.push(row(
        "resolve-via-mirror",
        c.resolve_via_mirror.to_string(),
        source(false, c.resolve_via_mirror),
    ));
    for (key, list) in lists {
        rows.push(row(
            key,
            format!("{list:?}"),
            source(false, !list.is_empty()),
        ));
    }
    for (kind, globs) in &c.files.kinds {
        rows.push(row(
            &format!("files.kinds.{kind}"),
            format!("{globs:?}"),
            "config",
        ));
    }
    for (i, decl) in c.files.extract.iter().enumerate() {
        let how = match &decl.pattern {
            Some(p) => format!("pattern {p:?}"),
            None => format!("images {:?}", decl.images),
        };
        rows.push(row(
            &format!("files.extract[{i}]"),
            format!(
                "{:?} {}, {how}",
                decl.paths,
                format!("{:?}", decl.format).to_lowercase()
            ),
            "config",
        ));
    }
    rows
}

/// Each rule in force with its severity, the rules turned off, and the
/// command line's selection.
fn rule_rows(args: &CheckArgs, setup: &Setup, c: &Config) -> Vec<Row> {
    let mut rows = Vec::new();
    for rule in &setup.ctx.rules.rules {
        let from = if c.rules.contains_key(rule.id()) {
            "config"
        } else if c.rule.iter().any(|r| r.id == rule.id()) {
            "config: custom rule"
        } else {
            "default"
        };
        rows.push(row(
            &format!("rules.{}", rule.id()),
            rule.severity.to_string(),
            from,
        ));
    }
    for (id, _) in c.rules.iter().filter(|(_, s)| **s == SeveritySetting::Off) {
        rows.push(row(&format!("rules.{id}"), "off".into(), "config"));
    }
    if !args.select.is_empty() || !args.ignore.is_empty() {
        rows.push(row(
            "rules selected",
            format!("select {:?}, ignore {:?}", args.select, args.ignore),
            "command line",
        ));
    }
    rows
}
