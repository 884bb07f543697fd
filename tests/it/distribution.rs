//! What ships besides the binary, checked with the real tools: the workflows
//! (actionlint, with shellcheck on their scripts), the GitLab templates (run
//! as a runner would), the container image's Dockerfile, the config schema,
//! the minimum Rust version, and imagelint's own check of this repository.

use crate::common::{data, imagelint, package_field, root};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `cmd`, which must succeed, and returns its standard output.
fn stdout_of(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn files_under(dir: &Path, ext: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| ext.iter().any(|x| e == *x)))
        .collect();
    out.sort();
    out
}

#[test]
fn actionlint_passes_every_workflow() {
    let workflows = files_under(&root().join(".github/workflows"), &["yml", "yaml"]);
    assert!(workflows.len() >= 2, "{workflows:?}");
    // Without shellcheck actionlint skips the `run:` scripts silently.
    let shellcheck = Command::new("shellcheck").arg("--version").output();
    assert!(
        shellcheck.is_ok_and(|o| o.status.success()),
        "shellcheck is not installed"
    );
    let out = Command::new("actionlint")
        .args(["-color", "-no-color"].iter().skip(1))
        .args(&workflows)
        .current_dir(root())
        .output()
        .expect("actionlint is installed (test.sh installs it)");
    crate::common::assert_succeeded(&out);
}

#[test]
fn actionlint_catches_a_broken_workflow() {
    // The test above can fail: actionlint reports an unknown runner input.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n",
    )
    .unwrap();
    let out = Command::new("actionlint").arg(&bad).output().unwrap();
    assert!(!out.status.success());
}

fn version_of(text: &str) -> (u32, u32) {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().unwrap());
    (parts.next().unwrap(), parts.next().unwrap_or(0))
}

/// Our own code's floor: `File::lock` (the lock file's advisory lock) is
/// stable since Rust 1.89.
const OWN_FLOOR: (u32, u32) = (1, 89);

/// The highest `rust-version` among the packages `cargo install` builds: the
/// normal and build dependencies, for every platform, of the locked tree.
fn dependencies_floor() -> ((u32, u32), String) {
    let out = stdout_of(
        Command::new("cargo")
            .args(["metadata", "--locked", "--offline", "--format-version", "1"])
            .current_dir(root()),
    );
    let meta: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let packages: std::collections::HashMap<&str, &serde_json::Value> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: std::collections::HashMap<&str, &serde_json::Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let root_id = meta["resolve"]["root"].as_str().unwrap();
    let (mut seen, mut todo) = (std::collections::HashSet::new(), vec![root_id]);
    let mut floor = ((0, 0), String::new());
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        if id != root_id {
            if let Some(v) = packages[id]["rust_version"].as_str() {
                let v = version_of(v);
                if v > floor.0 {
                    floor = (v, packages[id]["name"].as_str().unwrap().to_string());
                }
            }
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let shipped = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if shipped {
                todo.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    assert!(seen.len() > 50, "the walk missed the tree: {}", seen.len());
    floor
}

#[test]
fn rust_version_is_the_locked_trees_minimum_and_every_build_image_meets_it() {
    let (deps, which) = dependencies_floor();
    let declared = version_of(&package_field("rust-version"));
    assert_eq!(
        declared,
        deps.max(OWN_FLOOR),
        "rust-version: the dependencies need {deps:?} ({which}), our code {OWN_FLOOR:?}"
    );
    // Every Rust image that builds imagelint from source.
    let rust_image = regex::Regex::new(r"\brust:(\d+\.\d+)").unwrap();
    let mut seen = 0;
    let mut shipped = vec![root().join("Dockerfile")];
    shipped.extend(files_under(&root().join("templates"), &["yml"]));
    shipped.extend(files_under(&root().join("templates/imagelint"), &["yml"]));
    shipped.extend(files_under(&root().join(".github/workflows"), &["yml"]));
    for path in shipped {
        for found in rust_image.captures_iter(&fs::read_to_string(&path).unwrap()) {
            seen += 1;
            assert!(
                version_of(&found[1]) >= declared,
                "{}: rust:{} is older than rust-version",
                path.display(),
                &found[1]
            );
        }
    }
    assert!(seen >= 1, "the Dockerfile builds with a rust image");
}

#[test]
fn templates_use_the_released_image_of_this_version() {
    let want = format!("ghcr.io/imagelint/imagelint:{}", package_field("version"));
    for name in ["imagelint.gitlab-ci.yml", "imagelint/template.yml"] {
        let text = fs::read_to_string(root().join("templates").join(name)).unwrap();
        assert!(text.contains(&want), "{name} does not use {want}");
        assert!(!text.contains("cargo install"), "{name} builds from source");
    }
}

/// A project with one finding, for the GitLab job to report.
fn gitlab_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".gitlab-ci.yml"),
        "build:\n  image: node:20\n  script: [npm ci]\n",
    )
    .unwrap();
    dir
}

