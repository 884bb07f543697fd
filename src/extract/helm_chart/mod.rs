//! What a Helm chart's templates make of its default values. Charts compose
//! images in many ways (`{{ .Values.images.repository }}/adservice:...`,
//! helpers that add `v` to `appVersion` or `-distroless` to the tag), so
//! reading `values.yaml` alone guesses. The chart's templates are run here
//! with its `values.yaml` (see `eval`), as `helm template` would with no
//! overrides, and every `image:` they write is kept with where it is written
//! in the templates and which values scalars it is made of.
//!
//! Values extraction uses this to confirm what it reads (or to drop a map
//! the templates compose into something else); template extraction reports
//! the images the values do not account for. Anything the run cannot know
//! (a library chart not in the repository, the cluster's capabilities) is
//! left out: then values are read as before, and nothing is guessed.

mod eval;
mod expr;
pub mod image_line;
mod includes;
mod per_chart;
mod template;

pub(super) use per_chart::{is_known, known, once_per_chart, PerChart};
pub use template::comments;

use super::chart_tag::{chart_field, templates, TemplateFiles};
use super::flow_indent;
use super::yaml::{NodeId, Switch, Yaml};
use crate::image::reference::Reference;
use crate::side_file::read_unlinked;
use crate::source::Span;
use eval::{Chunk, Origin};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;

/// One `image:` the templates write with the default values.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The template file that writes the `image:` key.
    pub file: PathBuf,
    /// The value after `image:` in that file, as written (`{{ ... }}`).
    pub span: Span,
    /// The image as rendered.
    pub text: String,
    /// Where the values scalars it is made of start in `values.yaml`.
    pub from: Vec<usize>,
}

/// What a chart's templates make of its values.
#[derive(Debug, Default)]
pub struct Render {
    pub images: Vec<Rendered>,
    /// Values scalars (their starts) the templates use for anything but an
    /// image: a label, a version comparison. A digest is not added to them.
    pub elsewhere: HashSet<usize>,
    /// The images rendered with the values' feature switches on (then
    /// with those left empty on too): what a feature off by default pulls
    /// once on (its image map may be composed as another image, with a
    /// registry from elsewhere).
    pub dormant: Vec<Vec<Rendered>>,
    /// Values scalars a `fail` names in some run: the chart refuses to
    /// render with them as written.
    pub refused: HashSet<usize>,
}

impl Render {
    /// Every image rendered, with the features on or off.
    pub fn all_images(&self) -> impl Iterator<Item = &Rendered> {
        self.images.iter().chain(self.dormant.iter().flatten())
    }

    /// The images made from the values scalar at `start` in the default
    /// render, or else in the first render with features on that uses it.
    pub fn used_by(&self, start: usize) -> Vec<&Rendered> {
        let used = using(&self.images, start);
        if used.is_empty() {
            self.dormant_using(start)
        } else {
            used
        }
    }

    /// The images made from the values scalar at `start` in the first
    /// render with features on that uses it.
    pub fn dormant_using(&self, start: usize) -> Vec<&Rendered> {
        self.dormant
            .iter()
            .map(|pass| using(pass, start))
            .find(|used| !used.is_empty())
            .unwrap_or_default()
    }
}

/// A chart's rendered images with its `values.yaml` as it is on disk, and
/// those the values extraction accounts for: what a template file needs.
#[derive(Debug, Default)]
pub struct Model {
    /// What the templates make of the values' first document (the one
    /// run).
    render: Arc<Render>,
    /// The images values extraction reports.
    pub claimed: Vec<String>,
    /// The values text, when `render` is of it as written (not
    /// re-indented): the values file's own extraction, reading the same
    /// text, takes the render instead of running the templates again.
    as_written: Option<String>,
}

impl Model {
    /// The images the templates render with the values on disk.
    pub fn images(&self) -> &[Rendered] {
        &self.render.images
    }

    /// Whether the values extraction reports the rendered image `r`.
    pub fn claims(&self, r: &str) -> bool {
        self.claimed.iter().any(|v| same_image(r, v))
    }
}

/// The rendered images made from the values scalar starting at `start`.
pub fn using(images: &[Rendered], start: usize) -> Vec<&Rendered> {
    images.iter().filter(|r| r.from.contains(&start)).collect()
}

