//! Dev containers (`devcontainer.json`, `.devcontainer.json`): the
//! top-level `image`. `${localEnv:VAR}` and the like are known only where
//! the container is made: unresolved. A `build` or `dockerComposeFile`
//! setup names its images in the Dockerfile or compose file, read as their
//! own kinds.

use super::{Env, Sink};

pub(crate) fn extract(sink: &mut Sink, _env: &Env) {
    let y = sink.yaml;
    for root in y.documents.clone() {
        if let Some(node) = y.is_map(root).then(|| y.get(root, "image")).flatten() {
            sink.literal_unless_variable(
                node,
                "image".into(),
                "a variable the dev container tool substitutes where the container is made",
            );
        }
    }
}
