//! GitLab CI: `image` and `services` at top level, in `default:` and in every
//! job, hidden jobs included. `variables:` of the job, of `default:` and of
//! the file (in that order) resolve `$VAR`, and a variable's value may use
//! other variables, as GitLab expands them; the dependency proxy and
//! `$CI_REGISTRY*` variables are kept for the image analysis to interpret.
//! A job's `extends:` (templates, recursively) give it the image, services
//! and variables it does not write itself; `!reference [job, key]` points
//! at another job's keys. A CI/CD catalog component's header document
//! (`spec: inputs:`, before `---`) gives `$[[ inputs.name ]]` its default.

use super::gitlab_inputs::{component_header, input_use, missing_input, InputUse, Inputs};
use super::interpolate::{expand, sole_variable, Syntax, Value};
use super::yaml::NodeId;
use super::{Env, RefText, Sink};
use std::collections::BTreeMap;

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

/// Variables written in the file: name, value, the node it is written at.
type Written = Vec<(String, String, NodeId)>;

/// How deep a variable's value may use other variables.
const MAX_NESTING: usize = 8;
/// How deep `extends:` and `!reference` chains go (GitLab allows 11 and
/// 10 levels).
const MAX_EXTENDS: usize = 11;

struct Vars {
    /// Top-level `variables:`.
    file: Written,
    /// `default: variables:`.
    default: Written,
}

/// The variables one job sees, expanded: a value, or the variable that
/// could not be known.
struct Scope<'w> {
    /// Where each is written, job first: for a fix at the definition.
    written: Vec<&'w Written>,
    inputs: &'w Inputs,
    values: BTreeMap<String, Result<String, String>>,
}

impl<'w> Scope<'w> {
    fn new(env: &Env, inputs: &'w Inputs, written: Vec<&'w Written>) -> Scope<'w> {
        let mut raw: BTreeMap<&str, &str> = BTreeMap::new();
        for list in &written {
            for (name, value, _) in list.iter() {
                raw.entry(name.as_str()).or_insert(value.as_str());
            }
        }
        // Expand in passes: each pass settles the variables whose values
        // use only settled ones; nesting deeper than MAX_NESTING stays
        // unknown, and so does a cycle.
        let mut values: BTreeMap<String, Result<String, String>> = BTreeMap::new();
        for _ in 0..=MAX_NESTING {
            let mut settled = Vec::new();
            for (&name, &value) in &raw {
                if values.contains_key(name) {
                    continue;
                }
                let lookup = |n: &str| lookup(env, &values, n);
                match expand(value, &SYNTAX, &lookup) {
                    Ok(v) => settled.push((name.to_string(), Ok(v))),
                    // Waits for a variable of the file still unsettled.
                    Err(u) if raw.contains_key(u.variable.as_str()) => {}
                    Err(u) => settled.push((name.to_string(), Err(u.variable))),
                }
            }
            if settled.is_empty() {
                break;
            }
            values.extend(settled);
        }
        for &name in raw.keys() {
            values
                .entry(name.to_string())
                .or_insert_with(|| Err(name.to_string()));
        }
        Scope {
            written,
            inputs,
            values,
        }
    }

    /// Where `name` is written, nearest scope first.
    fn definition(&self, name: &str) -> Option<(&str, NodeId)> {
        self.written
            .iter()
            .find_map(|list| list.iter().find(|(n, _, _)| n == name))
            .map(|(_, value, at)| (value.as_str(), *at))
    }
}

fn lookup<'v>(
    env: &'v Env,
    values: &'v BTreeMap<String, Result<String, String>>,
    name: &str,
) -> Value<'v> {
    if let Some(v) = env.variables.get(name) {
        return Value::Set(v);
    }
    match values.get(name) {
        Some(Ok(v)) => Value::Set(v),
        Some(Err(_)) => Value::Unknown,
        None if KEPT.contains(&name) => Value::Keep,
        None => Value::Unknown,
    }
}