/// Whether the image a chart renders is the one read from its values: the
/// same name and digest, and the same tag unless the render has a digest
/// and no tag (charts drop the tag once a digest is set).
pub fn same_image(rendered: &str, read: &str) -> bool {
    match (Reference::parse(rendered), Reference::parse(read)) {
        (Ok(r), Ok(v)) => {
            r.name() == v.name()
                && r.digest == v.digest
                && (r.tag == v.tag || r.tag.is_none() && r.digest.is_some())
        }
        _ => rendered == read,
    }
}

/// Whether `path` may be a chart's own values file: `values.yaml` (the
/// chart's `Chart.yaml` is looked for only when its templates are worth
/// running: most charts' are not, and the disk is not asked twice).
pub fn is_chart_values(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "values.yaml")
}

/// A chart's `Chart.yaml` and templates, parsed.
struct Templates {
    chart: String,
    files: Arc<TemplateFiles>,
    parsed: Vec<template::Template>,
}

impl Templates {
    fn new(chart: String, files: Arc<TemplateFiles>) -> Self {
        let parsed = files.iter().map(|(_, t)| template::parse(t)).collect();
        Templates {
            chart,
            files,
            parsed,
        }
    }
}

/// Chart folders being worked out now, each with the thread at it.
static WORKING: Mutex<Vec<(PathBuf, ThreadId)>> = Mutex::new(Vec::new());
/// How many entries `WORKING` holds: most files are read with none, and
/// then its lock is not taken.
static WORKING_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Whether another thread is working out a chart that holds `path`: a
/// worker would wait for it to read the file, so it reads other files
/// first (see `engine`). Each of a chart's files waits for its model, and
/// charts are read in path order: with two threads, one would otherwise
/// sit idle through most of each big chart's model.
pub fn worked_out_elsewhere(path: &Path) -> bool {
    if WORKING_COUNT.load(Ordering::Acquire) == 0 {
        return false;
    }
    let me = std::thread::current().id();
    WORKING.lock().is_ok_and(|working| {
        working
            .iter()
            .any(|(dir, by)| *by != me && path.starts_with(dir))
    })
}

/// `dir` listed in `WORKING` while alive (a panic unlists it too).
struct Working(PathBuf);

impl Working {
    fn on(dir: &Path) -> Self {
        if let Ok(mut working) = WORKING.lock() {
            working.push((dir.to_path_buf(), std::thread::current().id()));
            WORKING_COUNT.fetch_add(1, Ordering::Release);
        }
        Working(dir.to_path_buf())
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        let me = std::thread::current().id();
        if let Ok(mut working) = WORKING.lock() {
            if let Some(i) = working.iter().position(|(d, by)| *by == me && *d == self.0) {
                working.swap_remove(i);
                WORKING_COUNT.fetch_sub(1, Ordering::Release);
            }
        }
    }
}

/// The chart in `dir`, read and parsed once per run (none without a
/// `Chart.yaml` or templates).
fn templates_of(dir: &Path) -> Arc<Option<Templates>> {
    static SEEN: PerChart<Option<Templates>> = OnceLock::new();
    once_per_chart(&SEEN, dir, || {
        let files = templates(dir);
        if !files.iter().any(|(_, t)| image_line::worth_running(t)) {
            return None;
        }
        let chart = read_unlinked(&dir.join("Chart.yaml"))?;
        Some(Templates::new(chart, files))
    })
}

/// The images the chart in `dir` renders with the values `y` (its
/// `values.yaml` as being read, fixed or not).
pub fn render(dir: &Path, y: &Yaml) -> Arc<Render> {
    let Some(t) = &*templates_of(dir) else {
        return Arc::default();
    };
    if let Some((text, 0)) = y.origin {
        let model = model(dir);
        if model.as_written.as_deref() == Some(text) {
            return model.render.clone();
        }
    }
    Arc::new(run_templates(t, y))
}

/// The model of the chart in `dir` with its `values.yaml` on disk, for its
/// template files; once per run.
pub fn model(dir: &Path) -> Arc<Model> {
    static SEEN: PerChart<Model> = OnceLock::new();
    once_per_chart(&SEEN, dir, || {
        let templates = templates_of(dir);
        let (Some(t), Some(values)) = (&*templates, read_unlinked(&dir.join("values.yaml"))) else {
            return Model::default();
        };
        model_of(&dir.join("values.yaml"), &values, t)
    })
}

