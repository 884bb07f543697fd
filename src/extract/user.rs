//! Kinds users declare (`[[files.extract]]`): YAML, JSON or TOML files
//! whose references sit at key paths (`steps[*].image`), or any text where
//! a regular expression's group `image` matches. A reference holding `$`
//! is taken for a variable known only where the file is used: unresolved.

use super::{Env, Occurrence, RefText, Sink};
use crate::source::Span;
use regex::Regex;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A declared kind, compiled.
#[derive(Debug, Clone)]
pub struct UserKind {
    pub format: Format,
    pub images: Vec<KeyPath>,
    pub pattern: Option<Regex>,
}

/// How a declared kind is read (`format` in `[[files.extract]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Yaml,
    Json,
    Toml,
    Regex,
}

impl UserKind {
    /// A `[[files.extract]]` table's reading, checked and compiled: the
    /// keys its format takes and no other, key paths that parse, a pattern
    /// with a group `image`.
    pub fn new(
        format: Format,
        images: &[String],
        pattern: Option<&str>,
    ) -> Result<UserKind, String> {
        let pattern = match (format, pattern) {
            (Format::Regex, None) => return Err("format `regex` needs a `pattern`".into()),
            (Format::Regex, Some(p)) => {
                let re = regex::Regex::new(p).map_err(|e| {
                    format!(
                        "pattern: {}",
                        e.to_string().lines().last().unwrap_or_default().trim()
                    )
                })?;
                if !re.capture_names().any(|n| n == Some("image")) {
                    return Err("the pattern has no group `(?P<image>…)`".into());
                }
                Some(re)
            }
            (_, Some(_)) => return Err("`pattern` is for format `regex`; use `images`".into()),
            (_, None) => None,
        };
        if format == Format::Regex && !images.is_empty() {
            return Err("`images` is for formats `yaml`, `json` and `toml`; use `pattern`".into());
        }
        if format != Format::Regex && images.is_empty() {
            return Err("`images` lists no key path".into());
        }
        let images = images
            .iter()
            .map(|p| p.parse::<KeyPath>())
            .collect::<Result<_, _>>()?;
        Ok(UserKind {
            format,
            images,
            pattern,
        })
    }
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    /// `*`: any key of a map, or any item of a list.
    Any,
    /// `[*]`: any item of a list.
    AnyItem,
    /// `[N]`.
    Item(usize),
}

/// A key path: `steps[*].image`, `spec.*.image`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Step>);

impl std::str::FromStr for KeyPath {
    type Err = String;

    fn from_str(text: &str) -> Result<KeyPath, String> {
        let bad = |why: &str| format!("key path `{text}`: {why}");
        let mut steps = Vec::new();
        for part in text.split('.') {
            let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
            match key {
                "" if rest.is_empty() => return Err(bad("an empty key")),
                "" if steps.is_empty() => return Err(bad("starts with an index")),
                "" => {}
                "*" => steps.push(Step::Any),
                k if k.contains(['*', ']']) => return Err(bad("`*` stands alone between dots")),
                k => steps.push(Step::Key(k.to_string())),
            }
            while let Some(inner) = rest.strip_prefix('[') {
                let Some((index, after)) = inner.split_once(']') else {
                    return Err(bad("an unclosed `[`"));
                };
                steps.push(match index {
                    "*" => Step::AnyItem,
                    n => Step::Item(n.parse().map_err(|_| bad("an index is `*` or a number"))?),
                });
                rest = after;
            }
            if !rest.is_empty() {
                return Err(bad("text after `]`"));
            }
        }
        Ok(KeyPath(steps))
    }
}

const VARIABLE: &str = "a variable, known only where the file is used";

/// YAML and JSON files: each scalar at a key path of each document.
pub(crate) fn yaml(sink: &mut Sink, env: &Env) {
    let Some(kind) = env.user_kind else { return };
    let y = sink.yaml;
    for root in y.documents.clone() {
        for path in &kind.images {
            let mut at = vec![(root, String::new())];
            for step in &path.0 {
                let mut next = Vec::new();
                for (node, shown) in at {
                    let items = y.seq(node);
                    match step {
                        Step::Key(k) => {
                            if let Some(v) = y.is_map(node).then(|| y.get(node, k)).flatten() {
                                next.push((v, join(&shown, k)));
                            }
                        }
                        Step::Any if y.is_map(node) => {
                            for (k, v) in y.entries(node) {
                                next.push((v, join(&shown, k)));
                            }
                        }
                        Step::Any | Step::AnyItem => {
                            for (i, v) in items.unwrap_or_default().iter().enumerate() {
                                next.push((*v, format!("{shown}[{i}]")));
                            }
                        }
                        Step::Item(i) => {
                            if let Some(v) = items.and_then(|s| s.get(*i)) {
                                next.push((*v, format!("{shown}[{i}]")));
                            }
                        }
                    }
                }
                at = next;
            }
            for (node, shown) in at {
                sink.literal_unless_variable(node, shown, VARIABLE);
            }
        }
    }
}

fn join(shown: &str, key: &str) -> String {
    if shown.is_empty() {
        key.to_string()
    } else {
        format!("{shown}.{key}")
    }
}

