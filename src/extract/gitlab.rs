//! GitLab CI: `image` and `services` at top level, in `default:` and in every
//! job, hidden jobs included. File-level `variables:` resolve `$VAR`; the
//! dependency proxy and `$CI_REGISTRY*` variables are kept for the image
//! analysis to interpret.

use super::interpolate::{expand, sole_variable, Syntax, Value};
use super::yaml::NodeId;
use super::{Env, RefText, Sink};

const SYNTAX: Syntax = Syntax {
    dollar_escape: true,
};

/// Top-level keys that are not jobs.
const RESERVED: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "spec",
    "before_script",
    "after_script",
    "cache",
    "types",
    "pages:deploy",
];

/// Predefined variables whose meaning the image analysis knows.
const KEPT: &[&str] = &[
    "CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX",
    "CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX",
    "CI_DEPENDENCY_PROXY_SERVER",
    "CI_REGISTRY",
    "CI_REGISTRY_IMAGE",
];

struct Vars {
    /// name -> (value, the node where it is written)
    file: Vec<(String, String, NodeId)>,
}

pub(crate) fn extract(sink: &mut Sink, env: &Env) {
    let docs = sink.yaml.documents.clone();
    for root in docs {
        if !sink.yaml.is_map(root) {
            continue;
        }
        let vars = Vars {
            file: variables(sink, root),
        };
        for (key, value) in sink.yaml.entries(root) {
            if key == "default" {
                job(sink, env, &vars, value, "default");
            } else if key == "image" || key == "services" {
                // Deprecated global keywords, still honoured by GitLab.
                if key == "image" {
                    image(sink, env, &vars, value, "image".into());
                } else {
                    services(sink, env, &vars, value, "services");
                }
            } else if !RESERVED.contains(&key) && sink.yaml.is_map(value) {
                job(sink, env, &vars, value, key);
            }
        }
    }
}

fn variables(sink: &Sink, root: NodeId) -> Vec<(String, String, NodeId)> {
    let y = sink.yaml;
    let Some(vars) = y.get(root, "variables") else {
        return Vec::new();
    };
    y.entries(vars)
        .into_iter()
        .filter_map(|(name, node)| {
            // `NAME: value` or `NAME: {value: ..., description: ...}`
            let node = if y.is_map(node) {
                y.get(node, "value")?
            } else {
                node
            };
            Some((name.to_string(), y.str(node)?.to_string(), node))
        })
        .collect()
}

fn job(sink: &mut Sink, env: &Env, vars: &Vars, node: NodeId, name: &str) {
    if let Some(img) = sink.yaml.get(node, "image") {
        image(sink, env, vars, img, format!("job {name}: image"));
    }
    if let Some(svc) = sink.yaml.get(node, "services") {
        services(sink, env, vars, svc, name);
    }
}

fn services(sink: &mut Sink, env: &Env, vars: &Vars, node: NodeId, job: &str) {
    let Some(items) = sink.yaml.seq(node).map(<[NodeId]>::to_vec) else {
        return;
    };
    for (i, item) in items.into_iter().enumerate() {
        image(sink, env, vars, item, format!("job {job}: services[{i}]"));
    }
}

/// An `image:` or service entry: a string, or a map with `name:`.
fn image(sink: &mut Sink, env: &Env, vars: &Vars, node: NodeId, context: String) {
    let y = sink.yaml;
    let node = if y.is_map(node) {
        match y.get(node, "name") {
            Some(n) => n,
            None => return,
        }
    } else {
        node
    };
    let Some(raw) = y.str(node).map(str::to_string) else {
        return;
    };
    if !raw.contains('$') {
        return sink.literal(node, context);
    }
    let lookup = |name: &str| -> Value {
        if let Some(v) = env.variables.get(name) {
            return Value::Set(v);
        }
        if let Some((_, v, _)) = vars.file.iter().find(|(n, _, _)| n == name) {
            return Value::Set(v);
        }
        if KEPT.contains(&name) {
            return Value::Keep;
        }
        Value::Unknown
    };
    let text = match expand(&raw, &SYNTAX, &lookup) {
        Ok(t) => RefText::Resolved(t),
        Err(u) => RefText::Unresolved(format!(
            "`${}` is set outside this file; give it a value in [variables]",
            u.variable
        )),
    };
    // `image: $BUILDER` with `variables: {BUILDER: docker:24}`: the reference
    // is written at the variable, and that is where a fix goes.
    if let Some(name) = sole_variable(&raw) {
        if !env.variables.contains_key(name) {
            if let Some(&(_, _, at)) = vars.file.iter().find(|(n, _, _)| n == name) {
                let value = y.str(at).unwrap_or_default().to_string();
                if !value.contains('$') {
                    return sink.literal(at, format!("variables: {name} (used by {context})"));
                }
                return sink.computed(at, text, format!("variables: {name} (used by {context})"));
            }
        }
    }
    sink.computed(node, text, context);
}
