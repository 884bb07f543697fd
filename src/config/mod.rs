//! `.imagelint.toml`: discovery and the raw, strictly checked keys (SPEC
//! section 5). Anything unknown is an error that names the key, the file,
//! the line and the column; every such error is reported, not just the
//! first.

#[cfg(test)]
mod json_schema;

use crate::image::Mirror;
use crate::rules::{RuleDef, SeveritySetting};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub const CONFIG_NAMES: [&str; 2] = [".imagelint.toml", "imagelint.toml"];

/// imagelint's configuration, `.imagelint.toml` (or `imagelint.toml`).
// The doc comments on these types are the JSON Schema's descriptions, which
// editors show on hover.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(title = "imagelint configuration"))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Registries images may come from: a host (`registry.corp.example`) or a
    /// host/path prefix (`ghcr.io/acme/**`), globs allowed. Unset allows all.
    pub allowed_registries: Option<Vec<String>>,
    /// The least severity that makes `check` exit 1.
    pub fail_on: Option<FailOn>,
    /// Upstream registry (`docker.io`) to the mirror prefix that serves it
    /// (`registry.corp.example/dockerhub`).
    #[serde(default)]
    pub mirrors: BTreeMap<String, Mirror>,
    /// Values for variables in references (`CI_REGISTRY_IMAGE`), used where
    /// the file itself does not define them.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// Severity per rule id: `error`, `warning`, `info` or `off`.
    #[serde(default)]
    pub rules: BTreeMap<String, SeveritySetting>,
    /// Which files are read, and as what.
    #[serde(default)]
    pub files: Files,
    /// Custom rules, in the same schema as the built-in `rules/*.toml`.
    #[serde(default)]
    pub rule: Vec<RuleDef>,
    /// Registries `lock` and `mirror check` reach over plain HTTP (host or
    /// host:port).
    #[serde(default)]
    pub insecure_registries: Vec<String>,
    /// `lock` asks the mirror configured for a registry, not the upstream,
    /// for digests.
    #[serde(default)]
    pub resolve_via_mirror: bool,
    /// Build contexts your builds pass with `--build-context NAME=...`: a
    /// Dockerfile's `COPY --from=NAME` then reads a context, not an image.
    #[serde(default)]
    pub build_contexts: Vec<String>,
    /// A config file whose settings this one starts from (relative to this
    /// file): its tables are merged key by key, its lists of rules, excludes
    /// and per-file ignores come first, and every other key set here wins.
    pub extend: Option<String>,
    /// Report an inline suppression that gives no reason
    /// (`# imagelint: ignore[rule] -- why`) as `invalid-suppression`.
    #[serde(default)]
    pub require_suppression_reason: bool,
    /// The top-level keys this file (not a file it extends) sets.
    #[serde(skip)]
    #[cfg_attr(test, schemars(skip))]
    pub keys_set: Vec<String>,
    /// The files `extend` brought in, nearest first, as shown.
    #[serde(skip)]
    #[cfg_attr(test, schemars(skip))]
    pub extended: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Files {
    /// Globs of paths never read.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Kind name (`kubernetes`, `compose`, `gitlab-ci`...) to extra globs of
    /// paths read as that kind.
    #[serde(default)]
    pub kinds: BTreeMap<String, Vec<String>>,
    /// Rules not applied to some paths: `[[files.per-file-ignores]]` tables
    /// of `paths` (globs) and `ignore` (rule ids).
    #[serde(default)]
    pub per_file_ignores: Vec<PerFileIgnore>,
    /// Kinds of file you declare: `[[files.extract]]` tables of `paths`
    /// (globs), `format` and where the images are (`images` key paths, or
    /// a regex `pattern`). Read as kind `custom`, before any built-in kind.
    #[serde(default)]
    pub extract: Vec<ExtractDecl>,
}

/// A kind of file you declare, and where its image references are.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExtractDecl {
    /// Globs of paths, relative to the config file's folder.
    pub paths: Vec<String>,
    /// How the files are read: `yaml`, `json`, `toml`, or `regex` over the
    /// text.
    pub format: crate::extract::user::Format,
    /// For `yaml`, `json` and `toml`: key paths to the references, `.`
    /// between keys, `*` any key or item, `[*]` any item, `[N]` item N
    /// (`steps[*].image`, `spec.*.image`).
    #[serde(default)]
    pub images: Vec<String>,
    /// For `regex`: a regular expression whose named group `image` is a
    /// reference (`(?m)^\s*IMAGE=(?P<image>\S+)`).
    pub pattern: Option<String>,
}

/// Rules that do not apply to the files some globs match.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PerFileIgnore {
    /// Globs of paths, relative to the config file's folder.
    pub paths: Vec<String>,
    /// Rule ids not reported in those files.
    pub ignore: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, clap::ValueEnum)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    Never,
    Info,
    Warning,
    Error,
}

