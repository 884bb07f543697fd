//! Compose: `services.*.image`, skipping a service that also has `build:`
//! (its image names what it builds); in a version-1 file (no `services:`)
//! the services are the top-level keys. Variables come from `[variables]`,
//! then the `.env` beside the file, as Compose reads it;
//! `${VAR:-default}` and `${VAR-default}` use the default; `$$` is a
//! literal dollar.

use super::interpolate::{expand, Syntax, Value};
use super::yaml::NodeId;
use super::{dotenv, Env, RefText, Sink};
use std::cell::OnceCell;
use std::collections::BTreeMap;

const SYNTAX: Syntax = Syntax {
    dollar_escape: true,
};

pub(crate) fn extract(sink: &mut Sink, env: &Env) {
    let y = sink.yaml;
    // Read only when a reference uses a variable.
    let dotenv: OnceCell<BTreeMap<String, String>> = OnceCell::new();
    for root in y.documents.clone() {
        let (services, prefix) = match y.get(root, "services") {
            Some(services) => (y.entries(services), "services."),
            None if is_version_1(sink, root) => (y.entries(root), ""),
            None => continue,
        };
        for (name, service) in services {
            if !y.is_map(service) || y.get(service, "build").is_some() {
                continue;
            }
            let Some(node) = y.get(service, "image") else {
                continue;
            };
            let Some(raw) = y.str(node) else {
                continue;
            };
            let context = format!("{prefix}{name}.image");
            if !raw.contains('$') {
                sink.literal(node, context);
                continue;
            }
            let dotenv = dotenv.get_or_init(|| dotenv::beside(env.disk_path));
            let lookup = |v: &str| match env.variables.get(v).or_else(|| dotenv.get(v)) {
                Some(value) => Value::Set(value),
                None => Value::Unset,
            };
            let text = match expand(raw, &SYNTAX, &lookup) {
                Ok(t) => RefText::Resolved(t),
                Err(u) => RefText::Unresolved(format!(
                    "`${}` has no default here; give it one (`${{{0}:-value}}`), a value in .env or in [variables]",
                    u.variable
                )),
            };
            sink.computed(node, text, context);
        }
    }
}

/// A version-1 file: no `services:` or `version:`, and some top-level key
/// is a service (a map with `image:` or `build:`).
fn is_version_1(sink: &Sink, root: NodeId) -> bool {
    let y = sink.yaml;
    y.is_map(root)
        && y.get(root, "version").is_none()
        && y.entries(root).into_iter().any(|(_, service)| {
            y.is_map(service)
                && (y.get(service, "image").is_some() || y.get(service, "build").is_some())
        })
}
