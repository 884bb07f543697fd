//! Which kind of file a path is, decided from the path alone, before the file
//! is opened. Files of no kind are never read. The patterns come from the
//! kind table (`kinds.rs`) and `[files.kinds]`.

use crate::kinds::{FileKind, KINDS};
use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::Path;

/// How a path is to be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Known kind from the path.
    Kind(FileKind),
    /// A file of this kind only if its text says so (Kubernetes YAML).
    ByContent(FileKind),
}

pub struct Classifier {
    /// `[files.kinds]`: matched first, against the path relative to the
    /// configuration root.
    custom: Vec<(FileKind, GlobSet)>,
    exclude: GlobSet,
    /// Every built-in path pattern; `owners[i]` is the kind of pattern `i`.
    builtin: GlobSet,
    owners: Vec<FileKind>,
    /// The file-name part of every built-in pattern: the walk turns a file
    /// away on its name alone when none matches.
    names: GlobSet,
}

impl Classifier {
    pub fn new(custom: Vec<(FileKind, GlobSet)>, exclude: GlobSet) -> Classifier {
        let mut builtin = GlobSetBuilder::new();
        let mut names = GlobSetBuilder::new();
        let mut owners = Vec::new();
        for spec in KINDS {
            for p in spec.paths {
                let name = p.glob.rsplit('/').next().unwrap_or(p.glob);
                builtin.add(compile(p.glob, p.any_case));
                names.add(compile(name, p.any_case));
                owners.push(spec.kind);
            }
        }
        Classifier {
            custom,
            exclude,
            // The table's patterns are tested (`kinds` tests build them).
            builtin: builtin.build().expect("kind table globs compile"),
            owners,
            names: names.build().expect("kind table globs compile"),
        }
    }

    /// `rel` is the path relative to the configuration root, with `/`.
    pub fn is_excluded(&self, rel: &str) -> bool {
        !self.exclude.is_empty() && self.exclude.is_match(rel)
    }

    /// Whether a file with this name could be of some kind.
    pub fn may_match_name(&self, name: &str) -> bool {
        !self.custom.is_empty() || self.names.is_match(name)
    }

    pub fn exclude_set(&self) -> GlobSet {
        self.exclude.clone()
    }

    /// `display` is the path as shown; `rel` is relative to the
    /// configuration root, which `[files.kinds]` globs start from.
    pub fn classify(&self, display: &str, rel: &str) -> Option<Class> {
        for (kind, set) in &self.custom {
            if set.is_match(rel) {
                return Some(Class::Kind(*kind));
            }
        }
        let name = display.rsplit('/').next().unwrap_or(display);
        let mut by_content = None;
        for i in self.builtin.matches_candidate(&Candidate::new(display)) {
            let spec = self.owners[i].spec();
            if spec.not_names.contains(&name) {
                continue;
            }
            match spec.by_content {
                // Kinds decided by path win over kinds decided by content.
                None => return Some(Class::Kind(spec.kind)),
                Some(_) => {
                    by_content.get_or_insert(Class::ByContent(spec.kind));
                }
            }
        }
        by_content
    }
}

fn compile(glob: &str, any_case: bool) -> globset::Glob {
    GlobBuilder::new(glob)
        .literal_separator(true)
        .case_insensitive(any_case)
        .build()
        .expect("kind table globs compile")
}

/// Helm renders `templates/` with Go templates; those files are not YAML.
pub fn is_helm_template(path: &Path) -> bool {
    path.ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|n| n == "templates")
            && dir
                .parent()
                .is_some_and(|chart| chart.join("Chart.yaml").is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(p: &str) -> Option<Class> {
        Classifier::new(Vec::new(), GlobSet::empty()).classify(p, p)
    }

    #[test]
    fn builtin_paths() {
        use Class::*;
        use FileKind::*;
        assert_eq!(kind("Dockerfile"), Some(Kind(Dockerfile)));
        assert_eq!(kind("a/Dockerfile.prod"), Some(Kind(Dockerfile)));
        assert_eq!(kind("api.Dockerfile"), Some(Kind(Dockerfile)));
        assert_eq!(kind("API.DOCKERFILE"), Some(Kind(Dockerfile)));
        assert_eq!(kind("Containerfile"), Some(Kind(Dockerfile)));
        assert_eq!(kind(".gitlab-ci.yml"), Some(Kind(GitlabCi)));
        assert_eq!(kind("ci/build.gitlab-ci.yaml"), Some(Kind(GitlabCi)));
        assert_eq!(kind("x/.gitlab/ci/a/b.yml"), Some(Kind(GitlabCi)));
        assert_eq!(kind(".github/workflows/ci.yml"), Some(Kind(GithubActions)));
        assert_eq!(kind("sub/action.yaml"), Some(Kind(GithubActions)));
        assert_eq!(kind("docker-compose.override.yml"), Some(Kind(Compose)));
        assert_eq!(kind("compose.prod.yaml"), Some(Kind(Compose)));
        assert_eq!(kind("chart/values.yaml"), Some(Kind(HelmValues)));
        assert_eq!(kind("chart/values-prod.yml"), Some(Kind(HelmValues)));
        assert_eq!(kind("chart/prod-values.yaml"), Some(Kind(HelmValues)));
        assert_eq!(kind("k8s/app.yaml"), Some(ByContent(Kubernetes)));
        assert_eq!(kind("../k8s/app.yml"), Some(ByContent(Kubernetes)));
        assert_eq!(kind("README.md"), None);
        assert_eq!(kind(".github/dependabot.yml"), None);
        assert_eq!(kind("chart/Chart.yaml"), None);
        assert_eq!(kind("dockerfile"), None);
    }

    /// The name pre-check and the classifier come from the same patterns:
    /// a name the classifier takes is never turned away by the pre-check.
    #[test]
    fn name_check_agrees_with_classifier() {
        let c = Classifier::new(Vec::new(), GlobSet::empty());
        for name in [
            ".dockerfile",
            "x.dockerfile",
            "X.DOCKERFILE",
            "Dockerfile",
            "Dockerfile.dev",
            "Containerfile.x",
            ".gitlab-ci.yml",
            "a.gitlab-ci.yaml",
            "compose.yml",
            "docker-compose.yaml",
            "values.yaml",
            "x-values.yaml",
            "app.yml",
            "action.yaml",
        ] {
            for dir in ["", "a/", ".github/workflows/", ".gitlab/ci/"] {
                let path = format!("{dir}{name}");
                if c.classify(&path, &path).is_some() {
                    assert!(c.may_match_name(name), "{path} is turned away by name");
                }
            }
        }
    }
}
