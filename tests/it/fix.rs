//! `check --fix` and `--diff`: fixed files byte-identical to hand-checked
//! expected files, a second run changes nothing, `--diff` writes nothing.

use crate::common::{copy_fixture, fixture, imagelint, imagelint_stdin, json, snapshot};
use std::fs;

fn copy_input() -> tempfile::TempDir {
    copy_fixture("fix/input")
}

#[test]
fn fix_reaches_the_expected_files_in_one_run() {
    let tmp = copy_input();
    let run = imagelint(tmp.path(), &["check", "--fix", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // What remains: a tag from a stage ARG, which BuildKit does not expand.
    let rules: Vec<String> = json(&run)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].to_string())
        .collect();
    assert_eq!(rules, ["\"unresolved-reference\""]);
    let got = snapshot(tmp.path());
    let want = snapshot(&fixture("fix/expected"));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (rel, bytes) in &want {
        assert!(
            got[rel] == *bytes,
            "{rel} differs:\n{}",
            String::from_utf8_lossy(&got[rel])
        );
    }
    // A second run finds nothing to fix and changes no byte.
    let again = imagelint(tmp.path(), &["check", "--fix"]);
    assert_eq!(again.code, 0);
    assert!(!again.stdout.contains("Fixed"), "{}", again.stdout);
    assert_eq!(snapshot(tmp.path()), want);
}

#[test]
fn diff_writes_nothing_and_exits_one() {
    let tmp = copy_input();
    let before = snapshot(tmp.path());
    let run = imagelint(tmp.path(), &["check", "--diff"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(snapshot(tmp.path()), before);
    assert!(run
        .stdout
        .contains("--- a/chart/values.yaml\n+++ b/chart/values.yaml\n"));
    assert!(
        run.stdout
            .contains("-  digest: \"\"\n+  digest: \"sha256:5555"),
        "{}",
        run.stdout
    );
    // The diff applies: `patch` turns the input into the expected files.
    let status = std::process::Command::new("patch")
        .args(["-p1", "-s", "-i", "-"])
        .current_dir(tmp.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(run.stdout.as_bytes())?;
            c.wait()
        })
        .unwrap();
    assert!(status.success());
    assert_eq!(snapshot(tmp.path()), snapshot(&fixture("fix/expected")));
    // Nothing left to fix: no diff, exit 0.
    let run = imagelint(tmp.path(), &["check", "--diff"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
}

#[test]
fn fixed_files_keep_permissions_and_symlinks() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = copy_input();
    let root = tmp.path();
    fs::set_permissions(root.join("Dockerfile"), fs::Permissions::from_mode(0o640)).unwrap();
    fs::create_dir(root.join("real")).unwrap();
    fs::rename(
        root.join("docker-compose.yml"),
        root.join("real/compose-target.yml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("real/compose-target.yml", root.join("docker-compose.yml")).unwrap();
    let run = imagelint(root, &["check", "--fix"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mode = fs::metadata(root.join("Dockerfile"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o640);
    assert!(fs::symlink_metadata(root.join("docker-compose.yml"))
        .unwrap()
        .file_type()
        .is_symlink());
    let fixed = fs::read_to_string(root.join("real/compose-target.yml")).unwrap();
    assert!(
        fixed.contains("registry.corp.example/dockerhub/library/nginx:1.25.3@sha256:"),
        "{fixed}"
    );
    // No temporary file is left behind.
    let leftovers: Vec<_> = snapshot(root)
        .into_keys()
        .filter(|k| k.contains(".imagelint-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn stdin_fix_prints_the_fixed_text() {
    let dir = fixture("fix/input");
    let text = fs::read(dir.join("docker-compose.yml")).unwrap();
    let run = imagelint_stdin(
        &dir,
        &["check", "--fix", "--stdin-filename", "docker-compose.yml"],
        Some(&text),
    );
    let want = fs::read_to_string(fixture("fix/expected/docker-compose.yml")).unwrap();
    assert_eq!(run.stdout, want);
    assert!(run.stderr.contains("No findings"), "{}", run.stderr);
    // Nothing to fix: the text comes back unchanged.
    let run = imagelint_stdin(
        &dir,
        &["check", "--fix", "--stdin-filename", "docker-compose.yml"],
        Some(want.as_bytes()),
    );
    assert_eq!(run.stdout, want);
}

#[test]
fn a_mirror_can_drop_library() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = { prefix = \"gitlab.example.com:443/grp/dependency_proxy/containers\", keep-library = false }\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM python:3.11\nFROM bitnami/redis:7\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check", "--fix", "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        "FROM gitlab.example.com:443/grp/dependency_proxy/containers/python:3.11\nFROM gitlab.example.com:443/grp/dependency_proxy/containers/bitnami/redis:7\n"
    );
    // Under the mirror, each still knows its upstream.
    let out = json(&imagelint(dir.path(), &["check", "--format", "json"]));
    let upstreams: Vec<&str> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["image"]["upstream"].as_str().unwrap())
        .collect();
    assert!(
        upstreams.contains(&"docker.io/library/python:3.11"),
        "{upstreams:?}"
    );
}
