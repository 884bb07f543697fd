//! Resolving a tag to the digest it points to, over the registry HTTP API:
//! `HEAD /v2/<name>/manifests/<tag>` with every manifest type in `Accept`
//! (so a multi-arch tag gives its index digest), the anonymous or
//! credentialed bearer-token flow, and Basic auth. Credentials from the
//! Docker config go only to their own registry and the token realm that
//! registry announces.

use super::credentials::{Credential, Credentials, CredentialsError};
use crate::image::reference::Reference;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ureq::config::RedirectAuthHeaders;
use ureq::Agent;

const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";
const ATTEMPTS: u32 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    NotFound,
    Denied(String),
    Unreachable(String),
    Other(String),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::NotFound => f.write_str("404 unknown tag: the registry has no such tag"),
            ResolveError::Denied(why) => write!(f, "401 denied: {why}"),
            ResolveError::Unreachable(why) => write!(f, "unreachable: {why}"),
            ResolveError::Other(why) => f.write_str(why),
        }
    }
}

/// A token's reach: (registry origin, repository).
type Scope = (String, String);

pub struct Client {
    agent: Agent,
    credentials: Credentials,
    /// The `Authorization` that last worked per (registry origin,
    /// repository), `None` when none was needed: one token per repository
    /// scope, reused by every tag.
    tokens: Mutex<HashMap<Scope, Option<String>>>,
    /// One request per scope finds out what authorization it needs while
    /// the others for that scope wait: without it, every resolver that
    /// starts at once asks for a token of its own.
    gates: Mutex<HashMap<Scope, Arc<Mutex<()>>>>,
    insecure: Vec<String>,
    /// Pause before retry `n` is `backoff * 2^n`.
    backoff: Duration,
    /// No request starts after this, and none runs past it.
    deadline: Instant,
    /// The longest one request may take.
    request_timeout: Duration,
    /// Timeouts so far, per host: a host that timed out this often is given
    /// up on, so a hanging registry costs seconds, not minutes a reference.
    timeouts: Mutex<HashMap<String, u32>>,
}

/// Timeouts after which a host is given up on for the rest of the run.
const GIVE_UP_AFTER: u32 = 2;
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

impl Client {
    /// A client whose every request ends within `budget` from now.
    pub fn new(insecure: &[String], budget: Duration) -> Result<Client, CredentialsError> {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            // Redirects are followed by hand (`call`), so that nothing
            // meant for the registry goes to a host it redirects to.
            .max_redirects(0)
            .redirect_auth_headers(RedirectAuthHeaders::Never)
            .user_agent(concat!("imagelint/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client {
            agent,
            credentials: Credentials::load()?,
            tokens: Mutex::new(HashMap::new()),
            gates: Mutex::new(HashMap::new()),
            insecure: insecure.to_vec(),
            backoff: env_millis("IMAGELINT_RETRY_BACKOFF_MS").unwrap_or(Duration::from_millis(500)),
            deadline: Instant::now() + budget,
            request_timeout: env_millis("IMAGELINT_REQUEST_TIMEOUT_MS")
                .unwrap_or(Duration::from_secs(30)),
            timeouts: Mutex::new(HashMap::new()),
        })
    }

    /// The digest `reference`'s tag points to now.
    pub fn resolve(&self, reference: &Reference) -> Result<String, ResolveError> {
        let tag = reference.tag.as_deref().unwrap_or("latest");
        let (response, url, authorization) = self.manifest(reference, tag, Method::Head)?;
        match header(&response, "docker-content-digest") {
            Some(d) => Ok(d),
            None => self.digest_by_get(&url, authorization.as_deref()),
        }
    }

