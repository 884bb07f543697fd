//! Which kind of file a path is, decided from the path alone, before the file
//! is opened. Files of no kind are never read. The patterns come from the
//! kind table (`kinds.rs`) and `[files.kinds]`.

use crate::kinds::{FileKind, KINDS};
use globset::GlobSet;
use std::path::{Path, PathBuf};

/// How a path is to be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Known kind from the path.
    Kind(FileKind),
    /// A file of one of these kinds only if its text says so (Kubernetes
    /// or CloudFormation YAML).
    ByContent(ContentKinds),
}

/// The kinds decided by content that a path may be, in the table's order:
/// the first whose text test passes is the file's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContentKinds(u32);

// One bit a kind.
const _: () = assert!(KINDS.len() <= 32);

impl ContentKinds {
    #[cfg(test)]
    pub fn of(kinds: &[FileKind]) -> ContentKinds {
        kinds.iter().fold(ContentKinds(0), |all, k| all.with(*k))
    }

    fn with(self, kind: FileKind) -> ContentKinds {
        ContentKinds(self.0 | 1 << kind as u32)
    }

    pub fn iter(self) -> impl Iterator<Item = FileKind> {
        KINDS
            .iter()
            .map(|spec| spec.kind)
            .filter(move |k| self.0 & 1 << *k as u32 != 0)
    }

    /// The first of the kinds whose text test `text` passes.
    pub fn of_text(self, text: &str) -> Option<FileKind> {
        self.iter()
            .find(|k| k.spec().by_content.is_some_and(|holds| holds(text)))
    }
}

pub struct Classifier {
    /// `[files.kinds]`: matched first, against the path relative to the
    /// configuration root.
    custom: Vec<(FileKind, GlobSet)>,
    exclude: GlobSet,
    /// Every built-in path pattern, with its kind, compiled to plain string
    /// tests: this runs for every file of a tree, and a regex set costs
    /// more than the walk itself.
    builtin: Vec<(FileKind, PathShape)>,
    /// Bytes a name of some kind can end in, or (for `Dockerfile.*`) start
    /// with: most names of a tree are turned away on these two lookups.
    last_bytes: [bool; 256],
    first_bytes: [bool; 256],
}

impl Classifier {
    pub fn new(custom: Vec<(FileKind, GlobSet)>, exclude: GlobSet) -> Classifier {
        let builtin = KINDS
            .iter()
            .flat_map(|spec| {
                spec.paths
                    .iter()
                    .map(|p| (spec.kind, PathShape::compile(p.glob, p.any_case)))
            })
            .collect::<Vec<_>>();
        let mut last_bytes = [false; 256];
        let mut first_bytes = [false; 256];
        for (_, shape) in &builtin {
            for (before, after) in &shape.names {
                let mark = |table: &mut [bool; 256], b: Option<&u8>| {
                    if let Some(&b) = b {
                        table[b as usize] = true;
                        if shape.any_case {
                            table[b.to_ascii_uppercase() as usize] = true;
                            table[b.to_ascii_lowercase() as usize] = true;
                        }
                    }
                };
                match after.as_deref() {
                    Some("") => mark(&mut first_bytes, before.as_bytes().first()),
                    Some(after) => mark(&mut last_bytes, after.as_bytes().last()),
                    None => mark(&mut last_bytes, before.as_bytes().last()),
                }
            }
        }
        Classifier {
            custom,
            exclude,
            builtin,
            last_bytes,
            first_bytes,
        }
    }

    /// `rel` is the path relative to the configuration root, with `/`.
    pub fn is_excluded(&self, rel: &str) -> bool {
        !self.exclude.is_empty() && self.exclude.is_match(rel)
    }

    /// Whether a file with this name could be of some kind.
    #[inline]
    pub fn may_match_name(&self, name: &str) -> bool {
        if !self.custom.is_empty() {
            return true;
        }
        let b = name.as_bytes();
        let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
            return false;
        };
        (self.last_bytes[last as usize] || self.first_bytes[first as usize])
            && self.builtin.iter().any(|(_, s)| s.name_matches(name))
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
        let dir = &display[..display.len() - name.len()];
        let mut by_content: Option<ContentKinds> = None;
        for (kind, shape) in &self.builtin {
            let spec = kind.spec();
            if !shape.matches(dir, name) || spec.not_names.contains(&name) {
                continue;
            }
            match spec.by_content {
                // Kinds decided by path win over kinds decided by content.
                None => return Some(Class::Kind(spec.kind)),
                Some(_) => by_content = Some(by_content.unwrap_or_default().with(spec.kind)),
            }
        }
        by_content.map(Class::ByContent)
    }
}

/// A kind-table glob as string tests. The table's globs have the form
/// `**/[FOLDERS/[**/]]NAME`, where NAME holds at most one `*` and ends in at
/// most one `{a,b}` group; `shapes_agree_with_globset` holds every table
/// glob to globset's reading of it.
#[derive(Debug)]
struct PathShape {
    /// Folders the file must be in (`.github/workflows/`), if any.
    folders: Option<String>,
    /// The folders may be anywhere above the file (`/**/` after them).
    deep: bool,
    /// (before the `*`, after the `*` or `None` when there is no `*`), one
    /// per alternative of the `{a,b}` group.
    names: Vec<(String, Option<String>)>,
    any_case: bool,
}

