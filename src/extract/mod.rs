//! Every image position in a file, with the exact byte span of its text.
//! One module per file kind; they share the occurrence type and the YAML
//! tree.

pub(crate) mod azure;
pub(crate) mod bake;
pub(crate) mod bitbucket;
mod chart_tag;
pub(crate) mod circleci;
pub(crate) mod cloudformation;
pub(crate) mod compose;
pub(crate) mod devcontainer;
pub(crate) mod dockerfile;
mod dotenv;
pub(crate) mod drone;
mod flow_indent;
pub(crate) mod github;
pub(crate) mod gitlab;
mod gitlab_inputs;
mod hcl;
pub(crate) mod helm;
pub(crate) mod helm_chart;
pub(crate) mod helm_template;
pub(crate) mod interpolate;
pub(crate) mod jenkinsfile;
mod jsonc;
pub(crate) mod kubernetes;
pub(crate) mod quadlet;
mod skaffold;
pub(crate) mod terraform;
pub(crate) mod user;
pub(crate) mod yaml;

use crate::source::{LineIndex, Span};
use std::collections::BTreeMap;
use std::path::Path;
use yaml::{NodeId, Yaml};

/// One image reference found in a file.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// Where the text is written: inside quotes, after `docker://`, at an ARG
    /// default or a variable's value when the reference comes from there.
    pub span: Span,
    pub text: RefText,
    /// Where in the file this is, for people: `job build: services[0]`.
    pub context: String,
    /// The bytes under `span` are the reference text itself, so a fix may
    /// replace them.
    pub exact: bool,
    /// The separate fields of a Helm image map.
    /// Boxed: most references have none, and a file may hold many.
    pub helm: Option<Box<HelmFields>>,
}

