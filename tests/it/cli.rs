//! Commands, flags, config errors and exit codes.

use crate::common::{fixture, imagelint, imagelint_stdin, json, root};
use std::fs;

#[test]
fn rules_and_explain_come_from_the_rule_files() {
    let run = imagelint(&root(), &["rules"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("rules", run.stdout);
    let run = imagelint(&root(), &["explain", "mutable-tag"]);
    assert_eq!(run.code, 0);
    let file = fs::read_to_string(root().join("rules/mutable-tag.toml")).unwrap();
    let doc: toml::Value = toml::from_str(&file).unwrap();
    assert!(run
        .stdout
        .contains(doc["documentation"].as_str().unwrap().trim()));
    let run = imagelint(&root(), &["explain", "no-such-rule"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown rule `no-such-rule`"));
}

#[test]
fn unknown_config_keys_name_the_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".imagelint.toml"),
        "allowed-registries = []\n[mirrors]\n\"docker.io\" = \"m.example\"\n[filez]\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(".imagelint.toml") && run.stderr.contains("filez"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    fs::write(
        dir.path().join(".imagelint.toml"),
        "[rules]\nno-such = \"off\"\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown rule `no-such`"),
        "{}",
        run.stderr
    );
}

#[test]
fn config_is_found_upward_and_overridden() {
    let dir = fixture("config");
    let sub = dir.join("deploy");
    let run = imagelint(&sub, &["check", "--format", "json"]);
    let out = json(&run);
    // The config one folder up made deploy/*.tpl Kubernetes.
    assert_eq!(out["findings"][0]["path"], "app.tpl");
    let run = imagelint(
        &sub,
        &["check", "--config", "/dev/null", "--format", "json"],
    );
    assert_eq!(json(&run)["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn select_ignore_fail_on_and_exit_codes() {
    let dir = fixture("compose");
    let count = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        let run = imagelint(&dir, &all);
        if run.code == 2 {
            return (0, 2);
        }
        (json(&run)["findings"].as_array().unwrap().len(), run.code)
    };
    let (all, code) = count(&[]);
    assert_eq!(code, 1);
    let (only, _) = count(&["--select", "mutable-tag"]);
    let (without, _) = count(&["--ignore", "mutable-tag"]);
    assert!(only > 0 && only + without == all);
    assert_eq!(count(&["--fail-on", "never"]).1, 0);
    assert_eq!(
        count(&["--select", "unresolved-reference", "--fail-on", "warning"]).1,
        0
    );
    assert_eq!(
        count(&["--select", "unresolved-reference", "--fail-on", "info"]).1,
        1
    );
    assert_eq!(count(&["--select", "nope"]).1, 2);
}

#[test]
fn gitignored_folders_and_other_files_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::process::Command::new("git")
        .arg("init")
        .arg("-q")
        .current_dir(root)
        .status()
        .unwrap();
    fs::write(root.join(".gitignore"), "node_modules/\n").unwrap();
    fs::create_dir_all(root.join("node_modules/x")).unwrap();
    fs::write(
        root.join("node_modules/x/docker-compose.yml"),
        "services: {a: {image: nginx}}\n",
    )
    .unwrap();
    fs::write(root.join("README.md"), "image: nginx:latest\nFROM nginx\n").unwrap();
    fs::write(root.join("notes.yaml"), "image: nginx:latest\n").unwrap();
    fs::create_dir_all(root.join(".github/workflows")).unwrap();
    fs::write(
        root.join(".github/workflows/ci.yml"),
        "jobs: {a: {container: 'nginx:1.25'}}\n",
    )
    .unwrap();
    let run = imagelint(root, &["inventory", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{}", run.stdout);
    assert!(
        rows[0].starts_with(".github/workflows/ci.yml,1,24,github-actions,nginx:1.25,"),
        "{}",
        rows[0]
    );
    // --no-ignore reads the ignored folder; an explicit path is always read.
    let run = imagelint(root, &["inventory", "--format", "csv", "--no-ignore"]);
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    let run = imagelint(
        root,
        &[
            "inventory",
            "--format",
            "csv",
            "node_modules/x/docker-compose.yml",
        ],
    );
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
}

#[test]
fn output_is_sorted_whatever_the_thread_count() {
    let dir = fixture("dockerfile");
    let one = imagelint(
        &dir.join(".."),
        &["check", "--threads", "1", "--format", "json"],
    );
    let many = imagelint(
        &dir.join(".."),
        &["check", "--threads", "7", "--format", "json"],
    );
    assert_eq!(one.stdout, many.stdout);
    let findings = json(&one)["findings"].as_array().unwrap().clone();
    let keys = crate::common::finding_places(&findings);
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| {
        (std::path::Path::new(&a.0), a.1, &a.2).cmp(&(std::path::Path::new(&b.0), b.1, &b.2))
    });
    assert_eq!(keys, sorted);
}

#[test]
fn stdin_filename_drives_kind_and_path() {
    let dir = fixture("config");
    let run = imagelint_stdin(
        &dir,
        &[
            "check",
            "--stdin-filename",
            "deploy/pod.tpl",
            "--format",
            "json",
        ],
        Some(b"apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: a, image: alpine}]\n"),
    );
    let out = json(&run);
    assert_eq!(out["findings"][0]["path"], "deploy/pod.tpl");
    assert_eq!(out["findings"][0]["kind"], "kubernetes");
}

/// Every mistake in a config file is reported, each as `path:line:column`.
#[test]
fn every_config_error_is_reported_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".imagelint.toml"),
        "fail-on = \"sometimes\"\n[filez]\n[[rule]]\nid = \"x\"\nseverity = \"error\"\nmessage = \"m\"\nbogus = 1\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stderr);
    assert!(
        lines[0].starts_with("imagelint: .imagelint.toml:1:11: "),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("imagelint: .imagelint.toml:2:2: ") && lines[1].contains("filez"));
    assert!(lines[2].starts_with("imagelint: .imagelint.toml:7:1: ") && lines[2].contains("bogus"));
}

