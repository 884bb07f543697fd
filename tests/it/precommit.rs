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
        // pip builds the wheel with maturin from test.sh's wheelhouse,
        // never from an index.
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", root().join("target/wheelhouse"))
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

/// The default hooks install the wheel (pip builds it with maturin); the
/// `-src` hooks build with cargo. Both must fail on findings, pass when
/// clean, and fix.
#[test]
fn wheel_hooks_fail_on_findings_pass_when_clean_fix_and_reach_every_kind() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("pre-commit-home");
    fail_pass_fix(work.path(), &home, "imagelint", "imagelint-fix");
    every_default_path_reaches(work.path(), &home, "imagelint");
}

#[test]
fn source_hooks_fail_on_findings_pass_when_clean_and_fix() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("pre-commit-home");
    fail_pass_fix(work.path(), &home, "imagelint-src", "imagelint-fix-src");
}

fn fail_pass_fix(work: &Path, home: &Path, check: &str, fix: &str) {
    let dirty = work.join("dirty");
    sample(
        &dirty,
        "services:\n  web:\n    image: nginx:1.25.3  # the front end\n",
    );
    let out = try_repo(&dirty, home, check);
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{log}");
    assert!(
        log.contains("implicit-docker-hub") && log.contains("compose.yaml:3:12"),
        "{log}"
    );

    let clean = work.join("clean");
    let pinned = "registry.corp.example/dockerhub/library/nginx:1.25.3@sha256:6666666666666666666666666666666666666666666666666666666666666666";
    sample(
        &clean,
        &format!("services:\n  web:\n    image: {pinned}  # the front end\n"),
    );
    let out = try_repo(&clean, home, check);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The fix hook rewrites the file and fails; staged, the next run passes.
    let out = try_repo(&dirty, home, fix);
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
    let out = try_repo(&dirty, home, fix);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// One file for each default path pattern of each kind (src/kinds.rs), each
/// with a finding: pre-commit hands every one of them to the hook.
fn every_default_path_reaches(work: &Path, home: &Path, hook: &str) {
    const FROM: &str = "FROM nginx:1.25.3\n";
    const JOB: &str = "job:\n  image: nginx:1.25.3\n  script: [\"true\"]\n";
    const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.25.3\n";
    const VALUES: &str = "image:\n  repository: nginx\n  tag: 1.25.3\n";
    let files: &[(&str, &str)] = &[
        ("Dockerfile", FROM),
        ("build/Dockerfile.dev", FROM),
        ("api.dockerfile", FROM),
        ("services/WORKER.DOCKERFILE", FROM),
        ("Containerfile", FROM),
        ("build/Containerfile.ci", FROM),
        (".gitlab-ci.yml", JOB),
        ("ci/deploy.gitlab-ci.yaml", JOB),
        (".gitlab/ci/jobs/test.yml", JOB),
        (
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    container: nginx:1.25.3\n    steps: [{run: \"true\"}]\n",
        ),
        (
            "action.yml",
            "name: a\ndescription: a\nruns:\n  using: docker\n  image: docker://nginx:1.25.3\n",
        ),
        ("compose.yaml", COMPOSE),
        ("compose.prod.yml", COMPOSE),
        ("docker-compose.override.yml", COMPOSE),
        (
            "deploy/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: nginx:1.25.3}]\n",
        ),
        ("chart/values.yaml", VALUES),
        ("chart/staging-values.yaml", VALUES),
        (
            "chart/templates/_pod.tpl",
            "{{- define \"pod\" }}\ncontainers:\n  - name: a\n    image: \"nginx:1.25.3\"\n{{- end }}\n",
        ),
    ];
    let dir = work.join("every-kind");
    sample(&dir, COMPOSE);
    for (path, text) in files {
        let at = dir.join(path);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        fs::write(at, text).unwrap();
    }
    fs::write(
        dir.join("chart/Chart.yaml"),
        "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
    )
    .unwrap();
    git(&dir, &["add", "-A"]);
    let out = try_repo(&dir, home, hook);
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{log}");
    for (path, _) in files {
        assert!(
            log.contains(&format!("{path}:")),
            "{path} was not checked:\n{log}"
        );
    }
}
