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

/// The lines an oracle prints; it must succeed. `tool` names what test.sh
/// installs for it.
fn oracle_lines(command: &mut Command, tool: &str) -> Vec<String> {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{tool} is installed by test.sh: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// `docker-compose config --images`: the images Compose would pull.
fn compose_images(file: &Path) -> Vec<String> {
    let mut images = oracle_lines(
        Command::new("docker-compose")
            .arg("-f")
            .arg(file)
            .args(["config", "--images"])
            .env("COMPOSE_PROJECT_NAME", "oracle"),
        "docker-compose",
    );
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

/// The `FROM` images of a Dockerfile as BuildKit's own parser reads them.
fn buildkit_from_images(file: &Path) -> Vec<String> {
    oracle_lines(
        Command::new("python3")
            .args([
                "-c",
                "import sys, dockerfile\n\
                 for c in dockerfile.parse_file(sys.argv[1]):\n\
                 \x20   if c.cmd.upper() == 'FROM': print(c.value[0])",
            ])
            .arg(file),
        "python3 with dockerfile",
    )
}

/// Item 5: `# escape=` after blanks is a directive, as in BuildKit: the
/// backtick continuations hold the images BuildKit sees.
#[test]
fn directives_after_blanks() {
    let dir = fixture("real-world/dockerfile-directive");
    let oracle = buildkit_from_images(&dir.join("Dockerfile"));
    assert_eq!(oracle, ["alpine:3.19", "nginx:1.25"]);
    assert_eq!(inventory(&dir, "Dockerfile"), oracle);
    let run = imagelint(&dir, &["check", "--format", "json"]);
    let report = json(&run);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"invalid-reference"), "{rules:?}");
}

/// Item 4: a bare `--from` name may be a named build context: reported at
/// info level naming `build-contexts`, never fixed; listed, it is left
/// alone; with a tag it is an image.
#[test]
fn bare_from_names_may_be_build_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = std::fs::read_to_string(fixture("real-world/build-context/Dockerfile")).unwrap();
    std::fs::write(d.join("Dockerfile"), &original).unwrap();
    std::fs::write(
        d.join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("imagelint.lock"),
        format!(
            "version = 1\n[digests]\n\"docker.io/library/binary_dir:latest\" = \"sha256:{}\"\n\
             \"docker.io/library/tools:latest\" = \"sha256:{}\"\n",
            "a".repeat(64),
            "b".repeat(64)
        ),
    )
    .unwrap();
    let run = imagelint(d, &["check", "--format", "json"]);
    let report = json(&run);
    let about = |name: &str| -> Vec<(String, String, String)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`{name}`"))
            })
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    for name in ["binary_dir", "tools"] {
        let found = about(name);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "unresolved-reference");
        assert_eq!(found[0].1, "info");
    }
    let human = imagelint(d, &["check"]);
    let said = crate::common::human_blocks(&human.stdout).join(" ");
    for name in ["binary_dir", "tools"] {
        let help = format!("list `{name}` in `build-contexts` in .imagelint.toml");
        assert!(said.contains(&help), "{}", human.stdout);
    }
    let fixed = imagelint(d, &["check", "--fix"]);
    assert_ne!(fixed.code, 2, "{}", fixed.stderr);
    let after = std::fs::read_to_string(d.join("Dockerfile")).unwrap();
    assert!(after.contains("COPY --from=binary_dir /app"), "{after}");
    assert!(after.contains("from=tools,target"), "{after}");
    // Listed as build contexts, they are not images at all.
    std::fs::write(
        d.join(".imagelint.toml"),
        "build-contexts = [\"binary_dir\", \"tools\"]\n",
    )
    .unwrap();
    let listed = imagelint(d, &["inventory", "--format", "json"]);
    let texts: Vec<String> = json(&listed)["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["image"]["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("binary_dir") || t.contains("tools")),
        "{texts:?}"
    );
}

