//! Kubernetes: the containers of every pod spec, in a Pod, in any workload's
//! pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
//! CronJob, and custom objects shaped the same way), and in `List` items;
//! in custom resources, containers at any depth: Tekton `steps` and
//! `sidecars`, Argo Workflows `container` and `script`, Knative's pod
//! templates, operators' embedded pod specs. Kustomize `images:` entries
//! (`name`, `newName`, `newTag`, `digest`) are the images kustomize writes.

use super::yaml::{NodeId, NodeSet};
use super::{Env, HelmFields, Occurrence, RefText, Sink};

/// Whether a YAML file's documents are Kubernetes objects.
pub(crate) fn looks_like_kubernetes(text: &str) -> bool {
    text.contains("apiVersion") && text.contains("kind")
}

/// Whether every document of the text is a CustomResourceDefinition: a
/// schema, which pulls nothing however many `image` properties it
/// describes, and often megabytes long. Read from the lines alone, and
/// only when they leave no doubt: each document a block mapping whose
/// keys at column 0 are plain words (no merge, anchor, tag or flow there,
/// no directive), with one `kind: CustomResourceDefinition` and one
/// `apiVersion: apiextensions.k8s.io/...`. A line at column 0 ends any
/// scalar above it (libyaml), so those keys are the mapping's own.
pub(crate) fn only_definitions(text: &str) -> bool {
    let mut definitions = 0;
    let (mut kinds, mut apis) = (0, 0);
    // A document without `kind` or `apiVersion` is no object: it holds no
    // image either.
    let mut settle = |kinds: &mut usize, apis: &mut usize| {
        let ok = *kinds <= 1 && *apis <= 1;
        definitions += *kinds;
        (*kinds, *apis) = (0, 0);
        ok
    };
    for line in unindented_lines(text) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let first = line.bytes().next();
        match first {
            None | Some(b' ' | b'\t' | b'#') => continue,
            _ => {}
        }
        if line == "---" || line.starts_with("--- ") || line == "..." {
            if !settle(&mut kinds, &mut apis) {
                return false;
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return false;
        };
        let word = key.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_alphabetic() || (i > 0 && (b.is_ascii_digit() || b == b'_' || b == b'-'))
        });
        if key.is_empty() || !word || !(value.is_empty() || value.starts_with([' ', '\t'])) {
            return false;
        }
        let value = plain_value(value);
        match key {
            "kind" if value == "CustomResourceDefinition" => kinds += 1,
            "apiVersion" if value.starts_with("apiextensions.k8s.io/") => apis += 1,
            "kind" | "apiVersion" => return false,
            _ => {}
        }
    }
    settle(&mut kinds, &mut apis) && definitions > 0
}

/// The lines of `text` that start with neither a blank nor `#`: the only
/// ones [`only_definitions`] reads, out of megabytes of indented schema
/// in a definition. Found with a vectorised search for line breaks.
fn unindented_lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1))
        .filter(move |&start| {
            bytes
                .get(start)
                .is_some_and(|b| !matches!(b, b' ' | b'\t' | b'#' | b'\n'))
        })
        .map(move |start| {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            &text[start..end]
        })
}

/// A one-line value without its comment and quotes.
fn plain_value(value: &str) -> &str {
    let value = match value.find(" #").or_else(|| value.find("\t#")) {
        Some(at) => &value[..at],
        None => value,
    };
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value)
}

const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];
/// How deep under `spec` a pod template is looked for (CronJob needs 4).
const MAX_TEMPLATE_DEPTH: usize = 6;

pub(crate) fn extract(sink: &mut Sink, env: &Env) {
    let y = sink.yaml;
    let first = sink.out.len();
    for root in y.documents.clone() {
        object(sink, root, 0);
    }
    // `image: adservice` that a Skaffold project builds is replaced when
    // Skaffold deploys: not a pull.
    let found: Vec<Occurrence> = sink.out.drain(first..).collect();
    sink.out.extend(found.into_iter().filter(|o| match &o.text {
        RefText::Resolved(t) if !t.contains(['/', ':', '@', '.']) => {
            !super::skaffold::builds(env.disk_path, t)
        }
        _ => true,
    }));
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
        "Kustomization" => kustomize_images(sink, obj),
        _ => {
            if let Some(spec) = y.get(obj, "spec") {
                templates(sink, spec, &owner, 0, &mut NodeSet::default());
                // Built-in workloads hold containers only in pod templates;
                // custom resources anywhere.
                let api = y
                    .get(obj, "apiVersion")
                    .and_then(|a| y.str(a))
                    .unwrap_or("");
                let group = api.rsplit_once('/').map_or("", |(g, _)| g);
                if !matches!(group, "" | "apps" | "batch" | "extensions") {
                    containers_anywhere(sink, spec, &owner, 0, &mut NodeSet::default());
                }
            }
        }
    }
}

