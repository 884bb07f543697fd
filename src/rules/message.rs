//! Message and help templates: `{image}`, `{tag-class-text}` and the other
//! placeholders filled in for one reference.

use crate::image::tags::TagClass;
use crate::image::{Image, Origin};

/// What to do when a detail says nothing: where imagelint reads values from.
const DEFAULT_ADVICE: &str =
    "write the value in the file (a variable default, a tag), or give it in `[variables]` of .imagelint.toml";

/// A detail is the cause, then optionally `; ` and what to do about it: the
/// message states the cause, the help the advice.
fn cause(detail: &str) -> &str {
    detail.split_once("; ").map_or(detail, |(c, _)| c)
}

fn advice(detail: &str) -> &str {
    detail.split_once("; ").map_or(DEFAULT_ADVICE, |(_, a)| a)
}

pub(super) fn fill(template: &str, text: &str, image: Option<&Image>, detail: &str) -> String {
    let mut out = String::with_capacity(template.len() + text.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = &after[..close];
        let r = image.map(|i| i.effective());
        let value: Option<String> = match key {
            "image" => Some(text.to_string()),
            "detail" => Some(cause(detail).to_string()),
            "advice" => Some(advice(detail).to_string()),
            "registry" => r.map(|r| r.registry.clone()),
            "pulled-from" => image.map(pulled_from),
            "repository" => r.map(|r| r.repository.clone()),
            "tag" => Some(r.and_then(|r| r.tag.clone()).unwrap_or_default()),
            "tag-class" => image.map(|i| i.tag_class.to_string()),
            "tag-class-text" => {
                image.map(|i| tag_class_text(i.tag_class, r.and_then(|r| r.tag.as_deref())))
            }
            "canonical" => image.map(|i| i.reference.canonical()),
            "upstream" => image
                .and_then(|i| i.upstream.as_ref())
                .map(|u| u.canonical()),
            _ => None,
        };
        match value {
            Some(v) => out.push_str(&v),
            None => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The registry a pull goes to, as `allowed-registries` names it: GitLab's
/// by their variables, a mirrored one by the mirror's host.
fn pulled_from(image: &Image) -> String {
    match image.origin {
        Origin::DependencyProxy => "$CI_DEPENDENCY_PROXY".into(),
        Origin::OwnRegistry => "$CI_REGISTRY".into(),
        Origin::Direct | Origin::Mirror => image.reference.registry.clone(),
    }
}

/// The tag's class as words, for messages.
fn tag_class_text(class: TagClass, tag: Option<&str>) -> String {
    let tag = tag.unwrap_or("");
    match class {
        TagClass::Missing => "is missing, so Docker pulls `latest`".into(),
        TagClass::Latest => "`latest` moves with every release".into(),
        TagClass::Moving => format!("`{tag}` is a name the publisher re-points"),
        TagClass::FloatingVersion => format!("`{tag}` floats to every new release"),
        TagClass::FullVersion | TagClass::Other => format!("`{tag}` can still be re-pushed"),
    }
}
