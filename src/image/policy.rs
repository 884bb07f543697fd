//! From reference text to an image the rules can judge: parsed, traced to its
//! upstream when it comes through a mirror or GitLab's dependency proxy, its
//! tag classed and its registry checked against the allow list.

use crate::globs::glob_set;
use crate::image::reference::{RefError, Reference, DOCKER_HUB, HUB_API_HOST};
use crate::image::tags::{classify, TagClass};
use globset::GlobSet;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A mirror prefix, written as a string or as a table with options.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Mirror {
    Prefix(String),
    Table(MirrorTable),
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MirrorTable {
    /// The mirror prefix, `registry.corp.example/dockerhub`.
    pub prefix: String,
    /// Keep `library/` for Docker Hub official images (default true). GitLab's
    /// dependency proxy, for one, wants it dropped.
    #[serde(default = "yes")]
    pub keep_library: bool,
}

fn yes() -> bool {
    true
}

impl Mirror {
    pub fn prefix(&self) -> &str {
        match self {
            Mirror::Prefix(p) => p,
            Mirror::Table(t) => &t.prefix,
        }
        .trim_end_matches('/')
    }

    pub fn keep_library(&self) -> bool {
        match self {
            Mirror::Prefix(_) => true,
            Mirror::Table(t) => t.keep_library,
        }
    }
}

/// A policy setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Pulled from the registry it names.
    Direct,
    /// Under a configured mirror prefix.
    Mirror,
    /// Through GitLab's dependency proxy (a Docker Hub mirror).
    DependencyProxy,
    /// The GitLab project's own registry (`$CI_REGISTRY`).
    OwnRegistry,
}

#[derive(Debug, Clone)]
pub struct Image {
    /// The reference as written (after variables), normalised.
    pub reference: Reference,
    /// Where a mirrored reference really comes from.
    pub upstream: Option<Reference>,
    pub origin: Origin,
    pub tag_class: TagClass,
    pub registry_allowed: bool,
    /// Written with a registry that has a configured mirror, and not
    /// through it: the pull goes past the mirror.
    pub mirror_bypassed: bool,
    /// Pinned by a digest other than the one the lock records for its
    /// upstream tag (set by the analysis, which has the lock).
    pub digest_stale: bool,
}

impl Image {
    /// What the reference really names: the upstream when mirrored.
    pub fn effective(&self) -> &Reference {
        self.upstream.as_ref().unwrap_or(&self.reference)
    }

    pub fn pinned(&self) -> bool {
        self.reference.digest.is_some()
    }

    /// Whether the registry is written, or implied by a mirror or a GitLab
    /// variable, rather than Docker Hub by default.
    pub fn registry_written(&self) -> bool {
        self.origin != Origin::Direct || self.reference.registry_written
    }
}

/// One entry of `allowed-registries`.
enum Allowed {
    /// A host, matched against the registry alone.
    Host(GlobSet),
    /// `host/path` prefix: the name equals it or lies below it.
    Prefix(String),
    /// A glob over `registry/repository`.
    NameGlob(GlobSet),
    /// GitLab's registries, named by their variables: `$CI_REGISTRY` (the
    /// instance's registry, any project), `$CI_REGISTRY_IMAGE` (this
    /// project's images only), `$CI_DEPENDENCY_PROXY` (the dependency proxy
    /// in every spelling).
    Gitlab(GitlabRegistry),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum GitlabRegistry {
    Instance,
    Project,
    DependencyProxy,
}

impl GitlabRegistry {
    /// The allow-list entry naming one, `$NAME` or `${NAME}`.
    fn named(entry: &str) -> Option<GitlabRegistry> {
        let name = entry.strip_prefix('$')?;
        let name = match name.strip_prefix('{') {
            Some(inner) => inner.strip_suffix('}')?,
            None => name,
        };
        match name {
            "CI_REGISTRY" => Some(GitlabRegistry::Instance),
            "CI_REGISTRY_IMAGE" => Some(GitlabRegistry::Project),
            "CI_DEPENDENCY_PROXY" => Some(GitlabRegistry::DependencyProxy),
            _ => None,
        }
    }

