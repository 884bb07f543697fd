//! Registry credentials from the Docker config: inline `auths`, and the
//! credential helpers that `credsStore` and `credHelpers` name, spoken to by
//! the docker-credential-helpers protocol (`docker-credential-NAME get`,
//! the server URL on stdin, `{"Username","Secret"}` JSON on stdout).
//! Helpers run only for a registry that is actually asked, once per run.

use base64::Engine as _;
use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The Docker config holding credentials is not valid JSON.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CredentialsError {
    pub path: String,
    pub message: String,
}

/// `user:password` for one registry.
#[derive(Clone)]
pub struct Credential {
    pub user: String,
    pub password: String,
}

/// Where a registry's credential comes from.
pub struct Credentials {
    inline: HashMap<String, Credential>,
    /// `credHelpers`: registry host -> helper name.
    helpers: HashMap<String, String>,
    /// `credsStore`: the helper for every other registry.
    store: Option<String>,
    /// What each (helper, server) answered this run.
    asked: Mutex<HashMap<(String, String), Answer>>,
}

/// A helper's answer: a credential, none, or why it could not say.
type Answer = Result<Option<Credential>, String>;

/// The name Docker files Docker Hub's credential under, and the server URL
/// it gives helpers for it.
const HUB_SERVER: &str = "https://index.docker.io/v1/";

/// The longest a credential helper may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);
/// The most a helper's answer may hold.
const HELPER_OUTPUT_LIMIT: u64 = 1 << 20;

impl Credentials {
    /// From `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`; none
    /// when there is no such file.
    pub fn load() -> Result<Credentials, CredentialsError> {
        let mut out = Credentials {
            inline: HashMap::new(),
            helpers: HashMap::new(),
            store: None,
            asked: Mutex::new(HashMap::new()),
        };
        let dir = match std::env::var_os("DOCKER_CONFIG") {
            Some(d) => PathBuf::from(d),
            None => match std::env::var_os("HOME") {
                Some(h) => PathBuf::from(h).join(".docker"),
                None => return Ok(out),
            },
        };
        let path = dir.join("config.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(out);
        };
        let invalid = |message: String| CredentialsError {
            path: path.display().to_string(),
            message,
        };
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if let Some(auths) = json["auths"].as_object() {
            for (name, entry) in auths {
                if let Some(c) = inline_credential(entry) {
                    out.inline.insert(server_key(name), c);
                }
            }
        }
        let helper_name =
            |v: &serde_json::Value, what: &str| -> Result<Option<String>, CredentialsError> {
                match v.as_str() {
                    None | Some("") => Ok(None),
                    Some(name) if is_helper_name(name) => Ok(Some(name.to_string())),
                    Some(name) => Err(invalid(format!(
                        "{what}: `{}` is not a credential helper name",
                        name.escape_debug()
                    ))),
                }
            };
        out.store = helper_name(&json["credsStore"], "credsStore")?;
        if let Some(helpers) = json["credHelpers"].as_object() {
            for (registry, helper) in helpers {
                if let Some(name) = helper_name(helper, "credHelpers")? {
                    out.helpers.insert(server_key(registry), name);
                }
            }
        }
        Ok(out)
    }

    /// The names Docker files `registry`'s credential under.
    fn names(registry: &str, host: &str) -> Vec<String> {
        if registry == "docker.io" {
            [
                HUB_SERVER,
                "index.docker.io",
                "docker.io",
                "registry-1.docker.io",
            ]
            .map(String::from)
            .to_vec()
        } else {
            vec![registry.to_string(), host.to_string()]
        }
    }

    /// The helper that holds `registry`'s credential, if one is configured.
    pub fn helper_for(&self, registry: &str, host: &str) -> Option<&str> {
        Self::names(registry, host)
            .iter()
            .find_map(|n| self.helpers.get(n))
            .or(self.store.as_ref())
            .map(String::as_str)
    }

