//! Each rule's documented examples are run: a line marked `# flagged` (or
//! `# reported`) in a rule file's `## Example` must raise that rule, a line
//! marked `# fine` must not. A ```toml block there is the config they run
//! with, a ```toml imagelint.lock block the lock file beside it; unmarked
//! lines are context kept in every run (an `ARG` before its `FROM`).

use crate::common::{imagelint, root};
use std::fs;

struct Case {
    file: &'static str,
    text: String,
    flagged: bool,
}

/// A digest for examples that write `sha256:…`.
const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The config, the lock file (a ```` ```toml imagelint.lock ```` block) and
/// the cases of a rule's documented example.
fn cases(doc: &str) -> (String, String, Vec<Case>) {
    let example = doc
        .split("## Example")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or("");
    let mut config = String::new();
    let mut lock = String::new();
    let mut cases = Vec::new();
    for block in example.split("```").skip(1).step_by(2) {
        let (lang, body) = block.split_once('\n').unwrap_or((block, ""));
        let file = match lang.trim() {
            "toml imagelint.lock" => {
                lock.push_str(body);
                continue;
            }
            "toml" => {
                config.push_str(body);
                continue;
            }
            "dockerfile" => "Dockerfile",
            // A top-level `image:` is GitLab CI's default image.
            _ => ".gitlab-ci.yml",
        };
        let mut context = String::new();
        for line in body.lines() {
            // The last comment is the mark: a suppression rule's example
            // has a directive before it.
            let Some((code, comment)) = line.rsplit_once(" #") else {
                context.push_str(line);
                context.push('\n');
                continue;
            };
            let comment = comment.trim();
            let flagged = comment.starts_with("flagged") || comment.starts_with("reported");
            assert!(
                flagged || comment.starts_with("fine"),
                "unmarked comment: {line}"
            );
            let code = code.trim_end().replace("sha256:…", DIGEST);
            cases.push(Case {
                file,
                text: format!("{context}{code}\n"),
                flagged,
            });
        }
    }
    (config, lock, cases)
}

#[test]
fn documented_examples_hold() {
    let mut checked = 0;
    for entry in fs::read_dir(root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let rule: toml::Value = toml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let id = rule["id"].as_str().unwrap();
        let doc = rule["documentation"].as_str().unwrap();
        let (config, lock, cases) = cases(doc);
        // A suppression is judged against the rules that would fire on its
        // line: those must be in force.
        let about_suppressions = rule.get("target").and_then(|t| t.as_str()) == Some("suppression");
        let select: &[&str] = if about_suppressions {
            &[]
        } else {
            &["--select", id]
        };
        assert!(
            cases.iter().any(|c| c.flagged),
            "{id}: the documentation shows no flagged example"
        );
        for case in cases {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join(".imagelint.toml"), &config).unwrap();
            if !lock.is_empty() {
                fs::write(dir.path().join("imagelint.lock"), &lock).unwrap();
            }
            fs::write(dir.path().join(case.file), &case.text).unwrap();
            let args = [&["check", "--format", "json-lines"][..], select].concat();
            let run = imagelint(dir.path(), &args);
            assert_ne!(run.code, 2, "{id}: {}", run.stderr);
            let fired = run
                .stdout
                .lines()
                .any(|l| l.contains(&format!("\"rule\":\"{id}\"")));
            assert_eq!(fired, case.flagged, "{id} on {}:\n{}", case.file, case.text);
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} examples found");
}
