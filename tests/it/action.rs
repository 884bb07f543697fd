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
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let workspace = w.join("workspace");
    fs::create_dir_all(workspace.join("deploy")).unwrap();
    fs::write(
        workspace.join("deploy/app.yaml"),
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: a, image: \"nginx:1.25\"}]\n",
    )
    .unwrap();
    let temp = w.join("runner-temp");
    fs::create_dir(&temp).unwrap();
    let (summary, output) = (w.join("summary.md"), w.join("output.txt"));
    fs::write(&summary, "").unwrap();
    fs::write(&output, "").unwrap();
    let out = Command::new("bash")
        .arg(root().join("action/run.sh"))
        .env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_WORKSPACE", &workspace)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_ACTIONS", "true")
        .env("IMAGELINT_ARGS", "--fail-on error")
        .env("IMAGELINT_PATHS", "deploy")
        .env("IMAGELINT_ANNOTATIONS", "true")
        .env("IMAGELINT_SARIF", "true")
        .env("IMAGELINT_VERSION", "source")
        .env("CARGO_TARGET_DIR", root().join("target/pre-commit"))
        .envs(crate::precommit::fast_release_build())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("::group::Building imagelint from source"),
        "{stdout}"
    );
    assert!(stdout.contains("::error file=deploy/app.yaml,line=4,endLine=4,col=34,endColumn=44,title=imagelint (implicit-docker-hub)::"), "{stdout}");
    let md = fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("## imagelint"), "{md}");
    let outputs = fs::read_to_string(&output).unwrap();
    let sarif = temp.join("imagelint.sarif");
    assert!(
        outputs.contains(&format!("sarif-file={}\n", sarif.display())),
        "{outputs}"
    );
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert!(temp.join("imagelint/bin/imagelint").is_file());
}
