//! Kubernetes: the containers of every pod spec, in a Pod, in any workload's
//! pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
//! CronJob, and custom objects shaped the same way), and in `List` items.

use super::yaml::NodeId;
use super::{Env, Sink};
use std::collections::HashSet;

/// Whether a YAML file's documents are Kubernetes objects.
pub(crate) fn looks_like_kubernetes(text: &str) -> bool {
    text.contains("apiVersion") && text.contains("kind")
}

const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];
/// How deep under `spec` a pod template is looked for (CronJob needs 4).
const MAX_TEMPLATE_DEPTH: usize = 6;

pub(crate) fn extract(sink: &mut Sink, _env: &Env) {
    let y = sink.yaml;
    for root in y.documents.clone() {
        object(sink, root, 0);
    }
}

fn object(sink: &mut Sink, obj: NodeId, depth: usize) {
    let y = sink.yaml;
    if !y.is_map(obj) || y.get(obj, "apiVersion").is_none() || depth > 2 {
        return;
    }
    let Some(kind) = y.get(obj, "kind").and_then(|k| y.str(k)) else {
        return;
    };
    let name = y
        .path(obj, &["metadata", "name"])
        .and_then(|n| y.str(n))
        .unwrap_or("")
        .to_string();
    let owner = format!("{kind} {name}");
    match kind {
        "List" => {
            if let Some(items) = y.get(obj, "items").and_then(|i| y.seq(i)) {
                for item in items.iter().copied() {
                    object(sink, item, depth + 1);
                }
            }
        }
        "Pod" => {
            if let Some(spec) = y.get(obj, "spec") {
                pod_spec(sink, spec, &owner);
            }
        }
        "PodTemplate" => {
            if let Some(spec) = y.path(obj, &["template", "spec"]) {
                pod_spec(sink, spec, &owner);
            }
        }
        _ => {
            if let Some(spec) = y.get(obj, "spec") {
                templates(sink, spec, &owner, 0, &mut HashSet::new());
            }
        }
    }
}

/// Finds `template.spec` pod specs below a workload's `spec`. Aliases make
/// the tree a graph: each node is searched once.
fn templates(
    sink: &mut Sink,
    node: NodeId,
    owner: &str,
    depth: usize,
    visited: &mut HashSet<NodeId>,
) {
    let y = sink.yaml;
    if depth > MAX_TEMPLATE_DEPTH || !y.is_map(node) || !visited.insert(node) {
        return;
    }
    for (key, value) in y.entries(node) {
        if key == "template" {
            if let Some(spec) = y.get(value, "spec") {
                if CONTAINER_LISTS.iter().any(|l| y.get(spec, l).is_some()) {
                    pod_spec(sink, spec, owner);
                    continue;
                }
            }
        }
        if y.is_map(value) {
            templates(sink, value, owner, depth + 1, visited);
        }
    }
}

fn pod_spec(sink: &mut Sink, spec: NodeId, owner: &str) {
    let y = sink.yaml;
    for list in CONTAINER_LISTS {
        let Some(items) = y.get(spec, list).and_then(|l| y.seq(l)) else {
            continue;
        };
        for (i, container) in items.iter().copied().enumerate() {
            let Some(image) = y.get(container, "image") else {
                continue;
            };
            if y.str(image).is_none() {
                continue;
            }
            let cname = y
                .get(container, "name")
                .and_then(|n| y.str(n))
                .map_or_else(|| format!("[{i}]"), |n| format!(" {n}"));
            sink.literal(image, format!("{owner}: {list}{cname}"));
        }
    }
}
