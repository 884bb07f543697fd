//! Step 5: one file's text to its inventory entries and findings: extract,
//! parse each reference, run the rules, plan one fix per reference, apply
//! inline suppressions.

pub mod baseline;
pub mod finding;
pub mod suppress;

use crate::extract::{self, Env, ExtractError, RefText};
use crate::fix;
use crate::image::{Image, Mirror, Policy};
use crate::kinds::FileKind;
use crate::lock::Lock;
use crate::rules::{FixKind, Rule, RuleSet, Selection, Target};
use crate::source::{Columns, LineIndex};
use baseline::Stamper;
use finding::{Entry, Finding, ImageInfo, Location, LockUse};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use suppress::{Known, Suppressions};

/// Everything the analysis of a file consults, shared by all threads.
pub struct Context {
    pub rules: RuleSet,
    pub policy: Policy,
    pub lock: Lock,
    pub variables: BTreeMap<String, String>,
    pub build_contexts: Vec<String>,
    /// Keep an inventory entry per reference (`imagelint inventory`).
    pub collect_entries: bool,
    /// `resolve-via-mirror`: `imagelint lock` asks the mirror, not the
    /// upstream, for digests.
    pub resolve_via_mirror: bool,
    /// `require-suppression-reason`: a directive without `-- reason` is
    /// reported.
    pub require_suppression_reason: bool,
    /// `[[files.per-file-ignores]]`: globs of paths (relative to the config
    /// file's folder) and the rules not reported there.
    pub per_file_ignores: Vec<(globset::GlobSet, Vec<String>)>,
    /// `check --baseline`: findings it records are not reported.
    pub baseline: Option<Arc<baseline::Baseline>>,
    /// Give each finding its fingerprint (`--baseline`, `--write-baseline`).
    pub fingerprints: bool,
    /// `[[files.extract]]`: globs of paths (relative to the config file's
    /// folder) and how files there are read; the first that matches.
    pub user_kinds: Vec<(globset::GlobSet, crate::extract::user::UserKind)>,
}

impl Context {
    /// The rules `[[files.per-file-ignores]]` turn off for a file.
    fn ignored_in(&self, rule_path: &str) -> Vec<&str> {
        self.per_file_ignores
            .iter()
            .filter(|(globs, _)| globs.is_match(rule_path))
            .flat_map(|(_, ids)| ids.iter().map(String::as_str))
            .collect()
    }
}

impl Context {
    /// The built-in rules, the given mirrors and lock, nothing else
    /// configured: what the unit tests and the fuzz targets check with.
    pub fn with_defaults(mirrors: &BTreeMap<String, Mirror>, lock: Lock) -> Context {
        let every_rule = Selection {
            select: &[],
            ignore: &[],
        };
        Context {
            rules: RuleSet::new(&BTreeMap::new(), &[], &every_rule)
                .expect("built-in rules compile"),
            policy: Policy::new(mirrors, None).expect("the mirrors are valid"),
            lock,
            variables: BTreeMap::new(),
            build_contexts: Vec::new(),
            collect_entries: false,
            resolve_via_mirror: false,
            require_suppression_reason: false,
            per_file_ignores: Vec::new(),
            baseline: None,
            fingerprints: false,
            user_kinds: Vec::new(),
        }
    }
}

#[derive(Default)]
pub struct Analysis {
    /// How many image references the file holds.
    pub images: usize,
    /// Where each reference starts, in order: a finding's reference is the
    /// one at its span's start.
    pub starts: Vec<usize>,
    pub entries: Vec<Entry>,
    pub findings: Vec<Finding>,
    /// Findings left out because the baseline records them.
    pub baselined: usize,
}

pub struct FileRef<'a> {
    /// As shown in output: relative to the current directory, `/`-separated.
    pub path: &'a Arc<str>,
    /// Relative to the configuration root, for `path` globs in rules.
    pub rule_path: &'a str,
    pub disk_path: &'a Path,
    pub kind: FileKind,
}

/// References analysed per part: a part's findings and their rendering
/// are a few hundred KiB, whatever the size of the file.
pub const PART_REFERENCES: usize = 512;

/// The whole file's analysis at once (what a fix needs).
pub fn analyze(
    ctx: &Context,
    file: &FileRef,
    text: &str,
    lines: &LineIndex,
) -> Result<Analysis, ExtractError> {
    let mut whole = Analysis::default();
    analyze_in_parts(ctx, file, text, lines, usize::MAX, &mut |part| {
        whole.append(part)
    })?;
    Ok(whole)
}

