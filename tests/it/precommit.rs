//! The hooks in .pre-commit-hooks.yaml, run by the real pre-commit: it
//! builds imagelint with cargo from this repository and passes filenames.

use crate::common::root;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .envs(identity())
        .status()
        .unwrap();
    assert!(ok.success(), "git {args:?}");
}

fn identity() -> [(&'static str, &'static str); 4] {
    [
        ("GIT_AUTHOR_NAME", "imagelint tests"),
        ("GIT_AUTHOR_EMAIL", "tests@example.invalid"),
        ("GIT_COMMITTER_NAME", "imagelint tests"),
        ("GIT_COMMITTER_EMAIL", "tests@example.invalid"),
    ]
}

/// Release builds made by the tests need not be optimised: cargo's profile
/// settings, overridden through its environment.
pub fn fast_release_build() -> [(&'static str, &'static str); 4] {
    [
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
        ("CARGO_PROFILE_RELEASE_LTO", "false"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
        ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ]
}

fn try_repo(sample: &Path, home: &Path, hook: &str) -> Output {
    Command::new("pre-commit")
        .args(["try-repo"])
        .arg(root())
        .args([hook, "--all-files", "--color", "never"])
        .current_dir(sample)
        .env("PRE_COMMIT_HOME", home)
        // Share one build directory between hooks and test runs.
        .env("CARGO_TARGET_DIR", root().join("target/pre-commit"))
        .envs(identity())
        .envs(fast_release_build())
        .output()
        .expect("pre-commit is installed (test.sh installs it)")
}

fn sample(dir: &Path, compose: &str) {
    fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q"]);
    fs::write(
        dir.join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n",
    )
    .unwrap();
    fs::write(
        dir.join("imagelint.lock"),
        "version = 1\n[digests]\n\"docker.io/library/nginx:1.25.3\" = \"sha256:6666666666666666666666666666666666666666666666666666666666666666\"\n",
    )
    .unwrap();
    fs::write(dir.join("compose.yaml"), compose).unwrap();
    fs::write(
        dir.join("README.md"),
        "image: nginx:latest is prose, not a reference\n",
    )
    .unwrap();
    git(dir, &["add", "-A"]);
}

#[test]
fn hooks_fail_on_findings_pass_when_clean_and_fix() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("pre-commit-home");

    let dirty = work.path().join("dirty");
    sample(
        &dirty,
        "services:\n  web:\n    image: nginx:1.25.3  # the front end\n",
    );
    let out = try_repo(&dirty, &home, "imagelint");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{log}");
    assert!(
        log.contains("implicit-docker-hub") && log.contains("compose.yaml:3:12"),
        "{log}"
    );

    let clean = work.path().join("clean");
    let pinned = "registry.corp.example/dockerhub/library/nginx:1.25.3@sha256:6666666666666666666666666666666666666666666666666666666666666666";
    sample(
        &clean,
        &format!("services:\n  web:\n    image: {pinned}  # the front end\n"),
    );
    let out = try_repo(&clean, &home, "imagelint");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The fix hook rewrites the file and fails; staged, the next run passes.
    let out = try_repo(&dirty, &home, "imagelint-fix");
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let fixed = fs::read_to_string(dirty.join("compose.yaml")).unwrap();
    assert_eq!(
        fixed,
        format!("services:\n  web:\n    image: {pinned}  # the front end\n")
    );
    git(&dirty, &["add", "-A"]);
    let out = try_repo(&dirty, &home, "imagelint-fix");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
