//! Machine formats: SARIF against the 2.1.0 schema, GitHub workflow commands
//! parsed back, GitLab Code Quality, the JSON schema of version 1, and one
//! run writing several formats for the same findings.

use crate::common::{data, fixture, imagelint, json};
use std::collections::HashMap;
use std::fs;
use std::path::Path;

fn schema(path: &Path) -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &serde_json::Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn sarif_is_valid_and_has_what_github_requires() {
    let run = imagelint(&fixture("gitlab-ci"), &["check", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let validator = schema(&data("sarif-schema-2.1.0.json"));
    assert_valid(&validator, &doc);
    // The check can fail: a result without its message is refused.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));
    assert!(doc["$schema"].is_string());
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    let driver = &run0["tool"]["driver"];
    for key in ["name", "semanticVersion", "informationUri"] {
        assert!(driver[key].is_string(), "{key}");
    }
    assert_eq!(run0["columnKind"], "utf16CodeUnits");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 11);
    for r in rules {
        for key in [
            "/id",
            "/shortDescription/text",
            "/fullDescription/text",
            "/help/text",
            "/defaultConfiguration/level",
        ] {
            assert!(
                r.pointer(key)
                    .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty())),
                "{key} in {r}"
            );
        }
    }
    let results = run0["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        for key in [
            "/ruleId",
            "/level",
            "/message/text",
            "/locations/0/physicalLocation/artifactLocation/uri",
        ] {
            assert!(r.pointer(key).is_some(), "{key}");
        }
        let region = &r["locations"][0]["physicalLocation"]["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().is_some_and(|n| n >= 1), "{key}");
        }
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
        assert!(
            !r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
    }
}

#[test]
fn sarif_columns_count_utf16_units() {
    let dir = tempfile::tempdir().unwrap();
    // `𝄞` is one character but two UTF-16 units.
    fs::write(
        dir.path().join("compose.yaml"),
        "services: {a: {x: \"𝄞\", image: nginx}}\n",
    )
    .unwrap();
    let sarif: serde_json::Value =
        serde_json::from_str(&imagelint(dir.path(), &["check", "--format", "sarif"]).stdout)
            .unwrap();
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    let js = json(&imagelint(dir.path(), &["check", "--format", "json"]));
    let col = js["findings"][0]["location"]["start"]["column"]
        .as_u64()
        .unwrap();
    assert_eq!(region["startColumn"].as_u64().unwrap(), col + 1);
}

/// Parses `::level k=v,k=v::message` back, undoing the toolkit's escapes.
fn parse_command(line: &str) -> (String, HashMap<String, String>, String) {
    let unescape = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let rest = line.strip_prefix("::").unwrap();
    let (head, message) = rest.split_once("::").unwrap();
    let (level, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), unescape(v))
        })
        .collect();
    (level.to_string(), props, unescape(message))
}

#[test]
fn github_commands_escape_and_parse_back() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("a,b:c");
    fs::create_dir(&odd).unwrap();
    fs::write(
        odd.join("compose.yaml"),
        "services:\n  web:\n    image: \"nginx:1.25\"\n",
    )
    .unwrap();
    fs::write(
        dir.path().join(".imagelint.toml"),
        "[rules]\nimplicit-docker-hub = \"off\"\nfloating-tag = \"off\"\n[[rule]]\nid = \"odd\"\nseverity = \"warning\"\nmessage = \"100% sure: a, b\\nsecond line for {image}\"\n",
    )
    .unwrap();
    let run = imagelint(dir.path(), &["check", "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("odd"))
        .expect(&run.stdout);
    assert!(!line.contains('\n'));
    let (level, props, message) = parse_command(line);
    assert_eq!(level, "warning");
    assert_eq!(props["file"], "a,b:c/compose.yaml");
    assert_eq!(
        (props["line"].as_str(), props["endLine"].as_str()),
        ("3", "3")
    );
    assert_eq!(
        (props["col"].as_str(), props["endColumn"].as_str()),
        ("13", "23")
    );
    assert_eq!(props["title"], "imagelint (odd)");
    assert_eq!(
        message,
        "a,b:c/compose.yaml:3:13: odd 100% sure: a, b\nsecond line for nginx:1.25"
    );
}

#[test]
fn github_annotations_are_capped_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let services: String = (0..15)
        .map(|i| format!("  s{i}: {{image: nginx:{i}.0}}\n"))
        .collect();
    fs::write(
        dir.path().join("compose.yaml"),
        format!("services:\n{services}"),
    )
    .unwrap();
    let summary = dir.path().join("summary.md");
    let run = crate::common::imagelint_env(
        dir.path(),
        &["check", "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", summary.as_os_str())],
    );
    let commands: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    let errors = commands
        .iter()
        .filter(|l| l.starts_with("::error "))
        .count();
    let warnings = commands
        .iter()
        .filter(|l| l.starts_with("::warning "))
        .count();
    assert_eq!((errors, warnings), (10, 10), "{}", run.stdout);
    let last = commands.last().unwrap();
    assert!(
        last.starts_with("::notice title=imagelint::10 more findings"),
        "{last}"
    );
    // Every finding is still in the log.
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.contains("compose.yaml:"))
            .count(),
        30
    );
    let md = fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("## imagelint\n\n30 findings (15 errors, 15 warnings, 0 info) in 1 file."),
        "{md}"
    );
    assert!(md.contains("| `implicit-docker-hub` | 15 |"));
}

