//! Compose: `services.*.image`, skipping a service that also has `build:`
//! (its image names what it builds). `${VAR:-default}` and `${VAR-default}`
//! use the default; `$$` is a literal dollar.

use super::interpolate::{expand, Syntax, Value};
use super::{Env, RefText, Sink};

const SYNTAX: Syntax = Syntax {
    dollar_escape: true,
};

pub(crate) fn extract(sink: &mut Sink, env: &Env) {
    let y = sink.yaml;
    for root in y.documents.clone() {
        let Some(services) = y.get(root, "services") else {
            continue;
        };
        for (name, service) in y.entries(services) {
            if !y.is_map(service) || y.get(service, "build").is_some() {
                continue;
            }
            let Some(node) = y.get(service, "image") else {
                continue;
            };
            let Some(raw) = y.str(node) else {
                continue;
            };
            let context = format!("services.{name}.image");
            if !raw.contains('$') {
                sink.literal(node, context);
                continue;
            }
            let lookup = |v: &str| match env.variables.get(v) {
                Some(value) => Value::Set(value),
                None => Value::Unset,
            };
            let text = match expand(raw, &SYNTAX, &lookup) {
                Ok(t) => RefText::Resolved(t),
                Err(u) => RefText::Unresolved(format!(
                    "`${}` has no default here; give it one (`${{{0}:-value}}`) or a value in [variables]",
                    u.variable
                )),
            };
            sink.computed(node, text, context);
        }
    }
}