/// Analyses a file's references in source order and hands over the result
/// every `part_size` references, so a huge file's findings need not all be
/// held. Extraction (and so any error) comes before the first part.
pub fn analyze_in_parts(
    ctx: &Context,
    file: &FileRef,
    text: &str,
    lines: &LineIndex,
    part_size: usize,
    emit: &mut dyn FnMut(Analysis),
) -> Result<(), ExtractError> {
    let env = Env {
        variables: &ctx.variables,
        build_contexts: &ctx.build_contexts,
        disk_path: file.disk_path,
        user_kind: ctx
            .user_kinds
            .iter()
            .find(|(globs, _)| globs.is_match(file.rule_path))
            .map(|(_, kind)| kind),
    };
    // Sorted by place: parts come out in source order, and `starts` can be
    // searched.
    let occurrences = extract::extract(file.kind.spec().extractor, text, lines, &env)?;
    let mut suppressions = Suppressions::scan(text, file.kind);
    // Rules a per-file ignore turns off are not in force for this file.
    let ignored = ctx.ignored_in(file.rule_path);
    let in_force: Vec<&str> = ctx
        .rules
        .rules
        .iter()
        .map(|r| r.id())
        .filter(|id| !ignored.contains(id))
        .collect();
    let known = Known {
        all: &ctx.rules.all_ids,
        in_force: &in_force,
        require_reason: ctx.require_suppression_reason,
    };
    // The problems of directives settled before `line` become findings.
    let settle = |line: Option<usize>, suppressions: &mut Suppressions, out: &mut Analysis| {
        let settled = suppressions.settled(line, &known);
        out.findings.extend(suppression_findings(
            ctx,
            file,
            (text, lines),
            settled,
            &in_force,
        ));
    };
    let mut out = Analysis::default();
    let mut stamper = Stamper::default();
    let (mut starts, mut ends) = (Columns::new(text, lines), Columns::new(text, lines));
    for (i, occ) in occurrences.iter().enumerate() {
        // A part ends between two references, never inside one place.
        let location = Location::new(&mut starts, &mut ends, occ.span);
        // Directives for lines before this reference's are settled; their
        // comments come before it, so they go in the part before it.
        settle(Some(location.start.line - 1), &mut suppressions, &mut out);
        let boundary = out.images >= part_size && occurrences[i - 1].span.start != occ.span.start;
        if boundary {
            let part = std::mem::take(&mut out).stamped(&mut stamper, ctx, file.rule_path, text);
            emit(part.sorted());
        }
        let (target, image, detail, shown) = match &occ.text {
            RefText::Resolved(t) => match ctx.policy.analyze(t) {
                Ok(mut image) => {
                    image.digest_stale = digest_stale(&ctx.lock, &image);
                    (Target::Image, Some(image), String::new(), t.clone())
                }
                Err(e) => (Target::Invalid, None, e.0, t.clone()),
            },
            RefText::Unresolved(why) => (
                Target::Unresolved,
                None,
                why.clone(),
                text[occ.span.range()].to_string(),
            ),
            RefText::MaybeBuildContext(name) => (
                Target::Unresolved,
                None,
                format!(
                    "`{name}` may be a named build context or the image `docker.io/library/{name}`"
                ),
                name.clone(),
            ),
        };
        let info = image.as_ref().map(|i| Arc::new(ImageInfo::new(&shown, i)));
        let context: Arc<str> = occ.context.as_str().into();
        out.images += 1;
        out.starts.push(occ.span.start);
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
                lock: image.as_ref().and_then(lock_use),
            });
        }
        if matches!(occ.text, RefText::Unresolved(_)) {
            let named = NamedOnly {
                occ,
                location: &location,
                context: &context,
            };
            out.findings.extend(variable_tag_findings(
                ctx,
                file,
                text,
                &named,
                (&ignored, &mut suppressions),
            ));
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
            .filter(|r| !ignored.contains(&r.id()) && !suppressions.covers(line, r.id()))
            .collect();
        let plan = image.as_ref().map(|i| {
            let wanted: Vec<FixKind> = fired.iter().filter_map(|r| r.def.fix).collect();
            fix::plan::plan(&ctx.policy, &ctx.lock, occ, i, &wanted)
        });
        for rule in fired {
            let fix = match (rule.def.fix, &plan) {
                (Some(kind), Some(plan)) => plan.fix_for(kind),
                _ => None,
            };
            let missing_lock_key = plan.as_ref().and_then(|p| p.missing_lock_key.as_deref());
            // Asked for by the config and lock, and not safely writable.
            let refused = rule
                .def
                .fix
                .and_then(|kind| plan.as_ref()?.refused(kind))
                .map(|r| &r.wanted);
            let help = match (&fix, plan.as_ref().map(|p| &p.final_text)) {
                (Some(_), Some(text)) => {
                    Some(format!("`imagelint check --fix` rewrites it to `{text}`"))
                }
                _ => match (rule.def.fix, missing_lock_key, refused) {
                    // One text for every tag, so a report gives it once.
                    (Some(FixKind::Pin), Some(_), _) => Some(
                        "the lock file has no digest for this tag: run `imagelint lock` to record one"
                            .to_string(),
                    ),
                    (_, _, Some(wanted)) => Some(format!(
                        "`imagelint check --fix` leaves it: it is put together from more than \
                             one place (a chart's values and templates, variables) or written \
                             with escapes; write `{wanted}` where it is made"
                    )),
                    _ => match &occ.text {
                        RefText::MaybeBuildContext(name) => Some(format!(
                            "if builds pass `--build-context {name}=...`, list `{name}` in \
                             `build-contexts` in .imagelint.toml; if it is an image, write its tag"
                        )),
                        _ => rule.help(&shown, image.as_ref(), &detail),
                    },
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
                fingerprint: String::new(),
            });
        }
    }
    settle(None, &mut suppressions, &mut out);
    if out.images > 0 || !out.findings.is_empty() {
        emit(
            out.stamped(&mut stamper, ctx, file.rule_path, text)
                .sorted(),
        );
    }
    Ok(())
}