/// Item 10: no image for an empty repository or a string naming fields; a
/// revision tag is not called floating.
#[test]
fn empty_repositories_field_names_and_revision_tags() {
    let dir = fixture("real-world/helm-smaller");
    assert_eq!(
        inventory(&dir, "values.yaml"),
        [
            "docker.io/bitnami/postgresql:16.2.0-debian-12-r35",
            "bitnami/redis:12-debian-12-r35"
        ]
    );
    let run = imagelint(&dir, &["check", "--format", "json"]);
    let report = json(&run);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"floating-tag"), "{rules:?}");
    assert!(!rules.contains(&"invalid-reference"), "{rules:?}");
}

/// Item 7: the `.env` beside a compose file fills its variables, as Compose
/// does (`docker-compose config --images` agrees).
#[test]
fn compose_reads_the_dotenv_beside_it() {
    let dir = fixture("real-world/compose-dotenv");
    let mut found = inventory(&dir, "compose.yaml");
    found.sort();
    assert_eq!(found, compose_images(&dir.join("compose.yaml")));
    assert!(found.contains(&"registry.corp.example/dockerhub/nginx:1.25.3".to_string()));
}

/// Item 7: a version-1 compose file (services at the top level) is read; a
/// service with `build:` names what it builds.
#[test]
fn compose_version_1_files() {
    let dir = fixture("real-world/compose-v1");
    assert_eq!(
        inventory(&dir, "docker-compose.yml"),
        ["nginx:1.25", "postgres:16"]
    );
}

/// Item 6: GitLab variables expand recursively and by scope (job, then
/// `default:`, then the file); one set in project settings is named.
#[test]
fn gitlab_variables_expand_as_gitlab_does() {
    let dir = fixture("real-world/gitlab-variables");
    let run = imagelint(&dir, &["inventory", "--format", "json", ".gitlab-ci.yml"]);
    let report = json(&run);
    let entries = report["images"].as_array().unwrap();
    let texts: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["image"]["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "registry.corp.example/dockerhub/busybox:1.36.1",
            "${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/alpine:3.19",
            "python:3.12.2",
            "node:20.11.1",
        ]
    );
    let check = imagelint(&dir, &["check", "--format", "json"]);
    let findings = json(&check)["findings"].as_array().unwrap().clone();
    let messages: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "unresolved-reference")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("`$SECRET_REGISTRY` is set outside"),
        "{}",
        messages[0]
    );
    assert!(!findings.iter().any(|f| f["rule"] == "invalid-reference"));
}

/// The images Helm renders from the chart in `dir` (helm-python-sdk).
fn helm_images(dir: &Path) -> Vec<String> {
    helm_images_with(dir, "{}")
}

