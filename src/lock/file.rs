//! `imagelint.lock`: upstream tag -> the digest it pointed to (SPEC section 7).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Why the lock file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: cannot read lock file: {cause}")]
    Read { path: String, cause: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: unsupported lock file version {version}")]
    Version { path: String, version: u32 },
    #[error(
        "{path}: the digest of `{key}` is not `sha256:` and 64 hex digits (or `sha512:` and 128)"
    )]
    BadDigest { path: String, key: String },
    #[error("{path}: cannot write: {cause}")]
    Write { path: String, cause: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    #[serde(default)]
    pub digests: BTreeMap<String, String>,
}

impl Lock {
    /// The lock file at `path` (shown as `shown`); a missing file is an
    /// empty lock.
    pub fn load(path: &Path, shown: &str) -> Result<Lock, LockError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::default()),
            Err(e) => {
                return Err(LockError::Read {
                    path: shown.to_string(),
                    cause: crate::discover::paths::io_cause(&e),
                })
            }
        };
        let lock: Lock = toml::from_str(&text).map_err(|e| LockError::Invalid {
            path: shown.to_string(),
            message: e.message().to_string(),
        })?;
        if lock.version != 1 {
            return Err(LockError::Version {
                path: shown.to_string(),
                version: lock.version,
            });
        }
        // Digests are written into files by `--fix`: one that is not a
        // digest (a hostile lock's `"sha256:0\nRUN ..."`) ends the run.
        if let Some((key, _)) = lock.digests.iter().find(|(_, d)| !is_digest(d)) {
            return Err(LockError::BadDigest {
                path: shown.to_string(),
                key: key.escape_debug().to_string(),
            });
        }
        Ok(lock)
    }

    /// Records `resolved` in the lock file at `path` and drops `pruned`,
    /// merged with what the file holds now (another `lock` run may have
    /// written it since this one read it), under an exclusive advisory lock
    /// so that concurrent runs never lose each other's entries. Writes
    /// nothing when that changes nothing; returns whether it wrote.
    pub fn write_merged(
        path: &Path,
        shown: &str,
        resolved: &BTreeMap<String, String>,
        pruned: &std::collections::BTreeSet<String>,
    ) -> Result<bool, LockError> {
        let write_error = |e: std::io::Error| LockError::Write {
            path: shown.to_string(),
            cause: crate::discover::paths::io_cause(&e),
        };
        let _held = exclusive(path).map_err(write_error)?;
        let before = Lock::load(path, shown)?.digests;
        let mut digests = before.clone();
        digests.retain(|k, _| !pruned.contains(k));
        digests.extend(resolved.iter().map(|(k, v)| (k.clone(), v.clone())));
        if digests == before && (path.exists() || digests.is_empty()) {
            return Ok(false);
        }
        crate::atomic::write_new_atomic(path, Lock::to_toml(&digests).as_bytes())
            .map_err(write_error)?;
        Ok(true)
    }

    pub fn digest(&self, key: &str) -> Option<&str> {
        self.digests.get(key).map(String::as_str)
    }

    /// The file's text: a header, the version, the entries sorted by key.
    pub fn to_toml(digests: &BTreeMap<String, String>) -> String {
        let mut out = String::from(
            "# Written by `imagelint lock`. Upstream tag -> the digest it pointed to.\nversion = 1\n\n[digests]\n",
        );
        for (key, digest) in digests {
            let _ = writeln!(out, "{} = {}", quote(key), quote(digest));
        }
        out
    }
}

/// An exclusive advisory lock for the lock file at `path`, held until the
/// file handle drops. The lock is taken on a file in the temporary folder
/// named after the lock file's absolute path, so the repository gets no
/// extra file and the rename of the lock file itself does not matter.
fn exclusive(path: &Path) -> std::io::Result<std::fs::File> {
    use sha2::{Digest as _, Sha256};
    let absolute = std::path::absolute(path)?;
    let hash = Sha256::digest(absolute.as_os_str().as_encoded_bytes());
    let name: String = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join(format!("imagelint-{name}.lock")))?;
    file.lock()?;
    Ok(file)
}

fn quote(s: &str) -> String {
    // TOML basic strings share JSON's escapes for what a reference can hold.
    serde_json::to_string(s).unwrap_or_default()
}

/// `sha256:` and 64 lowercase hex digits, or `sha512:` and 128.
pub fn is_digest(s: &str) -> bool {
    let hex = |h: &str, n: usize| {
        h.len() == n
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match s.split_once(':') {
        Some(("sha256", h)) => hex(h, 64),
        Some(("sha512", h)) => hex(h, 128),
        _ => false,
    }
}