/// Runs the templates `t` with `values` (the text of `values_path`), and
/// reads the values judged against what they render.
fn model_of(values_path: &Path, values: &str, t: &Templates) -> Model {
    let mut model = Model::default();
    let mut as_written = false;
    let mut run_with = |y: &Yaml| {
        let render = Arc::new(run_templates(t, y));
        let env = super::Env {
            variables: &Default::default(),
            build_contexts: &[],
            disk_path: values_path,
            user_kind: None,
        };
        let mut out = Vec::new();
        let mut carried = super::Carried::default();
        let mut sink = super::Sink {
            yaml: y,
            out: &mut out,
            carried: &mut carried,
        };
        super::helm::walk(&mut sink, &env, &render);
        model.render = render;
        as_written = y.origin.is_some();
        for occ in out {
            if let super::RefText::Resolved(text) = occ.text {
                model.claimed.push(text);
            }
        }
        false
    };
    // Values libyaml reads but saphyr needs re-indented (see `flow_indent`).
    if Yaml::for_each_document(values, None, &mut run_with).is_err() {
        if let Some((source, shift)) = flow_indent::reindent(values) {
            let _ = Yaml::for_each_document(values, Some((&source, &shift)), &mut run_with);
        }
    }
    model.as_written = as_written.then(|| values.to_owned());
    model
}

/// How many times a switched-on run is done again with the features the
/// chart refuses turned back off.
const MAX_REFUSALS: usize = 4;

/// Runs every template of a chart but its partials with the values `y`,
/// then again with its features switched on: those set to `false`, then
/// those left empty as well (traefik's `hub.enabled:` picks its hub image
/// over its proxy image).
fn run_templates(t: &Templates, y: &Yaml) -> Render {
    let regexes = Rc::default();
    let mut render = run_with_values(t, y, &regexes);
    for unset in [false, true] {
        let switches = y.switches(unset);
        if switches.is_empty() || unset && !switches.iter().any(|s| s.empty) {
            continue;
        }
        // Features the chart refuses with their values as written, turned
        // back off for this pass's next run.
        let mut refusing: Vec<NodeId> = Vec::new();
        for _ in 0..MAX_REFUSALS {
            let on = switches.iter().filter(|s| !refusing.contains(&s.map));
            let switched = run_with_values(t, &y.switched_on(on.map(|s| s.value)), &regexes);
            render.dormant.push(switched.images);
            // A tag read for a label only once a feature is on is still read.
            render.elsewhere.extend(switched.elsewhere);
            // A feature whose values a `fail` names (traefik's marketplace
            // images with `tag: latest`) keeps the others from rendering:
            // the run is done again without it.
            let before = refusing.len();
            for r in switched.refused {
                if let Some(s) = innermost_holding(y, &switches, r) {
                    if !refusing.contains(&s) {
                        refusing.push(s);
                    }
                }
                render.refused.insert(r);
            }
            if refusing.len() == before {
                break;
            }
        }
    }
    render
}

/// The map of the innermost switch among `switches` whose settings hold
/// the values scalar starting at `start`.
fn innermost_holding(y: &Yaml, switches: &[Switch], start: usize) -> Option<NodeId> {
    switches
        .iter()
        .filter_map(|s| match y.holds(s.map, start) {
            (size, true) => Some((size, s.map)),
            _ => None,
        })
        .min()
        .map(|(_, map)| map)
}

/// Runs every template of a chart but its partials with the values `y`.
fn run_with_values(t: &Templates, y: &Yaml, regexes: &Rc<eval::RegexCache>) -> Render {
    let mut render = Render::default();
    let mut defines = HashMap::new();
    for (file, parsed) in t.parsed.iter().enumerate() {
        for (name, body) in &parsed.defines {
            defines.insert(name.clone(), (file, body.as_slice()));
        }
    }
    let chart = eval::Chart {
        values: y,
        root: y.documents.first().copied(),
        name: chart_field(&t.chart, "name").unwrap_or_default(),
        version: chart_field(&t.chart, "version").unwrap_or_default(),
        app_version: chart_field(&t.chart, "appVersion").unwrap_or_default(),
        defines,
        sources: t.files.iter().map(|(_, text)| text.as_str()).collect(),
        regexes: regexes.clone(),
        includes: Default::default(),
    };
    for (file, parsed) in t.parsed.iter().enumerate() {
        // Helm renders every file but partials (`_helpers.tpl`).
        let partial = t.files[file]
            .0
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('_'));
        if partial {
            continue;
        }
        let mut run = eval::Run::new(&chart);
        match run.file(file, &parsed.body) {
            Ok(()) => images_of(&run.out, &t.files, &mut render),
            Err(eval::Stop::Fail(named)) => render.refused.extend(named.iter().copied()),
            Err(eval::Stop::Abort) => {}
        }
        render.elsewhere.extend(run.consumed);
    }
    render
}

