//! Bad input gets a one-line message naming the file, the other files are
//! still checked, and the exit code is 2. Never a panic.

use crate::common::{fixture, imagelint};
use std::fs;

#[test]
fn each_bad_file_is_named_and_the_rest_checked() {
    let run = imagelint(&fixture("bad-input"), &["check", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let expect = [
        "imagelint: compose.yaml: not valid UTF-8 (at byte 31)",
        "imagelint: deep/deploy.yaml: invalid YAML at line 259 column 513: nesting deeper than 256 levels",
        "imagelint: docker-compose.yml: invalid YAML at line 3 column 12: invalid indentation in quoted scalar",
        "imagelint: terraform/broken.tf: invalid HCL at line 2 column 3: invalid block body; expected `}`, newline or identifier",
        "imagelint: terraform/deep.tf: invalid HCL at line 2 column 77: invalid nesting depth; expected at most 64 nested levels",
        "imagelint: values.yaml: binary file (NUL bytes), not text",
    ];
    assert_eq!(lines, expect);
    // The good file beside them is still checked; the empty ones are fine.
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let paths: Vec<&str> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"good/Dockerfile"), "{paths:?}");
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn unreadable_paths_and_symlink_loops() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("compose.yaml"),
        "services:\n  a: {image: 'redis:7.2.4'}\n",
    )
    .unwrap();
    // A folder where a file is expected, a link to itself, a dangling link.
    fs::create_dir(root.join("Dockerfile")).unwrap();
    fs::create_dir(root.join("sub")).unwrap();
    std::os::unix::fs::symlink("values.yaml", root.join("sub/values.yaml")).unwrap();
    std::os::unix::fs::symlink("missing.yaml", root.join("docker-compose.yml")).unwrap();
    std::os::unix::fs::symlink(".", root.join("sub/loop")).unwrap();
    let run = imagelint(root, &["check", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("imagelint: docker-compose.yml: cannot read: No such file or directory"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("imagelint: sub/values.yaml: cannot read:"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert!(run.stdout.contains("redis:7.2.4"));
    // Named on the command line, a folder named like a file is walked, and a
    // missing path is an error.
    let run = imagelint(root, &["check", "nope.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "imagelint: nope.yaml: No such file or directory"
    );
}

#[test]
fn a_fifty_megabyte_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n");
    let mut i = 0;
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&format!(
            "  key{i}: \"a value long enough to fill the file, number {i}\"\n"
        ));
        i += 1;
    }
    text.push_str("---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: \"nginx:1.25.3\"}]\n");
    fs::write(dir.path().join("big.yaml"), &text).unwrap();
    fs::write(dir.path().join("Dockerfile"), "FROM alpine:3.19\n").unwrap();
    let run = imagelint(dir.path(), &["inventory", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{}", run.stdout);
    assert!(rows[1].starts_with("big.yaml,"), "{}", rows[1]);
    assert!(rows[1].contains(",nginx:1.25.3,"), "{}", rows[1]);
}
