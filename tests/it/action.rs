//! The GitHub Action: action.yml's shape, and action/run.sh run locally
//! with the environment GitHub gives a composite action's step.

use crate::common::root;
use std::fs;
use std::process::Command;

#[test]
fn action_yml_follows_the_metadata_rules() {
    let text = fs::read_to_string(root().join("action.yml")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for key in ["name:", "description:", "inputs:", "outputs:", "runs:"] {
        assert!(lines.iter().any(|l| l.starts_with(key)), "{key}");
    }
    assert!(text.contains("  using: composite"));
    // Every input is documented and has a default.
    for input in ["args", "paths", "annotations", "sarif", "version"] {
        let at = lines
            .iter()
            .position(|l| *l == format!("  {input}:"))
            .unwrap_or_else(|| panic!("input {input}"));
        let block: Vec<&str> = lines[at + 1..]
            .iter()
            .take_while(|l| l.starts_with("    "))
            .copied()
            .collect();
        assert!(
            block
                .iter()
                .any(|l| l.trim_start().starts_with("description: ")),
            "{input}"
        );
        assert!(
            block
                .iter()
                .any(|l| l.trim_start().starts_with("default: ")),
            "{input}"
        );
    }
    // Steps: each `run` has a `shell`, no `${{ }}` inside `run:`, and the
    // SARIF upload is pinned by a full commit SHA.
    let steps = &text[text.find("  steps:").unwrap()..];
    let step_blocks: Vec<&str> = steps.split("\n    - ").skip(1).collect();
    assert!(!step_blocks.is_empty());
    for step in &step_blocks {
        if let Some(run) = step.lines().find(|l| l.trim_start().starts_with("run:")) {
            assert!(step.contains("shell: bash"), "{step}");
            assert!(!run.contains("${{"), "{run}");
        }
        if let Some(uses) = step.lines().find(|l| l.trim_start().starts_with("uses:")) {
            let pin = uses
                .split('@')
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap();
            assert!(
                pin.len() == 40 && pin.bytes().all(|b| b.is_ascii_hexdigit()),
                "{uses}"
            );
        }
    }
}

#[test]
fn run_sh_builds_annotates_and_writes_summary_and_sarif() {
    let runner = Runner::new();
    let target_dir = root().join("target/pre-commit");
    let mut envs = vec![
        ("GITHUB_ACTIONS", "true"),
        ("IMAGELINT_ARGS", "--fail-on error"),
        ("IMAGELINT_ANNOTATIONS", "true"),
        ("IMAGELINT_SARIF", "true"),
        ("CARGO_TARGET_DIR", target_dir.to_str().unwrap()),
    ];
    envs.extend(crate::precommit::fast_release_build());
    let (code, stdout, outputs) = runner.run("source", &envs);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("::group::Building imagelint from source"),
        "{stdout}"
    );
    assert!(stdout.contains("::error file=deploy/app.yaml,line=4,endLine=4,col=34,endColumn=44,title=imagelint (implicit-docker-hub)::"), "{stdout}");
    let w = runner.dir.path();
    let md = fs::read_to_string(w.join("summary.md")).unwrap();
    assert!(md.starts_with("## imagelint"), "{md}");
    let sarif = w.join("runner-temp/imagelint.sarif");
    assert!(
        outputs.contains(&format!("sarif-file={}\n", sarif.display())),
        "{outputs}"
    );
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert!(runner.installed());
}

/// A runner's environment for action/run.sh, with a workspace holding one
/// finding, and the files GitHub reads back.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        let deploy = dir.path().join("workspace/deploy");
        fs::create_dir_all(&deploy).unwrap();
        fs::write(
            deploy.join("app.yaml"),
            "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: a, image: \"nginx:1.25\"}]\n",
        )
        .unwrap();
        fs::create_dir(dir.path().join("runner-temp")).unwrap();
        for file in ["summary.md", "output.txt"] {
            fs::write(dir.path().join(file), "").unwrap();
        }
        Runner { dir }
    }

    fn run(&self, version: &str, envs: &[(&str, &str)]) -> (Option<i32>, String, String) {
        let w = self.dir.path();
        // By path: one test runs it with a PATH that has no bash.
        let out = Command::new("/bin/bash")
            .arg(root().join("action/run.sh"))
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_WORKSPACE", w.join("workspace"))
            .env("GITHUB_STEP_SUMMARY", w.join("summary.md"))
            .env("GITHUB_OUTPUT", w.join("output.txt"))
            .env("RUNNER_TEMP", w.join("runner-temp"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("IMAGELINT_VERSION", version)
            .env("IMAGELINT_PATHS", "deploy")
            .envs(envs.iter().copied())
            .output()
            .unwrap();
        let outputs = fs::read_to_string(w.join("output.txt")).unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            outputs,
        )
    }

    fn installed(&self) -> bool {
        self.dir
            .path()
            .join("runner-temp/imagelint/bin/imagelint")
            .exists()
    }
}

