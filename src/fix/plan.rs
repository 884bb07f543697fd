//! Planning the fix of one reference: the one edit (or, for a Helm map, the
//! field edits) that brings it to its final form, mirrored and pinned at
//! once, whichever rules asked for it.

use super::edit::{Applicability, Edit, Fix};
use crate::extract::{Field, HelmFields, Occurrence, RefText};
use crate::image::reference::Reference;
use crate::image::{Image, Origin, Policy};
use crate::lock::Lock;
use crate::rules::FixKind;
use std::sync::Arc;

/// The one edit that brings a reference to its final form, and which rule
/// kinds it serves.
pub struct Plan {
    edit: Option<Arc<Fix>>,
    /// The reference as the fix leaves it.
    pub final_text: String,
    mirrored: bool,
    pinned: bool,
    /// The lock key a pin needs and the lock lacks.
    pub missing_lock_key: Option<String>,
    /// The reference mirrored and pinned as the lock and mirrors want it,
    /// when a fix cannot write that.
    pub refused: Option<Refused>,
}

/// A mirror or a pin the config and lock ask for that no safe edit writes.
pub struct Refused {
    pub mirror: bool,
    pub pin: bool,
    /// The reference as it should be.
    pub wanted: String,
}

impl Plan {
    /// What a rule offering `kind` of fix cannot have written, if anything.
    pub fn refused(&self, kind: FixKind) -> Option<&Refused> {
        self.refused.as_ref().filter(|r| match kind {
            FixKind::Mirror => r.mirror,
            FixKind::Pin => r.pin,
        })
    }