/// `--stdin-filename` builds its file record as the walk does: `[files]
/// exclude` applies, and `[files.kinds]` globs start at the config's folder,
/// from whatever folder imagelint runs in.
#[test]
fn stdin_files_are_classified_and_excluded_like_walked_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("deploy")).unwrap();
    fs::write(
        root.join(".imagelint.toml"),
        "[files]\nexclude = [\"deploy/skip.tpl\"]\n[files.kinds]\ncompose = [\"deploy/*.tpl\"]\n",
    )
    .unwrap();
    let compose = "services:\n  web:\n    image: nginx:1.25.3\n";
    fs::write(root.join("deploy/app.tpl"), compose).unwrap();
    fs::write(root.join("deploy/skip.tpl"), compose).unwrap();
    let sub = root.join("deploy");
    let walked = json(&imagelint(&sub, &["check", "--format", "json", "app.tpl"]));
    let piped = json(&imagelint_stdin(
        &sub,
        &["check", "--format", "json", "--stdin-filename", "app.tpl"],
        Some(compose.as_bytes()),
    ));
    assert!(!walked["findings"].as_array().unwrap().is_empty());
    assert_eq!(walked["findings"], piped["findings"]);
    // Excluded, from the root as from the folder: nothing is checked, and
    // `--fix` hands the text back.
    for (cwd, name) in [(root, "deploy/skip.tpl"), (sub.as_path(), "skip.tpl")] {
        let run = imagelint_stdin(
            cwd,
            &["check", "--stdin-filename", name],
            Some(compose.as_bytes()),
        );
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
        let run = imagelint_stdin(
            cwd,
            &["check", "--fix", "--stdin-filename", name],
            Some(compose.as_bytes()),
        );
        assert_eq!(run.stdout, compose);
        assert_eq!(imagelint(cwd, &["check", name]).code, 0, "explicit {name}");
    }
}

/// The walk and an explicit path agree on every file name of every kind:
/// both come from the kind table.
#[test]
fn walked_and_named_files_agree() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        ".dockerfile",
        "x.dockerfile",
        "API.DOCKERFILE",
        "Dockerfile",
        "Dockerfile.dev",
        "Containerfile",
        "Containerfile.ci",
        "dockerfile",
        "Dockerfile-dev",
    ];
    for (i, name) in names.iter().enumerate() {
        let sub = dir.path().join(format!("d{i}"));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(name), "FROM nginx:1.25.3\n").unwrap();
    }
    let walked = json(&imagelint(dir.path(), &["inventory", "--format", "json"]));
    let walked: Vec<&str> = walked["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for (i, name) in names.iter().enumerate() {
        let path = format!("d{i}/{name}");
        let named = json(&imagelint(
            dir.path(),
            &["inventory", "--format", "json", &path],
        ));
        let found = !named["images"].as_array().unwrap().is_empty();
        assert_eq!(found, walked.contains(&path.as_str()), "{path}");
    }
    // `.dockerfile` was read when named, skipped by the walk.
    assert!(walked.contains(&"d0/.dockerfile"), "{walked:?}");
    assert!(!walked.contains(&"d7/dockerfile"), "{walked:?}");
}