pub(crate) fn extract(sink: &mut Sink, env: &Env) {
    let docs = sink.yaml.documents.clone();
    if let [root] = docs[..] {
        if let Some(inputs) = component_header(sink, root) {
            sink.carried.gitlab_inputs = Some(inputs);
            return;
        }
    }
    // The header applies to the one document after it.
    let inputs = sink.carried.gitlab_inputs.take().unwrap_or_default();
    for root in docs {
        if !sink.yaml.is_map(root) {
            continue;
        }
        let vars = Vars {
            file: variables(sink, root),
            default: sink
                .yaml
                .get(root, "default")
                .map(|d| variables(sink, d))
                .unwrap_or_default(),
        };
        let global = Scope::new(env, &inputs, vec![&vars.default, &vars.file]);
        // Templates other jobs extend: their images are read through those
        // jobs, with those jobs' variables.
        let mut extended = Vec::new();
        for (_, value) in sink.yaml.entries(root) {
            extended.extend(parents(sink, value));
        }
        for (key, value) in sink.yaml.entries(root) {
            if key == "default" {
                job(sink, env, (&vars, &inputs), root, value, "default", false);
            } else if key == "image" || key == "services" {
                // Deprecated global keywords, still honoured by GitLab.
                if key == "image" {
                    image(sink, env, &global, value, "image".into(), false);
                } else {
                    services(sink, env, &global, value, "", false);
                }
            } else if !RESERVED.contains(&key) && sink.yaml.is_map(value) {
                let template = extended.iter().any(|e| e == key);
                job(sink, env, (&vars, &inputs), root, value, key, template);
            }
        }
    }
}

/// The jobs a job `extends:` (a name or a list), in order.
fn parents(sink: &Sink, job: NodeId) -> Vec<String> {
    let y = sink.yaml;
    if !y.is_map(job) {
        return Vec::new();
    }
    let Some(ext) = y.get(job, "extends") else {
        return Vec::new();
    };
    match y.seq(ext) {
        Some(items) => items
            .iter()
            .filter_map(|i| y.str(*i))
            .map(str::to_string)
            .collect(),
        None => y.str(ext).map(|s| vec![s.to_string()]).unwrap_or_default(),
    }
}

/// The maps a job is made of, nearest first: the job, then what it
/// extends (the last named first, as GitLab merges them), recursively.
fn lineage(sink: &Sink, root: NodeId, job: NodeId) -> Vec<NodeId> {
    let mut out = vec![job];
    let mut i = 0;
    while i < out.len() && out.len() <= MAX_EXTENDS * 4 {
        let depth_ok = i < MAX_EXTENDS * 4;
        let mut names = parents(sink, out[i]);
        names.reverse();
        for name in names {
            if let Some(parent) = sink.yaml.get(root, &name) {
                if depth_ok && !out.contains(&parent) {
                    out.push(parent);
                }
            }
        }
        i += 1;
    }
    out
}

/// `key` of a job as GitLab sees it: written there, or in what it extends;
/// `!reference` followed.
fn effective(sink: &Sink, root: NodeId, lineage: &[NodeId], key: &str) -> Option<NodeId> {
    let node = lineage.iter().find_map(|m| sink.yaml.get(*m, key))?;
    follow(sink, root, node)
}

/// A `!reference [job, key, ...]` followed to what it points at.
fn follow(sink: &Sink, root: NodeId, mut node: NodeId) -> Option<NodeId> {
    let y = sink.yaml;
    for _ in 0..MAX_EXTENDS {
        if !y.is_reference(node) {
            return Some(node);
        }
        let path: Vec<&str> = y.seq(node)?.iter().filter_map(|i| y.str(*i)).collect();
        node = y.path(root, &path)?;
    }
    None
}

