//! GitLab CI files pulled in with `include: local:` are GitLab CI whatever
//! their names (`ci/build.yml`): the pipeline's own files say so. Found by a
//! look at the lines of each `.gitlab-ci.yml` of the walk, before any file
//! is parsed: `local: path`, `include: path` and `- path` items of an
//! `include:` list. Paths are from the repository's root (a leading `/` or
//! not), as GitLab reads them; wildcards and remote includes are not
//! followed.

use super::classify::Class;
use super::record::Candidate;
use crate::kinds::FileKind;
use std::collections::BTreeSet;

/// Marks as GitLab CI the candidates that a GitLab CI file includes.
pub fn mark_gitlab_includes(found: &mut [Candidate]) {
    let mut included = Included::default();
    found.iter().for_each(|c| included.note(c));
    found.iter_mut().for_each(|c| included.mark(c));
}

/// The paths the pipeline files met so far include: a walk that meets each
/// folder's `.gitlab-ci.yml` before the folder's other files (see `walk`)
/// marks them as it goes.
#[derive(Default)]
pub struct Included(BTreeSet<String>);

impl Included {
    /// Notes what `c` includes when it is a project's pipeline file.
    pub fn note(&mut self, c: &Candidate) {
        // Only a project's pipeline file (GitLab's default CI path): reading
        // every GitLab CI file of a large tree before the run would cost
        // more than a walk. Includes of included files are not followed.
        let pipeline = c.display == ".gitlab-ci.yml" || c.display.ends_with("/.gitlab-ci.yml");
        if !pipeline || !matches!(c.class, Class::Kind(FileKind::GitlabCi)) {
            return;
        }
        // The walk vetted the path, a symlink included.
        let Some(text) = crate::side_file::read_followed(&c.disk) else {
            return;
        };
        // The root `.gitlab-ci.yml` sits at the project root; includes are
        // relative to it.
        let root = match c.display.rsplit_once('/') {
            Some((dir, ".gitlab-ci.yml")) => format!("{dir}/"),
            _ => String::new(),
        };
        for path in local_includes(&text) {
            self.0
                .insert(format!("{root}{}", path.trim_start_matches('/')));
        }
    }

    /// Marks `c` as GitLab CI when a pipeline noted includes it.
    pub fn mark(&self, c: &mut Candidate) {
        if !self.0.is_empty() && self.0.contains(&c.display) {
            c.class = Class::Kind(FileKind::GitlabCi);
        }
    }
}

/// The local paths a GitLab CI file includes.
fn local_includes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Indentation of the `include:` key while inside its block.
    let mut block: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let body = line.trim();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if block.is_some_and(|b| indent <= b && !body.starts_with('-')) {
            block = None;
        }
        if let Some(rest) = body.strip_prefix("include:") {
            block = Some(indent);
            if let Some(path) = local_path(rest) {
                out.push(path);
            }
            continue;
        }
        let item = body.strip_prefix("- ").unwrap_or(body);
        if let Some(rest) = item.strip_prefix("local:") {
            if let Some(path) = local_path(rest) {
                out.push(path);
            }
        } else if block.is_some() && body.starts_with("- ") && !item.contains(": ") {
            if let Some(path) = local_path(item) {
                out.push(path);
            }
        }
    }
    out
}

/// A scalar that names a local file: no URL, no wildcard, no variable.
fn local_path(raw: &str) -> Option<String> {
    let raw = raw.split(" #").next().unwrap_or(raw).trim();
    let path = raw.trim_matches(|c| c == '"' || c == '\'');
    let local = !path.is_empty()
        && !path.contains("://")
        && !path.contains(['*', '$', '{', '[', ' '])
        && (path.ends_with(".yml") || path.ends_with(".yaml"));
    local.then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::local_includes;

    #[test]
    fn include_forms() {
        let text = "include:\n  - local: ci/build.yml\n  - local: '/ci/test.yaml' # t\n  - 'ci/deploy.yml'\n  - project: a/b\n    file: x.yml\n  - remote: https://x/y.yml\n  - local: ci/*.yml\nbuild:\n  script: [\"- nope.yml\"]\n";
        assert_eq!(
            local_includes(text),
            ["ci/build.yml", "/ci/test.yaml", "ci/deploy.yml"]
        );
        assert_eq!(local_includes("include: ci/one.yml\n"), ["ci/one.yml"]);
        assert_eq!(
            local_includes("include:\n  local: ci/x.yml\n"),
            ["ci/x.yml"]
        );
    }
}