impl PathShape {
    fn compile(glob: &str, any_case: bool) -> PathShape {
        let rest = glob.strip_prefix("**/").expect("kind globs start with **/");
        let (folders, name) = match rest.rsplit_once('/') {
            Some((folders, name)) => (Some(folders), name),
            None => (None, rest),
        };
        let (folders, deep) = match folders {
            Some(f) => match f.strip_suffix("/**") {
                Some(f) => (Some(format!("{f}/")), true),
                None => (Some(format!("{f}/")), false),
            },
            None => (None, false),
        };
        let alternatives: Vec<String> = match name.split_once('{') {
            Some((head, group)) => {
                let (options, tail) = group.split_once('}').expect("closed brace");
                options
                    .split(',')
                    .map(|o| format!("{head}{o}{tail}"))
                    .collect()
            }
            None => vec![name.to_string()],
        };
        let fold = |s: &str| {
            if any_case {
                s.to_ascii_lowercase()
            } else {
                s.to_string()
            }
        };
        let names = alternatives
            .iter()
            .map(|a| match a.split_once('*') {
                Some((before, after)) => (fold(before), Some(fold(after))),
                None => (fold(a), None),
            })
            .collect();
        PathShape {
            folders,
            deep,
            names,
            any_case,
        }
    }

    #[inline]
    fn name_matches(&self, name: &str) -> bool {
        // No allocation: this runs for every file of the tree.
        let same = |a: &[u8], b: &str| {
            if self.any_case {
                a.eq_ignore_ascii_case(b.as_bytes())
            } else {
                a == b.as_bytes()
            }
        };
        let n = name.as_bytes();
        self.names.iter().any(|(before, after)| match after {
            None => same(n, before),
            Some(after) => {
                n.len() >= before.len() + after.len()
                    && same(&n[..before.len()], before)
                    && same(&n[n.len() - after.len()..], after)
            }
        })
    }

    /// `dir` is the file's folder as shown, ending in `/` (or empty).
    fn matches(&self, dir: &str, name: &str) -> bool {
        if !self.name_matches(name) {
            return false;
        }
        let Some(folders) = &self.folders else {
            return true;
        };
        let at_boundary = |i: usize| i == 0 || dir.as_bytes()[i - 1] == b'/';
        if self.deep {
            dir.match_indices(folders.as_str())
                .any(|(i, _)| at_boundary(i))
        } else {
            dir.ends_with(folders.as_str()) && at_boundary(dir.len() - folders.len())
        }
    }
}

/// Helm renders `templates/` with Go templates; those files are not YAML.
pub fn is_helm_template(display: &str, path: &Path) -> bool {
    // Only a path with a `templates` folder can be one; most are not, so
    // look at the text before touching the disk or building paths.
    let has_folder = display.starts_with("templates/") || display.contains("/templates/");
    if !has_folder {
        return false;
    }
    // A folder's files come one after another: the answer for the last
    // folder asked about is kept, so the disk is asked once per folder.
    thread_local! {
        static LAST: std::cell::RefCell<Option<(PathBuf, bool)>> = const { std::cell::RefCell::new(None) };
    }
    let folder = path.parent().unwrap_or(Path::new(""));
    let known = LAST.with_borrow(|last| match last {
        Some((f, answer)) if f == folder => Some(*answer),
        _ => None,
    });
    known.unwrap_or_else(|| {
        let answer = folder.ancestors().any(|dir| {
            dir.file_name().is_some_and(|n| n == "templates")
                && dir
                    .parent()
                    .is_some_and(|chart| chart.join("Chart.yaml").is_file())
        });
        LAST.set(Some((folder.to_path_buf(), answer)));
        answer
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
        let yaml = ByContent(ContentKinds::of(&[Kubernetes, Cloudformation]));
        assert_eq!(kind("k8s/app.yaml"), Some(yaml));
        assert_eq!(kind("../k8s/app.yml"), Some(yaml));
        assert_eq!(kind("README.md"), None);
        assert_eq!(kind(".github/dependabot.yml"), None);
        assert_eq!(kind("chart/Chart.yaml"), None);
        assert_eq!(kind("dockerfile"), None);
    }

    /// Every table glob reads as globset reads it, on paths built from the
    /// names and folders that matter.
    #[test]
    fn shapes_agree_with_globset() {
        let names = [
            "Dockerfile",
            "Dockerfile.dev",
            "dockerfile",
            "x.dockerfile",
            "X.DOCKERFILE",
            ".dockerfile",
            "Containerfile",
            "Containerfile.x",
            "a.yml",
            "a.yaml",
            "a.json",
            ".gitlab-ci.yml",
            "b.gitlab-ci.yaml",
            "gitlab-ci.yml",
            "action.yml",
            "action.yaml",
            "compose.yml",
            "compose.prod.yaml",
            "compose.yaml.bak",
            "docker-compose.yml",
            "docker-compose-dev.yaml",
            "values.yaml",
            "values-prod.yml",
            "x-values.yaml",
            "x-values.yml",
            "Chart.yaml",
            "ci.yml",
        ];
        let dirs = [
            "",
            "a/",
            "../a/",
            "/abs/",
            ".github/workflows/",
            "x/.github/workflows/",
            "x.github/workflows/",
            ".github/workflows/sub/",
            ".gitlab/ci/",
            "r/.gitlab/ci/a/b/",
            "r.gitlab/ci/",
            ".gitlab/",
            "gitlab/ci/",
        ];
        for spec in KINDS {
            for p in spec.paths {
                let glob = globset::GlobBuilder::new(p.glob)
                    .literal_separator(true)
                    .case_insensitive(p.any_case)
                    .build()
                    .unwrap()
                    .compile_matcher();
                let shape = PathShape::compile(p.glob, p.any_case);
                for dir in dirs {
                    for name in names {
                        let path = format!("{dir}{name}");
                        assert_eq!(
                            shape.matches(dir, name),
                            glob.is_match(&path),
                            "{} on {path}",
                            p.glob
                        );
                    }
                }
            }
        }
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
