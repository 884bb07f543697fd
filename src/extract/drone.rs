//! Drone (`.drone.yml`) and Woodpecker (`.woodpecker.yml`,
//! `.woodpecker/*.yml`): the `image` of each step and service, in a list of
//! named maps or (Woodpecker) a map by name, and of Woodpecker's `clone`
//! steps (`pipeline:` is Woodpecker's older name for `steps:`). Each
//! document of a Drone file is a pipeline. A `${VAR}` is the CI's own, known
//! only when it runs: unresolved.

use super::yaml::NodeId;
use super::{Env, Sink};

const SECTIONS: [&str; 4] = ["steps", "pipeline", "services", "clone"];

pub(crate) fn extract(sink: &mut Sink, _env: &Env) {
    let y = sink.yaml;
    for root in y.documents.clone() {
        if !y.is_map(root) {
            continue;
        }
        for section in SECTIONS {
            if let Some(steps) = y.get(root, section) {
                each_step(sink, steps, section);
            }
        }
    }
}

fn each_step(sink: &mut Sink, steps: NodeId, section: &str) {
    let y = sink.yaml;
    let named: Vec<(String, NodeId)> = match y.seq(steps) {
        Some(items) => items
            .iter()
            .enumerate()
            .map(|(i, &step)| {
                let name = y.get(step, "name").and_then(|n| y.str(n));
                (name.map_or_else(|| i.to_string(), str::to_string), step)
            })
            .collect(),
        None => y
            .entries(steps)
            .into_iter()
            .map(|(name, step)| (name.to_string(), step))
            .collect(),
    };
    for (name, step) in named {
        if let Some(node) = y.is_map(step).then(|| y.get(step, "image")).flatten() {
            sink.literal_unless_variable(
                node,
                format!("{section}.{name}.image"),
                "a variable of the CI's own, known only when the pipeline runs",
            );
        }
    }
}