/// Lists of containers in custom resources, besides the pod spec ones.
const STEP_LISTS: [&str; 2] = ["steps", "sidecars"];
/// Single containers in custom resources (Argo Workflows templates, the
/// `check` of a Tekton `Condition`).
const CONTAINER_MAPS: [&str; 3] = ["container", "script", "check"];
/// How deep in a custom resource containers are looked for.
const MAX_RESOURCE_DEPTH: usize = 16;

/// Containers anywhere below `node`: a list under a container-list key, or
/// a map under `container:`/`script:`/`check:`, each with an `image:` string.
fn containers_anywhere(
    sink: &mut Sink,
    node: NodeId,
    owner: &str,
    depth: usize,
    visited: &mut NodeSet,
) {
    let y = sink.yaml;
    if depth > MAX_RESOURCE_DEPTH || !visited.insert(node) {
        return;
    }
    if let Some(items) = y.seq(node) {
        for item in items.iter().copied() {
            containers_anywhere(sink, item, owner, depth + 1, visited);
        }
        return;
    }
    for (key, value) in y.entries(node) {
        let list = CONTAINER_LISTS.contains(&key) || STEP_LISTS.contains(&key);
        if let (true, Some(items)) = (list, y.seq(value)) {
            for (i, item) in items.iter().copied().enumerate() {
                container(sink, item, &format!("{owner}: {key}"), i, true);
            }
        } else if CONTAINER_MAPS.contains(&key) && y.get(value, "image").is_some() {
            container(sink, value, &format!("{owner}: {key}"), 0, true);
        }
        containers_anywhere(sink, value, owner, depth + 1, visited);
    }
}

/// One container map's `image:`. In a custom resource (`engine`), a
/// workflow engine may fill placeholders in; a pod spec's image is used as
/// written (Kubernetes expands `$(VAR)` in commands, never in images).
fn container(sink: &mut Sink, container: NodeId, place: &str, i: usize, engine: bool) {
    let y = sink.yaml;
    let Some(image) = y.get(container, "image").filter(|n| y.str(*n).is_some()) else {
        return;
    };
    let cname = y
        .get(container, "name")
        .and_then(|n| y.str(n))
        .map_or_else(|| format!("[{i}]"), |n| format!(" {n}"));
    let context = format!("{place}{cname}");
    match placeholder(y.str(image).unwrap_or_default()).filter(|_| engine) {
        Some(p) => sink.computed(
            image,
            RefText::Unresolved(format!(
                "`{p}` is a placeholder the tool that runs this manifest fills in, not known here"
            )),
            context,
        ),
        None => sink.literal(image, context),
    }
}

/// A workflow engine's placeholder in an image: Tekton's `$(params.x)`,
/// Argo's `{{inputs.parameters.x}}`, a substitution marker `@NAME@`.
fn placeholder(image: &str) -> Option<&str> {
    for (open, close) in [("$(", ")"), ("{{", "}}")] {
        if let Some(start) = image.find(open) {
            let end = image[start..]
                .find(close)
                .map_or(image.len(), |e| start + e + close.len());
            return Some(&image[start..end]);
        }
    }
    let start = image.find('@')?;
    let len = image[start + 1..].find('@')?;
    let name = &image[start + 1..start + 1 + len];
    let marker = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    marker.then(|| &image[start..start + len + 2])
}

