//! AWS CloudFormation and SAM templates (YAML): the images of
//! `AWS::ECS::TaskDefinition` (`ContainerDefinitions[].Image`),
//! `AWS::Batch::JobDefinition` (`ContainerProperties.Image`),
//! `AWS::Lambda::Function` (`Code.ImageUri`), `AWS::Serverless::Function`
//! (`ImageUri`), `AWS::AppRunner::Service`
//! (`SourceConfiguration.ImageRepository.ImageIdentifier`) and
//! `AWS::SageMaker::Model` (`PrimaryContainer.Image`, `Containers[].Image`).
//!
//! Intrinsic functions, short (`!Ref`) or long (`Ref:`): a `Ref` to a
//! parameter is the parameter's `Default`, reported (and fixed) where the
//! default is written; a `Sub` has its `${Param}` replaced by defaults (a
//! pseudo parameter such as `${AWS::AccountId}` is known only when the
//! stack is made: unresolved); any other function is unresolved.

use super::interpolate::placeholders;
use super::yaml::{NodeId, Yaml};
use super::{Env, RefText, Sink};

/// Whether the text is a CloudFormation template: its format version, or a
/// resource typed `AWS::`.
pub(crate) fn looks_like_cloudformation(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || [
            "Type: AWS::",
            "Type: 'AWS::",
            "Type: \"AWS::",
            "\"Type\": \"AWS::",
            "\"Type\":\"AWS::",
        ]
        .iter()
        .any(|t| text.contains(t))
}

const UNKNOWN: &str = "computed by CloudFormation when the stack is made";

pub(crate) fn extract(sink: &mut Sink, _env: &Env) {
    let y = sink.yaml;
    for root in y.documents.clone() {
        let Some(resources) = y.is_map(root).then(|| y.get(root, "Resources")).flatten() else {
            continue;
        };
        let params = y.get(root, "Parameters");
        for (name, resource) in y.entries(resources) {
            let Some(kind) = y.get(resource, "Type").and_then(|t| y.str(t)) else {
                continue;
            };
            let Some(props) = y.get(resource, "Properties") else {
                continue;
            };
            for (node, at) in images(y, kind, props) {
                image(
                    sink,
                    node,
                    params,
                    format!("Resources.{name}.Properties.{at}"),
                );
            }
        }
    }
}

/// The image positions of a resource of type `kind`, with their paths.
fn images(y: &Yaml, kind: &str, props: NodeId) -> Vec<(NodeId, String)> {
    let one = |path: &[&str]| {
        y.path(props, path)
            .map(|n| (n, path.join(".")))
            .into_iter()
            .collect::<Vec<_>>()
    };
    let each = |list: &str, key: &str| -> Vec<(NodeId, String)> {
        let items = y
            .get(props, list)
            .and_then(|l| y.seq(l))
            .unwrap_or_default();
        let found = items.iter().enumerate().filter_map(|(i, &item)| {
            let node = y.is_map(item).then(|| y.get(item, key)).flatten()?;
            Some((node, format!("{list}[{i}].{key}")))
        });
        found.collect()
    };
    match kind {
        "AWS::ECS::TaskDefinition" => each("ContainerDefinitions", "Image"),
        "AWS::Batch::JobDefinition" => one(&["ContainerProperties", "Image"]),
        "AWS::Lambda::Function" => one(&["Code", "ImageUri"]),
        "AWS::Serverless::Function" => one(&["ImageUri"]),
        "AWS::AppRunner::Service" => {
            one(&["SourceConfiguration", "ImageRepository", "ImageIdentifier"])
        }
        "AWS::SageMaker::Model" => {
            let mut all = one(&["PrimaryContainer", "Image"]);
            all.extend(each("Containers", "Image"));
            all
        }
        _ => Vec::new(),
    }
}

/// An image position's value: a string, or an intrinsic function.
fn image(sink: &mut Sink, node: NodeId, params: Option<NodeId>, context: String) {
    let y = sink.yaml;
    let (function, arg) = match (y.tag(node), y.is_map(node)) {
        (Some(tag), _) => (Some(tag.to_string()), node),
        (None, true) => match y.entries(node).as_slice() {
            [(key, arg)] => (
                Some(key.strip_prefix("Fn::").unwrap_or(key).to_string()),
                *arg,
            ),
            _ => (Some("?".into()), node),
        },
        (None, false) => (None, node),
    };
    // A function written as a map or a list is reported at its first
    // scalar (the parameter's name, the `Sub` template).
    let Some(at) = first_scalar(y, arg, 0) else {
        return;
    };
    match function.as_deref() {
        None => sink.literal(node, context),
        Some("Ref") => {
            let name = y.str(arg).unwrap_or_default();
            match default_of(y, params, name) {
                // Written at the parameter's default: a fix goes there.
                Some(default) => {
                    let context = format!("Parameters.{name}.Default (used by {context})");
                    sink.literal(default, context);
                }
                None => {
                    let why = format!("`Ref: {name}` has no default here, so it is {UNKNOWN}");
                    sink.computed(at, RefText::Unresolved(why), context);
                }
            }
        }
        Some("Sub") => match y.str(arg).map(|t| substituted(y, t, params)) {
            Some(Ok(text)) => sink.computed(at, RefText::Resolved(text), context),
            Some(Err(why)) => sink.computed(at, RefText::Unresolved(why), context),
            None => unresolved(sink, at, "Sub", context),
        },
        Some(other) => unresolved(sink, at, other, context),
    }
}

/// The first scalar of `node`, itself if it is one.
fn first_scalar(y: &Yaml, node: NodeId, depth: usize) -> Option<NodeId> {
    if y.scalar(node).is_some() {
        return Some(node);
    }
    if depth > 8 {
        return None;
    }
    let children: Vec<NodeId> = match y.seq(node) {
        Some(items) => items.to_vec(),
        None => y.entries(node).into_iter().map(|(_, v)| v).collect(),
    };
    children
        .into_iter()
        .find_map(|c| first_scalar(y, c, depth + 1))
}

/// A value of the intrinsic function `function`, not known here.
fn unresolved(sink: &mut Sink, node: NodeId, function: &str, context: String) {
    let why = format!("`Fn::{function}`: {UNKNOWN}");
    sink.computed(node, RefText::Unresolved(why), context);
}

/// The `Default` scalar of parameter `name`, if it has one.
fn default_of(y: &Yaml, params: Option<NodeId>, name: &str) -> Option<NodeId> {
    let default = y.get(y.get(params?, name)?, "Default")?;
    y.str(default).is_some().then_some(default)
}

/// `template` with each `${Param}` replaced by the parameter's default,
/// `${!Literal}` by `${Literal}`; why not, when a name has no default here.
fn substituted(y: &Yaml, template: &str, params: Option<NodeId>) -> Result<String, String> {
    placeholders(template, ("${", "}"), |name| match name.strip_prefix('!') {
        Some(literal) => Ok(format!("${{{literal}}}")),
        None => match default_of(y, params, name).and_then(|d| y.str(d)) {
            Some(value) => Ok(value.to_string()),
            None => Err(format!("`${{{name}}}`: {UNKNOWN}")),
        },
    })
}