/// Items 2 and 3: every image shape of the chart is read as Helm renders it,
/// and after `--fix` Helm renders each one mirrored and pinned (or the
/// reference is reported and left as it was).
#[test]
fn helm_chart_shapes_render_mirrored_and_pinned_after_fix() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    copy_dir(&fixture("real-world/helm-chart"), &chart);
    let before = helm_images(&chart);
    // Helm's rendering and imagelint's reading agree.
    let mut read: Vec<String> = inventory(&chart, "values.yaml");
    read.sort();
    let mut rendered = before.clone();
    rendered.sort();
    let canonical = |s: &str| {
        imagelint::reference::Reference::parse(s)
            .unwrap()
            .canonical()
    };
    assert_eq!(
        read.iter().map(|s| canonical(s)).collect::<Vec<_>>().len(),
        rendered.len()
    );
    let mut a: Vec<String> = read.iter().map(|s| canonical(s)).collect();
    let mut b: Vec<String> = rendered.iter().map(|s| canonical(s)).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // Mirrors and a lock for every image that is not pinned.
    std::fs::write(
        chart.join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n\
         \"registry.k8s.io\" = \"registry.corp.example/k8s\"\n",
    )
    .unwrap();
    let mut lock = String::from("version = 1\n[digests]\n");
    let mut digest_of = std::collections::BTreeMap::new();
    for (i, image) in b.iter().filter(|i| !i.contains('@')).enumerate() {
        let digest = format!("sha256:{}", format!("{:x}", i + 1).repeat(64));
        lock.push_str(&format!("\"{image}\" = \"{digest}\"\n"));
        digest_of.insert(image.clone(), digest);
    }
    std::fs::write(chart.join("imagelint.lock"), lock).unwrap();
    let fix = imagelint(&chart, &["check", "--fix"]);
    assert_ne!(fix.code, 2, "{}{}", fix.stdout, fix.stderr);
    let after = helm_images(&chart);
    // What could not be pinned is still reported.
    let left = imagelint(&chart, &["check", "--format", "json"]);
    let reported: Vec<String> = json(&left)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "missing-digest" || f["rule"] == "floating-tag")
        .filter_map(|f| f["image"]["canonical"].as_str().map(str::to_string))
        .collect();
    for (old, new) in before.iter().zip(&after) {
        let old_ref = imagelint::reference::Reference::parse(old).unwrap();
        match digest_of.get(&old_ref.canonical()) {
            Some(digest) => {
                // Registries with a mirror move under it (implicit-docker-hub,
                // bypasses-mirror); the others are pinned where they are.
                let want_name = match old_ref.registry.as_str() {
                    "docker.io" => {
                        format!("registry.corp.example/dockerhub/{}", old_ref.repository)
                    }
                    "registry.k8s.io" => {
                        format!("registry.corp.example/k8s/{}", old_ref.repository)
                    }
                    _ => format!("{}/{}", old_ref.registry, old_ref.repository),
                };
                let new_ref = imagelint::reference::Reference::parse(new).unwrap();
                assert_eq!(
                    format!("{}/{}", new_ref.registry, new_ref.repository),
                    want_name,
                    "{old} -> {new}"
                );
                match new_ref.digest.as_deref() {
                    Some(d) => assert_eq!(d, digest, "{old} -> {new}"),
                    None => assert!(
                        reported.contains(&new_ref.canonical()),
                        "{old} -> {new} is neither pinned nor reported: {reported:?}"
                    ),
                }
                assert!(
                    new_ref.tag.is_none() || new_ref.tag == old_ref.tag,
                    "{old} -> {new}"
                );
            }
            // Already pinned: only mirrored, or left.
            None => assert!(
                new.ends_with(old.rsplit('@').next().unwrap()),
                "{old} -> {new}"
            ),
        }
    }
    second_fix_changes_nothing(&chart);
}

