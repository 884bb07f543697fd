//! One file's text to its inventory entries and findings: extract, parse each
//! reference, run the rules, plan the fixes, apply inline suppressions.

pub mod finding;
pub mod suppress;

use crate::analyze::finding::{Edit, Entry, Finding, Fix, ImageInfo, Location};
use crate::analyze::suppress::Suppressions;
use crate::extract::{self, Env, Field, HelmFields, Occurrence, RefText};
use crate::image::{Image, Origin, Policy};
use crate::kinds::FileKind;
use crate::lock::Lock;
use crate::rules::{FixKind, Rule, RuleSet, Target};
use crate::source::LineIndex;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Everything the analysis of a file consults, shared by all threads.
pub struct Context {
    pub rules: RuleSet,
    pub policy: Policy,
    pub lock: Lock,
    pub variables: BTreeMap<String, String>,
    pub build_contexts: Vec<String>,
    /// Keep an inventory entry per reference (`imagelint inventory`).
    pub collect_entries: bool,
    pub fix: crate::engine::FixMode,
    /// `resolve-via-mirror`: ask the mirror, not the upstream, for digests.
    pub resolve_via_mirror: bool,
}

#[derive(Default)]
pub struct Analysis {
    /// How many image references the file holds.
    pub images: usize,
    pub entries: Vec<Entry>,
    pub findings: Vec<Finding>,
}

pub struct FileRef<'a> {
    /// As shown in output: relative to the current directory, `/`-separated.
    pub path: &'a Arc<str>,
    /// Relative to the configuration root, for `path` globs in rules.
    pub rule_path: &'a str,
    pub disk_path: &'a Path,
    pub kind: FileKind,
}

pub fn analyze(
    ctx: &Context,
    file: &FileRef,
    text: &str,
    lines: &LineIndex,
) -> Result<Analysis, String> {
    let env = Env {
        variables: &ctx.variables,
        build_contexts: &ctx.build_contexts,
        disk_path: file.disk_path,
    };
    let occurrences = extract::extract(file.kind.spec().extractor, text, lines, &env)
        .map_err(|e| e.to_string())?;
    let suppressions = Suppressions::scan(text);
    let mut out = Analysis::default();
    for occ in &occurrences {
        let location = Location::new(text, lines, occ.span);
        let (target, image, detail, shown) = match &occ.text {
            RefText::Resolved(t) => match ctx.policy.analyze(t) {
                Ok(image) => (Target::Image, Some(image), String::new(), t.clone()),
                Err(e) => (Target::Invalid, None, e.0, t.clone()),
            },
            RefText::Unresolved(why) => (
                Target::Unresolved,
                None,
                why.clone(),
                text[occ.span.range()].to_string(),
            ),
        };
        let info = image.as_ref().map(|i| Arc::new(ImageInfo::new(&shown, i)));
        let context: Arc<str> = occ.context.as_str().into();
        out.images += 1;
        if ctx.collect_entries {
            out.entries.push(Entry {
                path: file.path.clone(),
                kind: file.kind,
                location: location.clone(),
                context: context.clone(),
                image: info.clone(),
                text: shown.clone(),
                problem: (!detail.is_empty()).then(|| detail.clone()),
                tag_class: image.as_ref().map(|i| i.tag_class.as_str()),
                lock: image.as_ref().and_then(|i| lock_target(ctx, i)),
            });
        }
        let fired = ctx
            .rules
            .evaluate(target, file.kind, file.rule_path, image.as_ref());
        if fired.is_empty() {
            continue;
        }
        let line = location.start.line - 1;
        let fired: Vec<&Rule> = fired
            .into_iter()
            .filter(|r| !suppressions.covers(line, r.id()))
            .collect();
        let plan = image.as_ref().map(|i| plan_fix(ctx, occ, i, &fired));
        for rule in fired {
            let fix = match (rule.def.fix, &plan) {
                (Some(kind), Some(plan)) => plan.fix_for(kind),
                _ => None,
            };
            let missing_lock_key = plan.as_ref().and_then(|p| p.missing_lock_key.as_deref());
            let help = match (&fix, plan.as_ref().map(|p| &p.final_text)) {
                (Some(_), Some(text)) => {
                    Some(format!("`imagelint check --fix` rewrites it to `{text}`"))
                }
                _ => match (rule.def.fix, missing_lock_key) {
                    (Some(FixKind::Pin), Some(key)) => Some(format!(
                        "no digest for `{key}` in the lock file: run `imagelint lock` to record one"
                    )),
                    _ => rule.help(&shown, image.as_ref(), &detail),
                },
            };
            out.findings.push(Finding {
                rule: rule.shared_id.clone(),
                severity: rule.severity,
                message: rule.message(&shown, image.as_ref(), &detail),
                help,
                path: file.path.clone(),
                kind: file.kind,
                span: occ.span,
                location: location.clone(),
                context: context.clone(),
                image: info.clone(),
                fix,
            });
        }
    }
    out.findings
        .sort_by(|a, b| (a.span.start, &a.rule).cmp(&(b.span.start, &b.rule)));
    Ok(out)
}

