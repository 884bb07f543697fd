//! Where the common providers' resources hold an image, as a table: a
//! resource type (a `*` at its end matches the rest), the nested blocks
//! the attribute sits in (at any depth below the resource), and the
//! attribute. Only these: an `image` attribute elsewhere is often no
//! container image at all (`google_compute_instance`'s disk image).

use super::super::hcl::{self, Written};
use crate::source::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;

struct Place {
    types: &'static [&'static str],
    /// Blocks the attribute is in; empty: the resource's own body.
    blocks: &'static [&'static str],
    attribute: &'static str,
    holds: Holds,
}

#[derive(Clone, Copy, PartialEq)]
enum Holds {
    /// The attribute is the reference.
    Reference,
    /// JSON container definitions, as `jsonencode(…)` or a heredoc: each
    /// `image` in them.
    ContainerJson,
    /// Helm chart values set one by one (`set { name value }`).
    HelmSet,
}

const PLACES: &[Place] = &[
    Place {
        types: &["kubernetes_*"],
        blocks: &["container", "init_container", "ephemeral_container"],
        attribute: "image",
        holds: Holds::Reference,
    },
    Place {
        types: &["aws_ecs_task_definition"],
        blocks: &[],
        attribute: "container_definitions",
        holds: Holds::ContainerJson,
    },
    Place {
        types: &["aws_batch_job_definition"],
        blocks: &[],
        attribute: "container_properties",
        holds: Holds::ContainerJson,
    },
    Place {
        types: &["aws_lambda_function"],
        blocks: &[],
        attribute: "image_uri",
        holds: Holds::Reference,
    },
    Place {
        types: &["google_cloud_run_*"],
        blocks: &["containers"],
        attribute: "image",
        holds: Holds::Reference,
    },
    Place {
        types: &["azurerm_container_*"],
        blocks: &["container", "init_container"],
        attribute: "image",
        holds: Holds::Reference,
    },
    Place {
        types: &["docker_image", "docker_registry_image"],
        blocks: &[],
        attribute: "name",
        holds: Holds::Reference,
    },
    Place {
        types: &["docker_container"],
        blocks: &[],
        attribute: "image",
        holds: Holds::Reference,
    },
    Place {
        types: &["docker_service"],
        blocks: &["container_spec"],
        attribute: "image",
        holds: Holds::Reference,
    },
    Place {
        types: &["helm_release"],
        blocks: &[],
        attribute: "set",
        holds: Holds::HelmSet,
    },
];

/// One image position: what it holds and where, for people.
#[derive(Debug)]
pub(crate) struct Position {
    pub written: Written,
    pub context: String,
}

/// A Helm chart's image set in parts (`image.repository`, `image.tag`).
#[derive(Debug)]
pub(crate) struct HelmSet {
    pub registry: Option<Written>,
    pub repository: Written,
    pub tag: Option<Written>,
    pub digest: Option<Written>,
    pub context: String,
}

#[derive(Default)]
pub(crate) struct Found {
    pub positions: Vec<Position>,
    pub helm: Vec<HelmSet>,
}

/// The input names of a `module` call that hold an image, at any depth of
/// its values (`container_definitions = { web = { image = "…" } }`).
const MODULE_INPUTS: &[&str] = &["image", "container_image"];

/// Every image position of the resources and data sources in `body`, and
/// of its module calls.
pub(crate) fn find(text: &str, body: &Body) -> Found {
    let mut found = Found::default();
    for block in hcl::blocks(body) {
        let what = block.ident.as_str();
        if what == "module" {
            let name = format!("module {}", hcl::label(block, 0));
            for attribute in block.body.iter().filter_map(|s| s.as_attribute()) {
                let key = attribute.key.as_str();
                module_input(
                    text,
                    key,
                    &attribute.value,
                    &format!("{name}.{key}"),
                    0,
                    &mut found,
                );
            }
            continue;
        }
        if what != "resource" && what != "data" {
            continue;
        }
        let kind = hcl::label(block, 0);
        let name = format!("{what} {kind}.{}", hcl::label(block, 1));
        for place in PLACES
            .iter()
            .filter(|p| p.types.iter().any(|t| matches(t, kind)))
        {
            if place.blocks.is_empty() {
                at_attribute(text, &block.body, place, &name, &mut found);
            } else {
                in_blocks(text, block, place, &name, 0, &mut found);
            }
        }
    }
    found
}

/// Resource types a `*` pattern would take that hold no image block:
/// `kubernetes_manifest` holds its object as one attribute (and most often
/// a CustomResourceDefinition, the largest files of real trees).
const NOT_TYPES: &[&str] = &["kubernetes_manifest"];

/// Whether resources or data sources of type `kind` hold an image position.
pub(crate) fn holds_images(kind: &str) -> bool {
    PLACES
        .iter()
        .any(|p| p.types.iter().any(|t| matches(t, kind)))
}

fn matches(pattern: &str, kind: &str) -> bool {
    if NOT_TYPES.contains(&kind) {
        return false;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => pattern == kind,
    }
}

