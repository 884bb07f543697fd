//! GitLab CI/CD catalog components: the header document (`spec: inputs:`,
//! before `---`) gives each `$[[ inputs.name ]]` of the jobs its default.
//! Each document is parsed and freed in turn, so the header is kept as
//! text and places, not nodes.

use super::yaml::NodeId;
use super::Sink;
use crate::source::Span;
use std::collections::BTreeMap;

/// A component's `spec: inputs:`: each input's default, if it has one.
pub(crate) type Inputs = BTreeMap<String, Option<InputDefault>>;

/// An input's default as written in the header document, which is freed
/// before the jobs are read: its text and place, not its node.
#[derive(Debug, Clone)]
pub(crate) struct InputDefault {
    pub value: String,
    pub span: Span,
    pub exact: bool,
}

/// `$[[ inputs.name ]]`, as GitLab interpolates it (a name, no functions).
const INPUT_OPEN: &str = "$[[";
const INPUT_CLOSE: &str = "]]";

/// The inputs of a component's header document: a map whose only key is
/// `spec`.
pub(crate) fn component_header(sink: &Sink, header: NodeId) -> Option<Inputs> {
    let y = sink.yaml;
    if !y.is_map(header) || y.entries(header).len() != 1 {
        return None;
    }
    let spec = y.get(header, "spec")?;
    let Some(list) = y.get(spec, "inputs") else {
        return Some(Inputs::new());
    };
    Some(
        y.entries(list)
            .into_iter()
            .map(|(name, input)| {
                let default = y.get(input, "default").and_then(|d| {
                    let s = y.scalar(d).filter(|_| y.str(d).is_some())?;
                    Some(InputDefault {
                        value: s.value.to_string(),
                        span: s.span,
                        exact: s.exact,
                    })
                });
                (name.to_string(), default)
            })
            .collect(),
    )
}

/// How a value uses component inputs.
pub(crate) enum InputUse<'a> {
    None,
    /// The whole value is one input: `$[[ inputs.image ]]`.
    Sole(&'a str),
    /// The value with every input's default put in.
    Text(String),
    /// An input with no default, or interpolation this does not model
    /// (functions such as `| expand_vars`): the words say which.
    Unknown(String),
}

pub(crate) fn input_use<'a>(raw: &'a str, inputs: &Inputs) -> InputUse<'a> {
    if !raw.contains(INPUT_OPEN) {
        return InputUse::None;
    }
    let name_of = |inner: &'a str| {
        let name = inner.trim().strip_prefix("inputs.")?;
        name.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            .then_some(name)
    };
    let trimmed = raw.trim();
    if let Some(inner) = trimmed
        .strip_prefix(INPUT_OPEN)
        .and_then(|r| r.strip_suffix(INPUT_CLOSE))
    {
        if let Some(name) = name_of(inner).filter(|_| !inner.contains(INPUT_CLOSE)) {
            return InputUse::Sole(name);
        }
    }
    let (mut out, mut rest) = (String::new(), raw);
    while let Some(at) = rest.find(INPUT_OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + INPUT_OPEN.len()..];
        let Some(end) = after.find(INPUT_CLOSE) else {
            return InputUse::Unknown(format!("`{raw}` opens `$[[` without closing it"));
        };
        let Some(name) = name_of(&after[..end]) else {
            return InputUse::Unknown(format!(
                "`$[[{}]]` is interpolated by GitLab when the component is included",
                &after[..end]
            ));
        };
        match inputs.get(name) {
            Some(Some(default)) => out.push_str(&default.value),
            _ => return InputUse::Unknown(missing_input(name)),
        }
        rest = &after[end + INPUT_CLOSE.len()..];
    }
    out.push_str(rest);
    InputUse::Text(out)
}

pub(crate) fn missing_input(name: &str) -> String {
    format!(
        "`$[[ inputs.{name} ]]` has no default (the pipeline that includes the component sets it); give the input a `default:`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        let default = |v: &str| {
            Some(InputDefault {
                value: v.into(),
                span: Span::default(),
                exact: true,
            })
        };
        Inputs::from([
            ("registry".into(), default("quay.io/acme")),
            ("tag".into(), default("1.2.3")),
            ("unset".into(), None),
        ])
    }

    #[test]
    fn inputs_are_interpolated_as_gitlab_does() {
        let i = inputs();
        assert!(matches!(input_use("node:20", &i), InputUse::None));
        assert!(matches!(
            input_use("$[[ inputs.registry ]]", &i),
            InputUse::Sole("registry")
        ));
        assert!(matches!(
            input_use("$[[inputs.tag]]", &i),
            InputUse::Sole("tag")
        ));
        let InputUse::Text(t) = input_use("$[[ inputs.registry ]]/app:$[[ inputs.tag ]]", &i)
        else {
            panic!()
        };
        assert_eq!(t, "quay.io/acme/app:1.2.3");
        for unknown in [
            "$[[ inputs.registry ]]/app:$[[ inputs.unset ]]",
            "$[[ inputs.nowhere ]]/app",
            "$[[ inputs.tag | expand_vars ]]",
            "app:$[[ inputs.tag",
        ] {
            assert!(
                matches!(input_use(unknown, &i), InputUse::Unknown(_)),
                "{unknown}"
            );
        }
    }
}
