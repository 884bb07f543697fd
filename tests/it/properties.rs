//! Property tests for fixes on generated files: fixing twice equals fixing
//! once, and every byte outside the reported edits stays as it was.

use crate::common::{imagelint, json};
use proptest::prelude::*;
use std::fs;

const IMAGES: [&str; 6] = [
    "python:3.11",
    "redis:7.2.4",
    "nginx",
    "docker.io/library/node:20",
    "quay.io/x/y:1.0.0",
    "registry.corp.example/dockerhub/library/python:3.11",
];
const LOCK: &str = "version = 1\n[digests]\n\"docker.io/library/python:3.11\" = \"sha256:1111111111111111111111111111111111111111111111111111111111111111\"\n\"docker.io/library/redis:7.2.4\" = \"sha256:2222222222222222222222222222222222222222222222222222222222222222\"\n\"docker.io/library/node:20\" = \"sha256:3333333333333333333333333333333333333333333333333333333333333333\"\n";
const CONFIG: &str = "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n";

fn service() -> impl Strategy<Value = String> {
    (
        0..IMAGES.len(),
        0..4usize,
        prop::option::of("[a-zé ü#]{0,12}"),
    )
        .prop_map(|(i, style, comment)| {
            let image = IMAGES[i];
            let value = match style {
                0 => image.to_string(),
                1 => format!("'{image}'"),
                2 => format!("\"{image}\""),
                _ => format!("{{x: 1, image: {image}}}"),
            };
            let comment = comment.map(|c| format!("  # {c}")).unwrap_or_default();
            if style == 3 {
                format!("  s{i}{style}: {value}{comment}")
            } else {
                format!("  s{i}{style}:\n    image: {value}{comment}")
            }
        })
}

fn compose() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(service(), 1..6),
        any::<bool>(),
        "[a-zäö ]{0,20}",
    )
        .prop_map(|(services, crlf, head)| {
            let mut seen = std::collections::HashSet::new();
            let body: Vec<String> = services
                .into_iter()
                .filter(|s| seen.insert(s.lines().next().unwrap().to_string()))
                .collect();
            let text = format!("# {head}\nservices:\n{}\n", body.join("\n"));
            if crlf {
                text.replace('\n', "\r\n")
            } else {
                text
            }
        })
}

fn apply(text: &[u8], findings: &[serde_json::Value]) -> Vec<u8> {
    let mut edits: Vec<(usize, usize, String)> = findings
        .iter()
        .filter_map(|f| f["fix"]["edits"].as_array())
        .flatten()
        .map(|e| {
            (
                e["offset"].as_u64().unwrap() as usize,
                e["length"].as_u64().unwrap() as usize,
                e["content"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort();
    edits.dedup();
    let mut out = Vec::new();
    let mut at = 0;
    for (offset, length, content) in edits {
        out.extend_from_slice(&text[at..offset]);
        out.extend_from_slice(content.as_bytes());
        at = offset + length;
    }
    out.extend_from_slice(&text[at..]);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn fix_is_idempotent_and_touches_only_its_edits(text in compose()) {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".imagelint.toml"), CONFIG).unwrap();
        fs::write(dir.path().join("imagelint.lock"), LOCK).unwrap();
        let file = dir.path().join("compose.yaml");
        fs::write(&file, &text).unwrap();
        let before = json(&imagelint(dir.path(), &["check", "--format", "json"]));
        let run = imagelint(dir.path(), &["check", "--fix", "--format", "json"]);
        prop_assert!(run.code != 2, "{}", run.stderr);
        let once = fs::read(&file).unwrap();
        let expected = apply(text.as_bytes(), before["findings"].as_array().unwrap());
        prop_assert_eq!(String::from_utf8_lossy(&once), String::from_utf8_lossy(&expected));
        imagelint(dir.path(), &["check", "--fix"]);
        let twice = fs::read(&file).unwrap();
        prop_assert_eq!(once, twice);
    }
}
