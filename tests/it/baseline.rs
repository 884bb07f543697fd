//! A baseline for adopting imagelint in a big repository: today's findings
//! are recorded and not reported again, wherever their lines move; a new
//! finding is reported.

use crate::common::imagelint;
use std::fs;

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.25\n  db:\n    image: postgres:16.2\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".imagelint.toml"),
        "fail-on = \"warning\"\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("deploy")).unwrap();
    fs::write(dir.path().join("deploy/compose.yaml"), COMPOSE).unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM python:3.12\nFROM python:3.12 AS test\n",
    )
    .unwrap();
    dir
}

#[test]
fn recorded_findings_stay_quiet_when_lines_move_and_new_ones_are_reported() {
    let dir = project();
    let run = imagelint(dir.path(), &["check", "--write-baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("recorded 8 findings in baseline.json"),
        "{}",
        run.stderr
    );
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 8);

    let run = imagelint(dir.path(), &["check", "--baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("8 findings recorded in the baseline not shown"),
        "{}",
        run.stderr
    );

    // Lines move: a comment and a service above; still nothing new.
    let moved = COMPOSE.replace(
        "services:\n",
        "# the shop\nservices:\n  proxy:\n    build: .\n",
    );
    fs::write(dir.path().join("deploy/compose.yaml"), &moved).unwrap();
    let run = imagelint(dir.path(), &["check", "--baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    // From another directory, the same baseline still matches: paths are
    // recorded from the config file's folder.
    let run = imagelint(
        &dir.path().join("deploy"),
        &["check", "--baseline", "../baseline.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("4 findings recorded"), "{}", run.stderr);

    // A third python stage is new: its findings are reported, no others.
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM python:3.12\nFROM python:3.12 AS test\nFROM python:3.12 AS lint\n",
    )
    .unwrap();
    let run = imagelint(
        dir.path(),
        &[
            "check",
            "--baseline",
            "baseline.json",
            "--format",
            "concise",
        ],
    );
    assert_eq!(run.code, 1);
    let places: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains('['))
        .map(|l| l.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        places,
        ["Dockerfile:3:6", "Dockerfile:3:6"],
        "{}",
        run.stdout
    );
}

#[test]
fn a_baseline_that_is_not_one_is_an_error() {
    let dir = project();
    fs::write(dir.path().join("baseline.json"), "{\"version\": 7}").unwrap();
    let run = imagelint(dir.path(), &["check", "--baseline", "baseline.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("imagelint: baseline.json: not a baseline file of version 1"),
        "{}",
        run.stderr
    );
    let run = imagelint(dir.path(), &["check", "--baseline", "missing.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("missing.json: cannot read the baseline"),
        "{}",
        run.stderr
    );
}