/// Images the templates compose from several values (a shared repository
/// prefix plus a service name, a `v` added to appVersion by a helper, a
/// registry coalesced in a helper called with a `dict` from a partial) are
/// read as Helm renders them. Those no single value holds are reported
/// where the template writes them, and `--fix` leaves them (and the tags
/// only the templates give) as they are; the rest is mirrored and pinned.
#[test]
fn helm_images_composed_by_templates() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    copy_dir(&fixture("real-world/helm-composed"), &chart);
    let canonical = |s: &str| {
        imagelint::reference::Reference::parse(s)
            .unwrap()
            .canonical()
    };
    let mut rendered: Vec<String> = helm_images(&chart).iter().map(|s| canonical(s)).collect();
    rendered.sort();
    let run = imagelint(&chart, &["inventory", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let entries = json(&run)["images"].as_array().unwrap().clone();
    let mut read: Vec<String> = entries
        .iter()
        .map(|e| canonical(e["image"]["text"].as_str().unwrap()))
        .collect();
    read.sort();
    assert_eq!(read, rendered);
    let place = |image: &str| {
        let e = entries
            .iter()
            .find(|e| e["image"]["text"].as_str().unwrap().contains(image))
            .unwrap();
        format!(
            "{}:{}",
            e["path"].as_str().unwrap(),
            e["location"]["start"]["line"]
        )
    };
    assert_eq!(place("cartservice"), "templates/deployment.yaml:17");
    assert_eq!(place("node-exporter"), "values.yaml:21");
    assert_eq!(place("traefik"), "values.yaml:29");
    assert_eq!(place("configmap-reload"), "values.yaml:34");

    let digests: Vec<(&str, String)> = rendered
        .iter()
        .enumerate()
        .map(|(i, image)| {
            (
                image.as_str(),
                format!("sha256:{}", format!("{:x}", i + 1).repeat(64)),
            )
        })
        .collect();
    mirror_and_lock(&chart, &digests);
    let fix = imagelint(&chart, &["check", "--fix"]);
    assert_ne!(fix.code, 2, "{}{}", fix.stdout, fix.stderr);
    let reloader_digest = format!(
        "sha256:{}",
        format!(
            "{:x}",
            rendered
                .iter()
                .position(|r| r.contains("configmap-reload"))
                .unwrap()
                + 1
        )
        .repeat(64)
    );
    let mut after = helm_images(&chart);
    after.sort();
    assert_eq!(
        after,
        [
            "docker.io/traefik:1.12.1".to_string(),
            "quay.io/prometheus/node-exporter:v1.12.1".into(),
            format!("registry.corp.example/dockerhub/jimmidyson/configmap-reload:v0.12.0@{reloader_digest}"),
            "registry.example.org/shop/cartservice:1.12.1".into(),
        ]
    );
    // Those left are still reported, at their places.
    let left = imagelint(&chart, &["check", "--format", "json"]);
    let findings = json(&left)["findings"].as_array().unwrap().clone();
    for image in ["cartservice", "node-exporter", "traefik"] {
        assert!(
            findings.iter().any(|f| f["rule"] == "missing-digest"
                && f["image"]["canonical"].as_str().unwrap().contains(image)),
            "{image}: {findings:?}"
        );
    }
    second_fix_changes_nothing(&chart);
}

/// A tag the chart's template prefixes (`:v{{ ... }}`) is never written into
/// `tag:` by a fix: the image is mirrored, left unpinned and still reported,
/// and Helm renders the same tag. (A plain appVersion tag is written with
/// its digest: see the `web` image of `helm_chart_shapes_...`.)
#[test]
fn a_tag_the_template_prefixes_is_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    copy_dir(&fixture("real-world/helm-prefixed"), &chart);
    assert_eq!(helm_images(&chart), ["acme/app:v1.2.3"]);
    mirror_and_lock(
        &chart,
        &[(
            "docker.io/acme/app:v1.2.3",
            format!("sha256:{}", "c".repeat(64)),
        )],
    );
    let fix = imagelint(&chart, &["check", "--fix"]);
    assert_eq!(fix.code, 1, "{}{}", fix.stdout, fix.stderr);
    assert_eq!(
        helm_images(&chart),
        ["registry.corp.example/dockerhub/acme/app:v1.2.3"]
    );
    let left = imagelint(&chart, &["check", "--format", "json"]);
    assert!(json(&left)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "missing-digest"));
}

/// Fields a chart reads for more than one image (the operator's tag makes
/// its test image too) or for more than an image (a label, semverCompare)
/// get no digest; `registry: ""` takes no mirror, the repository does.
/// Helm renders each image after `--fix` as the original, mirrored and
/// pinned where that is safe, else as before and still reported.
#[test]
fn fields_read_for_more_than_one_image_are_not_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    copy_dir(&fixture("real-world/helm-shared"), &chart);
    let (a, b, c, d) = (
        "a".repeat(64),
        "b".repeat(64),
        "c".repeat(64),
        "d".repeat(64),
    );
    mirror_and_lock(
        &chart,
        &[
            ("docker.io/acme/operator:v0.44.2", format!("sha256:{a}")),
            ("docker.io/acme/agent:v0.44.2", format!("sha256:{b}")),
            ("docker.io/acme/exporter:1.5.3", format!("sha256:{c}")),
            ("docker.io/acme/inbound-agent:3385.1", format!("sha256:{d}")),
        ],
    );
    let fix = imagelint(&chart, &["check", "--fix"]);
    assert_eq!(fix.code, 1, "{}{}", fix.stdout, fix.stderr);
    assert_eq!(
        helm_images(&chart),
        [
            "docker.io/acme/operator:v0.44.2".to_string(),
            "registry.corp.example/dockerhub/acme/exporter:1.5.3".into(),
            format!("registry.corp.example/dockerhub/acme/inbound-agent:3385.1@sha256:{d}"),
            "docker.io/acme/agent:v0.44.2".into(),
        ]
    );
    let left = imagelint(&chart, &["check", "--format", "json"]);
    let unpinned: Vec<String> = json(&left)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "missing-digest")
        .map(|f| f["image"]["canonical"].as_str().unwrap().to_string())
        .collect();
    for image in ["acme/operator", "acme/agent:", "acme/exporter"] {
        assert!(
            unpinned.iter().any(|u| u.contains(image)),
            "{image}: {unpinned:?}"
        );
    }
}

