//! The tag a Helm chart gives an image whose values leave it out
//! (`tag: ""`, or no tag at all). Charts commonly fall back on the chart's
//! `appVersion`, but many write it differently (`v{{ .Chart.AppVersion }}`,
//! `printf "%s-alpine"`); a digest pinned for a guessed tag pins an image
//! that may not exist. So the templates are read: the `appVersion` is the
//! tag only when every template that uses it for an image uses it as is.
//! Anything else is unresolved, never guessed.

use crate::side_file::{read_unlinked, MAX_BYTES};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartTag {
    /// No `Chart.yaml` beside the values file.
    NoChart,
    /// The tag the templates make of `appVersion`: as it is, or with a
    /// prefix (`v`); `plain` when as it is, so the same text written into
    /// `tag:` renders the same.
    AppVersion { tag: String, plain: bool },
    /// Why the tag cannot be known from the repository.
    Unknown(String),
}

/// Bounds on what is read of a chart: templates are small.
const MAX_FILES: usize = 500;
const MAX_DEPTH: usize = 4;

/// Reads the chart in `dir` (its `Chart.yaml` and `templates/`).
pub fn read(dir: &Path) -> ChartTag {
    let Some(chart) = read_unlinked(&dir.join("Chart.yaml")) else {
        return ChartTag::NoChart;
    };
    let Some(app) = chart_field(&chart, "appVersion") else {
        return ChartTag::Unknown(
            "the tag is left to the chart, and its Chart.yaml has no appVersion: write the tag in the values"
                .into(),
        );
    };
    let files = templates(dir);
    // Every use for an image must agree on one prefix ("" when plain).
    let mut prefixes = std::collections::BTreeSet::new();
    for (_, text) in files.iter() {
        for line in crate::source::lines_holding(text, "AppVersion") {
            let line = line.strip_suffix('\r').unwrap_or(line);
            match judge(line) {
                Use::Label => {}
                Use::Plain => {
                    prefixes.insert(String::new());
                }
                Use::Prefixed(p) => {
                    prefixes.insert(p);
                }
                Use::Transformed(snippet) => {
                    return ChartTag::Unknown(format!(
                        "the tag is left to the chart, whose templates make it from appVersion `{app}` as `{snippet}`: write the tag in the values"
                    ))
                }
            }
        }
    }
    if prefixes.len() > 1 {
        let all: Vec<String> = prefixes.into_iter().map(|p| format!("`{p}`")).collect();
        return ChartTag::Unknown(format!(
            "the tag is left to the chart, whose templates prefix appVersion `{app}` differently ({}): write the tag in the values",
            all.join(", ")
        ));
    }
    if let Some(prefix) = prefixes.into_iter().next() {
        ChartTag::AppVersion {
            plain: prefix.is_empty(),
            tag: format!("{prefix}{app}"),
        }
    } else {
        ChartTag::Unknown(
            "the tag is left to the chart, and its templates do not fill it from appVersion: write the tag in the values"
                .into(),
        )
    }
}

