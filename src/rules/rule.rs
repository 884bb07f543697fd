//! A rule compiled from its definition, and the test of whether it matches
//! one reference.

use super::message::fill;
use super::schema::{Presence, RuleDef, Severity, Target};
use crate::globs::glob_set;
use crate::image::tags::TagClass;
use crate::image::Image;
use crate::kinds::FileKind;
use globset::GlobSet;
use regex::Regex;

/// A rule that cannot be used: a bad id, glob, regex, class or kind, an
/// unknown rule named, a rule defined twice.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

/// A rule compiled for matching: its globs and regexes built once.
#[derive(Clone)]
pub struct Rule {
    pub def: RuleDef,
    /// The id, shared by every finding of the rule.
    pub shared_id: std::sync::Arc<str>,
    pub severity: Severity,
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

    pub(super) fn compile(def: RuleDef) -> Result<Rule, RuleError> {
        let id = def.id.clone();
        let ctx = |e: String| RuleError(format!("rule `{id}`: {e}"));
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
            registry: globs(&m.registry).map_err(|e| ctx(e.to_string()))?,
            repository: globs(&m.repository).map_err(|e| ctx(e.to_string()))?,
            path: globs(&m.path).map_err(|e| ctx(e.to_string()))?,
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
            && m.mirror_bypassed.is_none_or(|b| b == image.mirror_bypassed)
            && m.digest_stale.is_none_or(|s| s == image.digest_stale)
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

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}
