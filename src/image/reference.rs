//! Image references parsed and normalised as Docker's distribution/reference
//! does (`ParseNormalizedNamed`), with the project's documented overrides:
//! a domain that fails the host grammar is invalid rather than re-read as a
//! path, and a bare `sha256:<hex>` is invalid (SPEC section 4).

use std::fmt;

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

/// `[a-f0-9]{64}`: an image ID.
fn is_image_id(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9'))
}

/// `(?:sha256|sha384|sha512):[0-9a-fA-F]*`: a digest written without a name.
fn is_bare_digest(t: &str) -> bool {
    match t.split_once(':') {
        Some(("sha256" | "sha384" | "sha512", hex)) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        _ => false,
    }
}

/// Docker's domain grammar: a host (`[a-zA-Z0-9]` components, `-` inside
/// them, joined by `.`; or an IPv6 address in brackets) and an optional
/// `:port`.
fn is_domain(t: &str) -> bool {
    let (host, port) = match t.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((v6, after)) => {
                let ok = !v6.is_empty() && v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
                if !ok {
                    return false;
                }
                ("", after)
            }
            None => return false,
        },
        None => match t.find(':') {
            Some(i) => (&t[..i], &t[i..]),
            None => (t, ""),
        },
    };
    let host_ok = t.starts_with('[')
        || host.split('.').all(|c| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        });
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`.
fn is_digest_form(t: &str) -> bool {
    let Some((alg, hex)) = t.split_once(':') else {
        return false;
    };
    let alg_ok = alg.split(['-', '_', '+', '.']).all(|c| {
        let b = c.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
    });
    alg_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Reference {
    pub fn parse(text: &str) -> Result<Reference, RefError> {
        if text.is_empty() {
            return err("the reference is empty");
        }
        if is_image_id(text) {
            return err("a 64-character hex string is an image ID, not a reference");
        }
        if is_bare_digest(text) {
            return err(
                "a bare digest is not a reference: it needs a repository name (`name@sha256:…`)",
            );
        }
        let (domain, rest, registry_written) = split_domain(text);
        if registry_written && !is_domain(domain) {
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
        self.name_with(0)
    }

    /// The name in a string with room for `more` bytes after it: each
    /// form below is built in one allocation (they are made for every
    /// finding).
    fn name_with(&self, more: usize) -> String {
        let mut s = String::with_capacity(self.registry.len() + 1 + self.repository.len() + more);
        s.push_str(&self.registry);
        s.push('/');
        s.push_str(&self.repository);
        s
    }

    /// Fully qualified form, with no implied tag.
    pub fn canonical(&self) -> String {
        let tag = self.tag.as_ref().map_or(0, |t| t.len() + 1);
        let digest = self.digest.as_ref().map_or(0, |d| d.len() + 1);
        let mut s = self.name_with(tag + digest);
        self.push_suffix(&mut s);
        s
    }

    /// `:tag@digest`, each part only when written.
    pub fn suffix(&self) -> String {
        let mut s = String::new();
        self.push_suffix(&mut s);
        s
    }

    fn push_suffix(&self, s: &mut String) {
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            s.push('@');
            s.push_str(digest);
        }
    }

    /// The key a lock file entry uses: the name and the tag pulled (`latest`
    /// when none is written), never the digest.
    pub fn lock_key(&self) -> String {
        let tag = self.tag.as_deref().unwrap_or("latest");
        let mut s = self.name_with(1 + tag.len());
        s.push(':');
        s.push_str(tag);
        s
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
    if !is_digest_form(digest) {
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
    use regex::Regex;

    fn canon(s: &str) -> String {
        Reference::parse(s)
            .map(|r| r.canonical())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    /// Every string of up to `most` symbols from `alphabet`, each once.
    fn strings_over(alphabet: &[&str], most: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = all.clone();
        for _ in 0..most {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |a| format!("{s}{a}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn hand_checks_match_the_grammar() {
        let component = Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$").unwrap();
        let tag = Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").unwrap();
        let all = strings_over(&["a", "0", ".", "_", "-", "A", ":", "é"], 5);
        for s in &all {
            assert_eq!(is_path_component(s), component.is_match(s), "{s:?}");
            assert_eq!(is_tag(s), tag.is_match(s), "{s:?}");
        }
        assert!(is_tag(&"a".repeat(128)) && !is_tag(&"a".repeat(129)));
    }

    /// The hand-written domain, digest, image ID and bare digest checks
    /// agree with the regular expressions of Docker's grammar they replace.
    #[test]
    fn hand_checks_match_the_reference_grammar() {
        let comp = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let host = format!(r"(?:{comp}(?:\.{comp})*|\[[a-fA-F0-9:]+\])");
        let domain = Regex::new(&format!(r"^{host}(?::[0-9]+)?$")).unwrap();
        let digest =
            Regex::new(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
                .unwrap();
        let image_id = Regex::new(r"^[a-f0-9]{64}$").unwrap();
        let bare = Regex::new(r"^(?:sha256|sha384|sha512):[0-9a-fA-F]*$").unwrap();
        let mut all = strings_over(&["a", "F", "0", "-", ".", ":", "[", "]", "+", "g", "é"], 5);
        let hex32 = "0123456789abcdefABCDEF0123456789";
        let hex64 = format!("{}{}", "0123456789abcdef".repeat(3), "0123456789abcdef");
        for prefix in [
            "sha256", "sha384", "sha512", "sha2", "a-b", "a_b+c.d", "1a", "a-", "",
        ] {
            for tail in [hex32, &hex32[1..], &hex64, "", "0g", &hex64.to_uppercase()] {
                all.push(format!("{prefix}:{tail}"));
            }
        }
        all.push(hex64.clone());
        all.push(hex64.to_uppercase());
        all.push(format!("{hex64}0"));
        all.push(hex64[1..].to_string());
        all.extend(
            [
                "[::1]:5000",
                "[::1]",
                "[]",
                "[::1]:",
                "a.b-c.d:80",
                "a..b",
                "-a",
                "a-",
            ]
            .map(String::from),
        );
        for s in &all {
            assert_eq!(is_domain(s), domain.is_match(s), "domain {s:?}");
            assert_eq!(is_digest_form(s), digest.is_match(s), "digest {s:?}");
            assert_eq!(is_image_id(s), image_id.is_match(s), "image id {s:?}");
            assert_eq!(is_bare_digest(s), bare.is_match(s), "bare digest {s:?}");
        }
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