/// One problem in a config file, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    /// 1-based; 0 when the problem has no place in the text.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.path, self.message),
            line => write!(f, "{}:{line}:{}: {}", self.path, self.column, self.message),
        }
    }
}

/// Every problem found in a config file, in the order of the text.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct ConfigErrors(pub Vec<ConfigError>);

/// How many `extend` links a config may follow: more is a loop or a
/// mistake.
const MAX_EXTENDS: usize = 8;

/// The config at `path` with what it extends merged in.
pub fn load(path: &Path, shown: &str) -> Result<Config, ConfigErrors> {
    let mut chain = vec![path.to_path_buf()];
    let mut config = load_one(path, shown)?;
    let mut shown_now = shown.to_string();
    let mut layers = Vec::new();
    while let Some(base) = config.extend.take() {
        let dir = chain
            .last()
            .and_then(|p| p.parent())
            .unwrap_or(Path::new(""));
        let base_path = dir.join(&base);
        let base_shown = Path::new(&shown_now)
            .parent()
            .unwrap_or(Path::new(""))
            .join(&base)
            .to_string_lossy()
            .replace('\\', "/");
        let base_file = std::fs::canonicalize(&base_path).ok();
        let same = |p: &PathBuf| base_file.is_some() && std::fs::canonicalize(p).ok() == base_file;
        if chain.iter().any(same) || chain.len() > MAX_EXTENDS {
            return Err(one_error(
                &shown_now,
                format!(
                    "`extend = \"{base}\"` makes a loop or a chain longer than {MAX_EXTENDS} files"
                ),
            ));
        }
        layers.push(config);
        config = load_one(&base_path, &base_shown)?;
        chain.push(base_path);
        shown_now = base_shown;
    }
    // `config` is the farthest base: lay each extending file over it.
    while let Some(over) = layers.pop() {
        config = merge(config, over);
    }
    config.extended = chain
        .iter()
        .skip(1)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    Ok(config)
}

/// A problem of a whole config file, at no place in its text.
fn one_error(shown: &str, message: String) -> ConfigErrors {
    ConfigErrors(vec![ConfigError {
        path: shown.to_string(),
        line: 0,
        column: 0,
        message,
    }])
}

/// `over` laid on `base`: tables merge key by key, lists of rules, excludes
/// and per-file ignores add up (a custom rule of the same id replaces the
/// base's), and any other key `over` sets replaces the base's.
fn merge(mut base: Config, over: Config) -> Config {
    let set = |key: &str| over.keys_set.iter().any(|k| k == key);
    // A key the extending file sets replaces the base's value.
    macro_rules! replace_if_set {
        ($($key:literal => $field:ident),* $(,)?) => {
            $(if set($key) {
                base.$field = over.$field;
            })*
        };
    }
    replace_if_set!(
        "allowed-registries" => allowed_registries,
        "fail-on" => fail_on,
        "insecure-registries" => insecure_registries,
        "resolve-via-mirror" => resolve_via_mirror,
        "build-contexts" => build_contexts,
        "require-suppression-reason" => require_suppression_reason,
    );
    base.mirrors.extend(over.mirrors);
    base.variables.extend(over.variables);
    base.rules.extend(over.rules);
    base.files.exclude.extend(over.files.exclude);
    base.files.kinds.extend(over.files.kinds);
    // The extending file's declarations are tried first.
    let mut extract = over.files.extract;
    extract.append(&mut base.files.extract);
    base.files.extract = extract;
    base.files
        .per_file_ignores
        .extend(over.files.per_file_ignores);
    for rule in over.rule {
        base.rule.retain(|r| r.id != rule.id);
        base.rule.push(rule);
    }
    base.keys_set.extend(over.keys_set);
    base
}

/// One config file as written, `extend` not followed.
fn load_one(path: &Path, shown: &str) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        one_error(
            shown,
            format!(
                "cannot read config: {}",
                crate::discover::paths::io_cause(&e)
            ),
        )
    })?;
    parse(&text).map_err(|errors| {
        ConfigErrors(
            errors
                .into_iter()
                .map(|(at, message)| {
                    let (line, column) = at.map_or((0, 0), |at| line_column(&text, at));
                    ConfigError {
                        path: shown.to_string(),
                        line,
                        column,
                        message,
                    }
                })
                .collect(),
        )
    })
}

