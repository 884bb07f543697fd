//! Helm values: `image:` strings and image maps `{registry?, repository,
//! tag?, digest?}` at any depth, `global.imageRegistry`, `image` with a
//! sibling `imageTag`/`tag`, and `tag: ""` meaning the chart's `appVersion`.

use super::yaml::{NodeId, NodeSet};
use super::{Env, Field, HelmFields, Occurrence, RefText, Sink};

pub(crate) fn extract(sink: &mut Sink, env: &Env) {
    let y = sink.yaml;
    let mut walk = Walk {
        visited: NodeSet::default(),
        app_version: None,
        env,
    };
    for root in y.documents.clone() {
        let global_registry = y
            .path(root, &["global", "imageRegistry"])
            .and_then(|n| sink.field(n))
            .filter(|f| !f.value.is_empty());
        walk.node(sink, root, "", &global_registry, 0);
    }
}

struct Walk<'e> {
    /// Aliases make a tree a graph; each node is read once.
    visited: NodeSet,
    app_version: Option<Option<String>>,
    env: &'e Env<'e>,
}

impl Walk<'_> {
    fn node(
        &mut self,
        sink: &mut Sink,
        node: NodeId,
        path: &str,
        global: &Option<Field>,
        depth: usize,
    ) {
        let y = sink.yaml;
        if depth > super::yaml::MAX_DEPTH || !self.visited.insert(node) {
            return;
        }
        if let Some(items) = y.seq(node) {
            for (i, item) in items.iter().copied().enumerate() {
                self.node(sink, item, &format!("{path}[{i}]"), global, depth + 1);
            }
            return;
        }
        if !y.is_map(node) {
            return;
        }
        let key_name = path.rsplit(['.', ']']).next().unwrap_or("");
        let entries = y.entries(node);
        let has = |k: &str| entries.iter().any(|(key, _)| *key == k);
        // An empty repository names no image (the chart renders none, or
        // its own default): nothing to check.
        let repo = entries
            .iter()
            .find(|(k, _)| *k == "repository")
            .and_then(|(_, n)| y.str(*n).filter(|s| !s.is_empty()).map(|_| *n));
        let named_image = key_name.to_ascii_lowercase().ends_with("image");
        if let Some(repo) = repo {
            if named_image || has("tag") || has("registry") || has("digest") {
                self.image_map(sink, node, repo, path, global);
                return;
            }
        }
        for (key, value) in entries {
            let child = if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            if key == "image" {
                if let Some(s) = y.str(value) {
                    if !s.is_empty() && !names_fields(s) {
                        self.image_string(sink, node, value, child.clone());
                    }
                    continue;
                }
            }
            self.node(sink, value, &child, global, depth + 1);
        }
    }

    fn image_string(&mut self, sink: &mut Sink, map: NodeId, image: NodeId, context: String) {
        let y = sink.yaml;
        let value = y.str(image).unwrap_or_default();
        let last = value.rsplit('/').next().unwrap_or(value);
        let tagged = last.contains(':') || value.contains('@');
        let sibling = ["imageTag", "tag"]
            .iter()
            .find_map(|k| y.get(map, k))
            .filter(|t| y.str(*t).is_some_and(|s| !s.is_empty()));
        match sibling {
            Some(tag) if !tagged => {
                let tag_value = y.str(tag).unwrap_or_default();
                let repository = sink.field(image).expect("scalar checked");
                sink.out.push(Occurrence {
                    span: repository.span,
                    text: RefText::Resolved(format!("{value}:{tag_value}")),
                    context,
                    exact: false,
                    helm: Some(Box::new(HelmFields {
                        registry: None,
                        repository,
                        tag: sink.field(tag),
                        digest: None,
                    })),
                });
            }
            _ => sink.literal(image, context),
        }
    }

    fn image_map(
        &mut self,
        sink: &mut Sink,
        map: NodeId,
        repo: NodeId,
        path: &str,
        global: &Option<Field>,
    ) {
        let y = sink.yaml;
        let field = |k: &str| y.get(map, k).and_then(|n| sink.field(n));
        let repository = sink.field(repo).expect("scalar checked");
        let registry = field("registry");
        let tag = field("tag");
        let digest = field("digest");
        let context = if path.is_empty() {
            "image".to_string()
        } else {
            path.to_string()
        };
        let mut text = String::new();
        let effective_registry = global
            .as_ref()
            .or(registry.as_ref())
            .filter(|r| !r.value.is_empty());
        if let Some(r) = effective_registry {
            text.push_str(r.value.trim_end_matches('/'));
            text.push('/');
        }
        text.push_str(&repository.value);
        let mut unresolved = None;
        match &tag {
            Some(t) if t.value.is_empty() => match self.app_version() {
                Some(v) => {
                    text.push(':');
                    text.push_str(&v);
                }
                None => unresolved = Some("`tag: \"\"` means the chart's appVersion, and no Chart.yaml beside this file gives one".to_string()),
            },
            Some(t) => {
                text.push(':');
                text.push_str(&t.value);
            }
            None => {}
        }
        if let Some(d) = digest.as_ref().filter(|d| !d.value.is_empty()) {
            text.push('@');
            text.push_str(&d.value);
        }
        // A shared `global.imageRegistry` is not this map's to rewrite.
        let helm = global.is_none().then_some(HelmFields {
            registry,
            repository: repository.clone(),
            tag,
            digest,
        });
        sink.out.push(Occurrence {
            span: repository.span,
            text: match unresolved {
                Some(why) => RefText::Unresolved(why),
                None => RefText::Resolved(text),
            },
            context,
            exact: false,
            helm: helm.map(Box::new),
        });
    }

    /// `appVersion` from the chart's `Chart.yaml`, read once.
    fn app_version(&mut self) -> Option<String> {
        let env = self.env;
        self.app_version
            .get_or_insert_with(|| {
                let chart = env.disk_path.parent()?.join("Chart.yaml");
                let text = std::fs::read_to_string(chart).ok()?;
                text.lines().find_map(|l| {
                    let v = l.strip_prefix("appVersion:")?.trim();
                    let v = v.trim_matches(|c| c == '"' || c == '\'');
                    (!v.is_empty()).then(|| v.to_string())
                })
            })
            .clone()
    }
}

/// Whether a string names values fields rather than an image:
/// `image.repository:image.tag`, as a chart's settings sometimes spell out
/// which keys hold the image. Both sides are dotted paths of identifiers
/// starting with the same key; no image is written that way.
fn names_fields(s: &str) -> bool {
    let Some((name, tag)) = s.split_once(':') else {
        return false;
    };
    let path = |p: &str| {
        p.contains('.')
            && p.split('.').all(|seg| {
                seg.starts_with(|c: char| c.is_ascii_alphabetic())
                    && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    path(name) && path(tag) && name.split('.').next() == tag.split('.').next()
}
