//! The rule file schema: built-in rules (`rules/*.toml`) and custom
//! `[[rule]]` tables in the config share it.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity override in `[rules]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SeveritySetting {
    Error,
    Warning,
    Info,
    Off,
}

/// What a rule is about: a parsed image, text that is no reference, a
/// reference whose variables cannot be resolved, or an inline suppression
/// comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    #[default]
    Image,
    Invalid,
    Unresolved,
    Suppression,
}

/// The edit a built-in rule offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    Mirror,
    Pin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Presence {
    Present,
    Absent,
}

/// The rule file schema.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleDef {
    pub id: String,
    pub severity: Severity,
    pub message: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub help: Option<String>,
    #[serde(default)]
    pub documentation: Option<String>,
    #[serde(default)]
    pub fix: Option<FixKind>,
    #[serde(default)]
    pub target: Target,
    #[serde(default)]
    pub unless: Vec<String>,
    #[serde(default, rename = "match")]
    pub matcher: MatchDef,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MatchDef {
    pub registry: Option<Vec<String>>,
    pub repository: Option<Vec<String>>,
    pub tag: Option<String>,
    pub tag_class: Option<Vec<String>>,
    pub digest: Option<Presence>,
    pub registry_written: Option<bool>,
    pub registry_allowed: Option<bool>,
    pub mirror_bypassed: Option<bool>,
    pub digest_stale: Option<bool>,
    pub kind: Option<Vec<String>>,
    pub path: Option<Vec<String>>,
}