    fn covers(self, image: &Image) -> bool {
        match (self, image.origin) {
            (GitlabRegistry::DependencyProxy, Origin::DependencyProxy)
            | (GitlabRegistry::Instance, Origin::OwnRegistry) => true,
            (GitlabRegistry::Project, Origin::OwnRegistry) => image
                .reference
                .repository
                .strip_prefix("${CI_PROJECT_PATH}")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
            _ => false,
        }
    }
}

pub struct Policy {
    /// (mirror prefix, upstream registry, mirror), longest prefix first.
    mirrors: Vec<(String, String, Mirror)>,
    allowed: Option<Vec<Allowed>>,
}

const GITLAB_PROXY_VARS: [&str; 2] = [
    "CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX",
    "CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX",
];
const PLACEHOLDER_HOST: &str = "gitlab-registry.invalid";
const PLACEHOLDER_PROJECT: &str = "gitlab-project";

impl Policy {
    pub fn new(
        mirrors: &BTreeMap<String, Mirror>,
        allowed: Option<&[String]>,
    ) -> Result<Policy, PolicyError> {
        for (upstream, m) in mirrors {
            check_mirror(upstream, m.prefix())?;
        }
        let mut list: Vec<(String, String, Mirror)> = mirrors
            .iter()
            .map(|(upstream, m)| (m.prefix().to_string(), upstream.clone(), m.clone()))
            .collect();
        list.sort_by_key(|(prefix, _, _)| std::cmp::Reverse(prefix.len()));
        let allowed = allowed
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        if let Some(gitlab) = GitlabRegistry::named(e) {
                            return Ok(Allowed::Gitlab(gitlab));
                        }
                        if e.starts_with('$') {
                            return Err(PolicyError(format!(
                                "allowed-registries: `{}` is no GitLab registry; GitLab's are `$CI_REGISTRY`, `$CI_REGISTRY_IMAGE` and `$CI_DEPENDENCY_PROXY`",
                                e.escape_debug()
                            )));
                        }
                        let glob = e.contains(['*', '?', '[', '{']);
                        let pattern = e.trim_end_matches('/').to_string();
                        let globs = |p: String| {
                            glob_set(&[p])
                                .map_err(|e| PolicyError(format!("allowed-registries: {e}")))
                        };
                        Ok(match (e.contains('/'), glob) {
                            (false, _) => Allowed::Host(globs(pattern)?),
                            (true, false) => Allowed::Prefix(pattern),
                            (true, true) => Allowed::NameGlob(globs(pattern)?),
                        })
                    })
                    .collect::<Result<Vec<_>, PolicyError>>()
            })
            .transpose()?;
        Ok(Policy {
            mirrors: list,
            allowed,
        })
    }

    /// The mirror configured for `registry`. Docker Hub's API host
    /// (`registry-1.docker.io`) is Docker Hub: its `docker.io` mirror.
    pub fn mirror_for(&self, registry: &str) -> Option<&Mirror> {
        let registry = if registry == HUB_API_HOST {
            DOCKER_HUB
        } else {
            registry
        };
        self.mirrors
            .iter()
            .find(|(_, upstream, _)| upstream == registry)
            .map(|(_, _, m)| m)
    }

    /// `r` (an upstream reference) written under its registry's mirror:
    /// the prefix and the repository path below it, `library/` dropped for
    /// Docker Hub's official images when the mirror wants that.
    pub fn mirrored_name(&self, r: &Reference) -> Option<(String, String)> {
        let m = self.mirror_for(&r.registry)?;
        let repo = match r.repository.strip_prefix("library/") {
            Some(short) if !m.keep_library() && r.is_docker_hub() => short,
            _ => &r.repository,
        };
        Some((m.prefix().to_string(), repo.to_string()))
    }

    /// Where `imagelint lock` asks for the digest of `upstream`'s tag: the
    /// upstream registry, or with `via_mirror` its mirror when it has one,
    /// however the files write the reference. One route per lock key, so
    /// `lock`, `lock --update` and `lock --check` agree.
    pub fn route(&self, upstream: &Reference, via_mirror: bool) -> Reference {
        let mirrored = via_mirror.then(|| self.mirrored_name(upstream)).flatten();
        let Some((prefix, repo)) = mirrored else {
            return upstream.clone();
        };
        let text = format!(
            "{prefix}/{repo}:{}",
            upstream.tag.as_deref().unwrap_or("latest")
        );
        Reference::parse(&text).unwrap_or_else(|_| upstream.clone())
    }

    fn allows(&self, r: &Reference) -> bool {
        let Some(allowed) = &self.allowed else {
            return true;
        };
        let name = r.name();
        allowed.iter().any(|a| match a {
            Allowed::Host(g) => g.is_match(&r.registry),
            Allowed::Prefix(p) => name == *p || name.starts_with(&format!("{p}/")),
            Allowed::NameGlob(g) => g.is_match(&name),
            Allowed::Gitlab(_) => false,
        })
    }

    /// GitLab's registries are allowed when the list names them (or there
    /// is no list): their hosts are not known offline.
    fn allows_gitlab(&self, image: &Image) -> bool {
        let Some(allowed) = &self.allowed else {
            return true;
        };
        allowed
            .iter()
            .any(|a| matches!(a, Allowed::Gitlab(g) if g.covers(image)))
    }

    pub fn analyze(&self, text: &str) -> Result<Image, RefError> {
        if let Some(mut image) = gitlab_symbolic(text)? {
            image.registry_allowed = self.allows_gitlab(&image);
            return Ok(image);
        }
        let reference = Reference::parse(text)?;
        let mut origin = Origin::Direct;
        let mut upstream = None;
        let name = reference.name();
        for (prefix, up_registry, _) in &self.mirrors {
            if let Some(rest) = name
                .strip_prefix(prefix.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                upstream = Some(Reference::parse(&format!(
                    "{up_registry}/{rest}{}",
                    reference.suffix()
                ))?);
                origin = Origin::Mirror;
                break;
            }
        }
        let registry_allowed = origin != Origin::Direct || self.allows(&reference);
        // A reference without a registry is `implicit-docker-hub`'s: it
        // names no registry to go past.
        let mirror_bypassed = origin == Origin::Direct
            && reference.registry_written
            && self.mirror_for(&reference.registry).is_some();
        Ok(Image {
            tag_class: classify(reference.tag.as_deref()),
            reference,
            upstream,
            origin,
            registry_allowed,
            mirror_bypassed,
            digest_stale: false,
        })
    }
}