/// A second `--fix` of a fixed chart leaves its values as they are.
fn second_fix_changes_nothing(chart: &Path) {
    let values = std::fs::read_to_string(chart.join("values.yaml")).unwrap();
    imagelint(chart, &["check", "--fix"]);
    assert_eq!(
        std::fs::read_to_string(chart.join("values.yaml")).unwrap(),
        values
    );
}

/// Docker Hub mirrored in `dir`'s config, and a lock of `digests`
/// (image, digest).
fn mirror_and_lock(dir: &Path, digests: &[(&str, String)]) {
    std::fs::write(
        dir.join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n",
    )
    .unwrap();
    let mut lock = String::from("version = 1\n[digests]\n");
    for (image, digest) in digests {
        lock.push_str(&format!("\"{image}\" = \"{digest}\"\n"));
    }
    std::fs::write(dir.join("imagelint.lock"), lock).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Item 8: containers at any depth of custom resources, and the images a
/// kustomization writes.
#[test]
fn custom_resources_and_kustomize_images() {
    let dir = fixture("real-world/kubernetes-crds");
    assert_eq!(
        inventory(&dir, "pipeline.yaml"),
        [
            "golang:1.22.1",
            "docker:26.0.0-dind",
            "alpine:3.19.1",
            "python:3.12.2",
            "ghcr.io/acme/web:2.0.1",
            "busybox:1.36.1"
        ]
    );
    assert_eq!(
        inventory(&dir, "kustomization.yaml"),
        [
            "nginx:1.25.3",
            "ghcr.io/acme/app@sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74",
            "redis:7.2.4"
        ]
    );
}

/// Workflow engines' placeholders in custom resources are unresolved (info),
/// not invalid references; a Tekton `Condition`'s `check` is read.
#[test]
fn workflow_placeholders_are_unresolved() {
    let dir = fixture("real-world/kubernetes-crds");
    let run = imagelint(&dir, &["check", "--format", "json", "placeholders.yaml"]);
    let findings = json(&run)["findings"].as_array().unwrap().clone();
    let rules_at = |line: u64| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["location"]["start"]["line"] == line)
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    for line in [14, 16, 29] {
        assert_eq!(
            rules_at(line),
            ["unresolved-reference"],
            "line {line}: {findings:?}"
        );
    }
    assert!(
        rules_at(37).contains(&"missing-digest".to_string()),
        "{findings:?}"
    );
    assert!(!findings.iter().any(|f| f["rule"] == "invalid-reference"));
}