/// A fake release on 127.0.0.1: `v9.9.9/imagelint-x86_64-unknown-linux-musl.tar.gz`
/// holding the binary under test, with a `.sha256` that is right or wrong.
struct Release {
    _dir: tempfile::TempDir,
    server: std::process::Child,
    url: String,
}

impl Release {
    fn serve(checksum_right: bool) -> Release {
        let dir = tempfile::tempdir().unwrap();
        let tag = dir.path().join("v9.9.9");
        fs::create_dir(&tag).unwrap();
        let stage = dir.path().join("stage");
        fs::create_dir(&stage).unwrap();
        fs::copy(env!("CARGO_BIN_EXE_imagelint"), stage.join("imagelint")).unwrap();
        // Anything else in the archive must stay out of the runner's PATH.
        fs::write(stage.join("extra"), "#!/bin/sh\n").unwrap();
        let asset = tag.join("imagelint-x86_64-unknown-linux-musl.tar.gz");
        let ok = Command::new("tar")
            .arg("-czf")
            .arg(&asset)
            .arg("-C")
            .arg(&stage)
            .args(["imagelint", "extra"])
            .status()
            .unwrap();
        assert!(ok.success());
        let sum = Command::new("sha256sum").arg(&asset).output().unwrap();
        let mut sum = String::from_utf8(sum.stdout).unwrap();
        if !checksum_right {
            sum = format!("{}{}", "0".repeat(64), &sum[64..]);
        }
        fs::write(asset.with_extension("gz.sha256"), sum).unwrap();
        let port = crate::registry::free_port();
        let server = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Release {
            _dir: dir,
            server,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

#[test]
fn version_downloads_the_released_binary_and_checks_its_sha256() {
    let release = Release::serve(true);
    let runner = Runner::new();
    let (code, stdout, outputs) =
        runner.run("9.9.9", &[("IMAGELINT_RELEASE_URL", release.url.as_str())]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("title=imagelint (implicit-docker-hub)::"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("Building imagelint from source"),
        "{stdout}"
    );
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    assert!(runner.installed());
    assert!(!runner
        .dir
        .path()
        .join("runner-temp/imagelint/bin/extra")
        .exists());
}

#[test]
fn a_checksum_mismatch_or_missing_asset_fails_closed() {
    let bad = Release::serve(false);
    let runner = Runner::new();
    let (code, stdout, outputs) =
        runner.run("9.9.9", &[("IMAGELINT_RELEASE_URL", bad.url.as_str())]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(
        stdout.contains("::error title=imagelint::checksum mismatch for imagelint-x86_64-unknown-linux-musl.tar.gz"),
        "{stdout}"
    );
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
    assert!(
        !runner.installed(),
        "a binary that failed its checksum was installed"
    );

    let good = Release::serve(true);
    let runner = Runner::new();
    let (code, stdout, outputs) =
        runner.run("1.2.3", &[("IMAGELINT_RELEASE_URL", good.url.as_str())]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(
        stdout.contains("::error title=imagelint::cannot download")
            && stdout.contains("/v1.2.3/imagelint-x86_64-unknown-linux-musl.tar.gz"),
        "{stdout}"
    );
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
    assert!(!runner.installed());
}

#[test]
fn source_without_cargo_is_a_clear_error_with_an_exit_code() {
    let runner = Runner::new();
    // A PATH with the tools the script uses and no cargo.
    let tools = tempfile::tempdir().unwrap();
    for tool in ["sed", "head", "cut", "cat", "uname"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        let at = String::from_utf8(found.stdout).unwrap();
        std::os::unix::fs::symlink(at.trim(), tools.path().join(tool)).unwrap();
    }
    let path = tools.path().to_str().unwrap();
    let (code, stdout, outputs) = runner.run("source", &[("PATH", path)]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(
        stdout.starts_with(
            "::error title=imagelint::version: source builds with cargo, which is not on PATH"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("::group::"), "{stdout}");
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
}

#[test]
fn the_default_version_is_the_actions_own() {
    let text = fs::read_to_string(root().join("action.yml")).unwrap();
    let version = &text[text.find("  version:").unwrap()..];
    assert!(version.contains("    default: \"\"\n"), "{version}");
}