#[test]
fn inventory_summary_groups_images_across_repositories() {
    let dir = tempfile::tempdir().unwrap();
    let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    for (repo, file, text) in [
        (
            "app",
            "compose.yaml",
            format!(
                "services:\n  x: {{image: nginx:1.25.3}}\n  y: {{image: \"redis:7.2.4@{d}\"}}\n"
            ),
        ),
        (
            "infra",
            "Dockerfile",
            "FROM nginx:1.25.3\nFROM nginx:1.27\nFROM ubuntu\n".to_string(),
        ),
    ] {
        std::fs::create_dir(dir.path().join(repo)).unwrap();
        std::fs::write(dir.path().join(repo).join(file), text).unwrap();
    }
    let run = imagelint(
        dir.path(),
        &["inventory", "--format", "summary", "app", "infra"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        rows[1],
        ["docker.io/library/nginx", "3", "app,infra", "1.25.3, 1.27"]
    );
    assert_eq!(
        rows[2],
        [
            "docker.io/library/redis",
            "1",
            "app",
            format!("7.2.4@{d}").as_str()
        ]
    );
    assert_eq!(
        rows[3],
        ["docker.io/library/ubuntu", "1", "infra", "latest (implied)"]
    );
    assert_eq!(rows[4], ["3 images in 5 places."]);
    // The table and CSV get a repository column with several roots.
    let csv = imagelint(
        dir.path(),
        &["inventory", "--format", "csv", "app", "infra"],
    );
    assert!(csv.stdout.starts_with("repo,path,"), "{}", csv.stdout);
    assert!(
        csv.stdout.contains("\ninfra,infra/Dockerfile,3,"),
        "{}",
        csv.stdout
    );
    let one = imagelint(dir.path(), &["inventory", "--format", "csv", "app"]);
    assert!(one.stdout.starts_with("path,"), "{}", one.stdout);
}

/// `[[files.extract]]` is checked as strictly as the rest of the config:
/// unknown keys, a format's wrong keys, key paths and patterns, each with
/// the file named.
#[test]
fn declared_kinds_are_checked_strictly() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "paths = [\"a.yml\"]\nformat = \"yaml\"\nimages = [\"x\"]\nimage = \"typo\"\n",
            ".imagelint.toml:5:1: unknown field `image`",
        ),
        (
            "paths = [\"a.yml\"]\nformat = \"xml\"\n",
            ".imagelint.toml:3:10: unknown variant `xml`",
        ),
        (
            "paths = [\"a.sh\"]\nformat = \"regex\"\npattern = 'docker pull (\\S+)'\n",
            "[[files.extract]]: the pattern has no group `(?P<image>…)`",
        ),
        (
            "paths = [\"a.yml\"]\nformat = \"yaml\"\nimages = [\"a..b\"]\n",
            "[[files.extract]]: key path `a..b`: an empty key",
        ),
        (
            "paths = [\"a.yml\"]\nformat = \"yaml\"\npattern = '(?P<image>x)'\nimages = [\"a\"]\n",
            "[[files.extract]]: `pattern` is for format `regex`",
        ),
        (
            "paths = [\"a.toml\"]\nformat = \"toml\"\n",
            "[[files.extract]]: `images` lists no key path",
        ),
    ];
    for (table, want) in cases {
        fs::write(
            dir.path().join(".imagelint.toml"),
            format!("[[files.extract]]\n{table}"),
        )
        .unwrap();
        let run = imagelint(dir.path(), &["check"]);
        assert_eq!(run.code, 2, "{table}");
        assert!(run.stderr.contains(want), "{table}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

/// A declared kind is read before any built-in kind of the same path, the
/// first declaration that matches deciding how; a file of it that does not
/// parse is named, and the others still checked.
#[test]
fn declared_kinds_come_first_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".imagelint.toml"),
        "[[files.extract]]\npaths = [\"docker-compose.yml\"]\nformat = \"yaml\"\nimages = [\"x-base\"]\n\
         [[files.extract]]\npaths = [\"*.yml\", \"*.toml\"]\nformat = \"toml\"\nimages = [\"image\"]\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("docker-compose.yml"),
        "x-base: alpine:3.19\nservices:\n  a:\n    image: nginx:1\n",
    )
    .unwrap();
    fs::write(dir.path().join("bad.toml"), "image = \n").unwrap();
    fs::write(dir.path().join("good.toml"), "image = \"node:20\"\n").unwrap();
    let run = imagelint(dir.path(), &["inventory", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("imagelint: bad.toml: invalid TOML at line 1: "),
        "{}",
        run.stderr
    );
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let found: Vec<(&str, &str, &str)> = out["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("docker-compose.yml", "custom", "alpine:3.19"),
            ("good.toml", "custom", "node:20")
        ]
    );
}
