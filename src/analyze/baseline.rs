//! A baseline: today's findings, recorded by fingerprint, so a big
//! repository can adopt imagelint and be told only of new findings
//! (`check --write-baseline FILE`, then `check --baseline FILE`).
//!
//! A fingerprint is the rule, the file's path from its config's folder (the
//! same from any working directory), what the finding is about (the image's
//! upstream name without tag or digest, or the bytes it points at) and its
//! number among equal ones in the file. Lines are left out, so moving a
//! reference keeps its fingerprint; tags and digests are left out, so a fix
//! that moves an image under its mirror or pins it does not make a
//! baselined finding of the same reference look new.

use super::finding::Finding;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The file format's version.
const VERSION: u64 = 1;

/// Largest baseline file read: a baseline is a list of short records.
const MAX_BYTES: u64 = 64 << 20;

#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
}

/// Fingerprints numbered among equals: the hash of rule, path, what the
/// finding is about and how many equal ones came before it, so each is
/// unique and none depends on a line number. The baseline and the
/// formats that track findings across runs (GitLab, SARIF) share it.
#[derive(Default)]
pub struct Fingerprinter {
    seen: HashMap<String, usize>,
}

impl Fingerprinter {
    pub fn next(&mut self, rule: &str, path: &str, what: &str) -> String {
        let key = format!("{rule}\0{path}\0{what}");
        let n = self.seen.entry(key.clone()).or_default();
        let digest = Sha256::digest(format!("{key}\0{n}").as_bytes());
        *n += 1;
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }
}

/// Stamps the findings of one file in the order they are found.
#[derive(Default)]
pub struct Stamper(Fingerprinter);

impl Stamper {
    /// Gives `finding` its fingerprint; `about` is the text at its span.
    pub fn stamp(&mut self, finding: &mut Finding, rule_path: &str, about: &str) {
        let what = finding.image.as_ref().map_or(about, |i| {
            name_only(i.upstream.as_deref().unwrap_or(&i.canonical))
        });
        finding.fingerprint = self.0.next(&finding.rule, rule_path, what);
    }
}

/// `registry/repository` of a canonical reference.
fn name_only(canonical: &str) -> &str {
    let name = canonical.split('@').next().unwrap_or(canonical);
    let last = name.rfind('/').map_or(0, |i| i + 1);
    match name[last..].find(':') {
        Some(colon) => &name[..last + colon],
        None => name,
    }
}

/// Why a baseline could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct BaselineError {
    pub path: String,
    pub message: String,
}

impl Baseline {
    pub fn contains(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&finding.fingerprint)
    }

    pub fn load(path: &Path, shown: &str) -> Result<Baseline, BaselineError> {
        let error = |message: String| BaselineError {
            path: shown.to_string(),
            message,
        };
        let text = read_bounded(path).map_err(|e| {
            error(format!(
                "cannot read the baseline: {}",
                crate::discover::paths::io_cause(&e)
            ))
        })?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| error(format!("not a baseline file: {e}")))?;
        if doc["version"].as_u64() != Some(VERSION) {
            return Err(error(format!(
                "not a baseline file of version {VERSION} (`imagelint check --write-baseline` writes one)"
            )));
        }
        let findings = doc["findings"]
            .as_array()
            .ok_or_else(|| error("no `findings` list".to_string()))?;
        let fingerprints = findings
            .iter()
            .map(|f| f["fingerprint"].as_str().map(str::to_string))
            .collect::<Option<HashSet<String>>>()
            .ok_or_else(|| error("a finding without a `fingerprint`".to_string()))?;
        Ok(Baseline { fingerprints })
    }
}

fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB",
            MAX_BYTES >> 20
        )));
    }
    Ok(text)
}

/// The baseline file for `findings`: a fingerprint per finding, with the
/// rule, path, line and message for people reading the diff.
pub fn render(findings: &[Finding]) -> String {
    let mut out = format!("{{\n  \"version\": {VERSION},\n  \"findings\": [");
    for (i, f) in findings.iter().enumerate() {
        let record = serde_json::json!({
            "fingerprint": f.fingerprint,
            "rule": &*f.rule,
            "path": &*f.path,
            "line": f.location.start.line,
            "message": f.message,
        });
        out.push_str(if i == 0 { "\n    " } else { ",\n    " });
        out.push_str(&record.to_string());
    }
    out.push_str(if findings.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    out
}

#[cfg(test)]
mod tests {
    use super::name_only;

    #[test]
    fn names_lose_tags_and_digests_but_keep_ports() {
        assert_eq!(
            name_only("docker.io/library/nginx:1.25"),
            "docker.io/library/nginx"
        );
        assert_eq!(
            name_only("localhost:5000/a/b:1@sha256:00"),
            "localhost:5000/a/b"
        );
        assert_eq!(name_only("quay.io/a/b"), "quay.io/a/b");
    }
}
