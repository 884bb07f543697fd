//! Docker Bake files (`docker-bake.hcl`): a target's `contexts` values
//! that name an image (`docker-image://alpine:3.19`), the reference being
//! what follows the scheme. `${NAME}` parts take the bake file's
//! `variable` defaults (an environment variable of the same name
//! overrides one when the build runs, as a `--build-arg` does an `ARG`); a
//! context that is a variable alone is reported where its default is
//! written.

use super::hcl::{self, Written};
use super::{Env, ExtractError, Occurrence, RefText};
use crate::source::Span;
use std::collections::HashMap;

const SCHEME: &str = "docker-image://";

pub(crate) fn extract(text: &str, _env: &Env) -> Result<Vec<Occurrence>, ExtractError> {
    let body = hcl::parse(text)?;
    let mut defaults: HashMap<&str, Written> = HashMap::new();
    for block in hcl::blocks(&body).filter(|b| b.ident.as_str() == "variable") {
        if let Some(default) = hcl::attribute(&block.body, "default") {
            defaults.insert(hcl::label(block, 0), hcl::written(text, default));
        }
    }
    let literal = |name: &str| match defaults.get(name) {
        Some(Written::Literal { value, .. }) => Some(value.as_str()),
        _ => None,
    };
    let mut out = Vec::new();
    for target in hcl::blocks(&body).filter(|b| b.ident.as_str() == "target") {
        let Some(contexts) = hcl::attribute(&target.body, "contexts").and_then(|c| c.as_object())
        else {
            continue;
        };
        for (key, value) in contexts.iter() {
            let name = hcl::key_name(key).unwrap_or("…");
            let context = format!("target {}: contexts.{name}", hcl::label(target, 0));
            let mut written = hcl::written(text, value.expr());
            let mut context_text = context.clone();
            // A variable alone: its default is where the image is written.
            if let Some(var) = written.only_name() {
                if let Some(default @ Written::Literal { .. }) = defaults.get(var) {
                    context_text = format!("variable {var} (used by {context})");
                    written = default.clone();
                }
            }
            match written {
                Written::Literal { span, value, exact } => {
                    let Some(reference) = value.strip_prefix(SCHEME) else {
                        continue;
                    };
                    let at = if exact {
                        Span::new(span.start + SCHEME.len(), span.end)
                    } else {
                        span
                    };
                    out.push(Occurrence::new(
                        at,
                        RefText::Resolved(reference.to_string()),
                        context_text,
                        exact,
                    ));
                }
                Written::Template { span, raw, pieces } => {
                    let text = match hcl::resolve(&pieces, literal) {
                        Some(t) => match t.strip_prefix(SCHEME) {
                            Some(r) => RefText::Resolved(r.to_string()),
                            None => continue,
                        },
                        None if raw.starts_with(SCHEME) => RefText::Unresolved(format!(
                            "`{raw}`: a bake variable without a default, or an expression imagelint does not evaluate"
                        )),
                        None => continue,
                    };
                    out.push(Occurrence::new(span, text, context_text, false));
                }
                // Another target (`target:base`), a local folder, or computed:
                // not an image written here.
                Written::Elsewhere | Written::Computed { .. } => {}
            }
        }
    }
    Ok(out)
}
