//! Tag classes (research/mutable_tags.md, section 3). The class sets which tag
//! rule fires; none of them pins, only a digest does.

use regex::Regex;
use std::fmt;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagClass {
    Missing,
    Latest,
    Moving,
    FloatingVersion,
    FullVersion,
    Other,
}

impl TagClass {
    pub const ALL: [TagClass; 6] = [
        TagClass::Missing,
        TagClass::Latest,
        TagClass::Moving,
        TagClass::FloatingVersion,
        TagClass::FullVersion,
        TagClass::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TagClass::Missing => "missing",
            TagClass::Latest => "latest",
            TagClass::Moving => "moving",
            TagClass::FloatingVersion => "floating-version",
            TagClass::FullVersion => "full-version",
            TagClass::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<TagClass> {
        TagClass::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for TagClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Named channels that publishers re-point on purpose.
const CHANNEL_WORDS: &[&str] = &[
    "latest",
    "stable",
    "edge",
    "lts",
    "mainline",
    "nightly",
    "rolling",
    "current",
    "devel",
    "dev",
    "develop",
    "development",
    "main",
    "master",
    "trunk",
    "head",
    "canary",
    "beta",
    "alpha",
    "rc",
    "next",
    "preview",
    "insiders",
    "unstable",
    "testing",
    "experimental",
    "snapshot",
    "weekly",
    "daily",
    "innovation",
    "oldstable",
    "oldoldstable",
    "sid",
    "prod",
    "production",
    "staging",
    "stage",
    "qa",
    "uat",
];

/// Distribution, runtime and flavour words: a tag made only of these tracks
/// the newest application version on that variant.
const VARIANT_WORDS: &[&str] = &[
    // Debian, Ubuntu and other distributions
    "alpine",
    "slim",
    "bookworm",
    "bullseye",
    "buster",
    "stretch",
    "jessie",
    "trixie",
    "forky",
    "jammy",
    "noble",
    "focal",
    "bionic",
    "xenial",
    "oracular",
    "plucky",
    "questing",
    "ubuntu",
    "debian",
    "ubi",
    "ubi8",
    "ubi9",
    "ubi10",
    "minimal",
    "micro",
    "centos",
    "rockylinux",
    "almalinux",
    "fedora",
    "amazonlinux",
    "al2",
    "al2023",
    "oraclelinux",
    "distroless",
    "busybox",
    "glibc",
    "musl",
    "uclibc",
    "wolfi",
    "chainguard",
    // Node.js release line codenames
    "argon",
    "boron",
    "carbon",
    "dubnium",
    "erbium",
    "fermium",
    "gallium",
    "hydrogen",
    "iron",
    "jod",
    "krypton",
    // Windows bases
    "windowsservercore",
    "nanoserver",
    "ltsc",
    "servercore",
    // image flavours
    "fpm",
    "apache",
    "cli",
    "zts",
    "dind",
    "rootless",
    "management",
    "jdk",
    "jre",
    "nonroot",
    "debug",
    "onbuild",
    "perl",
    "full",
    "core",
    "runtime",
    "sdk",
    "deps",
    "scm",
    "curl",
    "headless",
    "buildpack",
    "bare",
    "base",
    "standalone",
    "server",
    "community",
    "enterprise",
    "openjdk",
    "temurin",
    "eclipse",
    "corretto",
    "graalvm",
    "git",
    "shell",
];

#[derive(Clone)]
struct Patterns {
    date: Regex,
    pr: Regex,
    commit: Regex,
    build_id: Regex,
    java_update: Regex,
    version: Regex,
    prerelease: Regex,
    qualifier: Regex,
    word_with_version: Regex,
    revision: Regex,
}

/// The patterns for this thread. A regex shared by every worker hands its
/// search caches out from a pool the threads contend for; a clone per
/// thread shares the compiled program and keeps a pool of its own.
fn with_patterns<R>(f: impl FnOnce(&Patterns) -> R) -> R {
    thread_local! {
        static LOCAL: Patterns = patterns().clone();
    }
    LOCAL.with(f)
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        date: Regex::new(
            r"(?:^|[-_.])(?:(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])|(?:19|20)\d{2}([.-])(?:0[1-9]|1[0-2])[.-](?:0[1-9]|[12]\d|3[01]))(?:$|[-_.])",
        )
        .unwrap(),
        pr: Regex::new(r"^(?i:pr|mr)[-_]?\d+$").unwrap(),
        commit: Regex::new(r"^(?:sha-|git-|g)?[0-9a-f]{7,40}$").unwrap(),
        build_id: Regex::new(r"^(?:build|ci|run|job|pipeline)[-_.]?\d+$").unwrap(),
        java_update: Regex::new(r"^\d+u\d+").unwrap(),
        version: Regex::new(r"^[vV]?\d+(?:\.\d+)*").unwrap(),
        prerelease: Regex::new(r"^(?:rc|a|b)\d").unwrap(),
        qualifier: Regex::new(r"^(?:_\d+|-r\d+|-b\d+)(?:$|[^A-Za-z0-9])").unwrap(),
        word_with_version: Regex::new(r"^([a-z]+?)(\d+(?:\.\d+)*)?$").unwrap(),
        revision: Regex::new(r"-r\d+$").unwrap(),
    })
}

/// Classifies a tag; `None` means no tag was written.
pub fn classify(tag: Option<&str>) -> TagClass {
    let Some(tag) = tag else {
        return TagClass::Missing;
    };
    with_patterns(|p| classify_with(p, tag))
}

fn classify_with(p: &Patterns, tag: &str) -> TagClass {
    if tag.is_empty() {
        return TagClass::Missing;
    }
    if tag == "latest" {
        return TagClass::Latest;
    }
    // Guards that spare the regexes on most tags: a date has 8 digits.
    let digits = tag.bytes().filter(u8::is_ascii_digit).count();
    if digits >= 8 && p.date.is_match(tag) {
        return TagClass::FullVersion;
    }
    if p.pr.is_match(tag) {
        return TagClass::Moving;
    }
    let all_digits = digits == tag.len();
    if (tag.len() >= 7 && !all_digits && p.commit.is_match(tag)) || p.build_id.is_match(tag) {
        return TagClass::Other;
    }
    if p.java_update.is_match(tag) {
        return TagClass::FullVersion;
    }
    if let Some(m) = p.version.find(tag) {
        let rest = &tag[m.end()..];
        let follows_ok = rest.is_empty()
            || !rest.as_bytes()[0].is_ascii_alphabetic()
            || p.prerelease.is_match(rest);
        if follows_ok {
            let components = m.as_str().split('.').count();
            // A build revision at the end (`12-debian-12-r35`, Bitnami's
            // form) names one build, whatever the version before it.
            let revision = p.revision.is_match(rest);
            return if components >= 3 || revision || p.qualifier.is_match(rest) {
                TagClass::FullVersion
            } else {
                TagClass::FloatingVersion
            };
        }
    }
    let lower = tag.to_ascii_lowercase();
    let tokens: Vec<&str> = lower.split(['-', '_']).collect();
    if tokens.first().is_some_and(|t| CHANNEL_WORDS.contains(t)) {
        return TagClass::Moving;
    }
    let is_variant = |t: &&str| {
        p.word_with_version
            .captures(t)
            .and_then(|c| c.get(1))
            .is_some_and(|w| VARIANT_WORDS.contains(&w.as_str()))
    };
    if !tokens.is_empty() && tokens.iter().all(is_variant) {
        return TagClass::Moving;
    }
    TagClass::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every hand label in the research data set (tests/data/tags.tsv).
    #[test]
    fn agrees_with_labelled_tags() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tags.tsv");
        let data = std::fs::read_to_string(path).expect("tests/data/tags.tsv");
        let mut wrong = vec![];
        for line in data.lines().skip(1) {
            let (tag, want) = line.split_once('\t').unwrap();
            let got = classify(if tag.is_empty() { None } else { Some(tag) });
            if got.as_str() != want {
                wrong.push(format!("{tag:?}: want {want}, got {got}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// Labels met in real repositories beyond the research set.
    #[test]
    fn revision_tags_name_one_build() {
        for tag in ["12-debian-12-r35", "16.2.0-debian-12-r35", "8.0-r2"] {
            assert_eq!(classify(Some(tag)), TagClass::FullVersion, "{tag}");
        }
        assert_eq!(classify(Some("12-debian-12")), TagClass::FloatingVersion);
    }
}
