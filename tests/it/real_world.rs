//! Shapes seen in real repositories (issue "Real repositories"), checked
//! against the real consumers: what they load, imagelint reads.

use crate::common::{fixture, imagelint, json};
use std::path::Path;
use std::process::Command;

/// The image texts imagelint's inventory finds in `file`, in order.
fn inventory(dir: &Path, file: &str) -> Vec<String> {
    let run = imagelint(dir, &["inventory", "--format", "json", file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    json(&run)["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["image"]["text"].as_str().unwrap().to_string())
        .collect()
}

/// `docker-compose config --images`: the images Compose would pull.
fn compose_images(file: &Path) -> Vec<String> {
    let out = Command::new("docker-compose")
        .arg("-f")
        .arg(file)
        .args(["config", "--images"])
        .env("COMPOSE_PROJECT_NAME", "oracle")
        .output()
        .expect("docker-compose is installed by test.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut images: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    images.sort();
    images
}

/// PyYAML with libyaml (GitLab's loader too) loads `file`.
fn libyaml_loads(file: &Path) -> bool {
    Command::new("python3")
        .args([
            "-c",
            "import sys, yaml; list(yaml.load_all(open(sys.argv[1]), Loader=yaml.CSafeLoader))",
        ])
        .arg(file)
        .status()
        .expect("python3 with PyYAML is installed by test.sh")
        .success()
}

/// Item 1: flow collections closed at their key's indentation load in
/// libyaml and Compose; imagelint reads them with exact spans.
#[test]
fn under_indented_flow_collections_are_read() {
    let dir = fixture("real-world/flow-indent");
    for file in ["compose.yaml", "values.yaml"] {
        assert!(libyaml_loads(&dir.join(file)), "{file}");
    }
    let mut found = inventory(&dir, "compose.yaml");
    found.sort();
    assert_eq!(found, compose_images(&dir.join("compose.yaml")));
    assert_eq!(
        inventory(&dir, "values.yaml"),
        ["bitnami/nginx:1.25.3", "busybox:1.36"]
    );
    // Spans point at the reference bytes of the original text.
    let run = imagelint(&dir, &["check", "--format", "json", "compose.yaml"]);
    let text = std::fs::read_to_string(dir.join("compose.yaml")).unwrap();
    for f in json(&run)["findings"].as_array().unwrap() {
        let at = f["location"]["offset"].as_u64().unwrap() as usize;
        let len = f["location"]["length"].as_u64().unwrap() as usize;
        assert_eq!(&text[at..at + len], f["image"]["text"].as_str().unwrap());
    }
}

/// A file that cannot be read is counted in the summary, so "No findings"
/// never reads as all clear.
#[test]
fn the_summary_counts_files_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a: {image: \"b\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stdout.contains("1 file could not be checked"),
        "{}",
        run.stdout
    );
}