    /// `registry`'s credential: its `credHelpers` entry, else an inline
    /// `auths` entry, else the `credsStore`. `Err` says why a helper could
    /// not answer.
    pub fn for_registry(&self, registry: &str, host: &str) -> Result<Option<Credential>, String> {
        let names = Self::names(registry, host);
        if let Some(helper) = names.iter().find_map(|n| self.helpers.get(n)) {
            return self.ask(helper, registry);
        }
        if let Some(c) = names.iter().find_map(|n| self.inline.get(n)) {
            return Ok(Some(c.clone()));
        }
        match &self.store {
            Some(store) => self.ask(store, registry),
            None => Ok(None),
        }
    }

    fn ask(&self, helper: &str, registry: &str) -> Answer {
        let server = if registry == "docker.io" {
            HUB_SERVER.to_string()
        } else {
            registry.to_string()
        };
        let key = (helper.to_string(), server.clone());
        if let Some(known) = self.asked.lock().ok().and_then(|a| a.get(&key).cloned()) {
            return known;
        }
        let answer = run_helper(helper, &server);
        if let Ok(mut asked) = self.asked.lock() {
            asked.insert(key, answer.clone());
        }
        answer
    }
}

/// An `auths` entry's `auth` (base64 `user:password`) or its fields.
fn inline_credential(entry: &serde_json::Value) -> Option<Credential> {
    let decoded = entry["auth"]
        .as_str()
        .and_then(|a| base64::engine::general_purpose::STANDARD.decode(a).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let (user, password) = match decoded {
        Some(d) => d
            .split_once(':')
            .map(|(u, p)| (u.to_string(), p.to_string()))?,
        None => entry["username"]
            .as_str()
            .zip(entry["password"].as_str())
            .map(|(u, p)| (u.to_string(), p.to_string()))?,
    };
    Some(Credential { user, password })
}

/// A config key as a lookup name: `https://` and a trailing `/` dropped,
/// except Docker Hub's legacy `https://index.docker.io/v1/`.
fn server_key(name: &str) -> String {
    if name.contains("index.docker.io/v1") {
        return HUB_SERVER.to_string();
    }
    name.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// A helper is a program named `docker-credential-NAME` on PATH: NAME can
/// hold no path.
fn is_helper_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with('.')
}

/// Runs `docker-credential-HELPER get` for `server`. A helper that has no
/// credential for it says so (exit 1, "credentials not found"): no
/// credential, not an error.
fn run_helper(helper: &str, server: &str) -> Answer {
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("`{program}` is not on PATH"),
            _ => format!("`{program}` cannot be run: {e}"),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout {
            let _ = s.take(HELPER_OUTPUT_LIMIT).read_to_end(&mut out);
        }
        out
    });
    let deadline = Instant::now() + HELPER_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{program}` did not answer within {} s",
                    HELPER_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("`{program}`: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    let text = String::from_utf8_lossy(&out);
    if !status.success() {
        if text.to_ascii_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        return Err(format!("`{program} get` failed ({status})"));
    }
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| format!("`{program} get` did not answer with JSON"))?;
    match (json["Username"].as_str(), json["Secret"].as_str()) {
        (Some(user), Some(secret)) if !secret.is_empty() => Ok(Some(Credential {
            user: user.to_string(),
            password: secret.to_string(),
        })),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_names_hold_no_path() {
        assert!(is_helper_name("desktop"));
        assert!(is_helper_name("ecr-login"));
        for bad in ["", "../x", "a/b", ".hidden", "a b"] {
            assert!(!is_helper_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn server_keys() {
        assert_eq!(server_key("https://ghcr.io/"), "ghcr.io");
        assert_eq!(
            server_key("https://index.docker.io/v1/"),
            "https://index.docker.io/v1/"
        );
        assert_eq!(server_key("127.0.0.1:5000"), "127.0.0.1:5000");
    }
}