/// Runs one template with `values`, for the fuzz target: the images it
/// renders, never a panic, a hang or unbounded output.
pub fn run_one(values: &str, template: &str) -> Vec<String> {
    let files = vec![(PathBuf::from("templates/t.yaml"), template.to_string())];
    let t = Templates::new(
        "name: fuzz\nversion: 0.1.0\nappVersion: 1.0.0\n".into(),
        Arc::new(files),
    );
    let model = model_of(Path::new("values.yaml"), values, &t);
    for r in model.images() {
        // A span is within the template and holds what the line writes.
        assert!(template.get(r.span.start..r.span.end).is_some(), "{r:?}");
    }
    model.images().iter().map(|r| r.text.clone()).collect()
}

/// The `image:` lines of a rendered file whose value is known; the values
/// written on every other line are used elsewhere.
fn images_of(chunks: &[Chunk], files: &[(PathBuf, String)], render: &mut Render) {
    let mut text = String::new();
    let mut starts = Vec::with_capacity(chunks.len());
    for c in chunks {
        starts.push(text.len());
        text.push_str(&c.text);
    }
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        // The chunks on this line: from one that runs into it, through
        // those that begin before its end (empty ones at its start too).
        let mut lo = starts.partition_point(|&s| s < start);
        if lo > 0 && starts[lo - 1] + chunks[lo - 1].text.len() > start {
            lo -= 1;
        }
        let hi = starts.partition_point(|&s| s < start + line.len()).max(lo);
        let on_line = lo..hi;
        match image_line(line, start, chunks, &starts, on_line.clone(), files) {
            Some(image) => render.images.push(image),
            None => {
                for c in &chunks[on_line] {
                    if let Origin::Values(from) = &c.origin {
                        render.elsewhere.extend(from.iter().copied());
                    }
                }
            }
        }
    }
}

/// The image an output line (at `start`, its chunks `on_line`) writes, when
/// it is an `image:` line whose value is known.
fn image_line(
    line: &str,
    start: usize,
    chunks: &[Chunk],
    starts: &[usize],
    on_line: std::ops::Range<usize>,
    files: &[(PathBuf, String)],
) -> Option<Rendered> {
    let body = line.trim_start();
    let item = body.strip_prefix("- ").map_or(body, str::trim_start);
    let rest = item.strip_prefix("image:")?;
    let key_at = start + (line.len() - item.len());
    let value = rest.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    if value.is_empty() || value.contains(char::is_whitespace) || value.contains(['{', '}']) {
        return None;
    }
    // The key is template text: find it in its file. (The last chunk that
    // starts at or before it holds it.)
    let key_chunk = starts.partition_point(|&s| s <= key_at).checked_sub(1)?;
    let Origin::Template { file, at } = chunks[key_chunk].origin else {
        return None;
    };
    // Every chunk of the line must be known; collect the values used.
    let mut from = Vec::new();
    for c in &chunks[on_line] {
        match &c.origin {
            Origin::Unknown => return None,
            Origin::Values(f) => from.extend_from_slice(f),
            Origin::Template { .. } => {}
        }
    }
    let source = &files[file].1;
    let span = value_span(source, at + (key_at - starts[key_chunk]))?;
    Some(Rendered {
        file: files[file].0.clone(),
        span,
        text: value.to_string(),
        from,
    })
}

