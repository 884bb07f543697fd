//! The file kinds imagelint reads, in one table. Everything that depends on
//! the kind of a file (which names the walk keeps, how a path is classified,
//! the cheap look before parsing, which extractor runs, the kind names in
//! config, JSON and docs) is read from [`KINDS`]. Adding a kind is one
//! variant, one row here and one extractor module.

use crate::extract::{self, Extractor};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Dockerfile,
    GitlabCi,
    GithubActions,
    Compose,
    Kubernetes,
    HelmValues,
    /// A file under a chart's `templates/`: Go templates, not YAML.
    HelmTemplate,
    BitbucketPipelines,
    Circleci,
    Drone,
    Woodpecker,
    Quadlet,
    Jenkinsfile,
    Devcontainer,
    AzurePipelines,
    Cloudformation,
    Terraform,
    DockerBake,
    /// A kind the user declares (`[[files.extract]]`).
    Custom,
}

/// A path glob over the path as shown (relative to the current directory,
/// `/`-separated). `*` stays inside one component, `**/` crosses folders.
#[derive(Debug, Clone, Copy)]
pub struct PathGlob {
    pub glob: &'static str,
    /// Matches whatever the case of the letters (`API.DOCKERFILE`).
    pub any_case: bool,
}

const fn glob(glob: &'static str) -> PathGlob {
    PathGlob {
        glob,
        any_case: false,
    }
}

const fn any_case(glob: &'static str) -> PathGlob {
    PathGlob {
        glob,
        any_case: true,
    }
}

/// Everything imagelint knows about one kind of file.
pub struct KindSpec {
    pub kind: FileKind,
    /// The name used in config (`[files.kinds]`, `match.kind`), JSON and docs.
    pub name: &'static str,
    /// Paths of this kind.
    pub paths: &'static [PathGlob],
    /// File names that match `paths` but have jobs of their own: never read.
    pub not_names: &'static [&'static str],
    /// When set, a file matching `paths` is of this kind only if its text
    /// passes this test; such kinds are tried after every kind decided by
    /// path alone.
    pub by_content: Option<fn(&str) -> bool>,
    /// A file holds an image position only if its text contains one of
    /// these words: a cheap look that skips parsing most files. Empty: always
    /// parse.
    pub keywords: &'static [&'static str],
    /// When set, a file whose text passes this test holds no image position
    /// whatever it parses to (Kubernetes: only CustomResourceDefinitions):
    /// it is not parsed. Such files are the largest of real trees.
    pub holds_none: Option<fn(&str) -> bool>,
    pub(crate) extractor: Extractor,
}