/// The `variables:` of a map (the file, `default:` or a job).
fn variables(sink: &Sink, root: NodeId) -> Written {
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

fn job(
    sink: &mut Sink,
    env: &Env,
    (vars, inputs): (&Vars, &Inputs),
    root: NodeId,
    node: NodeId,
    name: &str,
    template: bool,
) {
    let lineage = if name == "default" {
        vec![node]
    } else {
        lineage(sink, root, node)
    };
    // The job's variables, then those of what it extends (nearer first).
    let own: Vec<Written> = if name == "default" {
        Vec::new()
    } else {
        lineage.iter().map(|m| variables(sink, *m)).collect()
    };
    let mut written: Vec<&Written> = own.iter().collect();
    written.extend([&vars.default, &vars.file]);
    let scope = Scope::new(env, inputs, written);
    if let Some(img) = effective(sink, root, &lineage, "image") {
        image(sink, env, &scope, img, scope_name(name, "image"), template);
    }
    if let Some(svc) = effective(sink, root, &lineage, "services") {
        services(sink, env, &scope, svc, name, template);
    }
}

/// Where a key is, for people: `job build: image`, or `default: image`
/// (`default:` gives every job its keys; it is no job).
fn scope_name(job: &str, key: &str) -> String {
    if job.is_empty() {
        key.to_string() // the deprecated top-level `image:` and `services:`
    } else if job == "default" {
        format!("default: {key}")
    } else {
        format!("job {job}: {key}")
    }
}

fn services(sink: &mut Sink, env: &Env, scope: &Scope, node: NodeId, job: &str, template: bool) {
    let Some(items) = sink.yaml.seq(node).map(<[NodeId]>::to_vec) else {
        return;
    };
    for (i, item) in items.into_iter().enumerate() {
        image(
            sink,
            env,
            scope,
            item,
            scope_name(job, &format!("services[{i}]")),
            template,
        );
    }
}

/// `raw` with the job's variables expanded; `None` in a template, whose
/// unknown variables the jobs extending it resolve.
fn resolve(env: &Env, scope: &Scope, raw: &str, template: bool) -> Option<RefText> {
    let lookup = |name: &str| lookup(env, &scope.values, name);
    Some(match expand(raw, &SYNTAX, &lookup) {
        Ok(t) => RefText::Resolved(t),
        Err(_) if template => return None,
        Err(u) => {
            // The variable at fault may be one that a variable of the file
            // uses.
            let inner = match scope.values.get(&u.variable) {
                Some(Err(inner)) => inner.clone(),
                _ => u.variable,
            };
            RefText::Unresolved(format!(
                "`${inner}` is set outside this file; give it a value in [variables]"
            ))
        }
    })
}

/// An `image:` or service entry: a string, or a map with `name:`. In a
/// `template` (a job others extend), a reference its own variables do not
/// resolve is left to the jobs that extend it.
fn image(sink: &mut Sink, env: &Env, scope: &Scope, node: NodeId, context: String, template: bool) {
    let y = sink.yaml;
    if y.is_reference(node) {
        return; // an item that is itself a reference: not followed here
    }
    let node = if y.is_map(node) {
        match y.get(node, "name") {
            Some(n) => n,
            None => return,
        }
    } else {
        node
    };
    let Some(mut raw) = y.str(node).map(str::to_string) else {
        return;
    };
    match input_use(&raw, scope.inputs) {
        InputUse::None => {}
        // `image: $[[ inputs.image ]]`: the reference is written as the
        // input's default, and that is where a fix goes.
        InputUse::Sole(name) => {
            let context = format!("spec: inputs: {name} (used by {context})");
            return match scope.inputs.get(name) {
                Some(Some(d)) if !d.value.contains('$') => {
                    let text = RefText::Resolved(d.value.clone());
                    sink.written_at(d.span, d.exact, text, context);
                }
                Some(Some(d)) => {
                    if let Some(text) = resolve(env, scope, &d.value, template) {
                        let exact =
                            d.exact && matches!(&text, RefText::Resolved(t) if *t == d.value);
                        sink.written_at(d.span, exact, text, context);
                    }
                }
                _ => sink.computed(node, RefText::Unresolved(missing_input(name)), context),
            };
        }
        InputUse::Text(text) => raw = text,
        InputUse::Unknown(why) => return sink.computed(node, RefText::Unresolved(why), context),
    }
    if !raw.contains('$') {
        // Written as is, or made whole by input defaults.
        return sink.computed(node, RefText::Resolved(raw), context);
    }
    let Some(text) = resolve(env, scope, &raw, template) else {
        return;
    };
    // `image: $BUILDER` with `variables: {BUILDER: docker:24}`: the reference
    // is written at the variable, and that is where a fix goes.
    if let Some(name) = sole_variable(&raw) {
        if !env.variables.contains_key(name) {
            if let Some((value, at)) = scope.definition(name) {
                let context = format!("variables: {name} (used by {context})");
                if !value.contains('$') {
                    return sink.literal(at, context);
                }
                return sink.computed(at, text, context);
            }
        }
    }
    sink.computed(node, text, context);
}