fn run_gitlab_job(template: &str, project: &Path) -> serde_json::Value {
    // The runner's image has imagelint on PATH: the binary under test.
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_imagelint"),
        bin.path().join("imagelint"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let out = stdout_of(
        Command::new("python3")
            .arg(root().join("tests/support/gitlab_job.py"))
            .arg(root().join("templates").join(template))
            .arg("imagelint")
            .arg(project)
            .env("PATH", path)
            .env_remove("NO_COLOR"),
    );
    let stdout = String::from_utf8(out).unwrap();
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

#[test]
fn gitlab_templates_run_as_shipped_and_write_a_valid_code_quality_report() {
    let validator = schema_of(&data("gitlab-code-quality.schema.json"));
    let image = format!("ghcr.io/imagelint/imagelint:{}", package_field("version"));
    for template in ["imagelint.gitlab-ci.yml", "imagelint/template.yml"] {
        let project = gitlab_project();
        let job = run_gitlab_job(template, project.path());
        assert_eq!(job["exit"], 1, "{template}: findings fail the job");
        assert_eq!(job["image"], image.as_str(), "{template}");
        assert_eq!(job["entrypoint"], serde_json::json!([""]), "{template}");
        assert_eq!(
            job["when"], "always",
            "{template}: the report is kept on failure"
        );
        let report = project.path().join(job["report"].as_str().unwrap());
        let report: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{template}: {errors:?}");
        let issues = report.as_array().unwrap();
        assert!(!issues.is_empty(), "{template}");
        assert!(issues
            .iter()
            .all(|i| i["location"]["path"] == ".gitlab-ci.yml"
                && i["location"]["lines"]["begin"] == 2));

        // A clean project passes, with an empty report.
        fs::write(
            project.path().join(".gitlab-ci.yml"),
            "build:\n  script: [make]\n",
        )
        .unwrap();
        let job = run_gitlab_job(template, project.path());
        assert_eq!(job["exit"], 0, "{template}");
        let report = project.path().join(job["report"].as_str().unwrap());
        assert_eq!(fs::read_to_string(report).unwrap().trim(), "[]");
    }
}

#[test]
fn the_code_quality_schema_rejects_a_bad_report() {
    let validator = schema_of(&data("gitlab-code-quality.schema.json"));
    let bad = serde_json::json!([{"description": "x", "check_name": "r", "fingerprint": "f",
        "severity": "warning", "location": {"path": "a", "lines": {"begin": 1}}}]);
    assert!(!validator.is_valid(&bad));
}

#[test]
fn the_dockerfile_copies_exactly_the_crates_package_contents() {
    // The image builds from what `cargo package` ships (Cargo.toml's
    // `include`), so a file the build needs cannot be left out of the image.
    let manifest: toml::Table = fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut include: Vec<String> = manifest["package"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().trim_end_matches("/**").to_string())
        .collect();
    include.sort();
    // BuildKit's own parser reads the Dockerfile.
    let out = stdout_of(
        Command::new("python3")
            .args(["-c", "import dockerfile,sys,json; print(json.dumps([c.value for c in dockerfile.parse_file(sys.argv[1]) if c.cmd == 'COPY' and not any(f.startswith('--from') for f in c.flags)]))"])
            .arg(root().join("Dockerfile")),
    );
    let copies: Vec<Vec<String>> = serde_json::from_slice(&out).unwrap();
    let mut copied: Vec<String> = copies
        .iter()
        .flat_map(|c| c[..c.len() - 1].to_vec())
        .collect();
    copied.sort();
    assert_eq!(copied, include);
    let ignore = fs::read_to_string(root().join(".dockerignore")).unwrap();
    for path in &include {
        let allowed = format!("!{path}");
        assert!(
            ignore.lines().any(|l| l.trim_end_matches('/') == allowed),
            ".dockerignore keeps {path} out of the build context"
        );
    }
}

#[test]
fn imagelint_passes_its_own_repository() {
    let run = imagelint(&root(), &["check", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // The Dockerfile, the two templates, the two workflows and action.yml.
    assert!(
        report["summary"]["files"].as_u64().unwrap() >= 6,
        "{report}"
    );
    let inventory = imagelint(&root(), &["inventory", "--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_str(&inventory.stdout).unwrap();
    let read: Vec<&str> = report["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    for shipped in [
        "Dockerfile",
        "templates/imagelint.gitlab-ci.yml",
        "templates/imagelint/template.yml",
    ] {
        assert!(
            read.contains(&shipped),
            "no image read in {shipped}: {read:?}"
        );
    }
}

/// Every config file the repository holds, and the README's example.
fn config_examples() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut todo = vec![root().join("fixtures"), root().join("examples")];
    while let Some(dir) = todo.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| n == ".imagelint.toml" || n == "imagelint.toml")
            {
                found.push((
                    path.display().to_string(),
                    fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    found.push((
        ".imagelint.toml".into(),
        fs::read_to_string(root().join(".imagelint.toml")).unwrap(),
    ));
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme.find("## Configuration").unwrap()..];
    let block = section
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    found.push(("README.md".into(), block.to_string()));
    found.sort();
    found
}

fn schema_of(path: &Path) -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft7::new(&schema).unwrap()
}

fn config_schema() -> jsonschema::Validator {
    schema_of(&root().join("docs/imagelint.schema.json"))
}

fn as_json(toml_text: &str) -> serde_json::Value {
    serde_json::to_value(toml_text.parse::<toml::Table>().unwrap()).unwrap()
}

#[test]
fn the_config_schema_accepts_every_config_in_the_repository() {
    let schema = config_schema();
    let configs = config_examples();
    assert!(configs.len() >= 10, "{}", configs.len());
    for (name, text) in configs {
        let errors: Vec<String> = schema
            .iter_errors(&as_json(&text))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn the_config_schema_rejects_what_imagelint_rejects() {
    let schema = config_schema();
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "allowed-registry = [\"ghcr.io\"]\n",
        "[files]\nexclude = [\"a\"]\ninclude = [\"b\"]\n",
        "[mirrors]\n\"docker.io\" = { prefix = \"m.example\", keep-libary = false }\n",
        "[rules]\nmissing-digest = \"fatal\"\n",
        "fail-on = \"warnings\"\n",
        "[[rule]]\nid = \"x\"\nseverity = \"info\"\nmessage = \"m\"\n[rule.match]\nregistries = [\"a\"]\n",
    ] {
        assert!(!schema.is_valid(&as_json(bad)), "the schema accepts {bad:?}");
        fs::write(dir.path().join(".imagelint.toml"), bad).unwrap();
        let run = imagelint(dir.path(), &["check", "."]);
        assert_eq!(run.code, 2, "imagelint accepts {bad:?}: {}", run.stderr);
    }
}
