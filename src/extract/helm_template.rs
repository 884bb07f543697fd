//! Helm templates: Go templates, not YAML, so only the lines that write an
//! image literally are read: `image: otel/opentelemetry-collector:0.98.0`
//! (quoted or not, as a list item or not). A value with `{{` comes from the
//! values, which are read as such.

use super::{Env, Occurrence, RefText};
use crate::source::{LineIndex, Span};

pub(crate) fn extract(text: &str, lines: &LineIndex, _env: &Env) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for i in 0..lines.line_count() {
        let range = lines.line_range(text, i);
        let line = &text[range.clone()];
        if let Some((at, value)) = literal_image(line) {
            let start = range.start + at;
            out.push(Occurrence {
                span: Span::new(start, start + value.len()),
                text: RefText::Resolved(value.to_string()),
                context: "image".into(),
                exact: true,
                helm: None,
            });
        }
    }
    out
}

/// The offset in `line` and the text of a literal `image:` value.
fn literal_image(line: &str) -> Option<(usize, &str)> {
    let body = line.trim_start();
    let body = body.strip_prefix("- ").map_or(body, str::trim_start);
    let rest = body.strip_prefix("image:")?;
    let value_at = line.len() - rest.len() + (rest.len() - rest.trim_start().len());
    let value = rest.trim_start();
    let value = match value.find(" #") {
        Some(i) => &value[..i],
        None => value,
    }
    .trim_end();
    let (at, value) = match value.chars().next() {
        Some(q @ ('"' | '\'')) if value.len() >= 2 && value.ends_with(q) => {
            (value_at + 1, &value[1..value.len() - 1])
        }
        _ => (value_at, value),
    };
    let literal =
        !value.is_empty() && !value.contains("{{") && !value.contains([' ', '"', '\'', '$']);
    literal.then_some((at, value))
}

#[cfg(test)]
mod tests {
    use super::literal_image;

    #[test]
    fn literal_lines_only() {
        assert_eq!(
            literal_image("  image: nginx:1.25"),
            Some((9, "nginx:1.25"))
        );
        assert_eq!(
            literal_image("  - image: \"a/b:1\" # c"),
            Some((12, "a/b:1"))
        );
        assert_eq!(literal_image("  image: {{ .Values.image }}"), None);
        assert_eq!(
            literal_image("  image: \"{{ .Values.r }}:{{ .Values.t }}\""),
            None
        );
        assert_eq!(literal_image("  imagePullPolicy: Always"), None);
        assert_eq!(literal_image("  image:"), None);
    }
}
