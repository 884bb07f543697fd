//! Helm values: `image:` and `*Image:` strings and image maps at any depth:
//! `{registry?, repository|repo|name, tag|version?, digest?}` and
//! ingress-nginx's `{registry, image, tag, digest}`; `global.imageRegistry`
//! and `global.image.registry`; `image` with a sibling `imageTag`/`tag`.
//! A tag left out (`tag: ""` or none) is what the chart's templates make of
//! its `appVersion`, when they say so plainly (see `chart_tag`).
//!
//! A chart's own `values.yaml` is judged against what its templates render
//! (see `helm_chart`): a reference the templates compose into another image
//! is left to the template that writes it.

use super::chart_tag::{self, ChartTag};
use super::helm_chart::{self, same_image, Render};
use super::yaml::{NodeId, NodeSet};
use super::{Env, Field, HelmFields, Occurrence, RefText, Sink};
use crate::image::reference::Reference;
use std::fmt::Write;

pub(crate) fn extract(sink: &mut Sink, env: &Env) {
    // A chart's own values, as being read (fixed or not): what its
    // templates make of them.
    let rendered = match env.disk_path.parent() {
        Some(dir) if helm_chart::is_chart_values(env.disk_path) => {
            helm_chart::render(dir, sink.yaml)
        }
        _ => Default::default(),
    };
    walk(sink, env, &rendered);
}

/// Reads the values in `sink`, judged against the images its chart renders
/// with them.
pub(super) fn walk(sink: &mut Sink, env: &Env, rendered: &Render) {
    let y = sink.yaml;
    let mut walk = Walk {
        visited: NodeSet::default(),
        chart_tag: None,
        env,
        rendered,
    };
    for root in y.documents.clone() {
        // Bitnami's `global.imageRegistry`, ingress-nginx's
        // `global.image.registry`.
        let global_registry = y
            .path(root, &["global", "imageRegistry"])
            .or_else(|| y.path(root, &["global", "image", "registry"]))
            // `registry: null` (or `~`) sets no registry.
            .filter(|n| y.str(*n).is_some())
            .and_then(|n| sink.field(n))
            .filter(|f| !f.value.is_empty());
        walk.node(sink, root, &mut String::new(), &global_registry, 0);
    }
}

struct Walk<'e> {
    /// Aliases make a tree a graph; each node is read once.
    visited: NodeSet,
    chart_tag: Option<ChartTag>,
    env: &'e Env<'e>,
    rendered: &'e Render,
}

/// What the chart's templates say of a reference read from the values.
enum Judged {
    /// Nothing against it: the templates agree, or do not say.
    Keep,
    /// The templates make another image of it; they report it.
    Drop,
    /// The templates render it as this (the tag left to the chart).
    Rendered(String),
}