/// A top-level string of a `Chart.yaml` (`appVersion`, `name`), read by
/// line: the file is small and flat.
pub(super) fn chart_field(chart: &str, key: &str) -> Option<String> {
    chart.lines().find_map(|l| {
        let v = l.strip_prefix(key)?.strip_prefix(':')?;
        let v = v.split(" #").next().unwrap_or(v).trim();
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// A chart's template files: paths and texts.
pub(super) type TemplateFiles = Vec<(PathBuf, String)>;

/// Each chart's template files, once read.
static TEMPLATES: super::helm_chart::PerChart<TemplateFiles> = OnceLock::new();

/// The chart's templates, paths and texts (regular files, bounded), in
/// path order; read once per run (while kept).
pub(super) fn templates(chart: &Path) -> Arc<TemplateFiles> {
    super::helm_chart::once_per_chart(&TEMPLATES, chart, || {
        let mut files = Vec::new();
        templates_under(&chart.join("templates"), 0, &mut files);
        files
    })
}

/// Template texts the engine has read as files of their own, by path,
/// until their chart's values ask for them: a chart's templates are then
/// not read from disk twice. Bounded; what is not found is read.
static READ_ALREADY: OnceLock<Mutex<(HashMap<PathBuf, String>, usize)>> = OnceLock::new();
const READ_ALREADY_BYTES: usize = 8 << 20;

/// Keeps the text of the template at `path` of `chart`, as the engine read
/// it, unless the chart's templates are read already (or being read): then
/// nothing would ever ask for it.
pub(super) fn remember_template(chart: &Path, path: &Path, text: &str) {
    if text.len() as u64 > MAX_BYTES || super::helm_chart::is_known(&TEMPLATES, chart) {
        return;
    }
    let Ok(mut kept) = READ_ALREADY.get_or_init(Default::default).lock() else {
        return;
    };
    let (texts, bytes) = &mut *kept;
    if *bytes + text.len() > READ_ALREADY_BYTES {
        texts.clear();
        *bytes = 0;
    }
    *bytes += text.len();
    if let Some(old) = texts.insert(path.to_path_buf(), text.to_string()) {
        *bytes -= old.len();
    }
}

/// The chart's templates (in path order) if they were read already: the
/// engine, coming to a template after its chart's model, need not read it
/// from disk again.
pub(super) fn read_already_with(chart: &Path) -> Option<Arc<TemplateFiles>> {
    super::helm_chart::known(&TEMPLATES, chart)
}

/// The text the engine read at `path`, taken out of the store.
fn read_already(path: &Path) -> Option<String> {
    let mut kept = READ_ALREADY.get()?.lock().ok()?;
    let (texts, bytes) = &mut *kept;
    let text = texts.remove(path)?;
    *bytes -= text.len();
    Some(text)
}

fn templates_under(dir: &Path, depth: usize, out: &mut TemplateFiles) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    // The listing says which are folders (not through links): no `stat`
    // per file, and `read_unlinked` refuses anything but a regular file.
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
        .collect();
    paths.sort();
    for (path, is_dir) in paths {
        if out.len() >= MAX_FILES {
            return;
        }
        if is_dir {
            if depth < MAX_DEPTH {
                templates_under(&path, depth + 1, out);
            }
        } else if let Some(text) = read_already(&path).or_else(|| read_unlinked(&path)) {
            out.push((path, text));
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Use {
    /// A label or annotation (`app.kubernetes.io/version: ...`), no image.
    Label,
    /// `{{ .Values.image.tag | default .Chart.AppVersion }}` after `:`.
    Plain,
    /// The same with a literal prefix: `:v{{ ... }}`, `printf "v%s"`.
    Prefixed(String),
    /// Anything else, with the text that does it.
    Transformed(String),
}

/// How a template line uses `.Chart.AppVersion`.
fn judge(line: &str) -> Use {
    let mut verdict = Use::Label;
    let mut rest = line;
    let mut consumed = 0;
    while let Some(open) = rest.find("{{") {
        let Some(len) = rest[open..].find("}}") else {
            break;
        };
        let close = open + len + 2;
        let action = &rest[open..close];
        let before = &line[..consumed + open];
        let inner = action
            .trim_start_matches("{{")
            .trim_start_matches('-')
            .trim_start();
        // `{{ if .Chart.AppVersion }}`: a condition, not a use.
        let control = ["if ", "else", "with ", "end"]
            .iter()
            .any(|k| inner.starts_with(k));
        if action.contains("AppVersion")
            && !control
            && !before.to_ascii_lowercase().contains("version")
        {
            let next = rest[close..].chars().next();
            // `:v{{ ... }}`: a literal prefix between the `:` and the action.
            let word_start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-'))
                .map_or(0, |i| i + 1);
            let literal = &before[word_start..];
            let after_colon = before[..word_start].ends_with(':');
            let prev = if after_colon && !literal.is_empty() {
                Some(':')
            } else {
                before.chars().next_back()
            };
            // Text written against the action adds to the tag: `v{{`, `}}-alpine`.
            let glued = |c: Option<char>| {
                c.is_some_and(|c| !matches!(c, ':' | '"' | '\'' | ' ' | '\t' | '@' | '/' | '='))
            };
            if glued(prev) || glued(next) {
                return Use::Transformed(line.trim().to_string());
            }
            let written_prefix = after_colon && !literal.is_empty();
            let prefix = match action_prefix(action) {
                Some(p) if written_prefix && p.is_empty() => literal.to_string(),
                Some(p) if !written_prefix => p,
                _ => return Use::Transformed(line.trim().to_string()),
            };
            verdict = if prefix.is_empty() {
                Use::Plain
            } else {
                Use::Prefixed(prefix)
            };
        }
        consumed += close;
        rest = &rest[close..];
    }
    verdict
}

/// The literal an action puts before appVersion: "" when it only picks a
/// value (`default`, pipes, quotes, `$` and `.Values` paths, `printf` of
/// `%s` with `/`, `:`, `@`); "v" for `printf "v%s" .Chart.AppVersion`;
/// `None` for anything else.
fn action_prefix(action: &str) -> Option<String> {
    let inner = action
        .trim_start_matches("{{")
        .trim_end_matches("}}")
        .trim_matches('-');
    // `(printf "v%s" .Chart.AppVersion)`: a prefix, if the rest is plain.
    let mut prefix = String::new();
    let mut rest = inner.to_string();
    if let Some(at) = inner.find("printf \"") {
        let format_start = at + "printf \"".len();
        let format_end = format_start + inner[format_start..].find('"')?;
        let format = &inner[format_start..format_end];
        let args = inner[format_end + 1..].trim_start();
        if let Some(p) = format.strip_suffix("%s").filter(|p| !p.contains('%')) {
            if args.starts_with(".Chart.AppVersion") || args.starts_with("$.Chart.AppVersion") {
                if !p
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
                {
                    return None;
                }
                prefix = p.to_string();
                rest = format!("{} {}", &inner[..at], args);
            }
        }
    }
    plain_action(&format!("{{{{{rest}}}}}")).then_some(prefix)
}

/// An action that only picks a value: `default`, pipes, quotes, `$` and
/// `.Values` paths; `printf` only with a format of `%s` and `/`, `:`, `@`.
fn plain_action(action: &str) -> bool {
    let inner = action
        .trim_start_matches("{{")
        .trim_end_matches("}}")
        .trim_matches('-');
    let mut words = inner.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let word = word.trim_matches(|c| c == '(' || c == ')');
        let ok = match word {
            "" | "|" | ":=" | "=" | "default" | "quote" | "toString" => true,
            "printf" => words.next().is_some_and(|format| {
                format
                    .trim_matches('"')
                    .split("%s")
                    .all(|sep| sep.chars().all(|c| matches!(c, '/' | ':' | '@')))
            }),
            w => {
                w.starts_with('.')
                    || w.starts_with('$')
                        && w.chars().all(|c| c.is_alphanumeric() || "._$".contains(c))
            }
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_uses() {
        let plain = [
            r#"  image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}""#,
            r#"image: {{ printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}"#,
            r#"{{- default .Chart.AppVersion .Values.image.tag -}}"#,
        ];
        for line in plain {
            assert_eq!(judge(line), Use::Plain, "{line}");
        }
        let prefixed = [
            r#"  image: "{{ .Values.image.repository }}:v{{ .Values.image.tag | default .Chart.AppVersion }}""#,
            r#"tag: {{ .Values.tag | default (printf "v%s" .Chart.AppVersion) }}"#,
        ];
        for line in prefixed {
            assert_eq!(judge(line), Use::Prefixed("v".into()), "{line}");
        }
        let transformed = [
            r#"  image: "x:{{ .Chart.AppVersion }}-alpine""#,
            r#"image: {{ printf "%s:v%s" .Values.image.repository .Chart.AppVersion }}"#,
            r#"tag: {{ trimPrefix "v" .Chart.AppVersion }}"#,
        ];
        for line in transformed {
            assert!(matches!(judge(line), Use::Transformed(_)), "{line}");
        }
        assert_eq!(
            judge("    app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}"),
            Use::Label
        );
        assert_eq!(judge("{{- if .Chart.AppVersion }}"), Use::Label);
        assert_eq!(
            judge("{{- $tag := default .Chart.AppVersion .Values.image.tag }}"),
            Use::Plain
        );
    }

    /// A template is kept for its chart's read only while the chart's
    /// templates are not read yet; after, nothing would take it.
    #[test]
    fn templates_are_kept_only_until_their_chart_is_read() {
        let charts = tempfile::tempdir().unwrap();
        for name in ["early", "late"] {
            std::fs::create_dir_all(charts.path().join(name).join("templates")).unwrap();
        }
        let early = charts.path().join("early");
        let path = early.join("templates/pod.yaml");
        remember_template(&early, &path, "kind: Pod\n");
        assert_eq!(read_already(&path).as_deref(), Some("kind: Pod\n"));

        let late = charts.path().join("late");
        templates(&late);
        let path = late.join("templates/pod.yaml");
        remember_template(&late, &path, "kind: Pod\n");
        assert_eq!(read_already(&path), None);
    }
}
