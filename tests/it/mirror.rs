//! `imagelint mirror plan` run by the real `skopeo sync` from an upstream
//! loopback registry to a mirror loopback registry makes every mirrored,
//! pinned reference pullable from the mirror by digest; `mirror check`
//! reports a digest deleted from the mirror.

use crate::common::imagelint;
use crate::registry::{free_port, imagelint_env, inspect, push, registry, skopeo};
use std::fs;
use std::process::Command;

#[test]
fn the_plan_fills_the_mirror_and_the_check_sees_what_is_missing() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let cfg = w.join("no-docker-config");
    fs::create_dir(&cfg).unwrap();
    let (up, mirror) = (free_port(), free_port());
    let _up = registry(w, up, &w.join("up-storage"), "");
    let _mirror = registry(w, mirror, &w.join("mirror-storage"), "");
    push(w, up, "team/app", "v1", true, "one");
    push(w, up, "library/base", "1", false, "one");
    push(w, up, "tools/lint", "2", true, "one");
    let app = inspect(up, "team/app", "v1");
    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    fs::write(
        repo.join(".imagelint.toml"),
        format!("[mirrors]\n\"127.0.0.1:{up}\" = \"127.0.0.1:{mirror}/up\"\n"),
    )
    .unwrap();
    let m = format!("127.0.0.1:{mirror}/up");
    fs::write(
        repo.join("compose.yaml"),
        format!(
            "services:\n  a: {{image: {m}/team/app:v1@{app}}}\n  b: {{image: {m}/library/base:1}}\n  c: {{image: {m}/tools/lint:2}}\n"
        ),
    )
    .unwrap();
    // The lock gives the digests the files do not pin.
    let run = imagelint_env(&repo, &["lock"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // Nothing is on the mirror yet.
    let check = imagelint_env(&repo, &["mirror", "check"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(check.stdout.contains("3 missing"), "{}", check.stdout);

    let plan = imagelint(&repo, &["mirror", "plan", "--output", "plan"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    let sync = Command::new("sh")
        .arg(repo.join("plan/sync.sh"))
        .env("REGISTRY_AUTH_FILE", w.join("no-auth.json"))
        .output()
        .unwrap();
    assert!(
        sync.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&sync.stdout),
        String::from_utf8_lossy(&sync.stderr)
    );
    // Every mirrored, pinned reference pulls from the mirror by digest.
    let lock: toml::Table = fs::read_to_string(repo.join("imagelint.lock"))
        .unwrap()
        .parse()
        .unwrap();
    let digests = lock["digests"].as_table().unwrap();
    for (name, tag) in [
        ("team/app", "v1"),
        ("library/base", "1"),
        ("tools/lint", "2"),
    ] {
        let digest = digests[&format!("127.0.0.1:{up}/{name}:{tag}")]
            .as_str()
            .unwrap();
        let got = skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--format",
            "{{.Digest}}",
            &format!("docker://{m}/{name}@{digest}"),
        ]);
        assert_eq!(got, digest, "{name}");
    }
    let check = imagelint_env(&repo, &["mirror", "check"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    // A digest deleted from the mirror is reported, with where it is used.
    let base = digests[&format!("127.0.0.1:{up}/library/base:1")]
        .as_str()
        .unwrap();
    skopeo(&[
        "delete",
        "--tls-verify=false",
        &format!("docker://{m}/library/base@{base}"),
    ]);
    let check = imagelint_env(&repo, &["mirror", "check"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains(&format!(
            "missing: {m}/library/base@{base} (from 127.0.0.1:{up}/library/base; used at compose.yaml:3)"
        )),
        "{}",
        check.stdout
    );
}

#[test]
fn plans_for_crane_and_regsync_and_one_folder_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    fs::write(
        dir.path().join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = { prefix = \"registry.corp.example/hub\", keep-library = false }\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        format!("services:\n  a: {{image: registry.corp.example/hub/nginx:1.25.3@{d}}}\n  b: {{image: registry.corp.example/hub/redis:7.2.4}}\n  c: {{image: registry.corp.example/hub/alpine@{d}}}\n"),
    )
    .unwrap();
    // One destination folder: the skopeo file goes to standard output.
    let run = imagelint(dir.path(), &["mirror", "plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "# imagelint mirror plan: skopeo sync --all --src yaml --dest docker THIS_FILE registry.corp.example/hub\n\"docker.io/library\":\n  images:\n    \"alpine\":\n      - \"{d}\"\n    \"nginx\":\n      - \"1.25.3\"\n      - \"{d}\"\n    \"redis\":\n      - \"7.2.4\"\n"
        )
    );
    assert!(run.stderr.contains("1 tag has no digest"), "{}", run.stderr);
    let crane = imagelint(dir.path(), &["mirror", "plan", "--format", "crane"]);
    assert!(
        crane.stdout.contains(&format!(
            "crane cp 'docker.io/library/nginx@{d}' 'registry.corp.example/hub/nginx@{d}'\n"
        )),
        "{}",
        crane.stdout
    );
    let regsync = imagelint(dir.path(), &["mirror", "plan", "--format", "regsync"]);
    assert!(
        regsync.stdout.contains(
            "  - source: \"docker.io/library/redis:7.2.4\"\n    target: \"registry.corp.example/hub/redis:7.2.4\"\n    type: image\n"
        ),
        "{}",
        regsync.stdout
    );
}