/// The findings of the suppression rules in force for `problems`, at the
/// directives' bytes.
fn suppression_findings(
    ctx: &Context,
    file: &FileRef,
    (text, lines): (&str, &LineIndex),
    problems: Vec<suppress::Problem>,
    in_force: &[&str],
) -> Vec<Finding> {
    if problems.is_empty() {
        return Vec::new();
    }
    let (mut starts, mut ends) = (Columns::new(text, lines), Columns::new(text, lines));
    let context: Arc<str> = "suppression".into();
    problems
        .into_iter()
        .filter_map(|p| {
            let rule = ctx
                .rules
                .rules
                .iter()
                .find(|r| r.id() == p.rule && in_force.contains(&p.rule))?;
            let shown = &text[p.span.range()];
            Some(Finding {
                rule: rule.shared_id.clone(),
                severity: rule.severity,
                message: rule.message(shown, None, &p.detail),
                help: rule.help(shown, None, &p.detail),
                path: file.path.clone(),
                kind: file.kind,
                span: p.span,
                location: Location::new(&mut starts, &mut ends, p.span),
                context: context.clone(),
                image: None,
                fix: None,
                fingerprint: String::new(),
            })
        })
        .collect()
}

impl Analysis {
    /// Findings in source order, then by rule.
    fn sorted(mut self) -> Analysis {
        self.findings
            .sort_by(|a, b| (a.span.start, &a.rule).cmp(&(b.span.start, &b.rule)));
        self
    }

    /// Adds the next part of the same file.
    pub fn append(&mut self, mut part: Analysis) {
        self.images += part.images;
        self.starts.append(&mut part.starts);
        self.entries.append(&mut part.entries);
        self.findings.append(&mut part.findings);
        self.baselined += part.baselined;
    }

    /// Fingerprints the findings of this part in the order they were found
    /// (`stamper` has numbered the file's earlier parts), then leaves out
    /// those the baseline records.
    fn stamped(
        mut self,
        stamper: &mut Stamper,
        ctx: &Context,
        rule_path: &str,
        text: &str,
    ) -> Analysis {
        // A hash a finding costs only runs that read or write a baseline.
        if !ctx.fingerprints {
            return self;
        }
        for f in &mut self.findings {
            stamper.stamp(f, rule_path, &text[f.span.range()]);
        }
        if let Some(baseline) = &ctx.baseline {
            let before = self.findings.len();
            self.findings.retain(|f| !baseline.contains(f));
            self.baselined += before - self.findings.len();
        }
        self
    }

    /// (the reference's number in the file, rule) of every finding about a
    /// reference (not those about suppression comments, which a fix may
    /// leave with nothing to silence).
    pub fn finding_keys(&self) -> Vec<(usize, &str)> {
        let mut keys: Vec<(usize, &str)> = self
            .findings
            .iter()
            .filter(|f| !suppress::is_about_suppressions(&f.rule))
            .map(|f| (self.starts.partition_point(|s| *s < f.span.start), &*f.rule))
            .collect();
        keys.sort_unstable();
        keys
    }
}

