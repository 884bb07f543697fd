//! `inventory --format summary`: the references grouped by image, each
//! with its tags and digests, how many places use it and which
//! repositories (the PATH arguments: `inventory ../app ../infra`).

use super::{RenderError, Reporter, RunReport};
use crate::analyze::finding::Entry;
use crate::analyze::Analysis;
use crate::source::LineIndex;
use crate::words::count;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::Mutex;

pub(super) struct Summary {
    roots: Vec<String>,
    images: Mutex<BTreeMap<String, Group>>,
}

#[derive(Default)]
struct Group {
    versions: BTreeSet<String>,
    places: usize,
    repositories: BTreeSet<String>,
}

impl Summary {
    pub fn new(roots: &[String]) -> Summary {
        Summary {
            roots: roots.to_vec(),
            images: Mutex::new(BTreeMap::new()),
        }
    }

    fn add(&self, e: &Entry) {
        let Some(info) = e.image.as_deref() else {
            return;
        };
        // A mirrored reference is the image it mirrors.
        let canonical = info.upstream.as_deref().unwrap_or(&info.canonical);
        let (name, version) = split_version(canonical);
        let repository = repository_of(&self.roots, &e.path);
        if let Ok(mut images) = self.images.lock() {
            let g = images.entry(name.to_string()).or_default();
            g.versions
                .insert(version.unwrap_or("latest (implied)").to_string());
            g.places += 1;
            g.repositories.insert(repository.to_string());
        }
    }
}

impl Reporter for Summary {
    fn render_file(&self, analysis: &Analysis, _: &str, _: &LineIndex) -> String {
        for e in &analysis.entries {
            self.add(e);
        }
        String::new()
    }

    fn finish(&self, out: &mut dyn Write, _: &RunReport, _: usize) -> Result<(), RenderError> {
        let images = self
            .images
            .lock()
            .map(|mut i| std::mem::take(&mut *i))
            .unwrap_or_default();
        let width = images.keys().map(String::len).max().unwrap_or(5).max(5);
        writeln!(
            out,
            "{:<width$}  {:>6}  REPOSITORIES  TAGS AND DIGESTS",
            "IMAGE", "PLACES"
        )?;
        for (name, g) in &images {
            let repositories: Vec<&str> = g.repositories.iter().map(String::as_str).collect();
            let versions: Vec<&str> = g.versions.iter().map(String::as_str).collect();
            writeln!(
                out,
                "{name:<width$}  {:>6}  {}  {}",
                g.places,
                repositories.join(","),
                versions.join(", ")
            )?;
        }
        let places: usize = images.values().map(|g| g.places).sum();
        writeln!(
            out,
            "{} in {}.",
            count(images.len(), "image"),
            count(places, "place")
        )?;
        Ok(())
    }
}

/// `name:tag@digest` into the name and the rest (`tag@digest`, `tag`,
/// `@digest`).
fn split_version(canonical: &str) -> (&str, Option<&str>) {
    let (before, digest) = match canonical.split_once('@') {
        Some((b, _)) => (b, Some(&canonical[b.len()..])),
        None => (canonical, None),
    };
    let last = before.rsplit('/').next().unwrap_or(before);
    match last.rfind(':') {
        Some(at) => {
            let cut = before.len() - last.len() + at;
            (&canonical[..cut], Some(&canonical[cut + 1..]))
        }
        None => (before, digest),
    }
}

/// The root (PATH argument) a shown path lies under: the longest that
/// holds it; `.` when none was given.
pub(super) fn repository_of<'a>(roots: &'a [String], path: &str) -> &'a str {
    roots
        .iter()
        .filter(|r| {
            r.as_str() == "."
                || path == r.as_str()
                || path.starts_with(&format!("{}/", r.trim_end_matches('/')))
        })
        .max_by_key(|r| if r.as_str() == "." { 0 } else { r.len() })
        .map_or(".", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_split_off() {
        assert_eq!(
            split_version("docker.io/library/nginx:1.25"),
            ("docker.io/library/nginx", Some("1.25"))
        );
        assert_eq!(
            split_version("localhost:5000/a@sha256:ab"),
            ("localhost:5000/a", Some("@sha256:ab"))
        );
        assert_eq!(
            split_version("localhost:5000/a:1@sha256:ab"),
            ("localhost:5000/a", Some("1@sha256:ab"))
        );
        assert_eq!(
            split_version("localhost:5000/a"),
            ("localhost:5000/a", None)
        );
    }

    #[test]
    fn repositories_are_the_longest_root() {
        let roots = vec![
            "../app".to_string(),
            "../app/sub".to_string(),
            ".".to_string(),
        ];
        assert_eq!(repository_of(&roots, "../app/sub/x.yaml"), "../app/sub");
        assert_eq!(repository_of(&roots, "../app/x.yaml"), "../app");
        assert_eq!(repository_of(&roots, "../application/x.yaml"), ".");
    }
}