impl Occurrence {
    /// A reference that is not one of a Helm image map's fields.
    pub fn new(span: Span, text: RefText, context: String, exact: bool) -> Occurrence {
        Occurrence {
            span,
            text,
            context,
            exact,
            helm: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefText {
    /// The reference after variables were resolved.
    Resolved(String),
    /// Variables that cannot be known here; the string says which, then
    /// optionally `; ` and what to do (the finding's message gives the
    /// first part, its help the second).
    Unresolved(String),
    /// A bare name in a Dockerfile `--from`: a named build context when the
    /// build passes one (`--build-context name=...`), else Docker Hub's
    /// `library/name`. Which one is not in the repository.
    MaybeBuildContext(String),
}

#[derive(Debug, Clone)]
pub struct HelmFields {
    pub registry: Option<Field>,
    pub repository: Field,
    pub tag: Option<Field>,
    pub digest: Option<Field>,
    /// What an empty `tag:` may be given with a digest: the tag the chart
    /// renders from its appVersion, when writing that text renders it
    /// again. None when the chart adds to it (`:v{{ ... }}`).
    pub chart_tag: Option<String>,
    /// Whether a digest may be added to `tag:`: not when the chart also
    /// uses the tag for something else (a label, a version comparison),
    /// which `tag@sha256:...` would break.
    pub digest_in_tag: bool,
}

/// One scalar of a Helm image map.
#[derive(Debug, Clone)]
pub struct Field {
    pub span: Span,
    pub value: String,
    pub exact: bool,
    /// Written in quotes, so even an empty value has a place to edit.
    pub quoted: bool,
}

/// What extraction may consult besides the file's text.
pub struct Env<'a> {
    pub variables: &'a BTreeMap<String, String>,
    pub build_contexts: &'a [String],
    /// The file on disk, to find a Helm chart's `Chart.yaml`.
    pub disk_path: &'a Path,
    /// For a kind the user declared (`[[files.extract]]`): how to read it.
    pub user_kind: Option<&'a user::UserKind>,
}

/// How a kind's image positions are found: from the text itself, or from
/// the YAML tree every YAML kind shares.
#[derive(Clone, Copy)]
pub(crate) enum Extractor {
    Text(fn(&str, &LineIndex, &Env) -> Vec<Occurrence>),
    Yaml(fn(&mut Sink, &Env)),
    /// JSON with comments, read as YAML (see `jsonc`).
    Jsonc(fn(&mut Sink, &Env)),
    /// HCL, parsed by the extractor itself (see `hcl`).
    Hcl(fn(&str, &Env) -> Result<Vec<Occurrence>, ExtractError>),
    /// A kind the user declared: read as `Env::user_kind` says.
    User,
}

/// Why a file's image positions could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExtractError {
    #[error(transparent)]
    Yaml(#[from] yaml::YamlError),
    #[error(transparent)]
    Hcl(#[from] hcl::HclError),
    #[error(transparent)]
    Toml(#[from] user::TomlError),
    #[error("YAML merge keys (`<<`) and aliases too deeply interwoven to follow: refused")]
    TooComplex,
}

/// Every image position in a file, sorted by place.
pub(crate) fn extract(
    extractor: Extractor,
    text: &str,
    lines: &LineIndex,
    env: &Env,
) -> Result<Vec<Occurrence>, ExtractError> {
    let mut found = match extractor {
        Extractor::Text(run) => run(text, lines, env),
        Extractor::Hcl(run) => run(text, env)?,
        // A YAML kind's JSON file (a CloudFormation template) is read as
        // JSON: tabs, which YAML refuses, blanked.
        Extractor::Yaml(run) if is_json(env.disk_path, text) => jsonc_occurrences(run, text, env)?,
        Extractor::Yaml(run) => yaml_occurrences(run, text, env)?,
        Extractor::Jsonc(run) => jsonc_occurrences(run, text, env)?,
        Extractor::User => match env.user_kind.map(|k| k.format) {
            Some(user::Format::Yaml) => yaml_occurrences(user::yaml, text, env)?,
            Some(user::Format::Json) => jsonc_occurrences(user::yaml, text, env)?,
            Some(user::Format::Toml) => user::toml(text, env)?,
            Some(user::Format::Regex) => user::regex(text, env),
            None => Vec::new(),
        },
    };
    // A node read twice, through an alias or a merge key, is reported once,
    // where it is written.
    found.sort_by(|a, b| (a.span, &a.text).cmp(&(b.span, &b.text)));
    found.dedup_by(|a, b| a.span == b.span && a.text == b.text);
    Ok(found)
}

/// A `.json` file, or a `.template` one holding JSON.
fn is_json(path: &Path, text: &str) -> bool {
    let name = path.as_os_str().as_encoded_bytes();
    name.ends_with(b".json") || name.ends_with(b".template") && text.trim_start().starts_with('{')
}

fn jsonc_occurrences(
    run: fn(&mut Sink, &Env),
    text: &str,
    env: &Env,
) -> Result<Vec<Occurrence>, ExtractError> {
    let source = jsonc::blanked(text);
    let same = flow_indent::Shift::none();
    yaml_pass(run, text, Some((&source, &same)), env)
}

/// A YAML kind's occurrences. A file saphyr refuses is read again with
/// under-indented flow collections re-indented, as libyaml and go-yaml
/// read them (see `flow_indent`); if that fails too, the first error
/// stands.
fn yaml_occurrences(
    run: fn(&mut Sink, &Env),
    text: &str,
    env: &Env,
) -> Result<Vec<Occurrence>, ExtractError> {
    let first = yaml_pass(run, text, None, env);
    let Err(ExtractError::Yaml(error)) = first else {
        return first;
    };
    let Some((source, shift)) = flow_indent::reindent(text) else {
        return Err(error.into());
    };
    match yaml_pass(run, text, Some((&source, &shift)), env) {
        Err(ExtractError::Yaml(_)) => Err(error.into()),
        other => other,
    }
}

fn yaml_pass(
    run: fn(&mut Sink, &Env),
    text: &str,
    reindented: Option<(&str, &flow_indent::Shift)>,
    env: &Env,
) -> Result<Vec<Occurrence>, ExtractError> {
    let mut out = Vec::new();
    let mut carried = Carried::default();
    let mut too_complex = false;
    Yaml::for_each_document(text, reindented, &mut |yaml| {
        let mut sink = Sink {
            yaml,
            out: &mut out,
            carried: &mut carried,
        };
        run(&mut sink, env);
        too_complex = yaml.exhausted();
        !too_complex
    })?;
    if too_complex {
        return Err(ExtractError::TooComplex);
    }
    Ok(out)
}

/// What one document of a file leaves for those after it (each document
/// is parsed and freed in turn, so nothing of its tree survives).
#[derive(Default)]
pub(crate) struct Carried {
    /// A GitLab CI/CD component's header document (`spec: inputs:`), for
    /// the document after it.
    pub gitlab_inputs: Option<gitlab_inputs::Inputs>,
}

/// Collects occurrences from a YAML tree.
pub(crate) struct Sink<'t, 'y> {
    pub yaml: &'y Yaml<'t>,
    pub out: &'y mut Vec<Occurrence>,
    pub carried: &'y mut Carried,
}

impl Sink<'_, '_> {
    /// A reference written at `span` of an earlier document.
    pub fn written_at(&mut self, span: Span, exact: bool, text: RefText, context: String) {
        self.out.push(Occurrence::new(span, text, context, exact));
    }

    /// A scalar that holds a reference to be used as written.
    pub fn literal(&mut self, node: NodeId, context: String) {
        let Some(s) = self.yaml.scalar(node) else {
            return;
        };
        let text = RefText::Resolved(s.value.to_string());
        self.written_at(s.span, s.exact, text, context);
    }

    /// A reference whose text was computed (variables resolved) from the
    /// scalar at `node`.
    pub fn computed(&mut self, node: NodeId, text: RefText, context: String) {
        let Some(s) = self.yaml.scalar(node) else {
            return;
        };
        let exact = s.exact && matches!(&text, RefText::Resolved(t) if *t == *s.value);
        self.written_at(s.span, exact, text, context);
    }

    /// A scalar that is a reference as written, unless it holds `$`: a
    /// variable the format substitutes where imagelint cannot know it, and
    /// then the reference is unresolved, `why`.
    pub fn literal_unless_variable(&mut self, node: NodeId, context: String, why: &str) {
        match self.yaml.str(node) {
            Some(raw) if raw.contains('$') => {
                let text = RefText::Unresolved(format!("`{raw}`: {why}"));
                self.computed(node, text, context);
            }
            Some(_) => self.literal(node, context),
            None => {}
        }
    }

    pub fn field(&self, node: NodeId) -> Option<Field> {
        let s = self.yaml.scalar(node)?;
        Some(Field {
            span: s.span,
            value: s.value.to_string(),
            exact: s.exact,
            quoted: matches!(
                s.style,
                saphyr_parser::ScalarStyle::SingleQuoted | saphyr_parser::ScalarStyle::DoubleQuoted
            ),
        })
    }
}

/// For the text extractors' unit tests: each reference `run` finds in
/// `text`, as the bytes its span covers and its text when resolved.
#[cfg(test)]
pub(crate) fn found_in(
    run: fn(&str, &LineIndex, &Env) -> Vec<Occurrence>,
    text: &str,
) -> Vec<(String, Option<String>)> {
    let variables = std::collections::BTreeMap::new();
    let env = Env {
        variables: &variables,
        build_contexts: &[],
        disk_path: std::path::Path::new("file"),
        user_kind: None,
    };
    run(text, &LineIndex::new(text), &env)
        .into_iter()
        .map(|o| {
            let resolved = match o.text {
                RefText::Resolved(t) => Some(t),
                _ => None,
            };
            (text[o.span.range()].to_string(), resolved)
        })
        .collect()
}