/// Item 6: jobs take image, services and variables from what they
/// `extends:` (the last template named wins, the job's own variables
/// resolve the template's image), and `!reference [job, key]` points at
/// another job's keys. A template's image its own variables cannot resolve
/// is left to the jobs extending it.
#[test]
fn gitlab_extends_and_references() {
    let dir = fixture("real-world/gitlab-extends");
    assert_eq!(
        inventory(&dir, ".gitlab-ci.yml"),
        [
            "node:20.11.1-alpine",
            "redis:7.2.4",
            "golang:1.22.1",
            "alpine:3.19.1",
            "postgres:16.2"
        ]
    );
    let run = imagelint(&dir, &["check", "--format", "json", ".gitlab-ci.yml"]);
    let findings = json(&run)["findings"].as_array().unwrap().clone();
    assert!(
        !findings
            .iter()
            .any(|f| f["rule"] == "unresolved-reference" || f["rule"] == "invalid-reference"),
        "{findings:?}"
    );
    // The PyYAML loader GitLab's parser matches reads the file, tags and all.
    assert!(libyaml_loads_gitlab(&dir.join(".gitlab-ci.yml")));
}

/// libyaml with GitLab's `!reference` tag known.
fn libyaml_loads_gitlab(file: &Path) -> bool {
    Command::new("python3")
        .args([
            "-c",
            "import sys, yaml\nclass L(yaml.CSafeLoader): pass\n\
             L.add_constructor('!reference', lambda l, n: l.construct_sequence(n))\n\
             yaml.load(open(sys.argv[1]), Loader=L)",
        ])
        .arg(file)
        .status()
        .expect("python3 with PyYAML is installed by test.sh")
        .success()
}

/// Item 9: images written literally in Helm templates are read and fixed;
/// Helm renders the fixed chart mirrored and pinned.
#[test]
fn literal_images_in_helm_templates() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    copy_dir(&fixture("helm-template/chart"), &chart);
    assert_eq!(
        helm_images(&chart),
        [
            "busybox:1.36.1",
            "otel/opentelemetry-collector-contrib:0.98.0"
        ]
    );
    std::fs::write(
        chart.join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n",
    )
    .unwrap();
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    std::fs::write(
        chart.join("imagelint.lock"),
        format!(
            "version = 1\n[digests]\n\"docker.io/library/busybox:1.36.1\" = \"sha256:{a}\"\n\
             \"docker.io/otel/opentelemetry-collector-contrib:0.98.0\" = \"sha256:{b}\"\n"
        ),
    )
    .unwrap();
    let fix = imagelint(&chart, &["check", "--fix"]);
    assert_eq!(fix.code, 0, "{}{}", fix.stdout, fix.stderr);
    assert_eq!(
        helm_images(&chart),
        [
            format!("registry.corp.example/dockerhub/library/busybox:1.36.1@sha256:{a}"),
            format!(
                "registry.corp.example/dockerhub/otel/opentelemetry-collector-contrib:0.98.0@sha256:{b}"
            )
        ]
    );
}

/// A compose project after `--fix`: Compose pulls every image from the
/// mirror, pinned by the lock's digest (a reference built from a variable
/// default is reported, not rewritten).
#[test]
fn compose_project_pulls_mirrored_pinned_after_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&fixture("real-world/compose-project"), d);
    let before = compose_images(&d.join("compose.yaml"));
    std::fs::write(
        d.join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n",
    )
    .unwrap();
    let mut lock = String::from("version = 1\n[digests]\n");
    let mut digests = std::collections::BTreeMap::new();
    for (i, image) in before.iter().enumerate() {
        let canonical = imagelint::reference::Reference::parse(image)
            .unwrap()
            .canonical();
        let digest = format!("sha256:{}", format!("{:x}", i + 1).repeat(64));
        lock.push_str(&format!("\"{canonical}\" = \"{digest}\"\n"));
        digests.insert(image.clone(), digest);
    }
    std::fs::write(d.join("imagelint.lock"), lock).unwrap();
    let fix = imagelint(d, &["check", "--fix"]);
    assert_ne!(fix.code, 2, "{}{}", fix.stdout, fix.stderr);
    let after = compose_images(&d.join("compose.yaml"));
    let left = imagelint(d, &["check", "--format", "json"]);
    let report = json(&left);
    let reported: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["image"]["text"].as_str())
        .collect();
    let mut want = Vec::new();
    for image in &before {
        let r = imagelint::reference::Reference::parse(image).unwrap();
        if image.starts_with("acme/app") {
            want.push(image.clone()); // built here, not pulled
        } else if image.starts_with("redis") {
            // Written through a variable default: reported, not rewritten.
            assert!(reported.contains(&image.as_str()), "{reported:?}");
            want.push(image.clone());
        } else {
            want.push(format!(
                "registry.corp.example/dockerhub/{}:{}@{}",
                r.repository,
                r.tag.unwrap(),
                digests[image]
            ));
        }
    }
    want.sort();
    assert_eq!(after, want);
}