/// The span of the value after the `image:` key at `key` in a template's
/// source: the rest of the line, quotes and trailing space left out.
fn value_span(source: &str, key: usize) -> Option<Span> {
    let rest = source.get(key..)?.strip_prefix("image:")?;
    let line = rest.split('\n').next().unwrap_or(rest);
    let lead = line.len() - line.trim_start().len();
    let value = line.trim();
    let start = key + "image:".len() + lead;
    let quoted = value.len() >= 2
        && (value.starts_with('"') && value.ends_with('"')
            || value.starts_with('\'') && value.ends_with('\''));
    let (start, len) = if quoted {
        (start + 1, value.len() - 2)
    } else {
        (start, value.len())
    };
    (len > 0).then(|| Span::new(start, start + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The images a chart renders: (template, image, written value).
    fn rendered(values: &str, files: &[(&str, &str)]) -> Vec<(String, String, String)> {
        let files: Vec<(PathBuf, String)> = files
            .iter()
            .map(|(n, t)| (PathBuf::from(n), t.to_string()))
            .collect();
        let chart = "name: c\nversion: 0.1.0\nappVersion: 2.0.1\n";
        let t = Templates::new(chart.into(), Arc::new(files.clone()));
        let model = model_of(Path::new("values.yaml"), values, &t);
        model
            .images()
            .iter()
            .map(|r| {
                let (_, text) = files.iter().find(|(p, _)| *p == r.file).unwrap();
                (
                    r.file.display().to_string(),
                    r.text.clone(),
                    text[r.span.start..r.span.end].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn values_defaults_and_helpers() {
        let values =
            "image:\n  repository: app\n  tag: \"\"\nside:\n  enabled: false\n  image: side:1\n";
        let helpers = "{{- define \"c.tag\" -}}{{ .Values.image.tag | default (printf \"v%s\" .Chart.AppVersion) }}{{- end -}}";
        let deploy = "spec:\n  containers:\n    - image: \"{{ .Values.image.repository }}:{{ include \"c.tag\" . }}\"\n{{- if .Values.side.enabled }}\n    - image: {{ .Values.side.image }}\n{{- end }}\n";
        assert_eq!(
            rendered(
                values,
                &[("t/_helpers.tpl", helpers), ("t/deploy.yaml", deploy)]
            ),
            [(
                "t/deploy.yaml".to_string(),
                "app:v2.0.1".to_string(),
                "{{ .Values.image.repository }}:{{ include \"c.tag\" . }}".to_string()
            )]
        );
    }

    #[test]
    fn ranges_with_and_variables() {
        let values =
            "sidecars:\n  - name: a\n    image: a:1\n  - name: b\n    image: b:2\nreg: r.example\n";
        let t = "{{- $r := .Values.reg }}\n{{- range .Values.sidecars }}\n- image: {{ $r }}/{{ .image }}\n{{- end }}\n{{- with .Values.missing }}\n- image: never:1\n{{- end }}\n";
        let got: Vec<String> = rendered(values, &[("t/x.yaml", t)])
            .into_iter()
            .map(|r| r.1)
            .collect();
        assert_eq!(got, ["r.example/a:1", "r.example/b:2"]);
    }

    #[test]
    fn and_or_and_word_cases() {
        let values = "a: \"\"\nb: \"b:1\"\nname: web_front\n";
        let t = "- image: {{ or .Values.a .Values.b }}\n- image: {{ and .Values.b \"c:2\" }}\n- image: {{ and .Values.a \"d:3\" | default \"e:4\" }}\n- image: {{ .Values.name | camelcase | untitle }}:{{ \"x y\" | title | replace \" \" \"\" }}\n";
        let got: Vec<String> = rendered(values, &[("t/x.yaml", t)])
            .into_iter()
            .map(|r| r.1)
            .collect();
        assert_eq!(got, ["b:1", "c:2", "e:4", "webFront:XY"]);
    }

    #[test]
    fn unknown_parts_are_left_out() {
        // `.Capabilities`, `lookup` and undefined helpers are not known:
        // their images are not reported, and nothing else is lost.
        let t = "- image: {{ .Capabilities.KubeVersion.Version }}\n- image: {{ include \"lib.image\" . }}\n- image: {{ (lookup \"v1\" \"Pod\" \"\" \"x\").image }}\n- image: known:1\n";
        let got: Vec<String> = rendered("a: 1\n", &[("t/x.yaml", t)])
            .into_iter()
            .map(|r| r.1)
            .collect();
        assert_eq!(got, ["known:1"]);
    }

    #[test]
    fn fail_and_budgets_stop_a_file() {
        let t = "- image: a:1\n{{ fail \"no\" }}\n";
        assert!(rendered("a: 1\n", &[("t/x.yaml", t)]).is_empty());
        // A helper that includes itself stops at the call bound.
        let t = "{{- define \"loop\" }}{{ include \"loop\" . }}{{ end }}- image: {{ include \"loop\" . }}\n";
        assert!(rendered("a: 1\n", &[("t/x.yaml", t)]).is_empty());
    }

    #[test]
    fn fail_names_the_values_it_refuses() {
        // `split`, `regexMatch` and `%q` as traefik's version check uses
        // them: the file fails, naming the tag scalar.
        let values = "tag: latest\nok: v1.2@sha256:x\n";
        let t = "{{- $v := (split \"@\" .Values.tag)._0 }}\n{{- if not (regexMatch `^v?\\d+` $v) }}{{ fail (printf \"version %q\" .Values.tag) }}{{ end }}\n- image: a:1\n";
        let ok = "- image: b:{{ (split \"@\" .Values.ok)._0 }}\n";
        let files = vec![
            (PathBuf::from("t/x.yaml"), t.to_string()),
            (PathBuf::from("t/y.yaml"), ok.to_string()),
        ];
        let t = Templates::new("name: c\n".into(), Arc::new(files));
        let y = Yaml::parse(values).unwrap();
        let render = run_templates(&t, &y);
        let texts: Vec<&str> = render.images.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["b:v1.2"]);
        assert_eq!(
            render.refused,
            HashSet::from([values.find("latest").unwrap()])
        );
    }

    /// A pattern is compiled once per render, whichever files use it; the
    /// files still judge their own values by it.
    #[test]
    fn patterns_are_compiled_once_for_every_file() {
        let check = |n: &str| {
            format!("{{{{- if regexMatch `^v\\d` .Values.{n} }}}}\n- image: {n}:{{{{ .Values.{n} }}}}\n{{{{- end }}}}\n")
        };
        let files = vec![
            (PathBuf::from("t/a.yaml"), check("a")),
            (PathBuf::from("t/b.yaml"), check("b")),
        ];
        let t = Templates::new("name: c\n".into(), Arc::new(files));
        let y = Yaml::parse("a: v1\nb: latest\n").unwrap();
        let regexes = Rc::default();
        let render = run_with_values(&t, &y, &regexes);
        let texts: Vec<&str> = render.images.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["a:v1"]);
        assert_eq!(regexes.borrow().len(), 1);
    }

    #[test]
    fn agreement_ignores_a_tag_dropped_for_a_digest() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert!(same_image(
            &format!("r.io/app@{d}"),
            &format!("r.io/app:1@{d}")
        ));
        assert!(!same_image("r.io/app:2", "r.io/app:1"));
        assert!(!same_image(
            &format!("r.io/app:vv1@{d}"),
            &format!("r.io/app:v1@{d}")
        ));
        assert!(same_image("nginx:1", "docker.io/library/nginx:1"));
    }

    /// A chart on disk whose template writes its values' image.
    fn chart_on_disk(values: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("Chart.yaml"), "name: c\nversion: 1.0.0\n").unwrap();
        std::fs::write(dir.path().join("values.yaml"), values).unwrap();
        std::fs::write(
            dir.path().join("templates/pod.yaml"),
            "spec:\n  containers:\n    - image: \"{{ .Values.reg }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n",
        )
        .unwrap();
        dir
    }

    /// The values file read as on disk takes its render from the model
    /// the templates already made; other text (a fix, standard input) is
    /// run anew.
    #[test]
    fn values_as_on_disk_reuse_the_models_render() {
        let values = "reg: r.io\nimage:\n  repository: app\n  tag: \"1\"\n";
        let chart = chart_on_disk(values);
        let dir = chart.path();
        let renders = |text: &str| {
            let mut out = Vec::new();
            Yaml::for_each_document(text, None, &mut |y| {
                out.push(render(dir, y));
                true
            })
            .unwrap();
            out
        };
        let model = model(dir);
        let same = renders(values);
        assert!(Arc::ptr_eq(&same[0], &model.render));
        let fixed = renders("reg: r.io\nimage:\n  repository: app\n  tag: \"2\"\n");
        assert!(!Arc::ptr_eq(&fixed[0], &model.render));
        assert_eq!(fixed[0].images[0].text, "r.io/app:2");
        assert_eq!(same[0].images[0].text, "r.io/app:1");
    }

    /// While one thread works a chart out, another is told to read the
    /// chart's files later; the thread at work is not.
    #[test]
    fn a_chart_being_worked_out_is_seen_from_other_threads() {
        static SEEN: PerChart<()> = OnceLock::new();
        let dir = Path::new("/charts/being-worked-out");
        let file = dir.join("templates/pod.yaml");
        let (started, go_on) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                once_per_chart(&SEEN, dir, || {
                    assert!(!worked_out_elsewhere(&file));
                    started.wait();
                    go_on.wait();
                })
            });
            started.wait();
            assert!(worked_out_elsewhere(&file));
            assert!(!worked_out_elsewhere(Path::new(
                "/charts/other/values.yaml"
            )));
            go_on.wait();
        });
        assert!(!worked_out_elsewhere(&file));
    }
}
