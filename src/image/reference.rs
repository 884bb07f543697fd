//! Image references parsed and normalised as Docker's distribution/reference
//! does (`ParseNormalizedNamed`), with the project's documented overrides:
//! a domain that fails the host grammar is invalid rather than re-read as a
//! path, and a bare `sha256:<hex>` is invalid (SPEC section 4).

use regex::Regex;
use std::fmt;
use std::sync::OnceLock;

pub const DOCKER_HUB: &str = "docker.io";
const LEGACY_HUB: &str = "index.docker.io";
/// The registry API host of Docker Hub, which names Docker Hub too.
pub const HUB_API_HOST: &str = "registry-1.docker.io";
const MAX_PATH_LEN: usize = 255;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Normalised registry host (`docker.io` for Docker Hub).
    pub registry: String,
    /// Normalised repository path (`library/python`).
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// Whether the text names its registry (`docker.io/x` does, `x` does not).
    pub registry_written: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefError(pub String);

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, RefError> {
    Err(RefError(msg.into()))
}

struct Grammar {
    domain: Regex,
    digest: Regex,
    image_id: Regex,
    bare_digest: Regex,
}

fn grammar() -> &'static Grammar {
    static G: OnceLock<Grammar> = OnceLock::new();
    G.get_or_init(|| {
        let comp = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let host = format!(r"(?:{comp}(?:\.{comp})*|\[[a-fA-F0-9:]+\])");
        Grammar {
            domain: Regex::new(&format!(r"^{host}(?::[0-9]+)?$")).unwrap(),
            digest: Regex::new(
                r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$",
            )
            .unwrap(),
            image_id: Regex::new(r"^[a-f0-9]{64}$").unwrap(),
            bare_digest: Regex::new(r"^(?:sha256|sha384|sha512):[0-9a-fA-F]*$").unwrap(),
        }
    })
}

impl Reference {
    pub fn parse(text: &str) -> Result<Reference, RefError> {
        let g = grammar();
        if text.is_empty() {
            return err("the reference is empty");
        }
        if g.image_id.is_match(text) {
            return err("a 64-character hex string is an image ID, not a reference");
        }
        if g.bare_digest.is_match(text) {
            return err(
                "a bare digest is not a reference: it needs a repository name (`name@sha256:…`)",
            );
        }
        let (domain, rest, registry_written) = split_domain(text);
        if registry_written && !g.domain.is_match(domain) {
            return err(format!("`{domain}` is not a valid registry host"));
        }
        let registry = if domain == LEGACY_HUB {
            DOCKER_HUB
        } else {
            domain
        };

        let (name_tag, digest) = match rest.split_once('@') {
            Some((before, digest)) => (before, Some(digest)),
            None => (rest, None),
        };
        let (name, tag) = match name_tag.rsplit_once(':') {
            Some((name, tag)) => (name, Some(tag)),
            None => (name_tag, None),
        };
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            return err("repository name must be lowercase");
        }
        if name.is_empty() || !name.split('/').all(is_path_component) {
            return err(format!("`{name}` is not a valid repository name"));
        }
        let repository = if registry == DOCKER_HUB && !name.contains('/') {
            format!("library/{name}")
        } else {
            name.to_string()
        };
        if repository.len() > MAX_PATH_LEN {
            return err(format!(
                "repository name is longer than {MAX_PATH_LEN} characters"
            ));
        }
        if let Some(tag) = tag {
            if !is_tag(tag) {
                return err(format!("`{tag}` is not a valid tag"));
            }
        }
        if let Some(digest) = digest {
            validate_digest(digest)?;
        }
        Ok(Reference {
            registry: registry.to_string(),
            repository,
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
            registry_written,
        })
    }

    /// `registry/repository`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Fully qualified form, with no implied tag.
    pub fn canonical(&self) -> String {
        format!("{}{}", self.name(), self.suffix())
    }

    /// `:tag@digest`, each part only when written.
    pub fn suffix(&self) -> String {
        let mut s = String::new();
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            s.push('@');
            s.push_str(digest);
        }
        s
    }

    /// The key a lock file entry uses: the name and the tag pulled (`latest`
    /// when none is written), never the digest.
    pub fn lock_key(&self) -> String {
        format!(
            "{}:{}",
            self.name(),
            self.tag.as_deref().unwrap_or("latest")
        )
    }

    pub fn is_docker_hub(&self) -> bool {
        self.registry == DOCKER_HUB || self.registry == HUB_API_HOST
    }
}

