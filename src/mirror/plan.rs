//! The plan: one entry per repository a mirror must hold.

use crate::image::reference::Reference;
use std::collections::{BTreeMap, BTreeSet};

/// One repository under a mirror prefix and what it must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Where it is copied from: `docker.io/library/nginx`.
    pub upstream: Reference,
    /// The name the files pull it by: `registry.corp.example/dockerhub/library/nginx`.
    pub mirrored: Reference,
    pub tags: BTreeSet<String>,
    pub digests: BTreeSet<String>,
    /// Tags the plan has no digest for (neither pinned nor locked).
    pub unlocked: BTreeSet<String>,
    /// `path:line` of each use.
    pub places: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Plan {
    /// By mirrored name.
    pub images: BTreeMap<String, Wanted>,
}

impl Plan {
    /// Records one mirrored reference: `mirrored` as the file writes it,
    /// `upstream` what it mirrors, `digest` the one pinned or locked.
    pub fn add(
        &mut self,
        mirrored: &Reference,
        upstream: &Reference,
        digest: Option<&str>,
        place: String,
    ) {
        let entry = self
            .images
            .entry(mirrored.name())
            .or_insert_with(|| Wanted {
                upstream: bare(upstream),
                mirrored: bare(mirrored),
                ..Wanted::default()
            });
        let tag = upstream.tag.clone();
        match (digest, tag) {
            (Some(d), tag) => {
                entry.digests.insert(d.to_string());
                entry.tags.extend(tag);
            }
            (None, Some(tag)) => {
                entry.tags.insert(tag.clone());
                entry.unlocked.insert(tag);
            }
            (None, None) => {
                entry.tags.insert("latest".into());
                entry.unlocked.insert("latest".into());
            }
        }
        entry.places.push(place);
    }

    /// Entries by the folder their mirrored names lie in: what one
    /// `skopeo sync` writes to (it keeps only an image's last path part).
    pub fn by_destination(&self) -> BTreeMap<String, Vec<&Wanted>> {
        let mut out: BTreeMap<String, Vec<&Wanted>> = BTreeMap::new();
        for w in self.images.values() {
            out.entry(parent(&w.mirrored.name()).to_string())
                .or_default()
                .push(w);
        }
        out
    }
}

/// The name without tag or digest.
fn bare(r: &Reference) -> Reference {
    Reference {
        tag: None,
        digest: None,
        ..r.clone()
    }
}

/// `a/b/c` -> `a/b`.
pub fn parent(name: &str) -> &str {
    name.rsplit_once('/').map_or(name, |(p, _)| p)
}

/// `a/b/c` -> `c`.
pub fn base(name: &str) -> &str {
    name.rsplit_once('/').map_or(name, |(_, b)| b)
}
