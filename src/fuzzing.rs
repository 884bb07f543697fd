//! Entry points for the fuzz targets in `fuzz/` (and nothing else): each
//! runs one step of the pipeline on arbitrary input and panics only when an
//! invariant breaks.

use crate::analyze::{Analysis, Context};
use crate::discover::classify::Class;
use crate::discover::record::Candidate;
use crate::engine::{process_bytes, FileEnd, FixMode, HandOver, Job};
use crate::image::reference::Reference;
use crate::image::Mirror;
use crate::kinds::{FileKind, KINDS};
use crate::lock::Lock;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A parsed reference's canonical form parses to the same reference.
pub fn reference(text: &str) {
    if let Ok(r) = Reference::parse(text) {
        let again = Reference::parse(&r.canonical())
            .unwrap_or_else(|e| panic!("{text:?} -> {:?}: {}", r.canonical(), e.0));
        assert_eq!(again.canonical(), r.canonical(), "{text:?}");
    }
}

/// A Helm template run with values: the input is the values, a NUL, then
/// the template. Images come out or not; nothing panics or hangs.
pub fn helm_template(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (values, template) = text.split_once('\0').unwrap_or(("", &text));
    crate::extract::helm_chart::run_one(values, template);
}

pub fn dockerfile() -> FileKind {
    FileKind::Dockerfile
}

/// How many kinds `split` picks from.
pub fn kind_count() -> usize {
    KINDS.len()
}

/// The kind picked by the first byte of a fuzz input, and the rest.
pub fn split(data: &[u8]) -> Option<(FileKind, &str)> {
    let (first, rest) = data.split_first()?;
    let kind = KINDS[*first as usize % KINDS.len()].kind;
    Some((kind, std::str::from_utf8(rest).ok()?))
}

/// Checks a file of `kind`: a result or a file error, never a panic.
pub fn check(kind: FileKind, text: &str) {
    run(context(kind, text), kind, text, FixMode::Off);
}

/// Fixes a file of `kind`, then fixes the result again: the fix raises no
/// finding that was not there, and the second fix changes nothing.
pub fn fix_round_trip(kind: FileKind, text: &str) {
    let ctx = context(kind, text);
    let before = run(ctx, kind, text, FixMode::Off);
    let first = run(ctx, kind, text, FixMode::Return);
    let Some(fixed) = first.end.fixed.clone() else {
        return;
    };
    let rules = |o: &Outcome| {
        let mut r: Vec<String> = o
            .analysis
            .findings
            .iter()
            .map(|f| f.rule.to_string())
            .collect();
        r.sort();
        r
    };
    let (had, has) = (rules(&before), rules(&first));
    for rule in &has {
        assert!(
            had.contains(rule),
            "the fix raised {rule}:\n{text:?}\n->\n{fixed:?}"
        );
    }
    let second = run(ctx, kind, &fixed, FixMode::Return);
    assert!(
        second.end.error.is_none(),
        "{:?}",
        second.end.error.map(|e| e.to_string())
    );
    assert!(
        second.end.fixed.is_none(),
        "a second fix changed the file:\n{fixed:?}\n->\n{:?}",
        second.end.fixed
    );
}

/// A file's parts put back together, and how it ended.
struct Outcome {
    analysis: Analysis,
    end: FileEnd,
}

fn run(ctx: &Context, kind: FileKind, text: &str, fix: FixMode) -> Outcome {
    let candidate = Candidate {
        display: "fuzz".into(),
        disk: PathBuf::from("fuzz"),
        class: Class::Kind(kind),
        rule_path: "fuzz".into(),
        scope: 0,
    };
    let job = Job {
        ctx,
        nested: &crate::engine::Nearer::default(),
        fix,
        reporters: &[],
        hand_over: HandOver::Everything,
    };
    let mut analysis = Analysis::default();
    let end = process_bytes(&candidate, Ok(text.as_bytes()), &job, &mut |part| {
        analysis.append(part.analysis)
    });
    Outcome { analysis, end }
}

/// A Docker Hub mirror and a lock with digests for the images the fixtures
/// use most, so that fixes of both kinds happen. Built once. A user-declared
/// kind is read as YAML, TOML or by a pattern, by the text's length.
fn context(kind: FileKind, text: &str) -> &'static Context {
    use crate::extract::user::{Format, UserKind};
    static CONTEXTS: std::sync::OnceLock<[Context; 3]> = std::sync::OnceLock::new();
    let all = CONTEXTS.get_or_init(|| {
        let declared = |format: Format| {
            let mut ctx = build_context();
            let images = ["*.image", "steps[*].image", "a[0].b"]
                .iter()
                .map(|p| p.parse().expect("valid key path"))
                .collect();
            let pattern = (format == Format::Regex)
                .then(|| regex::Regex::new(r#"image[=:] *(?P<image>[^\s"']+)"#).expect("valid"));
            let kind = UserKind {
                format,
                images,
                pattern,
            };
            let any = crate::globs::glob_set(&["**".to_string()]).expect("valid glob");
            ctx.user_kinds.push((any, kind));
            ctx
        };
        [
            declared(Format::Yaml),
            declared(Format::Toml),
            declared(Format::Regex),
        ]
    });
    match kind {
        FileKind::Custom => &all[text.len() % 3],
        _ => &all[0],
    }
}

fn build_context() -> Context {
    let mut mirrors = BTreeMap::new();
    mirrors.insert(
        "docker.io".to_string(),
        Mirror::Prefix("registry.corp.example/dockerhub".into()),
    );
    let mut lock = Lock::default();
    for (i, key) in [
        "docker.io/library/nginx:latest",
        "docker.io/library/nginx:1.25",
        "docker.io/library/nginx:1.25.3",
        "docker.io/library/python:3.11",
        "docker.io/library/python:3.12",
        "docker.io/library/redis:7.2.4",
        "docker.io/library/alpine:3.19",
        "docker.io/library/node:20",
        "docker.io/library/postgres:16",
    ]
    .iter()
    .enumerate()
    {
        lock.digests.insert(
            key.to_string(),
            format!("sha256:{}", format!("{i:x}").repeat(64)),
        );
    }
    Context::with_defaults(&mirrors, lock)
}

/// The quick YAML reader reads `text` as saphyr does: the same trees, the
/// same error, or it leaves the text to saphyr.
pub fn yaml_readers(text: &str) {
    if let Some(difference) = crate::extract::yaml::readers_differ(text) {
        panic!("{text:?}\n{difference}");
    }
}
