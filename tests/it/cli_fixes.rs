//! The command-line bugs a new user met (issue "The command line at ruff's
//! standard"), each with the case that showed it.

use crate::common::{fixture, imagelint, imagelint_stdin, json};
use std::fs;
use std::process::Command;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// Standard output and standard error of `imagelint ARGS` in `dir`, in the
/// order a terminal shows them (one pipe for both).
fn merged(dir: &std::path::Path, args: &str) -> (i32, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("\"$0\" {args} 2>&1"))
        .arg(env!("CARGO_BIN_EXE_imagelint"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn a_missing_path_is_an_error_before_anything_reads_as_all_clear() {
    let dir = project(&[("Dockerfile", "FROM registry.example/a:1@sha256:0000000000000000000000000000000000000000000000000000000000000000\n")]);
    let (code, out) = merged(dir.path(), "check nonexistent-path Dockerfile");
    assert_eq!(code, 2, "{out}");
    let error = out.find("nonexistent-path").expect("the path is named");
    let summary = out.find("No findings").expect("the rest is checked");
    assert!(error < summary, "{out}");
    assert!(out.contains("1 file could not be checked"), "{out}");
}

#[test]
fn a_mistyped_command_is_named_not_read_as_a_path() {
    let dir = project(&[]);
    let run = imagelint(dir.path(), &["invetory"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("did you mean `imagelint inventory`"),
        "{}",
        run.stderr
    );
    // A file of that name is a path as before.
    let dir = project(&[("invetory", "not a kind\n")]);
    assert_eq!(imagelint(dir.path(), &["invetory"]).code, 0);
}

#[test]
fn stdin_filename_refuses_paths_it_would_ignore() {
    let dir = project(&[]);
    let run = imagelint_stdin(
        dir.path(),
        &["check", "--stdin-filename", "Dockerfile", "src/frontend"],
        Some(b"FROM node:20\n"),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

#[test]
fn two_outputs_on_standard_output_are_refused() {
    let dir = project(&[("Dockerfile", "FROM node:20\n")]);
    let run = imagelint(
        dir.path(),
        &["check", "--format", "json", "--format", "json"],
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("--format json, json"), "{}", run.stderr);
    let run = imagelint(
        dir.path(),
        &["check", "--format", "json", "--format", "sarif:out.sarif"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn a_human_report_to_a_file_has_no_colour_even_from_a_terminal() {
    let dir = project(&[("Dockerfile", "FROM node:20\n")]);
    // `script` gives imagelint a terminal on standard output.
    let cmd = format!(
        "{} check --format human:report.txt --format human",
        env!("CARGO_BIN_EXE_imagelint")
    );
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(
        terminal.contains('\u{1b}'),
        "the terminal is coloured: {terminal}"
    );
    let file = fs::read_to_string(dir.path().join("report.txt")).unwrap();
    assert!(file.contains("implicit-docker-hub"), "{file}");
    assert!(!file.contains('\u{1b}'), "{file}");
}

#[test]
fn counts_agree_with_their_nouns() {
    let dir = project(&[("Dockerfile", "FROM node:20\n")]);
    let run = imagelint(dir.path(), &["check"]);
    assert!(
        run.stdout.contains("in 1 image reference across 1 file."),
        "{}",
        run.stdout
    );
    let clean = project(&[("Dockerfile", "FROM scratch\n")]);
    let run = imagelint(clean.path(), &["check"]);
    assert!(
        run.stdout
            .contains("No findings: 0 image references in 1 file."),
        "{}",
        run.stdout
    );
}

#[test]
fn custom_rules_are_listed_and_explained() {
    let dir = fixture("config");
    let run = imagelint(&dir, &["rules"]);
    assert_eq!(run.code, 0);
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("no-bitnami"))
        .expect(&run.stdout);
    assert!(
        row.contains("warning") && row.ends_with("(custom)"),
        "{row}"
    );
    // The config's severities are the ones shown.
    let floating = run
        .stdout
        .lines()
        .find(|l| l.starts_with("floating-tag"))
        .unwrap();
    assert!(floating.contains("error"), "{floating}");
    let listed: serde_json::Value =
        serde_json::from_str(&imagelint(&dir, &["rules", "--format", "json"]).stdout).unwrap();
    let custom: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["custom"] == true)
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(custom, ["no-bitnami"]);
    let run = imagelint(&dir, &["explain", "no-bitnami"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Custom rule"), "{}", run.stdout);
    let run = imagelint(&dir, &["explain", "mutabletag"]);
    assert!(
        run.stderr.contains("did you mean `mutable-tag`"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unresolved_reference_says_why_and_the_help_what_to_do() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  web:\n    image: ${WEB_IMAGE}\n",
    )]);
    let run = imagelint(
        dir.path(),
        &["check", "--format", "json", "--fail-on", "never"],
    );
    let report = json(&run);
    let finding = &report["findings"][0];
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("`$WEB_IMAGE` has no default here"),
        "{message}"
    );
    assert!(!message.contains("give it"), "{message}");
    let human = imagelint(dir.path(), &["check", "--fail-on", "never"]).stdout;
    let said = crate::common::human_blocks(&human).join(" ");
    let help = &said[said.find("= help:").expect(&human)..];
    assert!(
        help.contains("give it one (`${WEB_IMAGE:-value}`)"),
        "{help}"
    );
}

#[test]
fn inventory_json_gives_the_text_and_why_there_is_no_image() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  web:\n    image: ${WEB_IMAGE}\n  db:\n    image: Not/Valid\n",
    )]);
    let run = imagelint(dir.path(), &["inventory", "--format", "json"]);
    let images = json(&run)["images"].as_array().unwrap().clone();
    assert_eq!(images[0]["image"], serde_json::Value::Null);
    assert_eq!(images[0]["text"], "${WEB_IMAGE}");
    assert!(images[0]["problem"]
        .as_str()
        .unwrap()
        .contains("`$WEB_IMAGE`"));
    assert_eq!(images[1]["text"], "Not/Valid");
    assert!(images[1]["problem"].is_string());
}

#[test]
fn the_inventory_table_stays_aligned_with_long_paths() {
    let long = format!("{}/Dockerfile", "deep/".repeat(12));
    let dir = project(&[
        ("Dockerfile", "FROM node:20\n"),
        (&long, "FROM alpine:3.19\n"),
    ]);
    let run = imagelint(dir.path(), &["inventory"]);
    let starts: Vec<usize> = run
        .stdout
        .lines()
        .map(|l| l.find("dockerfile").or_else(|| l.find("KIND")).unwrap())
        .collect();
    assert_eq!(starts.len(), 3, "{}", run.stdout);
    assert!(starts.iter().all(|s| *s == starts[0]), "{}", run.stdout);
}

#[test]
fn gitlab_default_is_not_called_a_job() {
    let dir = project(&[(
        ".gitlab-ci.yml",
        "default:\n  image: node:20\nbuild:\n  script: [make]\n",
    )]);
    let run = imagelint(dir.path(), &["inventory", "--format", "json"]);
    assert_eq!(json(&run)["images"][0]["context"], "default: image");
}

/// One snippet per reference with every finding on it; 80 columns but for
/// a single word longer than the line; the same with colour.
#[test]
fn human_output_is_grouped_by_reference_and_fits_80_columns() {
    let digest = "3f1d6c17773a45c97bd8f158d665c9709d7b29ed7917ac934086ad96f92e4510";
    let long_line = format!(
        "services:\n  web:\n    image: nginx:1.25  # {}\n  db:\n    image: \"postgres:16@sha256:{digest}\"\n  cache: {{image: redis, command: [\"redis-server\", \"--save\", \"60\", \"1\", \"--loglevel\", \"warning\", \"--maxmemory\", \"2gb\"]}}\n",
        "a comment that runs on and on past the width of any terminal ".repeat(2)
    );
    let dir = project(&[("compose.yaml", &long_line)]);
    let plain = imagelint(dir.path(), &["check"]);
    insta::assert_snapshot!("human-grouped", plain.stdout);
    for line in plain.stdout.lines() {
        assert!(
            line.chars().count() <= 80 || !line.trim().contains(' '),
            "{} columns: {line}",
            line.chars().count()
        );
    }
    // One snippet per reference: `nginx:1.25` has two findings, one marked line.
    assert_eq!(plain.stdout.matches("│ image: nginx:1.25").count(), 1);
    assert!(!plain.stdout.contains(digest), "digests are shortened");
    let colored = imagelint(dir.path(), &["check", "--color", "always"]);
    insta::assert_snapshot!("human-grouped-color", colored.stdout);
    let strip = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    assert_eq!(strip.replace_all(&colored.stdout, ""), plain.stdout);
}