/// Why a TOML file is not TOML, or not parsed.
#[derive(Debug)]
pub struct TomlError {
    /// 0: the problem is the whole file's.
    pub line: usize,
    pub message: String,
}

impl std::error::Error for TomlError {}

impl std::fmt::Display for TomlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            // No place in the text: the whole file.
            0 => f.write_str(&self.message),
            line => write!(f, "invalid TOML at line {line}: {}", self.message),
        }
    }
}

/// The largest TOML file parsed: `toml`'s tree takes some 45 times its
/// text, and no real file of a declared kind is near this.
const MAX_TOML_BYTES: usize = 4 << 20;

/// TOML files: each string at a key path.
pub(crate) fn toml(text: &str, env: &Env) -> Result<Vec<Occurrence>, TomlError> {
    let Some(kind) = env.user_kind else {
        return Ok(Vec::new());
    };
    if text.len() > MAX_TOML_BYTES {
        return Err(TomlError {
            line: 0,
            message: format!("TOML larger than {} MiB: not parsed", MAX_TOML_BYTES >> 20),
        });
    }
    let doc = DeTable::parse(text).map_err(|e| TomlError {
        line: e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        }),
        message: e.message().split_whitespace().collect::<Vec<_>>().join(" "),
    })?;
    let root = Spanned::new(doc.span(), DeValue::Table(doc.into_inner()));
    let mut out = Vec::new();
    for path in &kind.images {
        let mut at: Vec<(&Spanned<DeValue>, String)> = vec![(&root, String::new())];
        for step in &path.0 {
            let mut next = Vec::new();
            for (value, shown) in at {
                match (step, value.get_ref()) {
                    (Step::Key(k), DeValue::Table(t)) => {
                        if let Some((_, v)) = t.iter().find(|(key, _)| key.get_ref() == k) {
                            next.push((v, join(&shown, k)));
                        }
                    }
                    (Step::Any, DeValue::Table(t)) => {
                        for (key, v) in t.iter() {
                            next.push((v, join(&shown, key.get_ref())));
                        }
                    }
                    (Step::Any | Step::AnyItem, DeValue::Array(items)) => {
                        for (i, v) in items.iter().enumerate() {
                            next.push((v, format!("{shown}[{i}]")));
                        }
                    }
                    (Step::Item(i), DeValue::Array(items)) => {
                        if let Some(v) = items.get(*i) {
                            next.push((v, format!("{shown}[{i}]")));
                        }
                    }
                    _ => {}
                }
            }
            at = next;
        }
        for (value, shown) in at {
            if let DeValue::String(s) = value.get_ref() {
                out.push(string_at(text, value.span(), s, shown));
            }
        }
    }
    Ok(out)
}

/// A TOML string's occurrence: exact when the bytes between its quotes
/// (`"…"`, `'…'`, or tripled) are its value.
fn string_at(
    text: &str,
    range: std::ops::Range<usize>,
    value: &str,
    context: String,
) -> Occurrence {
    let raw = text.get(range.clone()).unwrap_or_default();
    let quotes = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        3
    } else {
        1
    };
    let exact = raw.len() >= 2 * quotes && raw.get(quotes..raw.len() - quotes) == Some(value);
    let span = if exact {
        Span::new(range.start + quotes, range.end - quotes)
    } else {
        Span::new(range.start, range.end)
    };
    occurrence(span, value, context, exact)
}

fn occurrence(span: Span, value: &str, context: String, exact: bool) -> Occurrence {
    let text = if value.contains('$') {
        RefText::Unresolved(format!("`{value}`: {VARIABLE}"))
    } else {
        RefText::Resolved(value.to_string())
    };
    let exact = exact && matches!(text, RefText::Resolved(_));
    Occurrence::new(span, text, context, exact)
}

/// Any text: each match of the pattern's group `image`.
pub(crate) fn regex(text: &str, env: &Env) -> Vec<Occurrence> {
    let Some(pattern) = env.user_kind.and_then(|k| k.pattern.as_ref()) else {
        return Vec::new();
    };
    pattern
        .captures_iter(text)
        .filter_map(|c| c.name("image"))
        .filter(|m| !m.as_str().is_empty())
        .map(|m| {
            let span = Span::new(m.start(), m.end());
            occurrence(span, m.as_str(), "pattern".into(), true)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths() {
        let p: KeyPath = "steps[*].image".parse().unwrap();
        assert_eq!(
            p.0,
            [
                Step::Key("steps".into()),
                Step::AnyItem,
                Step::Key("image".into())
            ]
        );
        let p: KeyPath = "spec.*.containers[0][*].image".parse().unwrap();
        assert_eq!(
            p.0,
            [
                Step::Key("spec".into()),
                Step::Any,
                Step::Key("containers".into()),
                Step::Item(0),
                Step::AnyItem,
                Step::Key("image".into())
            ]
        );
        for bad in ["", "a..b", "a[", "a[x]", "a*", "[0]", "a[0]b"] {
            assert!(bad.parse::<KeyPath>().is_err(), "{bad}");
        }
    }
}
