//! Which kind of file a path is, decided from the path alone, before the file
//! is opened. Files of no kind are never read.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Dockerfile,
    GitlabCi,
    GithubActions,
    Compose,
    Kubernetes,
    HelmValues,
}

impl FileKind {
    pub const ALL: [FileKind; 6] = [
        FileKind::Dockerfile,
        FileKind::GitlabCi,
        FileKind::GithubActions,
        FileKind::Compose,
        FileKind::Kubernetes,
        FileKind::HelmValues,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Dockerfile => "dockerfile",
            FileKind::GitlabCi => "gitlab-ci",
            FileKind::GithubActions => "github-actions",
            FileKind::Compose => "compose",
            FileKind::Kubernetes => "kubernetes",
            FileKind::HelmValues => "helm-values",
        }
    }

    pub fn from_name(name: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn is_yaml(self) -> bool {
        self != FileKind::Dockerfile
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Builds a glob where `*` stays inside one path component and `**` crosses
/// them, as users of .gitignore expect.
pub fn glob_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{pattern}`: {e}"))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}

pub struct Classifier {
    custom: Vec<(FileKind, GlobSet)>,
    exclude: GlobSet,
}

/// How a path is to be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Known kind from the path.
    Kind(FileKind),
    /// A YAML file that is Kubernetes only if its documents say so.
    MaybeKubernetes,
}

impl Classifier {
    pub fn new(custom: Vec<(FileKind, GlobSet)>, exclude: GlobSet) -> Classifier {
        Classifier { custom, exclude }
    }

    /// `rel` is the path relative to the configuration root, with `/`.
    pub fn is_excluded(&self, rel: &str) -> bool {
        self.exclude.is_match(rel)
    }

    /// Whether a file with this name could be of some kind.
    pub fn may_match_name(&self, name: &str) -> bool {
        if !self.custom.is_empty() {
            return true;
        }
        let b = name.as_bytes();
        name.ends_with(".yml")
            || name.ends_with(".yaml")
            || name.starts_with("Dockerfile")
            || name.starts_with("Containerfile")
            || (b.len() > 11 && b[b.len() - 11..].eq_ignore_ascii_case(b".dockerfile"))
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
        builtin(display)
    }
}

/// YAML files with well-known jobs of their own: never Kubernetes, so never
/// opened to find out.
const NOT_KUBERNETES: &[&str] = &[
    "Chart.yaml",
    "Chart.lock",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
    "mkdocs.yml",
    "mkdocs.yaml",
    "codecov.yml",
    ".codecov.yml",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    ".golangci.yml",
    ".golangci.yaml",
    ".yamllint.yml",
    ".yamllint.yaml",
    "dependabot.yml",
    "dependabot.yaml",
    ".travis.yml",
    "appveyor.yml",
    ".readthedocs.yaml",
    ".readthedocs.yml",
    "environment.yml",
    "pubspec.yaml",
    "pubspec.lock",
    ".clang-format",
    "_config.yml",
    "buf.yaml",
    "buf.gen.yaml",
    "conda.yaml",
    "serverless.yml",
    "netlify.yml",
];

fn builtin(rel: &str) -> Option<Class> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let dir = &rel[..rel.len() - name.len()];
    let lower = name.to_ascii_lowercase();
    if name == "Dockerfile"
        || name.starts_with("Dockerfile.")
        || name == "Containerfile"
        || name.starts_with("Containerfile.")
        || lower.ends_with(".dockerfile")
    {
        return Some(Class::Kind(FileKind::Dockerfile));
    }
    let is_yml = name.ends_with(".yml");
    let is_yaml = name.ends_with(".yaml");
    if !(is_yml || is_yaml) {
        return None;
    }
    let stem = &name[..name.len() - if is_yml { 4 } else { 5 }];
    let kind = if stem == ".gitlab-ci"
        || stem.ends_with(".gitlab-ci")
        || dir.starts_with(".gitlab/ci/")
        || dir.contains("/.gitlab/ci/")
    {
        FileKind::GitlabCi
    } else if dir == ".github/workflows/"
        || dir.ends_with("/.github/workflows/")
        || stem == "action"
    {
        FileKind::GithubActions
    } else if stem == "compose"
        || stem.starts_with("compose.")
        || stem.starts_with("docker-compose")
    {
        FileKind::Compose
    } else if (stem.starts_with("values") && (is_yaml || is_yml))
        || (is_yaml && stem.ends_with("-values"))
    {
        FileKind::HelmValues
    } else if NOT_KUBERNETES.contains(&name) {
        return None;
    } else {
        return Some(Class::MaybeKubernetes);
    };
    Some(Class::Kind(kind))
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
        builtin(p)
    }

    #[test]
    fn builtin_paths() {
        use Class::*;
        use FileKind::*;
        assert_eq!(kind("Dockerfile"), Some(Kind(Dockerfile)));
        assert_eq!(kind("a/Dockerfile.prod"), Some(Kind(Dockerfile)));
        assert_eq!(kind("api.Dockerfile"), Some(Kind(Dockerfile)));
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
        assert_eq!(kind("k8s/app.yaml"), Some(MaybeKubernetes));
        assert_eq!(kind("README.md"), None);
        assert_eq!(kind(".github/dependabot.yml"), None);
        assert_eq!(kind("chart/Chart.yaml"), None);
    }
}
