//! `.imagelint.toml`: discovery and the raw, strictly checked keys (SPEC
//! section 5). Anything unknown is an error that names the key and the file.

use crate::image::Mirror;
use crate::rules::{RuleDef, SeveritySetting};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_NAMES: [&str; 2] = [".imagelint.toml", "imagelint.toml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub allowed_registries: Option<Vec<String>>,
    pub fail_on: Option<FailOn>,
    #[serde(default)]
    pub mirrors: BTreeMap<String, Mirror>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub rules: BTreeMap<String, SeveritySetting>,
    #[serde(default)]
    pub files: Files,
    #[serde(default)]
    pub rule: Vec<RuleDef>,
    #[serde(default)]
    pub insecure_registries: Vec<String>,
    #[serde(default)]
    pub resolve_via_mirror: bool,
    #[serde(default)]
    pub build_contexts: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Files {
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub kinds: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    Never,
    Info,
    Warning,
    Error,
}

/// A loaded configuration and the folder its relative globs start from.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub path: Option<PathBuf>,
    pub root: PathBuf,
}

pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read config: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse(text: &str) -> Result<Config, String> {
    toml::from_str::<Config>(text).map_err(|e| {
        let msg = e.message().to_string();
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: {msg}")
            }
            None => msg,
        }
    })
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
        let err = parse("allowed-registries = []\nmirorrs = {}\n").unwrap_err();
        assert!(err.contains("mirorrs"), "{err}");
        assert!(err.starts_with("line 2"), "{err}");
        let err = parse("[files]\nexclud = []\n").unwrap_err();
        assert!(err.contains("exclud"), "{err}");
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