/// What `imagelint lock` resolves for an image: nothing when it is pinned
/// or its registry is only known symbolically (`$CI_REGISTRY`).
fn lock_target(
    ctx: &Context,
    image: &Image,
) -> Option<(String, crate::image::reference::Reference)> {
    if image.pinned() || image.effective().registry.starts_with('$') {
        return None;
    }
    let key = image.effective().lock_key();
    let at = if ctx.resolve_via_mirror && image.origin == Origin::Mirror {
        image.reference.clone()
    } else {
        image.effective().clone()
    };
    Some((key, at))
}

/// The one edit that brings a reference to its final form, and which rule
/// kinds it serves.
struct Plan {
    edit: Option<Fix>,
    /// The reference as the fix leaves it.
    final_text: String,
    mirrored: bool,
    pinned: bool,
    missing_lock_key: Option<String>,
}

impl Plan {
    fn fix_for(&self, kind: FixKind) -> Option<Fix> {
        let serves = match kind {
            FixKind::Mirror => self.mirrored,
            FixKind::Pin => self.pinned,
        };
        if serves {
            self.edit.clone()
        } else {
            None
        }
    }
}

fn plan_fix(ctx: &Context, occ: &Occurrence, image: &Image, fired: &[&Rule]) -> Plan {
    let wants = |k: FixKind| fired.iter().any(|r| r.def.fix == Some(k));
    let r = &image.reference;
    // The mirror prefix and the repository path to write under it.
    let mirror = (wants(FixKind::Mirror) && image.origin == Origin::Direct)
        .then(|| ctx.policy.mirror_for(&r.registry))
        .flatten()
        .map(|m| {
            let repo = match r.repository.strip_prefix("library/") {
                Some(short) if !m.keep_library() && r.is_docker_hub() => short,
                _ => &r.repository,
            };
            (m.prefix().to_string(), repo.to_string())
        });
    let mut digest = None;
    let mut missing_lock_key = None;
    if wants(FixKind::Pin) && r.digest.is_none() {
        let key = image.effective().lock_key();
        match ctx.lock.digest(&key) {
            Some(d) => digest = Some(d.to_string()),
            None => missing_lock_key = Some(key),
        }
    }
    let (edits, mirrored, pinned) = match &occ.helm {
        Some(fields) => helm_edits(fields, mirror.as_ref(), digest.as_deref()),
        None if occ.exact && (mirror.is_some() || digest.is_some()) => {
            // Without a mirror rewrite the written text stays as it is.
            let mut text = match (&mirror, &occ.text) {
                (None, RefText::Resolved(written)) => written.clone(),
                _ => {
                    let (prefix, repo) = mirror.clone().unwrap_or_default();
                    format!("{prefix}/{repo}{}", r.suffix())
                }
            };
            if let Some(d) = &digest {
                text.push('@');
                text.push_str(d);
            }
            let edit = Edit {
                offset: occ.span.start,
                length: occ.span.len(),
                content: text,
            };
            (vec![edit], mirror.is_some(), digest.is_some())
        }
        None => (Vec::new(), false, false),
    };
    let final_text = match (&occ.helm, edits.first()) {
        (None, Some(edit)) => edit.content.clone(),
        _ => {
            let name = match (&mirror, mirrored) {
                (Some((prefix, repo)), true) => format!("{prefix}/{repo}"),
                _ => r.name(),
            };
            let pin = digest
                .as_ref()
                .filter(|_| pinned)
                .map_or(String::new(), |d| format!("@{d}"));
            format!("{name}{}{pin}", r.suffix())
        }
    };
    Plan {
        final_text,
        edit: (!edits.is_empty()).then_some(Fix {
            applicability: "safe",
            edits,
        }),
        mirrored,
        pinned,
        missing_lock_key,
    }
}

/// Helm image maps are fixed field by field: the mirror goes into
/// `registry:` when the map has one, else before the `repository:` value;
/// the digest into `digest:` when the map has one, else after the `tag:`.
fn helm_edits(
    f: &HelmFields,
    mirror: Option<&(String, String)>,
    digest: Option<&str>,
) -> (Vec<Edit>, bool, bool) {
    let replace = |field: &Field, content: String| Edit {
        offset: field.span.start,
        length: field.span.len(),
        content,
    };
    let editable = |field: &Field| field.exact && (field.quoted || !field.value.is_empty());
    let mut edits = Vec::new();
    let mut mirrored = false;
    if let Some((prefix, repo)) = mirror {
        match &f.registry {
            Some(reg) if editable(reg) && !reg.value.is_empty() && editable(&f.repository) => {
                edits.push(replace(reg, prefix.clone()));
                if f.repository.value != *repo {
                    edits.push(replace(&f.repository, repo.clone()));
                }
                mirrored = true;
            }
            None if editable(&f.repository) => {
                edits.push(replace(&f.repository, format!("{prefix}/{repo}")));
                mirrored = true;
            }
            _ => {}
        }
    }
    let mut pinned = false;
    if let Some(d) = digest {
        match (&f.digest, &f.tag) {
            (Some(field), _) if editable(field) => {
                edits.push(replace(field, d.to_string()));
                pinned = true;
            }
            (None, Some(tag)) if editable(tag) && !tag.value.is_empty() => {
                edits.push(replace(tag, format!("{}@{d}", tag.value)));
                pinned = true;
            }
            _ => {}
        }
    }
    edits.sort_by_key(|e| e.offset);
    (edits, mirrored, pinned)
}