/// `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`, checked by hand: it runs for
/// every reference of every file.
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        match &b[start..i] {
            b"." | b"_" | b"__" => {}
            sep if sep.iter().all(|x| *x == b'-') => {}
            _ => return false,
        }
    }
    true
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_tag(t: &str) -> bool {
    let b = t.as_bytes();
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b[1..].iter().all(|x| word(*x) || *x == b'.' || *x == b'-')
}

/// Docker's `splitDockerDomain`: the first component names a registry only if
/// a `/` follows it and it holds `.` or `:`, is `localhost`, or has uppercase.
fn split_domain(text: &str) -> (&str, &str, bool) {
    if let Some(i) = text.find('/') {
        let first = &text[..i];
        if first.contains(['.', ':'])
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase())
        {
            return (first, &text[i + 1..], true);
        }
    }
    (DOCKER_HUB, text, false)
}

fn validate_digest(digest: &str) -> Result<(), RefError> {
    if !grammar().digest.is_match(digest) {
        return err(format!("`{digest}` is not a valid digest"));
    }
    let (alg, hex) = digest.split_once(':').unwrap_or_default();
    let want = match alg {
        "sha256" => 64,
        "sha512" => 128,
        _ => return err(format!("unsupported digest algorithm `{alg}`")),
    };
    if hex.len() != want {
        return err(format!(
            "a {alg} digest has {want} hex digits, not {}",
            hex.len()
        ));
    }
    if hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return err("digest hex must be lowercase");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        Reference::parse(s)
            .map(|r| r.canonical())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn hand_checks_match_the_grammar() {
        let component = Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$").unwrap();
        let tag = Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").unwrap();
        let alphabet = ["a", "0", ".", "_", "-", "A", ":", "é"];
        // Every string of up to five symbols from the alphabet.
        let mut all = vec![String::new()];
        for _ in 0..5 {
            let next: Vec<String> = all
                .iter()
                .flat_map(|s| alphabet.iter().map(move |a| format!("{s}{a}")))
                .collect();
            all.extend(next);
            all.dedup();
        }
        for s in &all {
            assert_eq!(is_path_component(s), component.is_match(s), "{s:?}");
            assert_eq!(is_tag(s), tag.is_match(s), "{s:?}");
        }
        assert!(is_tag(&"a".repeat(128)) && !is_tag(&"a".repeat(129)));
    }

    #[test]
    fn normalises_like_docker() {
        assert_eq!(canon("python"), "docker.io/library/python");
        assert_eq!(canon("python:3.11"), "docker.io/library/python:3.11");
        assert_eq!(canon("bitnami/redis"), "docker.io/bitnami/redis");
        assert_eq!(canon("index.docker.io/nginx"), "docker.io/library/nginx");
        assert_eq!(canon("localhost/app"), "localhost/app");
        assert_eq!(canon("localhost:5000/a/b:1"), "localhost:5000/a/b:1");
        assert_eq!(canon("[::1]:5000/app"), "[::1]:5000/app");
        assert_eq!(canon("Foo/bar"), "Foo/bar");
        assert!(canon("Nginx").starts_with("error"));
        assert!(canon("mysql@8.0.44").starts_with("error"));
        assert!(canon("sha256:abc").starts_with("error"));
        assert!(canon("my_registry.com/app").starts_with("error"));
    }
}