/// An unresolved reference whose name is literal and whose tag is not
/// (`python:${VARIANT}`).
struct NamedOnly<'a> {
    occ: &'a extract::Occurrence,
    location: &'a Location,
    context: &'a Arc<str>,
}

/// The literal name of `raw` when only its tag holds variables:
/// `python:${VARIANT}` -> `python`.
fn literal_name(raw: &str) -> Option<&str> {
    let last = raw.rfind('/').map_or(0, |i| i + 1);
    let colon = last + raw[last..].find(':')?;
    let (name, tag) = (&raw[..colon], &raw[colon + 1..]);
    (!name.contains('$') && tag.contains('$') && !raw.contains('@')).then_some(name)
}

/// The registry rules (those fixed by a mirror) for a reference whose tag
/// is a variable: its name is known, so its registry can be judged and the
/// mirror prefix written in front of the name; the tag and digest cannot.
fn variable_tag_findings(
    ctx: &Context,
    file: &FileRef,
    text: &str,
    named: &NamedOnly,
    (ignored, suppressions): (&[&str], &mut Suppressions),
) -> Vec<Finding> {
    let occ = named.occ;
    let raw = &text[occ.span.range()];
    // The span holds the text as written, variables and all: a name that
    // parses from those bytes is written there literally (an escape would
    // not parse), so its bytes can be replaced.
    let Some(name) = literal_name(raw).filter(|_| occ.helm.is_none()) else {
        return Vec::new();
    };
    let Ok(image) = ctx.policy.analyze(name) else {
        return Vec::new();
    };
    let line = named.location.start.line - 1;
    let fired: Vec<&Rule> = ctx
        .rules
        .evaluate(Target::Image, file.kind, file.rule_path, Some(&image))
        .into_iter()
        .filter(|r| {
            r.def.fix == Some(FixKind::Mirror)
                && !ignored.contains(&r.id())
                && !suppressions.covers(line, r.id())
        })
        .collect();
    if fired.is_empty() {
        return Vec::new();
    }
    // The edit replaces the name alone: whatever the variable holds, the
    // result is the mirrored form of the reference.
    let name_only = extract::Occurrence {
        span: crate::source::Span::new(occ.span.start, occ.span.start + name.len()),
        text: RefText::Resolved(name.to_string()),
        context: String::new(),
        exact: true,
        helm: None,
    };
    let plan = fix::plan::plan(
        &ctx.policy,
        &ctx.lock,
        &name_only,
        &image,
        &[FixKind::Mirror],
    );
    let fix = plan.fix_for(FixKind::Mirror);
    let tag = &raw[name.len() + 1..];
    let why = format!(
        "the tag `{tag}` is only known when the file is used, so no digest can be pinned here: pin it where the variable gets its value"
    );
    let help = match &fix {
        Some(_) => format!(
            "`imagelint check --fix` writes the mirror prefix: `{}:{tag}`; {why}",
            plan.final_text
        ),
        None => why,
    };
    let info = Arc::new(ImageInfo::new(raw, &image));
    fired
        .into_iter()
        .map(|rule| Finding {
            rule: rule.shared_id.clone(),
            severity: rule.severity,
            message: rule.message(raw, Some(&image), ""),
            help: Some(help.clone()),
            path: file.path.clone(),
            kind: file.kind,
            span: occ.span,
            location: named.location.clone(),
            context: named.context.clone(),
            image: Some(info.clone()),
            fix: fix.clone(),
            fingerprint: String::new(),
        })
        .collect()
}

/// Whether the image is pinned by a digest other than the lock's for the
/// tag it also writes (`name:tag@sha256:…`): the tag was re-pushed and
/// `lock --update` recorded it, or the file was pinned by hand.
fn digest_stale(lock: &Lock, image: &Image) -> bool {
    let upstream = image.effective();
    match (&upstream.tag, &upstream.digest) {
        (Some(_), Some(written)) => lock
            .digest(&upstream.lock_key())
            .is_some_and(|locked| locked != written),
        _ => false,
    }
}

/// What `imagelint lock` records for an image: the upstream tag, pinned in
/// the file or not. Nothing for a digest without a tag, nor for a registry
/// only known symbolically (`$CI_REGISTRY`).
fn lock_use(image: &Image) -> Option<LockUse> {
    let upstream = image.effective();
    if upstream.registry.starts_with('$') || (upstream.tag.is_none() && image.pinned()) {
        return None;
    }
    let mut tag_only = upstream.clone();
    tag_only.digest = None;
    Some(LockUse {
        key: upstream.lock_key(),
        upstream: tag_only,
        written_digest: upstream.digest.clone(),
    })
}