#[test]
fn one_run_writes_every_format_for_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let sarif = out.join("out.sarif");
    let gl = out.join("gl.json");
    let js = out.join("out.json");
    let run = imagelint(
        &fixture("kubernetes"),
        &[
            "check",
            "--format",
            "github",
            "--format",
            &format!("sarif:{}", sarif.display()),
            "--format",
            &format!("gitlab:{}", gl.display()),
            "--format",
            &format!("json:{}", js.display()),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let js: serde_json::Value = serde_json::from_str(&fs::read_to_string(js).unwrap()).unwrap();
    let key = |rule: &str, path: &str, line: u64| format!("{rule} {path}:{line}");
    let mut from_json: Vec<String> = js["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            key(
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
                f["location"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    from_json.sort();
    let sarif: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(sarif).unwrap()).unwrap();
    let mut from_sarif: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            key(
                r["ruleId"].as_str().unwrap(),
                loc["artifactLocation"]["uri"].as_str().unwrap(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    from_sarif.sort();
    let gl: serde_json::Value = serde_json::from_str(&fs::read_to_string(gl).unwrap()).unwrap();
    let mut from_gitlab: Vec<String> = gl
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            key(
                i["check_name"].as_str().unwrap(),
                i["location"]["path"].as_str().unwrap(),
                i["location"]["lines"]["begin"].as_u64().unwrap(),
            )
        })
        .collect();
    from_gitlab.sort();
    let mut from_github: Vec<String> = run
        .stdout
        .lines()
        .filter(|l| {
            l.starts_with("::error") || l.starts_with("::warning") || l.starts_with("::notice file")
        })
        .map(|l| {
            let (_, props, _) = parse_command(l);
            let rule = props["title"]
                .trim_start_matches("imagelint (")
                .trim_end_matches(')')
                .to_string();
            key(&rule, &props["file"], props["line"].parse().unwrap())
        })
        .collect();
    from_github.sort();
    assert!(!from_json.is_empty());
    assert_eq!(from_sarif, from_json);
    assert_eq!(from_gitlab, from_json);
    assert_eq!(from_github, from_json);
}

#[test]
fn gitlab_fingerprints_are_unique_and_survive_moved_lines() {
    let dir = tempfile::tempdir().unwrap();
    let body = "services:\n  a: {image: nginx}\n  b: {image: nginx}\n  c: {image: 'redis:7'}\n";
    fs::write(dir.path().join("compose.yaml"), body).unwrap();
    let fps = |dir: &Path| -> Vec<String> {
        let run = imagelint(dir, &["check", "--format", "gitlab"]);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| {
                assert!(i["description"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{}: ", i["check_name"].as_str().unwrap())));
                assert!(["info", "minor", "major", "critical", "blocker"]
                    .contains(&i["severity"].as_str().unwrap()));
                i["fingerprint"].as_str().unwrap().to_string()
            })
            .collect()
    };
    let before = fps(dir.path());
    let mut unique = before.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), before.len());
    fs::write(
        dir.path().join("compose.yaml"),
        format!("# a comment\n# another\n{body}"),
    )
    .unwrap();
    assert_eq!(fps(dir.path()), before);
}

#[test]
fn json_output_matches_its_schema() {
    let v = schema(&crate::common::root().join("docs/json-output.schema.json"));
    for name in crate::common::kind_fixtures() {
        let name = name.as_str();
        for args in [
            &["check", "--format", "json"][..],
            &["inventory", "--format", "json"][..],
        ] {
            let run = imagelint(&fixture(name), args);
            assert_valid(&v, &json(&run));
        }
    }
    let run = imagelint(&fixture("config"), &["check", "--format", "json-lines"]);
    let wrapped = serde_json::json!({
        "version": 1,
        "findings": run.stdout.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).collect::<Vec<_>>(),
        "summary": {"files": 0, "images": 0, "findings": 0, "fixable": 0}
    });
    assert_valid(&v, &wrapped);
}
