//! CircleCI (`.circleci/*.yml`): the `docker[].image` of each job and
//! executor, in inline orbs too. `<< parameters.x >>` is the default of the
//! job's or executor's parameter `x`, `<< pipeline.parameters.x >>` that of
//! the config's; any other `<< >>` is known only when the pipeline runs,
//! and so is unresolved. CircleCI substitutes no environment variable into
//! an image's name: one written with `$` is unresolved too.

use super::interpolate::placeholders;
use super::yaml::{NodeId, Yaml};
use super::{Env, RefText, Sink};

pub(crate) fn extract(sink: &mut Sink, _env: &Env) {
    let y = sink.yaml;
    for root in y.documents.clone() {
        if !y.is_map(root) {
            continue;
        }
        let pipeline = y.get(root, "parameters");
        holders(sink, root, pipeline, "");
        // An orb written inline (a map, not `namespace/orb@version`) holds
        // jobs and executors of its own.
        if let Some(orbs) = y.get(root, "orbs") {
            for (name, orb) in y.entries(orbs) {
                if y.is_map(orb) {
                    holders(sink, orb, pipeline, &format!("orbs.{name}."));
                }
            }
        }
    }
}

/// The images of the jobs and executors of `root`.
fn holders(sink: &mut Sink, root: NodeId, pipeline: Option<NodeId>, prefix: &str) {
    let y = sink.yaml;
    for section in ["jobs", "executors"] {
        let Some(defs) = y.get(root, section) else {
            continue;
        };
        for (name, def) in y.entries(defs) {
            if !y.is_map(def) {
                continue;
            }
            let Some(docker) = y.get(def, "docker").and_then(|d| y.seq(d)) else {
                continue;
            };
            let params = Params {
                own: y.get(def, "parameters"),
                pipeline,
            };
            for (i, &item) in docker.iter().enumerate() {
                if let Some(node) = y.is_map(item).then(|| y.get(item, "image")).flatten() {
                    let context = format!("{prefix}{section}.{name}.docker[{i}].image");
                    image(sink, node, &params, context);
                }
            }
        }
    }
}

/// The parameters a `<< >>` may name: the job's or executor's, and the
/// pipeline's.
struct Params {
    own: Option<NodeId>,
    pipeline: Option<NodeId>,
}

fn image(sink: &mut Sink, node: NodeId, params: &Params, context: String) {
    let y = sink.yaml;
    let Some(raw) = y.str(node) else {
        return;
    };
    if raw.contains('$') || !raw.contains("<<") {
        let why = "CircleCI substitutes no environment variable into an image name";
        return sink.literal_unless_variable(node, context, why);
    }
    let text = match substituted(y, raw, params) {
        Ok(text) => RefText::Resolved(text),
        Err(why) => RefText::Unresolved(why),
    };
    sink.computed(node, text, context);
}

/// `raw` with each `<< parameters.x >>` and `<< pipeline.parameters.x >>`
/// replaced by the parameter's default; why not, when one has none here.
fn substituted(y: &Yaml, raw: &str, params: &Params) -> Result<String, String> {
    placeholders(raw, ("<<", ">>"), |inside| {
        let name = inside.trim();
        let (from, key) = match (
            name.strip_prefix("pipeline.parameters."),
            name.strip_prefix("parameters."),
        ) {
            (Some(key), _) => (params.pipeline, key),
            (None, Some(key)) => (params.own, key),
            _ => {
                return Err(format!(
                    "`<< {name} >>` is known only when the pipeline runs"
                ))
            }
        };
        let default = from
            .and_then(|p| y.get(p, key))
            .filter(|p| y.is_map(*p))
            .and_then(|p| y.get(p, "default"))
            .and_then(|d| y.str(d));
        match default {
            Some(value) => Ok(value.to_string()),
            None => Err(format!("parameter `{key}` has no default here")),
        }
    })
}