    /// The fix, shared, if it serves this kind of rule.
    pub fn fix_for(&self, kind: FixKind) -> Option<Arc<Fix>> {
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

/// Plans the fix of one reference for the fix kinds its fired rules offer.
pub fn plan(
    policy: &Policy,
    lock: &Lock,
    occ: &Occurrence,
    image: &Image,
    wanted: &[FixKind],
) -> Plan {
    let wants = |k: FixKind| wanted.contains(&k);
    let r = &image.reference;
    // The mirror prefix and the repository path to write under it. A pull
    // through GitLab's dependency proxy that the allow list forbids moves to
    // the mirror of what the proxy mirrors, Docker Hub.
    let from = image.effective();
    let movable = matches!(image.origin, Origin::Direct | Origin::DependencyProxy);
    let mirror = (wants(FixKind::Mirror) && movable)
        .then(|| policy.mirrored_name(from))
        .flatten();
    let mut digest = None;
    let mut missing_lock_key = None;
    if wants(FixKind::Pin) && (r.digest.is_none() || image.digest_stale) {
        let key = image.effective().lock_key();
        match lock.digest(&key) {
            Some(d) => digest = Some(d.to_string()),
            None => missing_lock_key = Some(key),
        }
    }
    // A stale pin is replaced: the reference without its digest takes the
    // lock's.
    let repin = image.digest_stale && digest.is_some();
    let unpinned;
    let r = if repin {
        let mut without = r.clone();
        without.digest = None;
        unpinned = without;
        &unpinned
    } else {
        r
    };
    let (edits, mirrored, pinned) = match &occ.helm {
        Some(fields) => helm_edits(fields, mirror.as_ref(), digest.as_deref()),
        None if occ.exact && (mirror.is_some() || digest.is_some()) => {
            // Without a mirror rewrite the written text stays as it is.
            let mut text = match (&mirror, &occ.text) {
                (None, RefText::Resolved(written)) if repin => {
                    // `name:tag@old` as written, its digest dropped.
                    written
                        .rsplit_once('@')
                        .map_or(written.clone(), |(n, _)| n.to_string())
                }
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
        _ => rewritten(
            r,
            mirror.as_ref().filter(|_| mirrored),
            digest.as_deref().filter(|_| pinned),
        ),
    };
    // A fix only ever writes a reference: every edit in the reference
    // alphabet (no quote, space, `#` or line break can reach a file) and the
    // result a valid reference. Anything else is no fix.
    let writes_reference = edits.is_empty()
        || (edits.iter().all(|e| is_reference_text(&e.content))
            && Reference::parse(&final_text).is_ok());
    let (edits, mirrored, pinned) = if writes_reference {
        (edits, mirrored, pinned)
    } else {
        (Vec::new(), false, false)
    };
    let (mirror_refused, pin_refused) =
        (mirror.is_some() && !mirrored, digest.is_some() && !pinned);
    let refused = (mirror_refused || pin_refused).then(|| Refused {
        mirror: mirror_refused,
        pin: pin_refused,
        wanted: rewritten(r, mirror.as_ref(), digest.as_deref()),
    });
    Plan {
        edit: (!edits.is_empty()).then(|| {
            Arc::new(Fix {
                title: format!("rewrite to `{final_text}`"),
                applicability: Applicability::Safe,
                edits,
            })
        }),
        final_text,
        mirrored,
        pinned,
        missing_lock_key,
        refused,
    }
}

/// `r` under the mirror `(prefix, repository)` when given, its tag kept,
/// pinned by `digest` when given.
fn rewritten(r: &Reference, mirror: Option<&(String, String)>, digest: Option<&str>) -> String {
    let name = match mirror {
        Some((prefix, repo)) => format!("{prefix}/{repo}"),
        None => r.name(),
    };
    let pin = digest.map_or(String::new(), |d| format!("@{d}"));
    format!("{name}{}{pin}", r.suffix())
}

/// The `:tag` and/or `@digest` written at the end of a `repository:` value
/// (`redis:7.2.4`), which a rewrite of the name must keep.
fn written_suffix(repository: &str) -> &str {
    let last = repository.rsplit('/').next().unwrap_or(repository);
    match last.find([':', '@']) {
        Some(at) => &repository[repository.len() - last.len() + at..],
        None => "",
    }
}

/// Text that can be part of a reference: nothing that could end a YAML
/// scalar or a Dockerfile instruction.
fn is_reference_text(s: &str) -> bool {
    s.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@' | b'[' | b']')
    })
}

/// Helm image maps are fixed field by field: the mirror goes into
/// `registry:` when the map has one, else before the `repository:` value;
/// the digest into `digest:` when the map has one, else after the `tag:`.
/// A `tag: ""` the chart fills from its appVersion as it is gets that tag
/// and the digest: the templates then render the same tag, pinned. (Were
/// they not to, the fixed chart, run again, refuses the fix: see
/// `helm_chart`.)
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
        // `registry: ""` is no registry: the chart renders the repository
        // alone, which takes the mirror.
        let registry = f.registry.as_ref().filter(|r| !r.value.is_empty());
        match registry {
            Some(reg) if editable(reg) && editable(&f.repository) => {
                edits.push(replace(reg, prefix.clone()));
                let new_repo = format!("{repo}{}", written_suffix(&f.repository.value));
                if f.repository.value != new_repo {
                    edits.push(replace(&f.repository, new_repo));
                }
                mirrored = true;
            }
            None if editable(&f.repository) => {
                // A tag or digest written inside `repository:` stays.
                let suffix = written_suffix(&f.repository.value);
                edits.push(replace(&f.repository, format!("{prefix}/{repo}{suffix}")));
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
            // Not where the chart reads the tag for more than the image.
            (None, Some(field))
                if f.digest_in_tag && editable(field) && !field.value.is_empty() =>
            {
                // A stale `tag@old` keeps its tag and takes the new digest.
                let tag = field.value.split('@').next().unwrap_or(&field.value);
                edits.push(replace(field, format!("{tag}@{d}")));
                pinned = true;
            }
            (None, Some(field)) if f.digest_in_tag && editable(field) => {
                if let Some(tag) = &f.chart_tag {
                    edits.push(replace(field, format!("{tag}@{d}")));
                    pinned = true;
                }
            }
            _ => {}
        }
    }
    edits.sort_by_key(|e| e.offset);
    (edits, mirrored, pinned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_written_in_repository_are_kept() {
        assert_eq!(written_suffix("redis:7.2.4"), ":7.2.4");
        assert_eq!(written_suffix("bitnami/redis@sha256:ab"), "@sha256:ab");
        assert_eq!(written_suffix("localhost:5000/redis"), "");
        assert_eq!(written_suffix("redis"), "");
    }

    #[test]
    fn only_reference_text_is_written() {
        assert!(is_reference_text(
            "registry.corp.example/dockerhub/library/nginx:1.25@sha256:ab"
        ));
        assert!(is_reference_text("[::1]:5000/x"));
        for bad in ["a\nRUN x", "a b", "a\"", "a'", "a#b", "", "a\r"] {
            assert!(!is_reference_text(bad) || bad.is_empty(), "{bad:?}");
        }
    }
}
