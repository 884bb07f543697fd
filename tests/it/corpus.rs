//! The generated monorepo: inventory finds exactly the references listed in
//! its truth.jsonl, same path and line.

use crate::common::{imagelint, json, root};
use std::collections::BTreeSet;
use std::process::Command;

#[test]
fn inventory_matches_truth_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("corpus");
    let status = Command::new("python3")
        .arg(root().join("bench/gen-corpus.py"))
        .arg(&out)
        .args(["--services", "200"])
        .status()
        .expect("python3 runs gen-corpus.py");
    assert!(status.success());
    let run = imagelint(&out, &["inventory", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found: BTreeSet<(String, u64)> = json(&run)["images"]
        .as_array()
        .unwrap()
        .iter()
        // The generator does not list `# syntax=` directives, which SPEC
        // section 2 makes image positions (BuildKit pulls the frontend).
        .filter(|i| i["context"] != "# syntax= directive")
        .map(|i| {
            (
                i["path"].as_str().unwrap().to_string(),
                i["location"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let truth: BTreeSet<(String, u64)> = std::fs::read_to_string(out.join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["path"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let missing: Vec<_> = truth.difference(&found).take(10).collect();
    let extra: Vec<_> = found.difference(&truth).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );
    assert_eq!(found.len(), truth.len());
    assert!(truth.len() > 2500);
}