/// Item 6: files a pipeline includes with `include: local:` are read as
/// GitLab CI whatever their names; others are not.
#[test]
fn gitlab_local_includes_are_read() {
    let dir = fixture("real-world/gitlab-include");
    let run = imagelint(&dir, &["inventory", "--format", "json"]);
    let report = json(&run);
    let found: Vec<(String, String)> = report["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["image"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("gitlab-ci", "alpine:3.19.1"),
        ("gitlab-ci", "golang:1.22.1"),
        ("gitlab-ci", "python:3.12.2"),
        ("gitlab-ci", "postgres:16.2"),
    ]
    .iter()
    .map(|(k, i)| (k.to_string(), i.to_string()))
    .collect();
    assert_eq!(found, want);
    // `check` reads the files as the walk meets them: `.gitlab/deploy.yml`
    // comes before the pipeline that includes it, and is still read.
    let run = imagelint(&dir, &["check", "--format", "json"]);
    let report = json(&run);
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(files.contains(&".gitlab/deploy.yml"), "{files:?}");
    assert!(!files.contains(&"ci/unrelated.yml"), "{files:?}");
}

/// Item 8: an image a Skaffold project builds is not a pull: not read, so
/// never reported or rewritten; other bare names still are.
#[test]
fn skaffold_built_images_are_not_pulls() {
    let dir = fixture("real-world/skaffold");
    assert_eq!(
        inventory(&dir, "manifests/adservice.yaml"),
        ["redis:7.2.4", "cartservice"]
    );
}

/// The images Helm renders from the chart in `dir` with `values` (JSON)
/// set.
fn helm_images_with(dir: &Path, values: &str) -> Vec<String> {
    let script = crate::common::root().join("tests/support/helm_images.py");
    oracle_lines(
        Command::new("python3").arg(script).arg(dir).arg(values),
        "python3 with helm-python-sdk",
    )
}

/// Features off by default: their image maps are read as the templates
/// compose them once switched on (a registry merged from `global.image`, a
/// marketplace prefix), reported and never rewritten; a test pod commented
/// out with `{{/* */}}` is no image.
#[test]
fn features_off_by_default_are_read_as_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    copy_dir(&fixture("real-world/helm-dormant"), &chart);
    let on = r#"{"backend": {"enabled": true}, "marketplace": {"enabled": true}}"#;
    // `hub.enabled:` is left empty; set, the marketplace's hub image is used.
    let hub_on = r#"{"marketplace": {"enabled": true}, "hub": {"enabled": true}}"#;
    let canonical = |s: &String| {
        imagelint::reference::Reference::parse(s)
            .unwrap()
            .canonical()
    };
    let mut rendered: Vec<String> = helm_images(&chart)
        .iter()
        .chain(&helm_images_with(&chart, on))
        .chain(&helm_images_with(&chart, hub_on))
        .map(canonical)
        .collect();
    rendered.sort();
    rendered.dedup();
    let mut read: Vec<String> = inventory(&chart, ".").iter().map(canonical).collect();
    read.sort();
    assert_eq!(read, rendered);
    assert!(!read.iter().any(|r| r.contains("busybox")), "{read:?}");

    let digests: Vec<(&str, String)> = rendered
        .iter()
        .enumerate()
        .map(|(i, image)| {
            (
                image.as_str(),
                format!("sha256:{}", (i + 1).to_string().repeat(64)),
            )
        })
        .collect();
    mirror_and_lock(&chart, &digests);
    let fix = imagelint(&chart, &["check", "--fix"]);
    assert_eq!(fix.code, 1, "{}{}", fix.stdout, fix.stderr);
    let nginx = digests.iter().find(|(i, _)| i.contains("nginx")).unwrap();
    let mut after = helm_images_with(&chart, on);
    after.sort();
    assert_eq!(
        after,
        [
            "registry.example.org/market/proxy:2.1".to_string(),
            "registry.k8s.io/defaultbackend-amd64:1.5".into(),
        ]
    );
    assert_eq!(
        helm_images_with(&chart, hub_on),
        ["registry.example.org/market/hub:3.0"]
    );
    assert_eq!(
        helm_images(&chart),
        [format!(
            "registry.corp.example/dockerhub/library/nginx:1.25.3@{}",
            nginx.1
        )]
    );
    // Those left are reported with what to write where they are made.
    let left = imagelint(&chart, &["check"]);
    for image in [
        "defaultbackend-amd64:1.5@",
        "market/proxy:2.1@",
        "market/hub:3.0@",
    ] {
        assert!(
            crate::common::human_blocks(&left.stdout)
                .iter()
                .any(|b| b.contains("where it is made") && b.contains(image)),
            "{image}: {}",
            left.stdout
        );
    }
    second_fix_changes_nothing(&chart);
}