/// A mirror prefix is written into files by `--fix`: it must be a registry
/// host with an optional path, so that a reference under it is valid and
/// names that host (`registry.corp.example/dockerhub`).
fn check_mirror(upstream: &str, prefix: &str) -> Result<(), PolicyError> {
    let probe = format!("{prefix}/library/x:1");
    let valid = Reference::parse(&probe)
        .is_ok_and(|r| r.registry_written && r.name() == format!("{prefix}/library/x"));
    if !valid {
        return Err(PolicyError(format!(
            "[mirrors] `{}`: `{}` is not a registry host with an optional path (`registry.corp.example/dockerhub`)",
            upstream.escape_debug(),
            prefix.escape_debug()
        )));
    }
    let host_ok = Reference::parse(&format!("{upstream}/x")).is_ok_and(|r| r.registry_written);
    if !host_ok {
        return Err(PolicyError(format!(
            "[mirrors]: `{}` is not a registry host",
            upstream.escape_debug()
        )));
    }
    Ok(())
}

/// GitLab's predefined registry variables, left unexpanded by the GitLab
/// extractor: the dependency proxy prefixes mirror Docker Hub, and
/// `$CI_REGISTRY`/`$CI_REGISTRY_IMAGE` are the project's own registry.
fn gitlab_symbolic(text: &str) -> Result<Option<Image>, RefError> {
    if !text.starts_with("${CI_") {
        return Ok(None);
    }
    for var in GITLAB_PROXY_VARS {
        let prefix = format!("${{{var}}}/");
        if let Some(rest) = text.strip_prefix(&prefix) {
            return proxied(&format!("${{{var}}}"), rest).map(Some);
        }
    }
    if let Some(rest) = text.strip_prefix("${CI_DEPENDENCY_PROXY_SERVER}/") {
        if let Some(at) = rest.find("/dependency_proxy/containers/") {
            let prefix = format!(
                "${{CI_DEPENDENCY_PROXY_SERVER}}/{}",
                &rest[..at + "/dependency_proxy/containers".len()]
            );
            return proxied(&prefix, &rest[at + "/dependency_proxy/containers/".len()..]).map(Some);
        }
    }
    let own = if let Some(rest) = text.strip_prefix("${CI_REGISTRY_IMAGE}") {
        Some((
            format!("{PLACEHOLDER_HOST}/{PLACEHOLDER_PROJECT}{rest}"),
            true,
        ))
    } else {
        text.strip_prefix("${CI_REGISTRY}")
            .map(|rest| (format!("{PLACEHOLDER_HOST}{rest}"), false))
    };
    let Some((stand_in, project)) = own else {
        return Ok(None);
    };
    let mut reference = Reference::parse(&stand_in)?;
    if reference.registry != PLACEHOLDER_HOST {
        return Err(RefError("`$CI_REGISTRY` must be followed by a path".into()));
    }
    reference.registry = "${CI_REGISTRY}".into();
    if project {
        reference.repository =
            reference
                .repository
                .replacen(PLACEHOLDER_PROJECT, "${CI_PROJECT_PATH}", 1);
    }
    Ok(Some(Image {
        tag_class: classify(reference.tag.as_deref()),
        reference,
        upstream: None,
        origin: Origin::OwnRegistry,
        registry_allowed: true,
        mirror_bypassed: false,
        digest_stale: false,
    }))
}