/// The kinds, in the order of [`FileKind`]'s variants.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: FileKind::Dockerfile,
        name: "dockerfile",
        paths: &[
            glob("**/Dockerfile"),
            glob("**/Dockerfile.*"),
            any_case("**/*.dockerfile"),
            glob("**/Containerfile"),
            glob("**/Containerfile.*"),
        ],
        not_names: &[],
        by_content: None,
        keywords: &[],
        holds_none: None,
        extractor: Extractor::Text(extract::dockerfile::extract),
    },
    KindSpec {
        kind: FileKind::GitlabCi,
        name: "gitlab-ci",
        paths: &[
            glob("**/*.gitlab-ci.{yml,yaml}"),
            glob("**/.gitlab/ci/**/*.{yml,yaml}"),
        ],
        not_names: &[],
        by_content: None,
        keywords: &["image", "services"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::gitlab::extract),
    },
    KindSpec {
        kind: FileKind::GithubActions,
        name: "github-actions",
        paths: &[
            glob("**/.github/workflows/*.{yml,yaml}"),
            glob("**/action.{yml,yaml}"),
        ],
        not_names: &[],
        by_content: None,
        keywords: &["container", "services", "docker://"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::github::extract),
    },
    KindSpec {
        kind: FileKind::Compose,
        name: "compose",
        paths: &[
            glob("**/compose.{yml,yaml}"),
            glob("**/compose.*.{yml,yaml}"),
            glob("**/docker-compose*.{yml,yaml}"),
        ],
        not_names: &[],
        by_content: None,
        keywords: &["image"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::compose::extract),
    },
    KindSpec {
        kind: FileKind::Kubernetes,
        name: "kubernetes",
        paths: &[glob("**/*.{yml,yaml}")],
        not_names: NOT_KUBERNETES,
        by_content: Some(extract::kubernetes::looks_like_kubernetes),
        keywords: &["image"],
        holds_none: Some(extract::kubernetes::only_definitions),
        extractor: Extractor::Yaml(extract::kubernetes::extract),
    },
    KindSpec {
        kind: FileKind::HelmValues,
        name: "helm-values",
        paths: &[glob("**/values*.{yml,yaml}"), glob("**/*-values.yaml")],
        not_names: &[],
        by_content: None,
        keywords: &["image", "repository"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::helm::extract),
    },
    KindSpec {
        kind: FileKind::HelmTemplate,
        name: "helm-template",
        // A YAML file under `templates/` beside a `Chart.yaml` (see
        // `discover::record`), and the partials (`_pod.tpl`) that write
        // whole containers for them.
        paths: &[glob("**/templates/*.tpl")],
        not_names: &[],
        by_content: None,
        keywords: &["image"],
        holds_none: None,
        extractor: Extractor::Text(extract::helm_template::extract),
    },
    KindSpec {
        kind: FileKind::BitbucketPipelines,
        name: "bitbucket-pipelines",
        paths: &[glob("**/bitbucket-pipelines.{yml,yaml}")],
        not_names: &[],
        by_content: None,
        keywords: &["image"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::bitbucket::extract),
    },
    KindSpec {
        kind: FileKind::Circleci,
        name: "circleci",
        paths: &[glob("**/.circleci/*.{yml,yaml}")],
        not_names: &[],
        by_content: None,
        keywords: &["image"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::circleci::extract),
    },
    KindSpec {
        kind: FileKind::Drone,
        name: "drone",
        paths: &[glob("**/.drone.{yml,yaml}")],
        not_names: &[],
        by_content: None,
        keywords: &["image"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::drone::extract),
    },
    KindSpec {
        kind: FileKind::Woodpecker,
        name: "woodpecker",
        paths: &[
            glob("**/.woodpecker.{yml,yaml}"),
            glob("**/.woodpecker/*.{yml,yaml}"),
        ],
        not_names: &[],
        by_content: None,
        keywords: &["image"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::drone::extract),
    },
    KindSpec {
        kind: FileKind::Quadlet,
        name: "quadlet",
        paths: &[glob("**/*.container"), glob("**/*.image")],
        not_names: &[],
        by_content: None,
        keywords: &["Image"],
        holds_none: None,
        extractor: Extractor::Text(extract::quadlet::extract),
    },
    KindSpec {
        kind: FileKind::Jenkinsfile,
        name: "jenkinsfile",
        paths: &[
            glob("**/Jenkinsfile"),
            glob("**/Jenkinsfile.*"),
            any_case("**/*.jenkinsfile"),
        ],
        not_names: &[],
        by_content: None,
        keywords: &["docker"],
        holds_none: None,
        extractor: Extractor::Text(extract::jenkinsfile::extract),
    },
    KindSpec {
        kind: FileKind::Devcontainer,
        name: "devcontainer",
        paths: &[
            glob("**/.devcontainer.json"),
            glob("**/.devcontainer/**/devcontainer.json"),
        ],
        not_names: &[],
        by_content: None,
        keywords: &["image"],
        holds_none: None,
        extractor: Extractor::Jsonc(extract::devcontainer::extract),
    },
    KindSpec {
        kind: FileKind::AzurePipelines,
        name: "azure-pipelines",
        paths: &[
            glob("**/azure-pipelines*.{yml,yaml}"),
            glob("**/.azure-pipelines/**/*.{yml,yaml}"),
        ],
        not_names: &[],
        by_content: None,
        keywords: &["container"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::azure::extract),
    },
    KindSpec {
        kind: FileKind::Cloudformation,
        name: "cloudformation",
        // Any YAML file whose text is a template (tried after Kubernetes),
        // and JSON files named as templates are.
        paths: &[
            glob("**/*.{yml,yaml}"),
            glob("**/*.template"),
            glob("**/*.template.json"),
            glob("**/template.json"),
            glob("**/*.cfn.json"),
            glob("**/cloudformation/**/*.json"),
        ],
        not_names: NOT_KUBERNETES,
        by_content: Some(extract::cloudformation::looks_like_cloudformation),
        keywords: &["Image"],
        holds_none: None,
        extractor: Extractor::Yaml(extract::cloudformation::extract),
    },
    KindSpec {
        kind: FileKind::Terraform,
        name: "terraform",
        paths: &[glob("**/*.tf"), glob("**/*.tf.json")],
        not_names: &[],
        by_content: None,
        // A file of variables or locals may hold a default that an image
        // position of another file of the module reads.
        keywords: &["image", "variable", "locals"],
        holds_none: Some(extract::terraform::holds_none),
        extractor: Extractor::Hcl(extract::terraform::extract),
    },
    KindSpec {
        kind: FileKind::DockerBake,
        name: "docker-bake",
        paths: &[glob("**/docker-bake.hcl"), glob("**/docker-bake.*.hcl")],
        not_names: &[],
        by_content: None,
        keywords: &["docker-image://"],
        holds_none: None,
        extractor: Extractor::Hcl(extract::bake::extract),
    },
    KindSpec {
        kind: FileKind::Custom,
        name: "custom",
        // Only the paths `[[files.extract]]` declares.
        paths: &[],
        not_names: &[],
        by_content: None,
        keywords: &[],
        holds_none: None,
        extractor: Extractor::User,
    },
];

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

impl FileKind {
    pub fn spec(self) -> &'static KindSpec {
        &KINDS[self as usize]
    }

    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<FileKind> {
        KINDS.iter().find(|s| s.name == name).map(|s| s.kind)
    }

    /// The kind names, for messages: `dockerfile, gitlab-ci, ...`.
    pub fn names() -> String {
        KINDS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_follows_the_enum() {
        for (i, spec) in KINDS.iter().enumerate() {
            assert_eq!(spec.kind as usize, i, "{} is out of place", spec.name);
            assert_eq!(FileKind::from_name(spec.name), Some(spec.kind));
        }
    }

    /// The JSON schema lists the kinds users see; the integration tests
    /// read their fixture folders from it.
    #[test]
    fn json_schema_lists_every_kind() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json-output.schema.json");
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let listed: Vec<&str> = schema["definitions"]["kind"]["enum"]
            .as_array()
            .expect("definitions.kind.enum")
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        let names: Vec<&str> = KINDS.iter().map(|s| s.name).collect();
        assert_eq!(
            listed, names,
            "docs/json-output.schema.json definitions.kind"
        );
    }

    #[test]
    fn every_kind_has_fixtures() {
        for spec in KINDS {
            let dir = format!("{}/fixtures/{}", env!("CARGO_MANIFEST_DIR"), spec.name);
            assert!(std::path::Path::new(&dir).is_dir(), "{dir} is missing");
        }
    }
}
