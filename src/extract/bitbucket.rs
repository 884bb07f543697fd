//! Bitbucket Pipelines (`bitbucket-pipelines.yml`): the default `image`,
//! each `step`'s `image` wherever the pipelines nest it (by branch, tag or
//! pull request, in `parallel` and `stage` blocks), and
//! `definitions.services.*.image`. An image is a name, or a map whose
//! `name` is one. Bitbucket substitutes no variable into an image's name
//! that imagelint could know: one written with `$` is unresolved.

use super::yaml::NodeId;
use super::{Env, Sink};

/// Blocks inside blocks beyond this are not a pipeline's.
const MAX_DEPTH: usize = 32;

pub(crate) fn extract(sink: &mut Sink, _env: &Env) {
    let y = sink.yaml;
    for root in y.documents.clone() {
        if !y.is_map(root) {
            continue;
        }
        if let Some(node) = y.get(root, "image") {
            image(sink, node, "image".into());
        }
        if let Some(services) = y.path(root, &["definitions", "services"]) {
            for (name, service) in y.entries(services) {
                if let Some(node) = y.is_map(service).then(|| y.get(service, "image")).flatten() {
                    image(sink, node, format!("definitions.services.{name}.image"));
                }
            }
        }
        if let Some(pipelines) = y.get(root, "pipelines") {
            steps(sink, pipelines, "pipelines", 0);
        }
    }
}

/// The `step`s under `node`, each with the path to it for the context.
fn steps(sink: &mut Sink, node: NodeId, path: &str, depth: usize) {
    let y = sink.yaml;
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(items) = y.seq(node) {
        for (i, &item) in items.iter().enumerate() {
            steps(sink, item, &format!("{path}[{i}]"), depth + 1);
        }
        return;
    }
    for (key, value) in y.entries(node) {
        if key == "step" {
            // A step's image is its own; nothing in a step holds steps.
            if let Some(node) = y.is_map(value).then(|| y.get(value, "image")).flatten() {
                image(sink, node, format!("{path}.step.image"));
            }
            continue;
        }
        steps(sink, value, &format!("{path}.{key}"), depth + 1);
    }
}

fn image(sink: &mut Sink, node: NodeId, context: String) {
    let y = sink.yaml;
    let node = match y.is_map(node) {
        true => match y.get(node, "name") {
            Some(name) => name,
            None => return,
        },
        false => node,
    };
    sink.literal_unless_variable(
        node,
        context,
        "Bitbucket substitutes no variable known here into an image name",
    );
}