impl Walk<'_> {
    /// Judges the reference `mine` (none when unresolved) read from the
    /// values scalars starting at `scalars` (its repository first); `base`
    /// is its name when its tag is left to the chart.
    fn judge(&self, scalars: &[usize], mine: Option<&str>, base: Option<&str>) -> Judged {
        let start = scalars[0];
        let used = helm_chart::using(&self.rendered.images, start);
        if used.is_empty() {
            return self.judge_dormant(scalars, mine);
        }
        if mine.is_some_and(|m| used.iter().any(|r| same_image(&r.text, m))) {
            return Judged::Keep;
        }
        let name = |t: &str| Reference::parse(t).map(|r| r.name()).ok();
        let first = &used[0].text;
        let one = used.iter().all(|r| r.text == *first);
        if let Some(base) = base.filter(|_| one) {
            let tagged = Reference::parse(first).is_ok_and(|r| r.tag.is_some());
            if tagged && name(first).is_some() && name(first) == name(base) {
                return Judged::Rendered(first.clone());
            }
        }
        Judged::Drop
    }

    /// The global registry for the map whose repository starts at `start`:
    /// none when the templates render that repository without it (the
    /// chart reads the global registry for other images only).
    fn global_for(&self, start: usize, global: &Option<Field>) -> Option<Field> {
        let g = global.as_ref()?;
        let used = self.rendered.used_by(start);
        let ignored = !used.is_empty() && used.iter().all(|r| !r.from.contains(&g.span.start));
        (!ignored).then(|| g.clone())
    }

    /// Judges a reference the default render does not use against the
    /// render with the chart's features on: an `{image, tag}` map the
    /// chart prefixes with a registry from elsewhere (ingress-nginx's
    /// `merge` with `global.image`, traefik's `oci_meta.repo`) is reported
    /// as that image, and not for a fix to rewrite.
    ///
    /// One no render uses, whose values a `fail` of the chart names, is no
    /// pull: the chart refuses to render with it as written (traefik's
    /// marketplace images with `tag: latest`).
    fn judge_dormant(&self, scalars: &[usize], mine: Option<&str>) -> Judged {
        let used = self.rendered.dormant_using(scalars[0]);
        let Some(first) = used.first().map(|r| &r.text) else {
            let refused = scalars.iter().any(|s| self.rendered.refused.contains(s));
            return if refused { Judged::Drop } else { Judged::Keep };
        };
        if mine.is_some_and(|m| used.iter().any(|r| same_image(&r.text, m))) {
            return Judged::Keep;
        }
        if used.iter().all(|r| r.text == *first) {
            Judged::Rendered(first.clone())
        } else {
            Judged::Drop
        }
    }

    fn node(
        &mut self,
        sink: &mut Sink,
        node: NodeId,
        path: &mut String,
        global: &Option<Field>,
        depth: usize,
    ) {
        let y = sink.yaml;
        if depth > super::yaml::MAX_DEPTH || !self.visited.insert(node) {
            return;
        }
        // A child's path is this one with its key or index pushed on, and
        // cut off again: one string for the whole walk.
        let len = path.len();
        if let Some(items) = y.seq(node) {
            for (i, item) in items.iter().copied().enumerate() {
                let _ = write!(path, "[{i}]");
                self.node(sink, item, path, global, depth + 1);
                path.truncate(len);
            }
            return;
        }
        if !y.is_map(node) {
            return;
        }
        let key_name = path.rsplit(['.', ']']).next().unwrap_or("");
        let entries = y.entries(node);
        let has = |k: &str| entries.iter().any(|(key, _)| *key == k);
        let text_at = |k: &str| {
            entries
                .iter()
                .find(|(key, _)| *key == k)
                .and_then(|(_, n)| y.str(*n).filter(|s| !s.is_empty()).map(|_| *n))
        };
        let named_image = key_name.to_ascii_lowercase().ends_with("image");
        // The repository is under `repository:` or `repo:`, or `name:` in a
        // map keyed like an image. An empty one names no image (the chart
        // renders none, or its own default): nothing to check.
        let repo = ["repository", "repo"]
            .into_iter()
            .chain(named_image.then_some("name"))
            .find_map(text_at);
        if let Some(repo) = repo {
            if named_image || has("tag") || has("version") || has("registry") || has("digest") {
                self.image_map(sink, node, repo, path, global);
                return;
            }
        }
        // ingress-nginx: `{registry, image, tag, digest}`, the repository
        // under `image:`.
        if let Some(image) = text_at("image") {
            let untagged = y.str(image).is_some_and(|s| !s.contains(['@', ':']));
            if untagged && (has("registry") || has("digest")) {
                self.image_map(sink, node, image, path, global);
                return;
            }
        }
        for &(key, value) in &entries {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            if let Some(s) = y.str(value).filter(|_| is_image_key(key)) {
                // `initContainerImage: true` is a switch, not an image.
                let tag_beside = tag_keys(key).iter().any(|k| has(k));
                let plausible = key == "image" || tag_beside || s.contains([':', '/', '@']);
                if !s.is_empty() && plausible && !names_fields(s) {
                    self.image_string(sink, node, key, value, path.clone());
                }
            } else {
                self.node(sink, value, path, global, depth + 1);
            }
            path.truncate(len);
        }
    }

    /// An image written as one string under `key`, with maybe its tag in a
    /// sibling: `imageTag:`, `tag:`, `<key>Tag:`.
    fn image_string(
        &mut self,
        sink: &mut Sink,
        map: NodeId,
        key: &str,
        image: NodeId,
        context: String,
    ) {
        let y = sink.yaml;
        let value = y.str(image).unwrap_or_default();
        let last = value.rsplit('/').next().unwrap_or(value);
        let sibling = tag_keys(key)
            .iter()
            .find_map(|k| y.get(map, k))
            .filter(|t| y.str(*t).is_some_and(|s| !s.is_empty()));
        // `image: app@sha256` with `imageTag: <hex>`: the chart writes
        // `{{ image }}:{{ imageTag }}`, a digest. Pinned; not rewritten.
        if let (Some(tag), Some(repo)) = (sibling, value.strip_suffix("@sha256")) {
            let hex = y.str(tag).unwrap_or_default();
            return sink.computed(
                image,
                RefText::Resolved(format!("{repo}@sha256:{hex}")),
                context,
            );
        }
        let tagged = last.contains(':') || value.contains('@');
        match sibling {
            Some(tag) if !tagged => {
                let tag_value = y.str(tag).unwrap_or_default();
                let tag_start = y.scalar(tag).map_or(0, |t| t.span.start);
                let repository = sink.field(image).expect("scalar checked");
                let text = format!("{value}:{tag_value}");
                let scalars = [repository.span.start, tag_start];
                match self.judge(&scalars, Some(&text), None) {
                    Judged::Keep => {}
                    judged => return settle(sink, repository.span, judged, context),
                }
                sink.out.push(Occurrence {
                    span: repository.span,
                    text: RefText::Resolved(text),
                    context,
                    exact: false,
                    helm: Some(Box::new(HelmFields {
                        registry: None,
                        repository,
                        tag: sink.field(tag),
                        digest: None,
                        chart_tag: None,
                        digest_in_tag: !self.rendered.elsewhere.contains(&tag_start),
                    })),
                });
            }
            _ => {
                let Some(field) = sink.field(image) else {
                    return;
                };
                match self.judge(&[field.span.start], Some(value), None) {
                    Judged::Keep => sink.literal(image, context),
                    judged => settle(sink, field.span, judged, context),
                }
            }
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
        // `tag: null`, `registry: ~`: not written (the chart's default).
        let field = |k: &str| {
            y.get(map, k)
                .filter(|n| y.str(*n).is_some())
                .and_then(|n| sink.field(n))
        };
        let repository = sink.field(repo).expect("scalar checked");
        let global = &self.global_for(repository.span.start, global);
        let registry = field("registry");
        let tag = field("tag").or_else(|| field("version"));
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
        let mut chart_tag = None;
        let written_tag = tag.as_ref().filter(|t| !t.value.is_empty());
        let has_digest = digest.as_ref().is_some_and(|d| !d.value.is_empty());
        let tagged_in_repository = repository
            .value
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains([':', '@']));
        match written_tag {
            Some(t) => {
                text.push(':');
                text.push_str(&t.value);
            }
            // `tag: ""` or no tag: the chart's templates supply one.
            None if !has_digest && !tagged_in_repository => match self.chart_tag() {
                ChartTag::NoChart if tag.is_none() => {}
                ChartTag::AppVersion { tag, plain } => {
                    text.push(':');
                    text.push_str(&tag);
                    chart_tag = plain.then_some(tag);
                }
                ChartTag::NoChart => {
                    unresolved = Some(
                        "`tag: \"\"` means the chart's appVersion, and no Chart.yaml beside this file gives one"
                            .to_string(),
                    )
                }
                ChartTag::Unknown(why) => unresolved = Some(why),
            },
            None => {}
        }
        if let Some(d) = digest.as_ref().filter(|d| !d.value.is_empty()) {
            text.push('@');
            text.push_str(&d.value);
        }
        let mine = unresolved.is_none().then_some(text.as_str());
        let base = (written_tag.is_none() && !has_digest).then_some(text.as_str());
        let scalars: Vec<usize> = std::iter::once(&repository)
            .chain([&registry, &tag, &digest].into_iter().flatten())
            .map(|f| f.span.start)
            .collect();
        match self.judge(&scalars, mine, base) {
            Judged::Keep => {}
            judged => return settle(sink, repository.span, judged, context),
        }
        // A field the templates also build another image from (the
        // operator's registry and tag for its test image) is not this map's
        // alone: a digest written there would pin that image to this one's.
        let fields: Vec<usize> = [&registry, &tag, &digest]
            .into_iter()
            .flatten()
            .map(|f| f.span.start)
            .collect();
        let shared = self
            .rendered
            .all_images()
            .any(|r| r.from.iter().any(|s| fields.contains(s)) && !same_image(&r.text, &text));
        // A shared `global.imageRegistry` is not this map's to rewrite.
        let helm = (global.is_none() && !shared).then_some(HelmFields {
            registry,
            repository: repository.clone(),
            tag: tag.clone(),
            digest,
            chart_tag,
            digest_in_tag: tag
                .as_ref()
                .is_none_or(|t| !self.rendered.elsewhere.contains(&t.span.start)),
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

    /// The tag the chart's templates give an image whose values leave it
    /// out, worked out once.
    fn chart_tag(&mut self) -> ChartTag {
        let env = self.env;
        self.chart_tag
            .get_or_insert_with(|| match env.disk_path.parent() {
                Some(dir) => chart_tag::read(dir),
                None => ChartTag::NoChart,
            })
            .clone()
    }
}

/// What a reference the templates render otherwise leaves: nothing when
/// dropped (they report it), else the image as they render it, reported
/// where its values are read. Known from the templates, not all written
/// here: not for a fix to rewrite.
fn settle(sink: &mut Sink, span: crate::source::Span, judged: Judged, context: String) {
    if let Judged::Rendered(rendered) = judged {
        sink.out.push(Occurrence {
            span,
            text: RefText::Resolved(rendered),
            context,
            exact: false,
            helm: None,
        });
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

/// Where the tag of an image string under `key` may sit, nearest first.
fn tag_keys(key: &str) -> [String; 4] {
    [
        format!("{key}Tag"),
        "imageTag".into(),
        "ImageTag".into(),
        "tag".into(),
    ]
}

/// `image:`, and keys that end in `Image` (`initContainerImage:`, `Image:`).
fn is_image_key(key: &str) -> bool {
    key == "image" || key.ends_with("Image")
}