    /// Whether `reference`'s repository holds the manifest `digest`.
    pub fn has_manifest(&self, reference: &Reference, digest: &str) -> Result<bool, ResolveError> {
        match self.manifest(reference, digest, Method::Head) {
            Ok(_) => Ok(true),
            Err(ResolveError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The platforms of the multi-arch index `digest` in `reference`'s
    /// repository: each platform manifest's digest and `os/arch[/variant]`.
    /// Empty when `digest` is a single manifest.
    pub fn platforms(
        &self,
        reference: &Reference,
        digest: &str,
    ) -> Result<Vec<(String, String)>, ResolveError> {
        let (mut response, _, _) = self.manifest(reference, digest, Method::Get)?;
        let body = response
            .body_mut()
            .with_config()
            .limit(16 << 20)
            .read_to_string()
            .map_err(|e| ResolveError::Other(format!("manifest: {e}")))?;
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| ResolveError::Other(format!("manifest: {e}")))?;
        let Some(manifests) = json["manifests"].as_array() else {
            return Ok(Vec::new());
        };
        Ok(manifests
            .iter()
            .filter_map(|m| {
                let digest = m["digest"].as_str()?.to_string();
                let p = &m["platform"];
                let mut platform = format!(
                    "{}/{}",
                    p["os"].as_str().unwrap_or("?"),
                    p["architecture"].as_str().unwrap_or("?")
                );
                if let Some(v) = p["variant"].as_str() {
                    platform.push('/');
                    platform.push_str(v);
                }
                Some((digest, platform))
            })
            .collect())
    }

    /// A `200` answer for the manifest `target` (a tag or digest) of
    /// `reference`'s repository, the URL asked and the authorization used.
    fn manifest(
        &self,
        reference: &Reference,
        target: &str,
        method: Method,
    ) -> Result<(ureq::http::Response<ureq::Body>, String, Option<String>), ResolveError> {
        let host = api_host(&reference.registry);
        let scheme = if plain_http(&reference.registry, &self.insecure) {
            "http"
        } else {
            "https"
        };
        let url = format!(
            "{scheme}://{host}/v2/{}/manifests/{target}",
            reference.repository
        );
        let scope = (origin(&url).to_string(), reference.repository.clone());
        let helper = self.credentials.helper_for(&reference.registry, host);
        let mut credential = None;
        let mut looked_up = false;
        let known = || self.tokens.lock().ok().and_then(|t| t.get(&scope).cloned());
        let mut entry = known();
        let gate = match entry {
            Some(_) => None,
            None => self
                .gates
                .lock()
                .ok()
                .map(|mut g| Arc::clone(g.entry(scope.clone()).or_default())),
        };
        // Held until this request knows the answer; the scope's others then
        // find it cached.
        let _first = gate.as_ref().and_then(|g| g.lock().ok());
        if gate.is_some() {
            entry = known();
        }
        let mut cached = entry.is_some();
        let mut authorization = entry.flatten();
        for _ in 0..3 {
            let (response, own) = self.call(method, &url, authorization.as_deref())?;
            match response.status().as_u16() {
                // Both answers accept the authorization: the scope's other
                // tags reuse it.
                200 | 404 => {
                    if let Ok(mut tokens) = self.tokens.lock() {
                        tokens.insert(scope, authorization.clone());
                    }
                    if response.status().as_u16() == 404 {
                        return Err(ResolveError::NotFound);
                    }
                    return Ok((response, url, authorization));
                }
                401 if authorization.is_none() || cached => {
                    // A cached token that expired: asked for again.
                    cached = false;
                    if !looked_up {
                        credential = self
                            .credentials
                            .for_registry(&reference.registry, host)
                            .map_err(|why| {
                                ResolveError::Denied(format!("the credential helper: {why}"))
                            })?;
                        looked_up = true;
                    }
                    // A challenge from a host the registry redirected to
                    // is answered anonymously: the credential is the
                    // registry's, and that host is not the registry.
                    if !own {
                        credential = None;
                    }
                    let challenge = header(&response, "www-authenticate").unwrap_or_default();
                    authorization =
                        Some(self.authorize(&challenge, credential.as_ref(), reference, helper)?);
                }
                401 | 403 => return Err(denied(credential.is_some(), helper, &reference.registry)),
                code => return Err(ResolveError::Other(format!("HTTP {code} from {host}"))),
            }
        }
        Err(ResolveError::Denied(
            "authorization was not accepted".into(),
        ))
    }

    /// Answers a `WWW-Authenticate` challenge: a Basic header with the
    /// registry's credential, or a bearer token from the announced realm.
    fn authorize(
        &self,
        challenge: &str,
        credential: Option<&Credential>,
        reference: &Reference,
        helper: Option<&str>,
    ) -> Result<String, ResolveError> {
        let (scheme, params) = parse_challenge(challenge);
        if scheme.eq_ignore_ascii_case("basic") {
            return match credential {
                Some(c) => Ok(basic(c)),
                None => Err(denied(false, helper, &reference.registry)),
            };
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ResolveError::Other(format!(
                "unsupported authentication `{scheme}`"
            )));
        }
        let realm = params
            .get("realm")
            .ok_or_else(|| ResolveError::Other("bearer challenge without a realm".into()))?;
        let scope = params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{}:pull", reference.repository));
        let mut response = self.with_retries(realm, |timeout| {
            let mut req = self.agent.get(realm.as_str()).query("scope", &scope);
            if let Some(service) = params.get("service") {
                req = req.query("service", service);
            }
            // The realm is the one this registry announced: it may see the
            // registry's own credential, and no other.
            if let Some(c) = credential {
                req = req.header("Authorization", &basic(c));
            }
            req.config().timeout_global(Some(timeout)).build().call()
        })?;
        match response.status().as_u16() {
            200 => {}
            401 | 403 => return Err(ResolveError::Denied("the token service refused".into())),
            code => {
                return Err(ResolveError::Other(format!(
                    "HTTP {code} from the token service"
                )))
            }
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .map_err(|e| ResolveError::Other(format!("token response: {e}")))?;
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| ResolveError::Other(format!("token response: {e}")))?;
        let token = json["token"]
            .as_str()
            .or(json["access_token"].as_str())
            .ok_or_else(|| ResolveError::Other("token response without a token".into()))?;
        Ok(format!("Bearer {token}"))
    }

    /// Registries that send no digest header: GET the manifest and hash it.
    fn digest_by_get(
        &self,
        url: &str,
        authorization: Option<&str>,
    ) -> Result<String, ResolveError> {
        let (mut response, _) = self.call(Method::Get, url, authorization)?;
        if response.status().as_u16() != 200 {
            return Err(ResolveError::Other(format!(
                "HTTP {} fetching the manifest",
                response.status()
            )));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(16 << 20)
            .read_to_vec()
            .map_err(|e| ResolveError::Other(e.to_string()))?;
        let hex: String = Sha256::digest(&body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(format!("sha256:{hex}"))
    }

    /// One request to the registry, following redirects by hand: the
    /// `Authorization` header goes only to the host of `url`, never to a
    /// host a redirect leads to. Also says whether the final answer came
    /// from that host.
    fn call(
        &self,
        method: Method,
        url: &str,
        authorization: Option<&str>,
    ) -> Result<(ureq::http::Response<ureq::Body>, bool), ResolveError> {
        let home = origin(url).to_string();
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let own = origin(&url) == home;
            let response = self.with_retries(&url, |timeout| {
                let mut req = match method {
                    Method::Head => self.agent.head(&url),
                    Method::Get => self.agent.get(&url),
                }
                .header("Accept", ACCEPT);
                if let (true, Some(a)) = (own, authorization) {
                    req = req.header("Authorization", a);
                }
                req.config().timeout_global(Some(timeout)).build().call()
            })?;
            if !response.status().is_redirection() {
                return Ok((response, own));
            }
            let Some(location) = header(&response, "location") else {
                return Ok((response, own));
            };
            url = join_url(&url, &location);
        }
        Err(ResolveError::Other(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    /// Retries connection failures, 429 (after its `Retry-After`, up to a
    /// cap) and 5xx, with exponential backoff; gives a host up after
    /// repeated timeouts; never runs past the deadline. `call` gets the
    /// time the request may take.
    fn with_retries(
        &self,
        url: &str,
        call: impl Fn(Duration) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<ureq::http::Response<ureq::Body>, ResolveError> {
        let host = origin(url).to_string();
        let mut last = String::new();
        let mut wait = Duration::ZERO;
        for attempt in 0..ATTEMPTS {
            let remaining = self.deadline.saturating_duration_since(Instant::now());
            if wait >= remaining {
                return Err(ResolveError::Unreachable(format!(
                    "{last}; the time allowed for `lock` (--timeout) ran out"
                )));
            }
            std::thread::sleep(wait);
            if self.given_up(&host) {
                return Err(ResolveError::Unreachable(format!(
                    "{host} timed out {GIVE_UP_AFTER} times; not asked again this run"
                )));
            }
            let remaining = self.deadline.saturating_duration_since(Instant::now());
            let backoff = self.backoff * 2u32.pow(attempt);
            match call(self.request_timeout.min(remaining)) {
                Ok(r) if r.status().as_u16() == 429 => {
                    last = "HTTP 429".into();
                    wait = retry_after(&r).map_or(backoff, |d| d.min(MAX_RETRY_AFTER));
                }
                Ok(r) if r.status().is_server_error() => {
                    last = format!("HTTP {}", r.status().as_u16());
                    wait = backoff;
                }
                Ok(r) => return Ok(r),
                Err(ureq::Error::Timeout(_)) => {
                    last = "timed out".into();
                    self.timed_out(&host);
                    wait = backoff;
                }
                Err(e) => {
                    last = e.to_string();
                    wait = backoff;
                }
            }
        }
        Err(ResolveError::Unreachable(format!(
            "{last} (after {ATTEMPTS} attempts)"
        )))
    }

    fn given_up(&self, host: &str) -> bool {
        self.timeouts
            .lock()
            .is_ok_and(|t| t.get(host).is_some_and(|n| *n >= GIVE_UP_AFTER))
    }

    fn timed_out(&self, host: &str) {
        if let Ok(mut t) = self.timeouts.lock() {
            *t.entry(host.to_string()).or_default() += 1;
        }
    }
}

/// A refusal, with what would help: other credentials, or a login into
/// the helper that holds them (a `docker login` would not reach the
/// registry's credential otherwise).
fn denied(had_credential: bool, helper: Option<&str>, registry: &str) -> ResolveError {
    ResolveError::Denied(match (had_credential, helper) {
        (true, Some(h)) => format!("the credentials from `docker-credential-{h}` were refused"),
        (true, None) => "the credentials in the Docker config were refused".into(),
        (false, Some(h)) => format!(
            "the registry wants credentials and `docker-credential-{h}` has none for `{registry}`; log in with that helper (`docker login {registry}` stores them there)"
        ),
        (false, None) => "the registry wants credentials; add them with `docker login`".into(),
    })
}

fn basic(c: &Credential) -> String {
    let raw = format!("{}:{}", c.user, c.password);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)?
        .to_str()
        .ok()
        .map(str::to_string)
}

#[derive(Clone, Copy)]
enum Method {
    Head,
    Get,
}

const MAX_REDIRECTS: usize = 5;

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    let end = url[after..].find('/').map_or(url.len(), |i| after + i);
    &url[..end]
}

/// A `Location` header against the URL it answered.
fn join_url(base: &str, location: &str) -> String {
    if location.contains("://") {
        location.to_string()
    } else if location.starts_with('/') {
        format!("{}{location}", origin(base))
    } else {
        let dir = base.rsplit_once('/').map_or(base, |(d, _)| d);
        format!("{dir}/{location}")
    }
}

/// A duration in milliseconds from the environment (the tests shorten
/// waits with these).
fn env_millis(name: &str) -> Option<Duration> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
}

/// `Retry-After` in seconds (the HTTP-date form is taken as "soon").
fn retry_after(response: &ureq::http::Response<ureq::Body>) -> Option<Duration> {
    let value = header(response, "retry-after")?;
    Some(match value.trim().parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => Duration::from_secs(1),
    })
}

/// Docker Hub's API lives at another host than its name.
fn api_host(registry: &str) -> &str {
    if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    }
}

/// Whether `registry` is reached over plain HTTP: a loopback host, or one
/// `insecure-registries` lists (by name or API host), as Docker does.
pub fn plain_http(registry: &str, insecure: &[String]) -> bool {
    let host = api_host(registry);
    is_loopback(host) || insecure.iter().any(|h| h == host || h == registry)
}

/// Loopback registries use plain HTTP, as Docker does. Only `localhost`
/// and IP literals in 127.0.0.0/8 or `[::1]` are loopback: a name such as
/// `127.evil.example` is resolved by DNS and may be anywhere.
pub fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inside, _)) => inside,
            None => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match name.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback(),
        // Bracketed only: `::1:5000` is no host and port.
        Ok(std::net::IpAddr::V6(ip)) => host.starts_with('[') && ip.is_loopback(),
        Err(_) => false,
    }
}

/// `Bearer realm="…",service="…",scope="…"` into its scheme and parameters.
fn parse_challenge(header: &str) -> (String, HashMap<String, String>) {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let mut params = HashMap::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        params.insert(key, value.to_string());
        rest = remaining.trim_start_matches([',', ' ']);
    }
    (scheme.to_string(), params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(p["realm"], "https://auth.docker.io/token");
        assert_eq!(p["scope"], "repository:library/nginx:pull");
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!(
            (s.as_str(), p["realm"].as_str()),
            ("Basic", "Registry Realm")
        );
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("127.0.0.1:5055"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry.example.com"));
        assert!(!is_loopback("10.0.0.1:5000"));
        assert!(is_loopback("127.1.2.3"));
        assert!(!is_loopback("127.evil.example"));
        assert!(!is_loopback("127.evil.example:80"));
        assert!(!is_loopback("127.0.0.1.nip.io:5000"));
        assert!(!is_loopback("localhost.evil.example"));
        assert!(!is_loopback("[::1"));
    }
}
