//! Fixed files parse, by the format's own parser, to the tree they had
//! before but for the edited strings, each now a mirrored, pinned
//! reference (or the digest the lock gives).

use crate::common::fixture;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use std::path::Path;

/// The leaves and shapes of an HCL body, in order: strings as `s:value`,
/// a heredoc's JSON (an ECS task's container definitions) read as JSON.
fn hcl_tree(body: &Body, out: &mut Vec<String>) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                out.push(format!("attr {}", a.key.as_str()));
                hcl_expr(&a.value, out);
            }
            Structure::Block(b) => {
                let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                out.push(format!("block {} {labels:?}", b.ident.as_str()));
                hcl_tree(&b.body, out);
                out.push("end".into());
            }
        }
    }
}

fn hcl_expr(e: &Expression, out: &mut Vec<String>) {
    match e {
        Expression::String(s) => out.push(format!("s:{}", s.value())),
        Expression::Array(a) => {
            out.push("[".into());
            a.iter().for_each(|v| hcl_expr(v, out));
            out.push("]".into());
        }
        Expression::Object(o) => {
            out.push("{".into());
            for (k, v) in o.iter() {
                match k {
                    ObjectKey::Ident(i) => out.push(format!("key {}", i.as_str())),
                    ObjectKey::Expression(k) => hcl_expr(k, out),
                }
                hcl_expr(v.expr(), out);
            }
            out.push("}".into());
        }
        Expression::FuncCall(f) => {
            out.push(format!("call {}", f.name.name.as_str()));
            f.args.iter().for_each(|a| hcl_expr(a, out));
        }
        Expression::HeredocTemplate(h) => {
            let text: String = h
                .template
                .iter()
                .filter_map(|el| el.as_literal().map(|l| l.value().to_string()))
                .collect();
            let json: serde_json::Value = serde_json::from_str(&text).expect("heredoc JSON");
            json_tree(&json, out);
        }
        other => out.push(other.to_string()),
    }
}

fn json_tree(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(format!("s:{s}")),
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_tree(v, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| {
            out.push(format!("key {k}"));
            json_tree(v, out);
        }),
        other => out.push(other.to_string()),
    }
}

/// The entries of `before` and `after` that differ: each must be a string
/// turned into a mirrored, pinned reference or a digest.
fn only_references_changed(before: &[String], after: &[String], what: &Path) -> usize {
    assert_eq!(
        before.len(),
        after.len(),
        "{what:?}: the tree changed shape"
    );
    let mut changed = 0;
    for (b, a) in before.iter().zip(after) {
        if a == b {
            continue;
        }
        changed += 1;
        let (Some(_), Some(new)) = (b.strip_prefix("s:"), a.strip_prefix("s:")) else {
            panic!("{what:?}: {b} became {a}");
        };
        let new = new.split_once("://").map_or(new, |(_, r)| r);
        // A whole reference; a Helm map's repository, digest, or tag
        // with the digest added.
        assert!(
            new.starts_with("registry.corp.example/")
                || new.starts_with("sha256:")
                || new.contains("@sha256:"),
            "{what:?}: {b} became {a}"
        );
    }
    changed
}

#[test]
fn fixed_hcl_parses_to_the_same_tree_but_the_references() {
    let mut changed = 0;
    for name in [
        "terraform/main.tf",
        "terraform/variables.tf",
        "docker-bake.hcl",
    ] {
        let read = |side: &str| {
            let path = fixture(&format!("fix/{side}/{name}"));
            let text = std::fs::read_to_string(&path).unwrap();
            let body = hcl_edit::parser::parse_body(&text).expect("parses");
            let mut tree = Vec::new();
            hcl_tree(&body, &mut tree);
            tree
        };
        changed += only_references_changed(&read("input"), &read("expected"), Path::new(name));
    }
    // Terraform's JSON syntax, read as JSON.
    let read = |side: &str| {
        let path = fixture(&format!("fix/{side}/terraform/extra.tf.json"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("parses");
        let mut tree = Vec::new();
        json_tree(&json, &mut tree);
        tree
    };
    changed += only_references_changed(
        &read("input"),
        &read("expected"),
        Path::new("extra.tf.json"),
    );
    // jsonencode, heredoc, container, the chart's repository and digest,
    // the variable's default, the JSON file's image; the bake file's
    // context and variable default.
    assert_eq!(changed, 9);
}

/// Each fixed YAML file (and the dev container's JSON with comments, as
/// YAML once they are gone) loads with libyaml to the structure it had
/// but for the edited strings.
#[test]
fn fixed_yaml_loads_to_the_same_structure_but_the_references() {
    let script = r#"
import json, re, sys, yaml
class L(yaml.CSafeLoader): pass
# Local tags (CloudFormation's !Ref, GitLab's !reference) kept as data.
L.add_multi_constructor('!', lambda l, tag, node: [tag, l.construct_object(node, deep=True) if not isinstance(node, yaml.ScalarNode) else node.value])
def flat(v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            out.append("key " + str(k)); flat(x, out)
    elif isinstance(v, list):
        out.append("["); [flat(x, out) for x in v]; out.append("]")
    elif isinstance(v, str):
        out.append("s:" + v)
    else:
        out.append(repr(v))
    return out
def load(path):
    text = open(path).read()
    if path.endswith(".json"):
        text = re.sub(r"//[^\n]*", "", text).replace(",\n}", "\n}")
    return flat(list(yaml.load_all(text, Loader=L)), [])
print(json.dumps([load(sys.argv[1]), load(sys.argv[2])]))
"#;
    let mut changed = 0;
    for name in [
        ".circleci/config.yml",
        ".devcontainer/devcontainer.json",
        ".drone.yml",
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        ".woodpecker/build.yml",
        "azure-pipelines.yml",
        "bitbucket-pipelines.yml",
        "cfn.yaml",
        "chart/values.yaml",
        "docker-compose.yml",
        "k8s/deploy.yaml",
        "pipelines/ci.pipeline.yml",
    ] {
        let out = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(fixture(&format!("fix/input/{name}")))
            .arg(fixture(&format!("fix/expected/{name}")))
            .output()
            .expect("python3 with PyYAML is installed by test.sh");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let [before, after]: [Vec<String>; 2] = serde_json::from_slice(&out.stdout).unwrap();
        let n = only_references_changed(&before, &after, Path::new(name));
        assert!(n > 0, "{name}: nothing was fixed");
        changed += n;
    }
    assert!(changed >= 12, "{changed}");
}