fn proxied(prefix: &str, rest: &str) -> Result<Image, RefError> {
    let upstream = Reference::parse(rest)?;
    if upstream.registry != DOCKER_HUB {
        return Err(RefError(format!(
            "GitLab's dependency proxy only mirrors Docker Hub, not `{}`",
            upstream.registry
        )));
    }
    let path = rest.split(['@']).next().unwrap_or(rest);
    let path = path.rsplit_once(':').map_or(path, |(p, _)| p);
    let reference = Reference {
        registry: prefix.to_string(),
        repository: path.to_string(),
        tag: upstream.tag.clone(),
        digest: upstream.digest.clone(),
        registry_written: true,
    };
    Ok(Image {
        tag_class: classify(reference.tag.as_deref()),
        reference,
        upstream: Some(upstream),
        origin: Origin::DependencyProxy,
        registry_allowed: true,
        mirror_bypassed: false,
        digest_stale: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        let mut mirrors = BTreeMap::new();
        mirrors.insert(
            "docker.io".to_string(),
            Mirror::Prefix("registry.corp.example/dockerhub".into()),
        );
        let allowed = vec![
            "registry.corp.example".to_string(),
            "ghcr.io/acme/**".to_string(),
        ];
        Policy::new(&mirrors, Some(&allowed)).unwrap()
    }

    #[test]
    fn mirrors_know_their_upstream() {
        let i = policy()
            .analyze("registry.corp.example/dockerhub/library/python:3.11")
            .unwrap();
        assert_eq!(i.origin, Origin::Mirror);
        assert_eq!(
            i.upstream.unwrap().canonical(),
            "docker.io/library/python:3.11"
        );
        let i = policy()
            .analyze("registry.corp.example/dockerhub/python:3.11")
            .unwrap();
        assert_eq!(
            i.upstream.unwrap().canonical(),
            "docker.io/library/python:3.11"
        );
    }

    #[test]
    fn mirror_prefixes_must_be_registry_hosts() {
        let with = |prefix: &str| {
            let mut mirrors = BTreeMap::new();
            mirrors.insert("docker.io".to_string(), Mirror::Prefix(prefix.into()));
            Policy::new(&mirrors, None)
        };
        assert!(with("registry.corp.example/dockerhub").is_ok());
        assert!(with("localhost:5000").is_ok());
        for bad in [
            "",
            "/",
            "mirror dockerhub",
            "corp/dockerhub",
            "m.example/a\n  x",
            "M.example/Up",
        ] {
            assert!(with(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn registries_written_past_their_mirror() {
        let mut mirrors = BTreeMap::new();
        for (up, prefix) in [
            ("docker.io", "registry.corp.example/dockerhub"),
            ("quay.io", "registry.corp.example/quay"),
        ] {
            mirrors.insert(up.to_string(), Mirror::Prefix(prefix.into()));
        }
        let p = Policy::new(&mirrors, None).unwrap();
        let bypassed = |text: &str| p.analyze(text).unwrap().mirror_bypassed;
        assert!(bypassed("docker.io/library/nginx:1.25.3"));
        assert!(bypassed("index.docker.io/library/redis:7.2.4"));
        assert!(bypassed("registry-1.docker.io/library/redis:7.2.4"));
        assert!(bypassed("quay.io/prometheus/node-exporter:v1.8.0"));
        assert!(!bypassed("nginx:1.25.3"), "implicit-docker-hub's");
        assert!(!bypassed("ghcr.io/acme/tools:1"), "no mirror for ghcr.io");
        assert!(!bypassed("registry.corp.example/quay/prometheus/x:1"));
        assert!(!bypassed(
            "${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/python:3.12"
        ));
    }

    #[test]
    fn allow_list_by_host_and_path() {
        let p = policy();
        assert!(p.analyze("ghcr.io/acme/tools:1").unwrap().registry_allowed);
        assert!(!p.analyze("ghcr.io/other/tools:1").unwrap().registry_allowed);
        assert!(!p.analyze("quay.io/x/y").unwrap().registry_allowed);
        assert!(
            p.analyze("registry.corp.example/team/app:1")
                .unwrap()
                .registry_allowed
        );
    }

    #[test]
    fn gitlab_registries_are_allowed_by_name() {
        let with = |allowed: &[&str]| {
            let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
            Policy::new(&BTreeMap::new(), Some(&allowed)).unwrap()
        };
        let proxy = "${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/python:3.12";
        let server =
            "${CI_DEPENDENCY_PROXY_SERVER}/othergroup/dependency_proxy/containers/alpine:3";
        let own = "${CI_REGISTRY_IMAGE}/builder:1";
        let other = "${CI_REGISTRY}/othergroup/tools:1";
        let allowed = |p: &Policy, t: &str| p.analyze(t).unwrap().registry_allowed;
        let strict = with(&["registry.corp.example"]);
        for t in [proxy, server, own, other] {
            assert!(!allowed(&strict, t), "{t} allowed without being listed");
        }
        let proxy_only = with(&["$CI_DEPENDENCY_PROXY"]);
        assert!(allowed(&proxy_only, proxy) && allowed(&proxy_only, server));
        assert!(!allowed(&proxy_only, own));
        let project = with(&["${CI_REGISTRY_IMAGE}"]);
        assert!(allowed(&project, own) && !allowed(&project, other));
        let instance = with(&["$CI_REGISTRY"]);
        assert!(allowed(&instance, own) && allowed(&instance, other));
        assert!(!allowed(&instance, proxy));
        let none = Policy::new(&BTreeMap::new(), None).unwrap();
        assert!([proxy, own, other].iter().all(|t| allowed(&none, t)));
        let typo = vec!["$CI_REGISTRY_IMAG".to_string()];
        assert!(Policy::new(&BTreeMap::new(), Some(&typo)).is_err());
    }

    #[test]
    fn gitlab_variables() {
        let p = policy();
        let i = p
            .analyze("${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/python:3.12")
            .unwrap();
        assert_eq!(i.origin, Origin::DependencyProxy);
        assert_eq!(
            i.upstream.unwrap().canonical(),
            "docker.io/library/python:3.12"
        );
        let i = p.analyze("${CI_REGISTRY_IMAGE}/builder:latest").unwrap();
        assert_eq!(
            i.reference.canonical(),
            "${CI_REGISTRY}/${CI_PROJECT_PATH}/builder:latest"
        );
        assert_eq!(i.tag_class, TagClass::Latest);
        let i = p
            .analyze("${CI_DEPENDENCY_PROXY_SERVER}/grp/dependency_proxy/containers/alpine:3.19")
            .unwrap();
        assert_eq!(
            i.upstream.unwrap().canonical(),
            "docker.io/library/alpine:3.19"
        );
    }
}