/// Parses a config. Every top-level key is checked on its own (and every
/// `[[rule]]` table), so one run reports every mistake, each with the byte
/// offset where it is.
pub fn parse(text: &str) -> Result<Config, Vec<(Option<usize>, String)>> {
    let (doc, syntax) = DeTable::parse_recoverable(text);
    let mut errors: Vec<(Option<usize>, String)> = syntax.iter().map(located).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut config = Config::default();
    for (key, value) in doc.into_inner() {
        let at = key.span().start;
        config.keys_set.push(key.get_ref().to_string());
        let mut check = |r: Result<(), toml::de::Error>| {
            if let Err(e) = r {
                errors.push(located(&e));
            }
        };
        match key.get_ref().as_ref() {
            "allowed-registries" => check(de(value).map(|v| config.allowed_registries = Some(v))),
            "fail-on" => check(de(value).map(|v| config.fail_on = Some(v))),
            "mirrors" => check(de(value).map(|v| config.mirrors = v)),
            "variables" => check(de(value).map(|v| config.variables = v)),
            "rules" => check(de(value).map(|v| config.rules = v)),
            "files" => check(de(value).map(|v| config.files = v)),
            "insecure-registries" => check(de(value).map(|v| config.insecure_registries = v)),
            "resolve-via-mirror" => check(de(value).map(|v| config.resolve_via_mirror = v)),
            "build-contexts" => check(de(value).map(|v| config.build_contexts = v)),
            "extend" => check(de(value).map(|v| config.extend = Some(v))),
            "require-suppression-reason" => {
                check(de(value).map(|v| config.require_suppression_reason = v))
            }
            "rule" => match value.into_inner() {
                DeValue::Array(tables) => {
                    for table in tables {
                        check(de(table).map(|r| config.rule.push(r)));
                    }
                }
                _ => errors.push((
                    Some(at),
                    "`rule` must be an array of tables: `[[rule]]`".into(),
                )),
            },
            other => errors.push((
                Some(at),
                format!("unknown key `{other}`, expected one of {}", KEYS.join(", ")),
            )),
        }
    }
    errors.sort_by_key(|(at, _)| *at);
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

const KEYS: [&str; 12] = [
    "allowed-registries",
    "fail-on",
    "mirrors",
    "variables",
    "rules",
    "files",
    "rule",
    "insecure-registries",
    "resolve-via-mirror",
    "build-contexts",
    "require-suppression-reason",
    "extend",
];

fn de<'de, T: serde::Deserialize<'de>>(value: Spanned<DeValue<'de>>) -> Result<T, toml::de::Error> {
    T::deserialize(toml::de::ValueDeserializer::from(value))
}

fn located(e: &toml::de::Error) -> (Option<usize>, String) {
    (e.span().map(|s| s.start), e.message().trim().to_string())
}

/// 1-based line and character column of a byte offset.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The nearest config file from `start` up to the repository root (the
/// first folder holding `.git`), if any.
pub fn discover(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        for name in CONFIG_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let text = "allowed-registries = []\nmirorrs = {}\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].1.contains("mirorrs"), "{err:?}");
        assert_eq!(line_column(text, err[0].0.unwrap()), (2, 1));
        let err = parse("[files]\nexclud = []\n").unwrap_err();
        assert!(err[0].1.contains("exclud"), "{err:?}");
    }

    #[test]
    fn every_error_is_reported_with_its_place() {
        let text = "fail-on = \"sometimes\"\nmirrors = 3\n[[rule]]\nid = \"a\"\n[[rule]]\nid = \"b\"\nseverity = \"error\"\nmessage = \"m\"\nbogus = 1\n";
        let err = parse(text).unwrap_err();
        let places: Vec<(usize, usize)> = err
            .iter()
            .map(|(at, _)| line_column(text, at.unwrap()))
            .collect();
        // fail-on's value, mirrors' value, the first rule (missing keys),
        // the second rule's unknown key.
        assert_eq!(err.len(), 4, "{err:?}");
        assert_eq!(places[0], (1, 11), "{err:?}");
        assert_eq!(places[1].0, 2, "{err:?}");
        assert!(err[3].1.contains("bogus"), "{err:?}");
    }

    #[test]
    fn spec_example_parses() {
        let c = parse(
            r#"
allowed-registries = ["registry.corp.example", "ghcr.io/acme/**"]
fail-on = "warning"
[mirrors]
"docker.io" = "registry.corp.example/dockerhub"
"ghcr.io"   = "registry.corp.example/ghcr"
[variables]
CI_REGISTRY_IMAGE = "registry.gitlab.com/acme/app"
[rules]
missing-digest = "info"
[files]
exclude = ["third_party/**"]
[files.kinds]
kubernetes = ["deploy/**/*.yaml"]
"#,
        )
        .unwrap();
        assert_eq!(
            c.mirrors["docker.io"].prefix(),
            "registry.corp.example/dockerhub"
        );
        assert_eq!(c.fail_on, Some(FailOn::Warning));
    }
}
