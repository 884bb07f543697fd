//! Inline suppressions: the ones that silence, the ones that silence
//! nothing (`unused-suppression`), mistyped rule ids and Dockerfile
//! directives after an instruction (`invalid-suppression`), and reasons.

use crate::common::{copy_fixture, human_blocks, imagelint, snapshot};
use std::fs;

const REPORT: &str = "\
Dockerfile:1:6: error[implicit-docker-hub] `node:lts` pulls from Docker Hub without a mirror
Dockerfile:1:6: error[mutable-tag] `node:lts` is not pinned and its tag `lts` is a name the publisher re-points
Dockerfile:1:17: error[invalid-suppression] a Dockerfile comment must start its line: BuildKit reads this one as part of the instruction, and it silences nothing
Dockerfile:3:6: error[implicit-docker-hub] `python:latest` pulls from Docker Hub without a mirror
Dockerfile:4:21: error[invalid-suppression] no rule is called `implicit-dockerhub`, so this silences nothing for it
Dockerfile:5:6: warning[floating-tag] `redis:7` is not pinned and its tag `7` floats to every new release
Dockerfile:5:6: error[implicit-docker-hub] `redis:7` pulls from Docker Hub without a mirror
compose.yaml:5:7: warning[unused-suppression] unused suppression: nothing on line 6 is reported, so this suppression silences nothing
compose.yaml:8:12: error[implicit-docker-hub] `redis:7` pulls from Docker Hub without a mirror
";

fn findings(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|l| !l.starts_with("Found "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn unused_unknown_and_misplaced_suppressions_are_reported_where_written() {
    let dir = copy_fixture("suppressions");
    let run = imagelint(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(findings(&run.stdout), REPORT);
}

#[test]
fn the_help_suggests_the_rule_meant() {
    let dir = copy_fixture("suppressions");
    let run = imagelint(dir.path(), &["check"]);
    let block = human_blocks(&run.stdout)
        .into_iter()
        .find(|b| b.contains("`implicit-dockerhub`"))
        .unwrap();
    assert!(
        block.contains("= help: did you mean `implicit-docker-hub`?"),
        "{block}"
    );
}

#[test]
fn reasons_can_be_required() {
    let dir = copy_fixture("suppressions");
    let config = dir.path().join(".imagelint.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(
        &config,
        format!("require-suppression-reason = true\n{text}"),
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check", "--format", "concise"]);
    let missing: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("gives no reason"))
        .map(|l| l.split(": ").next().unwrap())
        .collect();
    // Line 2 of the Dockerfile and line 3 of compose.yaml give one after
    // `--`; the Dockerfile's trailing directive is reported for its place.
    assert_eq!(
        missing,
        ["Dockerfile:4:3", "compose.yaml:5:7", "compose.yaml:8:22"],
        "{}",
        run.stdout
    );
}

#[test]
fn the_suppression_rules_follow_select_and_rules_settings() {
    let dir = copy_fixture("suppressions");
    let run = imagelint(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--ignore",
            "unused-suppression,invalid-suppression",
        ],
    );
    assert!(!run.stdout.contains("suppression"), "{}", run.stdout);
    let run = imagelint(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--select",
            "mutable-tag,unused-suppression",
        ],
    );
    // Only rules in force are judged: `floating-tag` is off, so its
    // directive on compose.yaml:8 is left alone.
    assert!(!run.stdout.contains("compose.yaml:8"), "{}", run.stdout);
    assert!(run.stdout.contains("compose.yaml:5:7"), "{}", run.stdout);
}

#[test]
fn a_fix_keeps_suppressions_and_a_second_fix_changes_nothing() {
    let dir = copy_fixture("suppressions");
    let run = imagelint(dir.path(), &["check", "--fix"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let fixed = fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert!(
        fixed.contains("image: registry.corp.example/dockerhub/library/redis:7 # imagelint: ignore[floating-tag]"),
        "{fixed}"
    );
    assert!(fixed.contains(
        "image: nginx:latest # imagelint: ignore[mutable-tag, implicit-docker-hub] -- legacy"
    ));
    let once = snapshot(dir.path());
    imagelint(dir.path(), &["check", "--fix"]);
    assert_eq!(snapshot(dir.path()), once);
}
