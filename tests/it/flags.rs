//! The flags users of ruff reach for first, each run for real.

use crate::common::{fixture, imagelint, json};
use std::fs;
use std::process::Command;

fn dockerfile(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), text).unwrap();
    dir
}

#[test]
fn quiet_prints_only_findings_and_twice_nothing() {
    let dir = dockerfile("FROM node:20\n");
    let loud = imagelint(dir.path(), &["check"]);
    assert!(loud.stdout.contains("Found 2 findings"), "{}", loud.stdout);
    let quiet = imagelint(dir.path(), &["check", "-q"]);
    assert_eq!(quiet.code, 1);
    assert!(quiet.stdout.contains("implicit-docker-hub"));
    assert!(!quiet.stdout.contains("Found"), "{}", quiet.stdout);
    let silent = imagelint(dir.path(), &["check", "-qq"]);
    assert_eq!((silent.code, silent.stdout.as_str()), (1, ""));
    // Outputs to files are still written.
    let silent = imagelint(dir.path(), &["check", "-qq", "--format", "json:out.json"]);
    assert_eq!(silent.stdout, "");
    assert!(fs::read_to_string(dir.path().join("out.json"))
        .unwrap()
        .contains("implicit-docker-hub"));
}

#[test]
fn exit_zero_keeps_errors_at_two() {
    let dir = dockerfile("FROM node:20\n");
    assert_eq!(imagelint(dir.path(), &["check", "--exit-zero"]).code, 0);
    fs::write(dir.path().join(".imagelint.toml"), "bogus = 1\n").unwrap();
    assert_eq!(imagelint(dir.path(), &["check", "--exit-zero"]).code, 2);
}

#[test]
fn output_format_is_format() {
    let dir = dockerfile("FROM node:20\n");
    let a = imagelint(dir.path(), &["check", "--output-format", "json"]);
    let b = imagelint(dir.path(), &["check", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
    assert!(a.stdout.starts_with('{'));
}

#[test]
fn statistics_count_by_rule_with_fixable() {
    let run = imagelint(&fixture("config"), &["check", "--statistics"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("statistics-config", run.stdout);
    let total: usize = run
        .stdout
        .lines()
        .filter_map(|l| {
            let mut cells = l.split_whitespace();
            let n = cells.next()?.parse::<usize>().ok()?;
            cells.next()?.parse::<usize>().ok().map(|_| n)
        })
        .sum();
    let all = json(&imagelint(
        &fixture("config"),
        &["check", "--format", "json"],
    ));
    assert_eq!(total, all["findings"].as_array().unwrap().len());
}

#[test]
fn color_follows_the_flag_and_the_environment() {
    let dir = dockerfile("FROM node:20\n");
    let has_color = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = crate::common::Imagelint::new(dir.path())
            .args(args)
            .env("NO_COLOR", "");
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        cmd.run().stdout.contains('\u{1b}')
    };
    assert!(!has_color(&["check"], &[]), "a pipe is no terminal");
    assert!(has_color(&["check", "--color", "always"], &[]));
    assert!(has_color(&["check"], &[("FORCE_COLOR", "1")]));
    assert!(has_color(&["check"], &[("CLICOLOR_FORCE", "1")]));
    assert!(!has_color(
        &["check", "--color", "never"],
        &[("FORCE_COLOR", "1")]
    ));
    assert!(!has_color(
        &["check"],
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]
    ));
}

#[test]
fn show_files_lists_what_would_be_read_with_its_kind() {
    let run = imagelint(&fixture("config"), &["check", "--show-files"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("show-files-config", run.stdout);
    let walked = json(&imagelint(
        &fixture("config"),
        &["check", "--format", "json"],
    ));
    let listed = run.stdout.lines().count() as u64;
    assert_eq!(listed, walked["summary"]["files"].as_u64().unwrap());
}

#[test]
fn show_settings_says_where_each_value_comes_from() {
    let run = imagelint(
        &fixture("config"),
        &["check", "--show-settings", "--fail-on", "error"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("{key}: {}", run.stdout))
            .to_string()
    };
    assert!(line("config file").contains(".imagelint.toml"));
    assert!(line("fail-on").contains("error") && line("fail-on").ends_with("(command line)"));
    assert!(line("rules.floating-tag").ends_with("error  (config)"));
    assert!(line("rules.mutable-tag").ends_with("(default)"));
    assert!(line("rules.no-bitnami").contains("custom rule"));
    assert!(line("mirrors.\"quay.io\"").contains("registry.corp.example/quay"));
}

#[test]
fn completions_are_scripts_the_shells_accept() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = imagelint(&fixture("config"), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(run.stdout.contains("inventory"), "{shell}");
    }
    // bash itself reads the bash script.
    let script = imagelint(&fixture("config"), &["completions", "bash"]).stdout;
    let out = Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn init_writes_a_valid_starter_config_with_the_registries_in_use() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM node:20\nFROM ghcr.io/acme/tool:1.2.3\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = fs::read_to_string(dir.path().join(".imagelint.toml")).unwrap();
    insta::assert_snapshot!("init", text);
    // The config schema and imagelint itself accept it.
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(crate::common::root().join("docs/imagelint.schema.json")).unwrap(),
    )
    .unwrap();
    let value = serde_json::to_value(text.parse::<toml::Table>().unwrap()).unwrap();
    assert!(jsonschema::draft7::new(&schema).unwrap().is_valid(&value));
    let check = imagelint(dir.path(), &["check", "--format", "json"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(!check.stdout.contains("disallowed-registry"));
    // It never overwrites without --force.
    let again = imagelint(dir.path(), &["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("--force"));
    assert_eq!(imagelint(dir.path(), &["init", "--force"]).code, 0);
}

/// `--help` of every command: short lines, grouped, with examples, as
/// ruff's; the top level and `check` are kept as snapshots.
#[test]
fn help_is_short_grouped_and_has_examples() {
    let dir = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 11] = [
        &[],
        &["check"],
        &["inventory"],
        &["lock"],
        &["mirror"],
        &["mirror", "plan"],
        &["mirror", "check"],
        &["rules"],
        &["init"],
        &["completions"],
        &["explain"],
    ];
    for command in commands {
        let args = [command, &["--help"]].concat();
        let run = crate::common::imagelint_env(dir.path(), &args, &[("COLUMNS", "100".as_ref())]);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let long: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.chars().count() > 100)
            .collect();
        assert!(
            long.is_empty(),
            "{args:?}: lines over 100 columns: {long:#?}"
        );
        assert!(
            run.stdout.contains("\nExamples:\n  imagelint"),
            "{args:?}:\n{}",
            run.stdout
        );
        if command == ["check"] {
            for heading in [
                "Output:",
                "Fixes:",
                "Rule selection:",
                "File selection:",
                "Configuration:",
            ] {
                assert!(run.stdout.contains(&format!("\n{heading}\n")), "{heading}");
            }
            insta::assert_snapshot!("help-check", run.stdout);
        }
        if command.is_empty() {
            // The top level lists commands, not check's thirty options.
            assert!(!run.stdout.contains("--baseline"), "{}", run.stdout);
            insta::assert_snapshot!("help", run.stdout);
        }
    }
}
