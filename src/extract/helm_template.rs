//! Helm templates: Go templates, not YAML. Lines that write an image
//! literally are read as they are: `image: otel/opentelemetry-collector:0.98.0`
//! (quoted or not, as a list item or not). A value with `{{` is what the
//! chart renders it as with its default values (see `helm_chart`), reported
//! here when the values do not account for it (the templates compose it),
//! and not for a fix to rewrite: its parts are written elsewhere.

use super::chart_tag;
use super::helm_chart::{self, image_line, image_line::image_value};
use super::{Env, Occurrence, RefText};
use crate::source::{LineIndex, Span};
use std::path::Path;

pub(crate) fn extract(text: &str, lines: &LineIndex, env: &Env) -> Vec<Occurrence> {
    let mut out = literals(text, lines);
    // Images written as one values map's fields are the values' to report;
    // only a file with other templated images needs the chart's model.
    let templated = image_line::worth_running(text);
    let chart = chart_of(env.disk_path);
    if let Some(chart) = chart {
        // Its chart's values may ask for it: not read from disk again.
        chart_tag::remember_template(chart, env.disk_path, text);
    }
    if let Some(chart) = chart.filter(|_| templated) {
        let model = helm_chart::model(chart);
        for r in model.images().iter().filter(|r| r.file == env.disk_path) {
            let written = text.get(r.span.start..r.span.end).unwrap_or_default();
            if written.contains("{{") && !model.claims(&r.text) {
                out.push(Occurrence {
                    span: r.span,
                    text: RefText::Resolved(r.text.clone()),
                    context: "image (rendered)".into(),
                    exact: false,
                    helm: None,
                });
            }
        }
    }
    out
}

/// Writes into `into` the text of the template at `path` if its chart's
/// templates were read already (for its model); false if not.
pub fn read_already(path: &Path, into: &mut Vec<u8>) -> bool {
    let Some(files) = chart_of(path).and_then(chart_tag::read_already_with) else {
        return false;
    };
    let Ok(i) = files.binary_search_by(|(p, _)| p.as_path().cmp(path)) else {
        return false;
    };
    into.extend_from_slice(files[i].1.as_bytes());
    true
}

/// The chart a template belongs to: the folder above the `templates/` it is
/// in (the model is empty when that has no `Chart.yaml`).
fn chart_of(template: &Path) -> Option<&Path> {
    template
        .ancestors()
        .skip(1)
        .take(6)
        .find(|d| d.file_name().is_some_and(|n| n == "templates"))
        .and_then(Path::parent)
}

/// The literal `image:` lines, outside template comments (a chart may
/// comment a whole test pod out with `{{/* ... */}}`).
fn literals(text: &str, lines: &LineIndex) -> Vec<Occurrence> {
    let comments = helm_chart::comments(text);
    let mut out = Vec::new();
    for i in 0..lines.line_count() {
        let range = lines.line_range(text, i);
        let line = &text[range.clone()];
        if let Some((at, value)) = literal_image(line) {
            let start = range.start + at;
            if comments.iter().any(|c| c.contains(&start)) {
                continue;
            }
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
    let (at, value) = image_value(line)?;
    let literal =
        !value.is_empty() && !value.contains("{{") && !value.contains([' ', '"', '\'', '$']);
    literal.then_some((at, value))
}

#[cfg(test)]
mod tests {
    use super::{literal_image, read_already};
    use crate::extract::helm_chart;

    /// Once a chart's model has read its templates, the engine is handed
    /// each one's text from them, and only theirs.
    #[test]
    fn templates_read_for_the_model_are_not_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("app");
        std::fs::create_dir_all(chart.join("templates/sub")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: app\nversion: 1.0.0\n").unwrap();
        std::fs::write(chart.join("values.yaml"), "image: {tag: \"1\"}\n").unwrap();
        let template = "image: \"nginx:{{ .Values.image.tag }}\"\n";
        let paths = [
            chart.join("templates/a.yaml"),
            chart.join("templates/sub/b.yaml"),
        ];
        for path in &paths {
            std::fs::write(path, template).unwrap();
        }
        let mut buf = Vec::new();
        assert!(!read_already(&paths[0], &mut buf), "not before the model");
        helm_chart::model(&chart);
        for path in &paths {
            buf.clear();
            assert!(read_already(path, &mut buf));
            assert_eq!(buf, template.as_bytes());
        }
        assert!(!read_already(&chart.join("templates/none.yaml"), &mut buf));
        assert!(!read_already(&chart.join("values.yaml"), &mut buf));
    }

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