/// A feature whose values the chart refuses (its version check `fail`s
/// naming `tag: latest`, as traefik's marketplace images do) is no pull:
/// Helm renders nothing with it on, and imagelint does not report it. The
/// other features still render and are read.
#[test]
fn values_a_chart_refuses_are_no_pull() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    copy_dir(&fixture("real-world/helm-refused"), &chart);
    let script = crate::common::root().join("tests/support/helm_images.py");
    let refused = Command::new("python3")
        .arg(&script)
        .arg(&chart)
        .arg(r#"{"market": {"enabled": true}}"#)
        .output()
        .expect("python3 with helm-python-sdk is installed by test.sh");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains(r#"version "latest" is not supported"#),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let mut rendered = helm_images(&chart);
    rendered.extend(helm_images_with(&chart, r#"{"cache": {"enabled": true}}"#));
    rendered.sort();
    rendered.dedup();
    let mut read = inventory(&chart, ".");
    read.sort();
    assert_eq!(read, rendered);
    assert!(!read.iter().any(|r| r.contains("market")), "{read:?}");
}

/// A GitLab CI/CD catalog component: `$[[ inputs.image ]]` is read from the
/// header's default, and `--fix` mirrors it there, once; the component
/// still loads with libyaml to the same documents but for that string.
#[test]
fn gitlab_component_inputs_are_read_and_fixed_at_their_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let original = "spec:\n  inputs:\n    image:\n      default: 'python:3.12-slim' # the job's image\n---\nlint:\n  image: $[[ inputs.image ]]\n  script: [make]\n";
    let file = dir.path().join("lint.gitlab-ci.yml");
    std::fs::write(&file, original).unwrap();
    std::fs::write(
        dir.path().join(".imagelint.toml"),
        "[mirrors]\n\"docker.io\" = \"registry.corp.example/dockerhub\"\n[rules]\nmissing-digest = \"off\"\nfloating-tag = \"off\"\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check", "--fix"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let fixed = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        fixed,
        original.replace(
            "'python:3.12-slim'",
            "'registry.corp.example/dockerhub/library/python:3.12-slim'"
        )
    );
    let again = imagelint(dir.path(), &["check", "--fix"]);
    assert_eq!(again.code, 0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), fixed);
    let load = |text: &str| {
        let out = std::process::Command::new("python3")
            .args(["-c", "import yaml,sys,json; print(json.dumps(list(yaml.load_all(sys.stdin.read(), Loader=yaml.CSafeLoader))))"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(text.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        load(&fixed),
        load(original).replace(
            "python:3.12-slim",
            "registry.corp.example/dockerhub/library/python:3.12-slim"
        )
    );
}
