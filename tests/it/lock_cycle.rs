//! The life of a lock against real registries on 127.0.0.1 (Debian's
//! docker-registry, images pushed with skopeo): lock, re-push, `--check`
//! names the files, `--update`, `check --fix` re-pins, `--prune`; a
//! single-platform pin; credential helpers; `resolve-via-mirror`.

use crate::common::{imagelint, json};
use crate::registry::{
    free_port, htpasswd_auth, imagelint_env, inspect, lock_entries, push, registry, skopeo,
};
use std::fs;
use std::path::Path;

fn no_docker_config(w: &Path) -> std::path::PathBuf {
    let d = w.join("no-docker-config");
    fs::create_dir_all(&d).unwrap();
    d
}

fn rules_at(dir: &Path) -> Vec<(String, u64)> {
    let run = imagelint(dir, &["check", "--format", "json"]);
    json(&run)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["location"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn lock_repush_check_update_fix_and_prune() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let cfg = no_docker_config(w);
    let port = free_port();
    let _registry = registry(w, port, &w.join("storage"), "");
    push(w, port, "team/app", "v1", true, "one");
    push(w, port, "team/lib", "v1", false, "one");
    let lib_digest = inspect(port, "team/lib", "v1");
    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    let app = format!("127.0.0.1:{port}/team/app:v1");
    let lib = format!("127.0.0.1:{port}/team/lib:v1");
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a:\n    image: {app}\n  b:\n    image: {lib}@{lib_digest}\n"),
    )
    .unwrap();
    let run = imagelint_env(&repo, &["lock"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // The tag pinned in the file is recorded too.
    let entries = lock_entries(&repo);
    assert_eq!(entries[&lib].as_str().unwrap(), lib_digest);
    let v1 = inspect(port, "team/app", "v1");
    assert_eq!(entries[&app].as_str().unwrap(), v1);
    let fixed = imagelint(&repo, &["check", "--fix"]);
    assert_ne!(fixed.code, 2, "{}", fixed.stderr);
    let compose = fs::read_to_string(repo.join("compose.yaml")).unwrap();
    assert!(compose.contains(&format!("{app}@{v1}")), "{compose}");

    // Nothing new: nothing resolved, the lock file not written.
    let lock_path = repo.join("imagelint.lock");
    let before = fs::metadata(&lock_path).unwrap().modified().unwrap();
    let run = imagelint_env(&repo, &["lock"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("0 tags resolved") && run.stdout.contains("not written"),
        "{}",
        run.stdout
    );
    assert_eq!(
        fs::metadata(&lock_path).unwrap().modified().unwrap(),
        before
    );

    // The tag is re-pushed: --check fails and names the file and line.
    push(w, port, "team/app", "v1", true, "two");
    let v2 = inspect(port, "team/app", "v1");
    assert_ne!(v1, v2);
    let check = imagelint_env(&repo, &["lock", "--check"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains(&format!(
            "moved: {app}: locked {v1}, now {v2}\n  used at compose.yaml:3"
        )),
        "{}",
        check.stdout
    );

    // --update records the new digest; the file's pin is now stale.
    let run = imagelint_env(&repo, &["lock", "--update"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("2 tags resolved, 1 changed"),
        "{}",
        run.stdout
    );
    assert_eq!(lock_entries(&repo)[&app].as_str().unwrap(), v2);
    assert_eq!(rules_at(&repo), [("stale-digest".to_string(), 3)]);
    let fixed = imagelint(&repo, &["check", "--fix"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    let compose = fs::read_to_string(repo.join("compose.yaml")).unwrap();
    assert!(compose.contains(&format!("{app}@{v2}")), "{compose}");
    let again = imagelint(&repo, &["check", "--fix"]);
    assert!(!again.stdout.contains("Fixed"), "{}", again.stdout);
    let check = imagelint_env(&repo, &["lock", "--check"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    // A file pinned by one platform's manifest of the locked index.
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{app}"),
    ]);
    let index: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let amd64 = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    fs::write(repo.join("Dockerfile"), format!("FROM {app}@{amd64}\n")).unwrap();
    let check = imagelint_env(&repo, &["lock", "--check"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains(&format!(
            "platform: Dockerfile:1: {app} is pinned by its linux/amd64 manifest {amd64}; pin the multi-arch index {v2}"
        )),
        "{}",
        check.stdout
    );
    fs::remove_file(repo.join("Dockerfile")).unwrap();

    // --prune drops what no file uses.
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a:\n    image: {app}@{v2}\n"),
    )
    .unwrap();
    let run = imagelint_env(&repo, &["lock", "--prune"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("1 pruned"), "{}", run.stdout);
    let entries = lock_entries(&repo);
    assert!(
        entries.contains_key(&app) && !entries.contains_key(&lib),
        "{entries:?}"
    );
}

/// A credential helper (a script the test writes) answers for the registry
/// `credHelpers` names, and is never asked about another one.
#[test]
fn credential_helpers_answer_for_their_registry_only() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let storage = w.join("storage");
    let open_port = free_port();
    {
        let _open = registry(w, open_port, &storage, "");
        push(w, open_port, "team/app", "v1", true, "one");
    }
    let auth = htpasswd_auth(w, "carol", "from-helper");
    let port = free_port();
    let _closed = registry(w, port, &storage, &auth);
    let other_port = free_port();
    let _other = registry(w, other_port, &w.join("other-storage"), "");
    push(w, other_port, "x/y", "1", false, "one");

    let bin = w.join("bin");
    fs::create_dir(&bin).unwrap();
    let log = w.join("helper.log");
    let helper = bin.join("docker-credential-testhelper");
    fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread server\necho \"$server\" >> {}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"carol\",\"Secret\":\"from-helper\"}}' \"$server\"\n",
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&helper, fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());

    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a: {{image: 127.0.0.1:{port}/team/app:v1}}\n  b: {{image: 127.0.0.1:{other_port}/x/y:1}}\n"),
    )
    .unwrap();
    let cfg = w.join("docker-config");
    fs::create_dir(&cfg).unwrap();
    let run_with = |config: String, args: &[&str]| {
        fs::write(cfg.join("config.json"), config).unwrap();
        crate::common::Imagelint::new(&repo)
            .args(args)
            .env("DOCKER_CONFIG", &cfg)
            .env("PATH", &path)
            .env("IMAGELINT_RETRY_BACKOFF_MS", "10")
            .run()
    };
    let run = run_with(
        format!(r#"{{"auths": {{}}, "credHelpers": {{"127.0.0.1:{port}": "testhelper"}}}}"#),
        &["lock"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let entries = lock_entries(&repo);
    assert!(entries[&format!("127.0.0.1:{port}/team/app:v1")]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert!(entries.contains_key(&format!("127.0.0.1:{other_port}/x/y:1")));
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        format!("127.0.0.1:{port}\n")
    );

    // `credsStore` is asked for every registry that wants credentials.
    fs::write(&log, "").unwrap();
    let run = run_with(
        r#"{"credsStore": "testhelper"}"#.into(),
        &["lock", "--update"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        format!("127.0.0.1:{port}\n")
    );

    // A helper that is not installed: the error says which, not `docker login`.
    let run = run_with(
        format!(r#"{{"credHelpers": {{"127.0.0.1:{port}": "absent"}}}}"#),
        &["lock", "--update"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("`docker-credential-absent` is not on PATH"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("docker login`"), "{}", run.stderr);
}

/// With `resolve-via-mirror`, a mirror holding other content than its
/// upstream gives the lock the mirror's digest, however the file writes
/// the reference, in `lock`, `--update` and `--check` alike.
#[test]
fn resolve_via_mirror_is_one_route_for_every_command() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let cfg = no_docker_config(w);
    let (up, mirror) = (free_port(), free_port());
    let _up = registry(w, up, &w.join("up-storage"), "");
    let _mirror = registry(w, mirror, &w.join("mirror-storage"), "");
    push(w, up, "team/app", "v1", true, "upstream");
    push(w, mirror, "up/team/app", "v1", true, "mirror");
    let (up_digest, mirror_digest) = (
        inspect(up, "team/app", "v1"),
        inspect(mirror, "up/team/app", "v1"),
    );
    assert_ne!(up_digest, mirror_digest);
    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    fs::write(
        repo.join(".imagelint.toml"),
        format!("resolve-via-mirror = true\n[mirrors]\n\"127.0.0.1:{up}\" = \"127.0.0.1:{mirror}/up\"\n"),
    )
    .unwrap();
    let key = format!("127.0.0.1:{up}/team/app:v1");
    for written in [
        format!("127.0.0.1:{up}/team/app:v1"),
        format!("127.0.0.1:{mirror}/up/team/app:v1"),
    ] {
        fs::write(
            repo.join("compose.yaml"),
            format!("services:\n  a: {{image: {written}}}\n"),
        )
        .unwrap();
        let _ = fs::remove_file(repo.join("imagelint.lock"));
        for args in [&["lock"][..], &["lock", "--update"]] {
            let run = imagelint_env(&repo, args, &[("DOCKER_CONFIG", &cfg)]);
            assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
            assert_eq!(
                lock_entries(&repo)[&key].as_str().unwrap(),
                mirror_digest,
                "{written} {args:?}"
            );
        }
        let check = imagelint_env(&repo, &["lock", "--check"], &[("DOCKER_CONFIG", &cfg)]);
        assert_eq!(check.code, 0, "{written}: {}{}", check.stdout, check.stderr);
    }
    // Without the setting the upstream is asked: the mirror's digest moved.
    fs::write(
        repo.join(".imagelint.toml"),
        format!("[mirrors]\n\"127.0.0.1:{up}\" = \"127.0.0.1:{mirror}/up\"\n"),
    )
    .unwrap();
    let check = imagelint_env(&repo, &["lock", "--check"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains(&format!("now {up_digest}")),
        "{}",
        check.stdout
    );
}

/// On a terminal `lock` shows its progress and failures as they happen;
/// off one (every other test here) it prints none of it.
#[test]
fn progress_shows_on_a_terminal_only() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let cfg = no_docker_config(w);
    let port = free_port();
    let _registry = registry(w, port, &w.join("storage"), "");
    push(w, port, "team/app", "v1", false, "one");
    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a: {{image: 127.0.0.1:{port}/team/app:v1}}\n  b: {{image: 127.0.0.1:{port}/team/app:gone}}\n"),
    )
    .unwrap();
    let piped = imagelint_env(&repo, &["lock"], &[("DOCKER_CONFIG", &cfg)]);
    assert!(
        !piped.stderr.contains("lock 2/2") && !piped.stderr.contains('\r'),
        "{}",
        piped.stderr
    );
    fs::remove_file(repo.join("imagelint.lock")).ok();
    // `script` gives the run a terminal.
    let command = format!("{} lock", env!("CARGO_BIN_EXE_imagelint"));
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(&repo)
        .env("DOCKER_CONFIG", &cfg)
        .env("IMAGELINT_RETRY_BACKOFF_MS", "10")
        .output()
        .expect("script (util-linux) runs");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains(&format!("lock 2/2 · 127.0.0.1:{port} 2/2 · 1 failed")),
        "{shown}"
    );
    assert!(
        shown.contains(&format!(
            "lock: 127.0.0.1:{port}/team/app:gone: 404 unknown tag"
        )),
        "{shown}"
    );
}
