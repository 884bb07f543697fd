//! The hooks in .pre-commit-hooks.yaml and in the mirror's
//! (pre-commit-mirror/), run by the real pre-commit: it installs imagelint
//! (a wheel built with maturin, a cargo build, or the released wheel) and
//! passes filenames.

use crate::common::root;
use std::fs;
use std::path::{Path, PathBuf};
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

/// A hook repository and where pip finds what it installs: never an index.
struct HookRepo {
    path: PathBuf,
    /// Space-separated, as pip reads `PIP_FIND_LINKS`.
    find_links: String,
}

impl HookRepo {
    /// This repository; pip builds the wheel with maturin from test.sh's
    /// wheelhouse.
    fn this() -> HookRepo {
        HookRepo {
            path: root(),
            find_links: wheelhouse().display().to_string(),
        }
    }
}

fn wheelhouse() -> PathBuf {
    root().join("target/wheelhouse")
}

fn try_repo(repo: &HookRepo, sample: &Path, home: &Path, hook: &str) -> Output {
    Command::new("pre-commit")
        .args(["try-repo"])
        .arg(&repo.path)
        .args([hook, "--all-files", "--color", "never"])
        .current_dir(sample)
        .env("PRE_COMMIT_HOME", home)
        // Share one build directory between hooks and test runs.
        .env("CARGO_TARGET_DIR", root().join("target/pre-commit"))
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", &repo.find_links)
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
    let repo = HookRepo::this();
    fail_pass_fix(&repo, work.path(), &home, ("imagelint", "imagelint-fix"));
    every_default_path_reaches(&repo, work.path(), &home, "imagelint");
}

#[test]
fn source_hooks_fail_on_findings_pass_when_clean_and_fix() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("pre-commit-home");
    let repo = HookRepo::this();
    fail_pass_fix(
        &repo,
        work.path(),
        &home,
        ("imagelint-src", "imagelint-fix-src"),
    );
}

/// The mirror's hooks install the released wheel, as ruff-pre-commit does
/// ruff's: a wheel of this checkout in a local wheelhouse stands for PyPI.
#[test]
fn mirror_hooks_install_the_released_wheel() {
    let work = tempfile::tempdir().unwrap();
    let wheels = work.path().join("wheels");
    let built = Command::new("python3")
        .args(["-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir"])
        .arg(&wheels)
        .arg(root())
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", wheelhouse())
        .env("CARGO_TARGET_DIR", root().join("target/pre-commit"))
        .envs(fast_release_build())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let mirror = work.path().join("mirror");
    fs::create_dir(&mirror).unwrap();
    for file in [".pre-commit-hooks.yaml", "pyproject.toml", "README.md"] {
        fs::copy(
            root().join("pre-commit-mirror").join(file),
            mirror.join(file),
        )
        .unwrap();
    }
    git(&mirror, &["init", "-q"]);
    git(&mirror, &["add", "-A"]);
    git(&mirror, &["commit", "-qm", "mirror"]);
    let repo = HookRepo {
        path: mirror,
        find_links: format!("{} {}", wheels.display(), wheelhouse().display()),
    };
    let home = work.path().join("pre-commit-home");
    fail_pass_fix(&repo, work.path(), &home, ("imagelint", "imagelint-fix"));
    every_default_path_reaches(&repo, work.path(), &home, "imagelint");
}

#[test]
fn the_mirror_pins_this_version() {
    let version = crate::common::package_field("version");
    let pyproject = fs::read_to_string(root().join("pre-commit-mirror/pyproject.toml")).unwrap();
    assert!(
        pyproject.contains(&format!("version = \"{version}\"")),
        "{pyproject}"
    );
    assert!(
        pyproject.contains(&format!("\"imagelint=={version}\"")),
        "{pyproject}"
    );
}

fn fail_pass_fix(repo: &HookRepo, work: &Path, home: &Path, (check, fix): (&str, &str)) {
    let dirty = work.join("dirty");
    sample(
        &dirty,
        "services:\n  web:\n    image: nginx:1.25.3  # the front end\n",
    );
    let out = try_repo(repo, &dirty, home, check);
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
    let out = try_repo(repo, &clean, home, check);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The fix hook rewrites the file and fails; staged, the next run passes.
    let out = try_repo(repo, &dirty, home, fix);
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
    let out = try_repo(repo, &dirty, home, fix);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// One file for each default path pattern of each kind (src/kinds.rs), each
/// with a finding: pre-commit hands every one of them to the hook.
fn every_default_path_reaches(repo: &HookRepo, work: &Path, home: &Path, hook: &str) {
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
    let out = try_repo(repo, &dir, home, hook);
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{log}");
    for (path, _) in files {
        assert!(
            log.contains(&format!("{path}:")),
            "{path} was not checked:\n{log}"
        );
    }
}