/// The place's attribute in every block named in it below `block`. The
/// parser bounds nesting, and so this recursion.
fn in_blocks(
    text: &str,
    block: &Block,
    place: &Place,
    name: &str,
    depth: usize,
    found: &mut Found,
) {
    for inner in hcl::blocks(&block.body) {
        let ident = inner.ident.as_str();
        if place.blocks.contains(&ident) {
            at_attribute(text, &inner.body, place, &format!("{name}: {ident}"), found);
        }
        if depth < 64 {
            in_blocks(text, inner, place, name, depth + 1, found);
        }
    }
}

fn at_attribute(text: &str, body: &Body, place: &Place, name: &str, found: &mut Found) {
    let context = format!("{name}.{}", place.attribute);
    match place.holds {
        Holds::Reference => {
            if let Some(expr) = hcl::attribute(body, place.attribute) {
                push(found, hcl::written(text, expr), &context);
            }
        }
        Holds::ContainerJson => {
            if let Some(expr) = hcl::attribute(body, place.attribute) {
                container_json(text, expr, &context, 0, found);
            }
        }
        Holds::HelmSet => helm_sets(text, body, &context, found),
    }
}

fn push(found: &mut Found, written: Written, context: &str) {
    if written != Written::Elsewhere {
        found.positions.push(Position {
            written,
            context: context.to_string(),
        });
    }
}

/// Each `image` of container definitions: in `jsonencode`'s argument, an
/// HCL object; in a heredoc, JSON text.
fn container_json(text: &str, expr: &Expression, context: &str, depth: usize, found: &mut Found) {
    if depth > 64 {
        return;
    }
    match expr {
        Expression::FuncCall(call) if call.name.name.as_str() == "jsonencode" => {
            for arg in call.args.iter() {
                container_json(text, arg, context, depth + 1, found);
            }
        }
        Expression::Array(items) => {
            for item in items.iter() {
                container_json(text, item, context, depth + 1, found);
            }
        }
        Expression::Object(object) => {
            for (key, value) in object.iter() {
                if hcl::key_name(key) == Some("image") {
                    push(found, hcl::written(text, value.expr()), context);
                } else {
                    container_json(text, value.expr(), context, depth + 1, found);
                }
            }
        }
        Expression::HeredocTemplate(_) => {
            if let Some(r) = expr.span() {
                for written in hcl::json_images(text, Span::new(r.start, r.end)) {
                    push(found, written, context);
                }
            }
        }
        _ => {}
    }
}

/// A module's input, or a value inside one, named as an image is one when
/// it is a string literal with a tag or digest: the module is written
/// elsewhere, and a name alone (`debian-cloud/debian-12`) may be a disk
/// image.
fn module_input(
    text: &str,
    key: &str,
    value: &Expression,
    context: &str,
    depth: usize,
    found: &mut Found,
) {
    if MODULE_INPUTS.contains(&key) {
        let written = hcl::written(text, value);
        if let Written::Literal { value, .. } = &written {
            let last = value.rsplit('/').next().unwrap_or_default();
            if last.contains(':') || last.contains('@') {
                push(found, written, context);
            }
        }
        return;
    }
    if depth > 64 {
        return;
    }
    match value {
        Expression::Object(object) => {
            for (k, v) in object.iter() {
                // A computed key (`(local.name) = {…}`) names no image.
                let k = hcl::key_name(k).unwrap_or("(…)");
                module_input(
                    text,
                    k,
                    v.expr(),
                    &format!("{context}.{k}"),
                    depth + 1,
                    found,
                );
            }
        }
        Expression::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                module_input(text, "", item, &format!("{context}[{i}]"), depth + 1, found);
            }
        }
        _ => {}
    }
}

/// `set { name = "image.repository" value = "…" }` blocks (and the
/// provider's newer `set = [{ name, value }]` list), grouped by what
/// their names start with: `image.repository` with `image.tag`,
/// `image.registry` and `image.digest`; a name ending `image` alone is a
/// whole reference.
fn helm_sets(text: &str, body: &Body, context: &str, found: &mut Found) {
    let mut sets: Vec<(String, Written)> = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Block(b) if b.ident.as_str() == "set" => {
                if let (Some(name), Some(value)) = (
                    hcl::attribute(&b.body, "name"),
                    hcl::attribute(&b.body, "value"),
                ) {
                    if let Some(name) = name.as_str() {
                        sets.push((name.to_string(), hcl::written(text, value)));
                    }
                }
            }
            Structure::Attribute(a) if a.key.as_str() == "set" => {
                for item in a.value.as_array().into_iter().flat_map(|a| a.iter()) {
                    let Some(object) = item.as_object() else {
                        continue;
                    };
                    let field = |key: &str| {
                        object.iter().find_map(|(k, v)| match k {
                            ObjectKey::Ident(i) if i.as_str() == key => Some(v.expr()),
                            _ => None,
                        })
                    };
                    if let (Some(name), Some(value)) = (field("name"), field("value")) {
                        if let Some(name) = name.as_str() {
                            sets.push((name.to_string(), hcl::written(text, value)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let get = |name: String| {
        sets.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, w)| w.clone())
    };
    for (name, value) in &sets {
        let context = format!("{context} {name}");
        if name == "image" || name.ends_with(".image") {
            push(found, value.clone(), &context);
        } else if let Some(prefix) = name.strip_suffix("repository") {
            found.helm.push(HelmSet {
                registry: get(format!("{prefix}registry")),
                repository: value.clone(),
                tag: get(format!("{prefix}tag")),
                digest: get(format!("{prefix}digest")),
                context,
            });
        }
    }
}