/// `images:` of a kustomization: kustomize rewrites `name` to
/// `newName:newTag@digest`, so that is the image, and a fix goes into those
/// fields (a mirror into `newName`, a digest into `digest`).
fn kustomize_images(sink: &mut Sink, obj: NodeId) {
    let y = sink.yaml;
    let Some(items) = y.get(obj, "images").and_then(|i| y.seq(i)) else {
        return;
    };
    for item in items.iter().copied() {
        let field = |k: &str| y.get(item, k).and_then(|n| sink.field(n));
        let Some(name) = field("name").filter(|f| !f.value.is_empty()) else {
            continue;
        };
        let new_name = field("newName").filter(|f| !f.value.is_empty());
        let tag = field("newTag").filter(|f| !f.value.is_empty());
        let digest = field("digest").filter(|f| !f.value.is_empty());
        if new_name.is_none() && tag.is_none() && digest.is_none() {
            continue; // names an image without changing it
        }
        let shown = new_name.as_ref().unwrap_or(&name);
        let mut text = shown.value.clone();
        if let Some(t) = &tag {
            text.push(':');
            text.push_str(&t.value);
        }
        if let Some(d) = &digest {
            text.push('@');
            text.push_str(&d.value);
        }
        let context = format!("Kustomization images: {}", name.value);
        // Without `newName` a mirror has nowhere to go but a new key: the
        // reference is reported, not rewritten.
        let helm = new_name.clone().map(|repository| {
            Box::new(HelmFields {
                registry: None,
                repository,
                tag: tag.clone(),
                digest: digest.clone(),
                chart_tag: None,
                digest_in_tag: true,
            })
        });
        sink.out.push(Occurrence {
            span: shown.span,
            text: RefText::Resolved(text),
            context,
            exact: false,
            helm,
        });
    }
}

/// Finds `template.spec` pod specs below a workload's `spec`. Aliases make
/// the tree a graph: each node is searched once.
fn templates(sink: &mut Sink, node: NodeId, owner: &str, depth: usize, visited: &mut NodeSet) {
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
        for (i, item) in items.iter().copied().enumerate() {
            container(sink, item, &format!("{owner}: {list}"), i, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{only_definitions, unindented_lines};
    use crate::extract::{extract, Env, Extractor};
    use crate::source::LineIndex;
    use std::collections::BTreeMap;
    use std::path::Path;

    #[test]
    fn unindented_lines_are_those_a_line_scan_keeps() {
        let text = "kind: A\r\n  x: 1\n\n# c\n\tt\n\rodd\n---\nlast";
        let scanned: Vec<&str> = text
            .split('\n')
            .filter(|l| !l.is_empty() && !l.starts_with([' ', '\t', '#']))
            .collect();
        assert_eq!(unindented_lines(text).collect::<Vec<_>>(), scanned);
        assert_eq!(unindented_lines("").count(), 0);
    }

    const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: workflows.argoproj.io\nspec:\n  versions:\n  - schema:\n      openAPIV3Schema:\n        properties:\n          containers:\n            items:\n              properties:\n                image:\n                  description: Container image name.\n                  type: string\n            type: array\n          container:\n            properties:\n              image: {type: string}\n";

    fn references(text: &str) -> usize {
        let vars = BTreeMap::new();
        let env = Env {
            variables: &vars,
            build_contexts: &[],
            disk_path: Path::new("crd.yaml"),
            user_kind: None,
        };
        extract(
            Extractor::Yaml(super::extract),
            text,
            &LineIndex::new(text),
            &env,
        )
        .map_or(usize::MAX, |o| o.len())
    }

    /// Files read as definitions only are skipped, and parsed they hold no
    /// reference indeed.
    #[test]
    fn definitions_alone_are_skipped() {
        let quoted = CRD.replace(
            "kind: CustomResourceDefinition",
            "kind: \"CustomResourceDefinition\"  # the schema",
        );
        let crlf = CRD.replace('\n', "\r\n");
        let two = format!("# generated\n---\n{CRD}---\n{CRD}\n...\n");
        let with_empty = format!("---\n# nothing here\n---\n{CRD}");
        for text in [CRD, &quoted, &crlf, &two, &with_empty] {
            assert!(only_definitions(text), "{text}");
            assert_eq!(references(text), 0, "{text}");
        }
    }

    /// Anything else, or any doubt, is parsed.
    #[test]
    fn others_and_doubtful_shapes_are_parsed() {
        let pod = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx\n";
        let cases = [
            format!("{CRD}---\n{pod}"),
            pod.to_string(),
            format!("%YAML 1.1\n---\n{CRD}"),
            format!("<<: *base\n{CRD}"),
            format!("{{a: 1}}\n{CRD}"),
            format!("&top\n{CRD}"),
            CRD.replace("kind: Custom", "kind: NotCustom"),
            CRD.replace("apiextensions.k8s.io/v1", "example.com/v1"),
            format!("{CRD}kind: CustomResourceDefinition\n"),
            "# only a comment\n".to_string(),
            String::new(),
            format!("key:value\n{CRD}"),
        ];
        for text in &cases {
            assert!(!only_definitions(text), "{text}");
        }
        assert_eq!(references(&cases[0]), 1);
    }
}
