//! Mirror policy: references that write out a mirrored registry are
//! `bypasses-mirror` and move under the mirror with only `[mirrors]` set;
//! GitLab's dependency proxy and registries answer to `allowed-registries`.

use crate::common::{copy_fixture, fixture, imagelint, json, snapshot};
use std::fs;
use std::path::Path;

/// (rule, path, line) of every finding, and the fix each writes.
fn findings(dir: &Path) -> Vec<(String, String, u64, Option<String>)> {
    let run = imagelint(dir, &["check", "--format", "json"]);
    json(&run)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["location"]["start"]["line"].as_u64().unwrap(),
                f["fix"]["edits"][0]["content"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn explicit_upstream_registries_are_flagged_and_moved_under_their_mirror() {
    let tmp = copy_fixture("mirror-policy/input");
    let bypassing: Vec<(String, u64)> = findings(tmp.path())
        .into_iter()
        .filter(|(rule, ..)| rule == "bypasses-mirror")
        .map(|(_, path, line, _)| (path, line))
        .collect();
    let want: Vec<(String, u64)> = [
        (".gitlab-ci.yml", 2),
        ("chart/values.yaml", 4),
        ("compose.yaml", 3),
        ("compose.yaml", 5),
        ("compose.yaml", 7),
    ]
    .iter()
    .map(|(p, l)| (p.to_string(), *l))
    .collect();
    assert_eq!(bypassing, want);
    // Only `[mirrors]` is set: no allow list, so no disallowed-registry.
    assert!(findings(tmp.path())
        .iter()
        .all(|(rule, ..)| rule != "disallowed-registry"));

    let run = imagelint(tmp.path(), &["check", "--fix"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        snapshot(tmp.path()),
        snapshot(&fixture("mirror-policy/expected"))
    );
    // What remains is the pins the lock cannot give yet.
    assert!(findings(tmp.path())
        .iter()
        .all(|(rule, ..)| rule == "missing-digest"));
    let again = imagelint(tmp.path(), &["check", "--fix"]);
    assert!(!again.stdout.contains("Fixed"), "{}", again.stdout);
    assert_eq!(
        snapshot(tmp.path()),
        snapshot(&fixture("mirror-policy/expected"))
    );
}

#[test]
fn the_dependency_proxy_and_other_projects_can_be_forbidden() {
    let tmp = copy_fixture("mirror-policy/dependency-proxy");
    let disallowed: Vec<(u64, Option<String>)> = findings(tmp.path())
        .into_iter()
        .filter(|(rule, ..)| rule == "disallowed-registry")
        .map(|(_, _, line, fix)| (line, fix))
        .collect();
    assert_eq!(
        disallowed,
        [
            (
                3,
                Some("registry.corp.example/dockerhub/library/python:3.12.1".into())
            ),
            (
                5,
                Some("registry.corp.example/dockerhub/library/redis:7.2.4".into())
            ),
            // Another project's images have no mirror to move to.
            (6, None),
        ]
    );
    let human = imagelint(tmp.path(), &["check"]);
    let said = crate::common::human_blocks(&human.stdout).join(" ");
    assert!(
        said.contains("comes from `$CI_DEPENDENCY_PROXY`")
            && said.contains("add `$CI_REGISTRY` to `allowed-registries`"),
        "{}",
        human.stdout
    );

    // Naming them allows them.
    fs::write(
        tmp.path().join(".imagelint.toml"),
        "allowed-registries = [\"registry.corp.example\", \"$CI_REGISTRY\", \"${CI_DEPENDENCY_PROXY}\"]\n",
    )
    .unwrap();
    assert!(findings(tmp.path())
        .iter()
        .all(|(rule, ..)| rule != "disallowed-registry"));

    // A `$` entry that names no GitLab registry is a config error.
    fs::write(
        tmp.path().join(".imagelint.toml"),
        "allowed-registries = [\"$CI_DEPENDENCY_PROXY_SERVER\"]\n",
    )
    .unwrap();
    let run = imagelint(tmp.path(), &["check"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("is no GitLab registry"),
        "{}",
        run.stderr
    );
}

/// `python:${VARIANT}`: the name is literal, so the mirror prefix is
/// written in front of it; the tag cannot be pinned, and the help says why.
/// Compose, with the variables set, pulls the mirrored form of what it
/// pulled before.
#[test]
fn a_literal_name_with_a_variable_tag_takes_the_mirror_prefix() {
    let tmp = copy_fixture("mirror-policy/variable-tag/input");
    let run = imagelint(tmp.path(), &["check", "--format", "json"]);
    let rules: Vec<(String, u64)> = json(&run)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] != "unresolved-reference")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["location"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("implicit-docker-hub", 3),
        ("bypasses-mirror", 4),
        ("implicit-docker-hub", 3),
        ("implicit-docker-hub", 5),
    ];
    assert_eq!(rules, want.map(|(r, l)| (r.to_string(), l)).to_vec());
    let human = imagelint(tmp.path(), &["check"]);
    assert!(
        crate::common::human_blocks(&human.stdout).join(" ").contains(
            "writes the mirror prefix: `registry.corp.example/dockerhub/library/python:${VARIANT}`; the tag `${VARIANT}` is only known when the file is used, so no digest can be pinned here"
        ),
        "{}",
        human.stdout
    );
    let images = |dir: &Path| {
        let out = std::process::Command::new("docker-compose")
            .args(["-f", "compose.yaml", "config", "--images"])
            .current_dir(dir)
            .env("TAG", "3.12.1")
            .env("PG_VERSION", "16.4")
            .output()
            .expect("docker-compose is installed (test.sh installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut lines: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    let before = images(tmp.path());
    let fixed = imagelint(tmp.path(), &["check", "--fix"]);
    assert_ne!(fixed.code, 2, "{}", fixed.stderr);
    assert_eq!(
        snapshot(tmp.path()),
        snapshot(&fixture("mirror-policy/variable-tag/expected"))
    );
    let mirrored: Vec<String> = before
        .iter()
        .map(|i| format!("registry.corp.example/dockerhub/library/{i}"))
        .collect();
    assert_eq!(images(tmp.path()), mirrored);
    let again = imagelint(tmp.path(), &["check", "--fix"]);
    assert!(!again.stdout.contains("Fixed"), "{}", again.stdout);
}
