//! A file to read, built the same way whether the walk found it, it was
//! named on the command line, or its text comes on standard input: one
//! constructor, so exclusion and classification can never disagree.

use super::classify::{is_helm_template, Class, Classifier};
use super::paths::{display_path, relative_to};
use crate::kinds::FileKind;
use std::path::{Path, PathBuf};

/// Where paths are shown from and where globs start from.
pub struct Roots<'a> {
    pub cwd: &'a Path,
    /// The folder of the configuration file (the current directory without
    /// one): `[files]` and rule `path` globs are relative to it.
    pub config_root: &'a Path,
}

impl Roots<'_> {
    /// `path` relative to the configuration root, for globs.
    pub fn rule_path(&self, path: &Path) -> String {
        relative_to(&self.cwd.join(path), self.config_root)
    }
}

/// Why a path is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// Its path matches no file kind (or is a Helm template).
    NoKind,
    /// `[files] exclude` matches it.
    Excluded,
}

/// A file to read.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Relative to the current directory, with `/`.
    pub display: String,
    pub disk: PathBuf,
    pub class: Class,
    /// Relative to the configuration root, for globs.
    pub rule_path: String,
    /// Which config's settings check it: 0 the run's own, `n` the `n`th
    /// config file found nearer to it (hierarchical config).
    pub scope: usize,
}

impl Candidate {
    /// The file at `path` if it is of some kind and not excluded.
    pub fn new(path: &Path, roots: &Roots, classifier: &Classifier) -> Result<Candidate, Skipped> {
        // Most files of a tree are of no kind: turn them away on their name,
        // before any path is built.
        let name = last_segment(path).ok_or(Skipped::NoKind)?;
        if !classifier.may_match_name(name) {
            return Err(Skipped::NoKind);
        }
        let display = display_path(path, roots.cwd);
        let rule_path =
            if roots.cwd == roots.config_root && !path.is_absolute() && !display.starts_with("../")
            {
                display.clone()
            } else {
                roots.rule_path(path)
            };
        if classifier.is_excluded(&rule_path) {
            return Err(Skipped::Excluded);
        }
        let class = classifier
            .classify(&display, &rule_path)
            .ok_or(Skipped::NoKind)?;
        // Helm renders `templates/` with Go templates: not YAML, but its
        // literal image lines are read.
        let class = if matches!(class, Class::ByContent(_)) && is_helm_template(&display, path) {
            Class::Kind(FileKind::HelmTemplate)
        } else {
            class
        };
        Ok(Candidate {
            rule_path,
            display,
            disk: path.to_path_buf(),
            class,
            scope: 0,
        })
    }
}

/// The file name as text, cut from the path's bytes: `Path::file_name`
/// walks components from the end, a cost paid for every file of the tree.
fn last_segment(path: &Path) -> Option<&str> {
    let s = path.to_str()?;
    let start = s
        .bytes()
        .rposition(|b| std::path::is_separator(b as char))
        .map_or(0, |i| i + 1);
    let name = &s[start..];
    if name.is_empty() || name == "." || name == ".." {
        // `a/`, `a/.`, `..`: leave these to the standard library.
        return path.file_name()?.to_str();
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::last_segment;
    use std::path::Path;

    /// The byte cut agrees with `Path::file_name` on the shapes paths come in.
    #[test]
    fn last_segment_is_the_file_name() {
        for p in [
            "./a/b/compose.yaml",
            "Dockerfile",
            "/abs/x/.gitlab-ci.yml",
            "a/b/",
            "a/.",
            "..",
            "a/..",
            ".",
            "/",
            "",
        ] {
            let want = Path::new(p).file_name().and_then(|n| n.to_str());
            assert_eq!(last_segment(Path::new(p)), want, "{p}");
        }
    }
}
