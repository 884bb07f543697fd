//! Rules are data: the built-in ones are the TOML files in `rules/`, embedded
//! here, and custom `[[rule]]` tables in the config use the same schema.

use crate::classify::{glob_set, FileKind};
use crate::image::{Image, Origin};
use crate::tags::TagClass;
use globset::GlobSet;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The built-in rule files, in the order `imagelint rules` lists them.
pub const BUILTIN: [(&str, &str); 7] = [
    (
        "implicit-docker-hub",
        include_str!("../rules/implicit-docker-hub.toml"),
    ),
    (
        "disallowed-registry",
        include_str!("../rules/disallowed-registry.toml"),
    ),
    ("mutable-tag", include_str!("../rules/mutable-tag.toml")),
    ("floating-tag", include_str!("../rules/floating-tag.toml")),
    (
        "missing-digest",
        include_str!("../rules/missing-digest.toml"),
    ),
    (
        "invalid-reference",
        include_str!("../rules/invalid-reference.toml"),
    ),
    (
        "unresolved-reference",
        include_str!("../rules/unresolved-reference.toml"),
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
#[serde(rename_all = "kebab-case")]
pub enum SeveritySetting {
    Error,
    Warning,
    Info,
    Off,
}

/// What a rule is about: a parsed image, text that is no reference, or a
/// reference whose variables cannot be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    #[default]
    Image,
    Invalid,
    Unresolved,
}

/// The edit a built-in rule offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    Mirror,
    Pin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Presence {
    Present,
    Absent,
}

/// The rule file schema.
#[derive(Debug, Clone, Deserialize)]
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
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MatchDef {
    pub registry: Option<Vec<String>>,
    pub repository: Option<Vec<String>>,
    pub tag: Option<String>,
    pub tag_class: Option<Vec<String>>,
    pub digest: Option<Presence>,
    pub registry_written: Option<bool>,
    pub registry_allowed: Option<bool>,
    pub kind: Option<Vec<String>>,
    pub path: Option<Vec<String>>,
}

pub struct Rule {
    pub def: RuleDef,
    /// The id, shared by every finding of the rule.
    pub shared_id: std::sync::Arc<str>,
    pub severity: Severity,
    pub builtin: bool,
    registry: Option<GlobSet>,
    repository: Option<GlobSet>,
    tag: Option<Regex>,
    tag_class: Option<Vec<TagClass>>,
    kind: Option<Vec<FileKind>>,
    path: Option<GlobSet>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.def.id
    }

    pub fn summary(&self) -> &str {
        self.def.summary.as_deref().unwrap_or(&self.def.message)
    }

    fn compile(def: RuleDef, builtin: bool) -> Result<Rule, String> {
        let id = def.id.clone();
        let ctx = |e: String| format!("rule `{id}`: {e}");
        if !is_kebab(&def.id) {
            return Err(ctx("ids are kebab-case (`no-bitnami`)".into()));
        }
        let m = &def.matcher;
        let globs = |v: &Option<Vec<String>>| v.as_deref().map(glob_set).transpose();
        let tag = m
            .tag
            .as_deref()
            .map(|t| Regex::new(&format!("^(?:{t})$")).map_err(|e| e.to_string()))
            .transpose()
            .map_err(ctx)?;
        let tag_class = m
            .tag_class
            .as_ref()
            .map(|v| {
                v.iter()
                    .map(|c| {
                        TagClass::from_name(c).ok_or_else(|| format!("unknown tag class `{c}`"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(ctx)?;
        let kind = m
            .kind
            .as_ref()
            .map(|v| {
                v.iter()
                    .map(|k| {
                        FileKind::from_name(k).ok_or_else(|| format!("unknown file kind `{k}`"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(ctx)?;
        Ok(Rule {
            shared_id: def.id.as_str().into(),
            severity: def.severity,
            builtin,
            registry: globs(&m.registry).map_err(ctx)?,
            repository: globs(&m.repository).map_err(ctx)?,
            path: globs(&m.path).map_err(ctx)?,
            tag,
            tag_class,
            kind,
            def,
        })
    }

    /// Whether the rule's match holds; `image` is `None` for invalid and
    /// unresolved references.
    pub fn matches(
        &self,
        target: Target,
        kind: FileKind,
        path: &str,
        image: Option<&Image>,
    ) -> bool {
        if self.def.target != target {
            return false;
        }
        if self.kind.as_ref().is_some_and(|k| !k.contains(&kind)) {
            return false;
        }
        if self.path.as_ref().is_some_and(|p| !p.is_match(path)) {
            return false;
        }
        let Some(image) = image else {
            return true;
        };
        let m = &self.def.matcher;
        let subject = image.effective();
        let tag = subject.tag.as_deref();
        self.registry
            .as_ref()
            .is_none_or(|g| g.is_match(&subject.registry))
            && self
                .repository
                .as_ref()
                .is_none_or(|g| g.is_match(&subject.repository))
            && self
                .tag
                .as_ref()
                .is_none_or(|re| tag.is_some_and(|t| re.is_match(t)))
            && self
                .tag_class
                .as_ref()
                .is_none_or(|c| c.contains(&image.tag_class))
            && m.digest
                .is_none_or(|d| (d == Presence::Present) == subject.digest.is_some())
            && m.registry_written
                .is_none_or(|w| w == image.registry_written())
            && m.registry_allowed
                .is_none_or(|a| a == image.registry_allowed)
    }

    /// The message with `{placeholders}` filled in.
    pub fn message(&self, text: &str, image: Option<&Image>, detail: &str) -> String {
        fill(&self.def.message, text, image, detail)
    }

    pub fn help(&self, text: &str, image: Option<&Image>, detail: &str) -> Option<String> {
        self.def
            .help
            .as_deref()
            .map(|h| fill(h, text, image, detail))
    }
}

fn fill(template: &str, text: &str, image: Option<&Image>, detail: &str) -> String {
    let mut out = String::with_capacity(template.len() + text.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = &after[..close];
        let r = image.map(|i| i.effective());
        let value: Option<String> = match key {
            "image" => Some(text.to_string()),
            "detail" => Some(detail.to_string()),
            "registry" => r.map(|r| r.registry.clone()),
            "repository" => r.map(|r| r.repository.clone()),
            "tag" => Some(r.and_then(|r| r.tag.clone()).unwrap_or_default()),
            "tag-class" => image.map(|i| i.tag_class.to_string()),
            "tag-class-text" => {
                image.map(|i| tag_class_text(i.tag_class, r.and_then(|r| r.tag.as_deref())))
            }
            "canonical" => image.map(|i| i.reference.canonical()),
            "upstream" => image
                .and_then(|i| i.upstream.as_ref())
                .map(|u| u.canonical()),
            _ => None,
        };
        match value {
            Some(v) => out.push_str(&v),
            None => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The tag's class as words, for messages.
fn tag_class_text(class: TagClass, tag: Option<&str>) -> String {
    let tag = tag.unwrap_or("");
    match class {
        TagClass::Missing => "is missing, so Docker pulls `latest`".into(),
        TagClass::Latest => "`latest` moves with every release".into(),
        TagClass::Moving => format!("`{tag}` is a name the publisher re-points"),
        TagClass::FloatingVersion => format!("`{tag}` floats to every new release"),
        TagClass::FullVersion | TagClass::Other => format!("`{tag}` can still be re-pushed"),
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

pub fn builtin_defs() -> Vec<RuleDef> {
    BUILTIN
        .iter()
        .map(|(name, text)| {
            // The files ship inside the binary and a test parses every one.
            toml::from_str::<RuleDef>(text).unwrap_or_else(|e| panic!("rules/{name}.toml: {e}"))
        })
        .collect()
}

/// `docs/rules.md`, generated from the rule files (a test keeps it current).
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated from `rules/*.toml` by `cargo test` (set `UPDATE_DOCS=1` to rewrite); \
         `imagelint explain RULE` prints the same text.\n\n| id | default | fixable | summary |\n|---|---|---|---|\n",
    );
    let defs = builtin_defs();
    for d in &defs {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} | {3} |\n",
            d.id,
            d.severity,
            if d.fix.is_some() { "yes" } else { "no" },
            d.summary.as_deref().unwrap_or("")
        ));
    }
    for d in &defs {
        out.push_str(&format!("\n## {}\n\n", d.id));
        let doc = d.documentation.as_deref().unwrap_or("").trim();
        // Rule docs use `##` headings; nest them under the rule's own.
        for line in doc.lines() {
            if line.starts_with("## ") {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The rules in force: built-ins with overrides applied, then custom rules.
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

pub struct Selection<'a> {
    pub select: &'a [String],
    pub ignore: &'a [String],
}

impl RuleSet {
    pub fn new(
        overrides: &BTreeMap<String, SeveritySetting>,
        custom: &[RuleDef],
        selection: &Selection,
    ) -> Result<RuleSet, String> {
        let mut rules = Vec::new();
        for def in builtin_defs() {
            rules.push(Rule::compile(def, true)?);
        }
        for def in custom {
            if def.fix.is_some() {
                return Err(format!(
                    "rule `{}`: custom rules cannot declare a fix",
                    def.id
                ));
            }
            if rules.iter().any(|r| r.id() == def.id) {
                return Err(format!("rule `{}` is defined twice", def.id));
            }
            rules.push(Rule::compile(def.clone(), false)?);
        }
        let known = |id: &str| rules.iter().any(|r| r.id() == id);
        for id in overrides
            .keys()
            .chain(selection.select)
            .chain(selection.ignore)
        {
            if !known(id) {
                return Err(format!("unknown rule `{id}`"));
            }
        }
        for rule in &rules {
            if let Some(bad) = rule.def.unless.iter().find(|u| !known(u)) {
                return Err(format!(
                    "rule `{}`: `unless` names unknown rule `{bad}`",
                    rule.id()
                ));
            }
        }
        let mut off = Vec::new();
        for rule in &mut rules {
            match overrides.get(rule.id()) {
                Some(SeveritySetting::Off) => off.push(rule.id().to_string()),
                Some(SeveritySetting::Error) => rule.severity = Severity::Error,
                Some(SeveritySetting::Warning) => rule.severity = Severity::Warning,
                Some(SeveritySetting::Info) => rule.severity = Severity::Info,
                None => {}
            }
        }
        let selected = |id: &str| {
            (selection.select.is_empty() || selection.select.iter().any(|s| s == id))
                && !selection.ignore.iter().any(|s| s == id)
                && !off.iter().any(|s| s == id)
        };
        rules.retain(|r| selected(r.id()));
        Ok(RuleSet { rules })
    }

    /// The rules that fire for one reference, `unless` applied.
    pub fn evaluate(
        &self,
        target: Target,
        kind: FileKind,
        path: &str,
        image: Option<&Image>,
    ) -> Vec<&Rule> {
        let fired: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.matches(target, kind, path, image))
            .collect();
        fired
            .iter()
            .filter(|r| {
                !r.def
                    .unless
                    .iter()
                    .any(|u| fired.iter().any(|f| f.id() == u))
            })
            .copied()
            .collect()
    }
}

impl Image {
    fn registry_written(&self) -> bool {
        self.origin != Origin::Direct || self.reference.registry_written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_are_generated_from_rule_files() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
        let want = rules_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test`"
        );
    }

    #[test]
    fn every_rule_file_is_embedded_and_valid() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = BUILTIN.iter().map(|(n, _)| format!("{n}.toml")).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
        for def in builtin_defs() {
            let name = BUILTIN.iter().find(|(n, _)| *n == def.id).map(|(n, _)| *n);
            assert_eq!(name, Some(def.id.as_str()), "file name matches id");
            assert!(def.summary.is_some() && def.documentation.is_some() && def.help.is_some());
        }
        let set = RuleSet::new(
            &BTreeMap::new(),
            &[],
            &Selection {
                select: &[],
                ignore: &[],
            },
        )
        .unwrap();
        assert_eq!(set.rules.len(), 7);
    }
}
