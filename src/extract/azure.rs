//! Azure Pipelines (`azure-pipelines*.yml`, `.azure-pipelines/**`): the
//! `image` of each `resources.containers` entry, and a job's `container`
//! and `services` (at the top level, in `jobs`, and in `stages[].jobs`)
//! written as an image or as a map with `image`. A name that is a container
//! resource's alias is that resource, read where it is declared; in a file
//! that declares no container resources (a template another pipeline
//! includes), a bare name (no tag, registry or digest) is taken for an alias
//! of the including pipeline's, not for Docker Hub's `latest`. Macros and
//! expressions (`$(tag)`, `${{ parameters.image }}`) are known only when
//! the pipeline runs: unresolved. Templates a pipeline includes are read
//! when they are files of this kind themselves.

use super::yaml::NodeId;
use super::{Env, Sink};
use std::collections::HashSet;

const WHY: &str = "a macro or expression Azure Pipelines fills in when the pipeline runs";

pub(crate) fn extract(sink: &mut Sink, _env: &Env) {
    let y = sink.yaml;
    for root in y.documents.clone() {
        if !y.is_map(root) {
            continue;
        }
        let mut aliases = Aliases {
            known: HashSet::new(),
            declared: false,
        };
        if let Some(items) = y
            .path(root, &["resources", "containers"])
            .and_then(|c| y.seq(c))
        {
            aliases.declared = true;
            for (i, &item) in items.iter().enumerate() {
                let alias = y.get(item, "container").and_then(|a| y.str(a));
                if let Some(alias) = alias {
                    aliases.known.insert(alias.to_string());
                }
                if let Some(node) = y.is_map(item).then(|| y.get(item, "image")).flatten() {
                    let name = alias.map_or_else(|| i.to_string(), str::to_string);
                    let context = format!("resources.containers.{name}.image");
                    sink.literal_unless_variable(node, context, WHY);
                }
            }
        }
        job(sink, root, &aliases, "");
        for (at, list) in [
            ("jobs", y.get(root, "jobs")),
            ("stages", y.get(root, "stages")),
        ] {
            let Some(items) = list.and_then(|l| y.seq(l)) else {
                continue;
            };
            for (i, &item) in items.iter().enumerate() {
                if at == "jobs" {
                    job(sink, item, &aliases, &format!("jobs[{i}]."));
                    continue;
                }
                let jobs = y.get(item, "jobs").and_then(|j| y.seq(j));
                for (k, &j) in jobs.unwrap_or_default().iter().enumerate() {
                    job(sink, j, &aliases, &format!("stages[{i}].jobs[{k}]."));
                }
            }
        }
    }
}

/// The container resources' aliases a file declares.
struct Aliases {
    known: HashSet<String>,
    /// Whether the file declares any (else it is a template, and its
    /// aliases are the including pipeline's).
    declared: bool,
}

impl Aliases {
    fn holds(&self, name: &str) -> bool {
        if self.declared {
            return self.known.contains(name);
        }
        !name.contains([':', '/', '@', '$'])
    }
}

/// The `container` and `services` of the job (or pipeline) `node`.
fn job(sink: &mut Sink, node: NodeId, aliases: &Aliases, prefix: &str) {
    let y = sink.yaml;
    if !y.is_map(node) {
        return;
    }
    if let Some(c) = y.get(node, "container") {
        container(sink, c, aliases, format!("{prefix}container"));
    }
    if let Some(services) = y.get(node, "services") {
        for (name, c) in y.entries(services) {
            container(sink, c, aliases, format!("{prefix}services.{name}"));
        }
    }
}

/// A container: an image, a resource's alias, or a map with `image`.
fn container(sink: &mut Sink, node: NodeId, aliases: &Aliases, context: String) {
    let y = sink.yaml;
    let node = match y.is_map(node) {
        true => match y.get(node, "image") {
            Some(image) => image,
            None => return,
        },
        false if y.str(node).is_some_and(|s| aliases.holds(s)) => return,
        false => node,
    };
    sink.literal_unless_variable(node, context, WHY);
}
