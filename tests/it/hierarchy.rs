//! Hierarchical config: each file is checked with the nearest
//! `.imagelint.toml` above it; `extend` inherits; per-file ignores apply;
//! `--config` speaks for every file.

use crate::common::{copy_fixture, imagelint};
use std::fs;

/// (path:line, rule) of each finding of a concise report.
fn findings(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.contains("]"))
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let (path, line) = (parts.next().unwrap(), parts.next().unwrap());
            let rule = l.split('[').nth(1).unwrap().split(']').next().unwrap();
            format!("{path}:{line} {rule}")
        })
        .collect()
}

const FROM_ROOT: [&str; 7] = [
    // a/: floating-tag off, the mirror from the root config by `extend`.
    "a/Dockerfile:1 implicit-docker-hub",
    "a/Dockerfile:2 implicit-docker-hub",
    "a/Dockerfile:2 mutable-tag",
    // a/legacy/: mutable-tag ignored there.
    "a/legacy/Dockerfile:1 implicit-docker-hub",
    "a/legacy/Dockerfile:2 implicit-docker-hub",
    // b/: the root config alone.
    "b/Dockerfile:1 floating-tag",
    "b/Dockerfile:1 implicit-docker-hub",
];

#[test]
fn each_file_uses_its_nearest_config() {
    let dir = copy_fixture("hierarchy");
    let run = imagelint(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(findings(&run.stdout), FROM_ROOT);
    // Named on the command line from the root: still a/'s config.
    let run = imagelint(dir.path(), &["check", "--format", "concise", "a/"]);
    assert_eq!(findings(&run.stdout), FROM_ROOT[..5]);
    // From inside a/: the same findings, paths shown from there.
    let run = imagelint(&dir.path().join("a"), &["check", "--format", "concise"]);
    let shown: Vec<String> = FROM_ROOT[..5].iter().map(|f| f[2..].to_string()).collect();
    assert_eq!(findings(&run.stdout), shown);
}

#[test]
fn extend_merges_and_a_fix_uses_the_inherited_mirror() {
    let dir = copy_fixture("hierarchy");
    let run = imagelint(dir.path(), &["check", "--fix", "a/"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let fixed = fs::read_to_string(dir.path().join("a/Dockerfile")).unwrap();
    assert_eq!(
        fixed,
        "FROM registry.corp.example/dockerhub/library/redis:7\nFROM registry.corp.example/dockerhub/library/node:lts\n"
    );
}

#[test]
fn config_flag_speaks_for_every_file() {
    let dir = copy_fixture("hierarchy");
    let run = imagelint(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--config",
            ".imagelint.toml",
        ],
    );
    let found = findings(&run.stdout);
    assert!(
        found.contains(&"a/Dockerfile:1 floating-tag".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"a/legacy/Dockerfile:2 mutable-tag".to_string()),
        "{found:?}"
    );
}

/// With `--config`, the configs above a walked folder are not even read:
/// a broken one there is no problem.
#[test]
fn config_flag_reads_no_config_above_the_folder() {
    let dir = copy_fixture("hierarchy");
    fs::write(dir.path().join("a/.imagelint.toml"), "mirrors = 3\n").unwrap();
    let args = [
        "check",
        "--format",
        "concise",
        "--config",
        ".imagelint.toml",
        "a/legacy",
    ];
    let run = imagelint(dir.path(), &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("a/.imagelint.toml"), "{}", run.stderr);
    assert!(
        findings(&run.stdout).contains(&"a/legacy/Dockerfile:2 mutable-tag".to_string()),
        "{}",
        run.stdout
    );
}

#[test]
fn a_broken_nested_config_is_named_and_the_other_files_checked() {
    let dir = copy_fixture("hierarchy");
    fs::write(dir.path().join("b/.imagelint.toml"), "mirrors = 3\n").unwrap();
    let run = imagelint(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("imagelint: b/.imagelint.toml:1:"),
        "{}",
        run.stderr
    );
    assert_eq!(findings(&run.stdout), FROM_ROOT[..5]);
    assert!(
        run.stdout.contains("1 file could not be checked"),
        "{}",
        run.stdout
    );
}

#[test]
fn extend_loops_and_unknown_ignores_are_config_errors() {
    let dir = copy_fixture("hierarchy");
    fs::write(
        dir.path().join(".imagelint.toml"),
        "extend = \"a/.imagelint.toml\"\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("makes a loop"), "{}", run.stderr);
    fs::write(
        dir.path().join(".imagelint.toml"),
        "[[files.per-file-ignores]]\npaths = [\"**\"]\nignore = [\"mutable-tags\"]\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown rule `mutable-tags`"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_files_names_the_nearer_config_and_show_settings_that_of_the_path() {
    let dir = copy_fixture("hierarchy");
    let run = imagelint(dir.path(), &["check", "--show-files"]);
    assert_eq!(
        run.stdout,
        "a/Dockerfile         dockerfile  a/.imagelint.toml\n\
         a/legacy/Dockerfile  dockerfile  a/.imagelint.toml\n\
         b/Dockerfile         dockerfile\n"
    );
    let run = imagelint(
        dir.path(),
        &["check", "--show-settings", "a/legacy/Dockerfile"],
    );
    let first = run.stdout.lines().next().unwrap();
    assert!(
        first.contains("a/.imagelint.toml, extending a/../.imagelint.toml"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("rules.floating-tag"), "{}", run.stdout);
    let floating = run
        .stdout
        .lines()
        .find(|l| l.starts_with("rules.floating-tag"))
        .unwrap();
    assert!(floating.contains("off"), "{floating}");
    let run = imagelint(dir.path(), &["check", "--show-settings", "b/"]);
    let first = run.stdout.lines().next().unwrap();
    assert!(first.contains(" .imagelint.toml "), "{first}");
}
