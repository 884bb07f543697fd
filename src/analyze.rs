//! One file's text to its inventory entries and findings: extract, parse each
//! reference, run the rules, plan the fixes, apply inline suppressions.

use crate::classify::FileKind;
use crate::extract::{self, Env, Occurrence, RefText};
use crate::finding::{Edit, Entry, Finding, Fix, ImageInfo, Location};
use crate::image::{Image, Origin, Policy};
use crate::lock::Lock;
use crate::rules::{FixKind, Rule, RuleSet, Target};
use crate::source::LineIndex;
use crate::suppress::Suppressions;
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
    let occurrences = extract::extract(file.kind, text, lines, &env)?;
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
            let mut help = rule.help(&shown, image.as_ref(), &detail);
            let fix = match (rule.def.fix, &plan) {
                (Some(kind), Some(plan)) => plan.fix_for(kind),
                _ => None,
            };
            if let Some(edit) = fix.as_ref().and_then(|f| f.edits.first()) {
                help = Some(format!(
                    "`imagelint check --fix` rewrites it to `{}`",
                    edit.content
                ));
            } else if rule.def.fix == Some(FixKind::Pin) {
                if let Some(key) = plan.as_ref().and_then(|p| p.missing_lock_key.clone()) {
                    help = Some(format!("no digest for `{key}` in the lock file: run `imagelint lock` to record one"));
                }
            }
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

/// The one edit that brings a reference to its final form, and which rule
/// kinds it serves.
struct Plan {
    edit: Option<Fix>,
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
    let mut name = r.name();
    let mut mirrored = false;
    if wants(FixKind::Mirror) && image.origin == Origin::Direct {
        if let Some(mirror) = ctx.policy.mirror_for(&r.registry) {
            let repo = match r.repository.strip_prefix("library/") {
                Some(short) if !mirror.keep_library() && r.is_docker_hub() => short,
                _ => &r.repository,
            };
            name = format!("{}/{repo}", mirror.prefix());
            mirrored = true;
        }
    }
    let mut digest = None;
    let mut pinned = false;
    let mut missing_lock_key = None;
    if wants(FixKind::Pin) && r.digest.is_none() {
        let key = image.effective().lock_key();
        match ctx.lock.digest(&key) {
            Some(d) => {
                digest = Some(d.to_string());
                pinned = true;
            }
            None => missing_lock_key = Some(key),
        }
    }
    // Without a mirror rewrite the written text stays as it is.
    let mut final_text = match (&occ.text, mirrored) {
        (RefText::Resolved(written), false) => written.clone(),
        _ => {
            let mut t = name;
            if let Some(tag) = &r.tag {
                t.push(':');
                t.push_str(tag);
            }
            if let Some(d) = &r.digest {
                t.push('@');
                t.push_str(d);
            }
            t
        }
    };
    if pinned {
        final_text.push('@');
        final_text.push_str(digest.as_deref().unwrap_or_default());
    }
    // Only a reference written as is, in one place, can be rewritten in place.
    let edit = (occ.exact && occ.helm.is_none() && (mirrored || pinned)).then(|| Fix {
        applicability: "safe",
        edits: vec![Edit {
            offset: occ.span.start,
            length: occ.span.len(),
            content: final_text,
        }],
    });
    Plan {
        mirrored: mirrored && edit.is_some(),
        pinned: pinned && edit.is_some(),
        edit,
        missing_lock_key,
    }
}
