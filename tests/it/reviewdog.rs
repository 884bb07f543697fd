//! `--format rdjsonl` (reviewdog's Diagnostic Format) and `--format
//! concise`: every rdjsonl line is checked by reviewdog's format validator
//! (npm `@umbrelladocs/rdformat-validator`, installed by test.sh).

use crate::common::{fixture, imagelint, root};
use std::fs;
use std::process::Command;

fn validator() -> std::path::PathBuf {
    root().join("target/npm/node_modules/.bin/rdformat-validator")
}

/// Runs the validator on each line as a diagnostic of its own.
fn validate_lines(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let path = dir.path().join(format!("{i}.json"));
        fs::write(&path, line).unwrap();
        files.push(path);
    }
    assert!(!files.is_empty());
    let out = Command::new(validator())
        .args(["--strict", "--no-extra-fields", "--silent"])
        .args(&files)
        .output()
        .expect("rdformat-validator is installed (test.sh installs it)");
    crate::common::assert_succeeded(&out);
}

#[test]
fn every_rdjsonl_line_is_valid_reviewdog_format() {
    for name in ["kubernetes", "fix/input", "gitlab-ci"] {
        let run = imagelint(&fixture(name), &["check", "--format", "rdjsonl"]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        validate_lines(&run.stdout);
    }
}

#[test]
fn the_validator_rejects_a_bad_line() {
    // The check above can fail: a diagnostic without a message is refused.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    fs::write(&bad, r#"{"location":{"path":"a"},"severity":"LOUD"}"#).unwrap();
    let out = Command::new(validator())
        .args(["--strict", "--silent"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn rdjsonl_columns_are_utf8_bytes_and_fixes_are_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    // Byte columns from 1, the end exclusive: `nginx:1.25.3` is bytes 12..24.
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  é:\n    image: nginx:1.25.3 # é\n",
    )
    .unwrap();
    fs::write(
        dir.path().join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n[rules]\nmissing-digest = \"off\"\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check", "--format", "rdjsonl"]);
    let line: serde_json::Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
    let range = &line["location"]["range"];
    assert_eq!(range["start"], serde_json::json!({"line": 3, "column": 12}));
    assert_eq!(
        range["end"],
        serde_json::json!({"line": 3, "column": 24}),
        "end is exclusive"
    );
    let suggestion = &line["suggestions"][0];
    assert_eq!(
        suggestion["text"],
        "registry.corp.example/dockerhub/library/nginx:1.25.3"
    );
    assert_eq!(suggestion["range"], *range);
    validate_lines(&run.stdout);

    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  x:\n    image: \"é/nginx:1\"\n",
    )
    .unwrap();
    let run = imagelint(
        dir.path(),
        &["check", "--format", "rdjsonl", "--fail-on", "never"],
    );
    let line: serde_json::Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
    // `é` is two bytes: the reference starts at byte column 13 (character
    // 13 too, after the quote) and ends at 23, not at character 22.
    assert_eq!(line["location"]["range"]["start"]["column"], 13);
    assert_eq!(line["location"]["range"]["end"]["column"], 23);
}

#[test]
fn concise_is_one_line_per_finding_then_the_summary() {
    let run = imagelint(&fixture("kubernetes"), &["check", "--format", "concise"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("concise-kubernetes", run.stdout);
    let json = imagelint(&fixture("kubernetes"), &["check", "--format", "json"]);
    let findings: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let n = findings["findings"].as_array().unwrap().len();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), n + 1);
    let pattern =
        regex::Regex::new(r"^[^:]+:\d+:\d+: (error|warning|info)\[[a-z-]+\] .+$").unwrap();
    assert!(
        lines[..n].iter().all(|l| pattern.is_match(l)),
        "{}",
        run.stdout
    );
    let quiet = imagelint(
        &fixture("kubernetes"),
        &["check", "--format", "concise", "-q"],
    );
    assert_eq!(quiet.stdout.lines().count(), n);
}

#[test]
fn long_digests_are_shortened_for_people_and_whole_for_machines() {
    let d = "3f1d6c17773a45c97bd8f158d665c9709d7b29ed7917ac934086ad96f92e4510";
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM python:3.11@sha256:{d}\n"),
    )
    .unwrap();
    for format in ["human", "concise"] {
        let run = imagelint(dir.path(), &["check", "--format", format]);
        assert!(
            run.stdout.contains("sha256:3f1d6c17773a…`"),
            "{format}: {}",
            run.stdout
        );
        let messages: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.contains("pulls from Docker Hub"))
            .collect();
        assert!(
            messages.iter().all(|l| !l.contains(d)),
            "{format}: {messages:?}"
        );
    }
    let run = imagelint(dir.path(), &["check", "--format", "json"]);
    assert!(run
        .stdout
        .contains(&format!("python:3.11@sha256:{d}` pulls")));
}

#[test]
fn sarif_categories_differ_by_paths_and_config() {
    let id = |args: &[&str]| {
        let mut all = vec!["check", "--format", "sarif"];
        all.extend(args);
        let run = imagelint(&fixture("kubernetes"), &all);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        doc["runs"][0]["automationDetails"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(id(&[]), "imagelint/");
    assert_eq!(id(&["deploy"]), "imagelint/deploy/");
    assert_eq!(
        id(&["deploy/list.yml", "deploy/app.yaml"]),
        "imagelint/deploy/app.yaml,deploy/list.yml/"
    );
}
