//! Reads and analyses the candidate files on worker threads and hands the
//! results over in path order, so output streams sorted whatever the thread
//! count.

use crate::analyze::{analyze, Analysis, Context, FileRef};
use crate::discover::classify::Class;
use crate::discover::paths::io_cause;
use crate::discover::record::Candidate;
use crate::kinds::FileKind;
use crate::source::LineIndex;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

/// What one file gave.
pub struct FileOutcome {
    /// `None` when the file turned out to be of no kind.
    pub kind: Option<FileKind>,
    pub analysis: Analysis,
    pub error: Option<String>,
    /// This file's output from each renderer, in the order given.
    pub rendered: Vec<String>,
    /// The fixed text, when fixes changed the file (written already in
    /// `FixMode::Write`).
    pub fixed: Option<String>,
    /// The fix as a unified diff, in `FixMode::Diff`.
    pub diff: Option<String>,
}

/// What to do with fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    Off,
    /// Write fixed files in place and report what remains.
    Write,
    /// Make a diff, write nothing.
    Diff,
    /// Hand the fixed text back (for `--stdin-filename`).
    Return,
}

/// Renders one file's findings while its text is at hand, on the worker
/// thread, so the main thread only writes bytes.
pub type Renderer = dyn Fn(&Analysis, &str, &LineIndex) -> String + Sync;

/// Files a worker takes at a time: fewer wake-ups than one by one, and the
/// results still arrive nearly in order.
const BATCH: usize = 16;

/// Looks for a NUL byte this far into a file to call it binary.
const BINARY_PROBE: usize = 8192;

pub fn run(
    candidates: &[Candidate],
    ctx: &Context,
    threads: usize,
    renderers: &[Box<Renderer>],
    mut sink: impl FnMut(FileOutcome),
) {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Vec<FileOutcome>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                // One read buffer a thread, reused for every file it reads.
                let mut buf = Vec::new();
                loop {
                    let first = next.fetch_add(BATCH, Ordering::Relaxed);
                    let Some(batch) = candidates.get(first..(first + BATCH).min(candidates.len()))
                    else {
                        break;
                    };
                    if batch.is_empty() {
                        break;
                    }
                    let outcomes = batch
                        .iter()
                        .map(|c| process(c, ctx, renderers, &mut buf))
                        .collect();
                    if tx.send((first, outcomes)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: BTreeMap<usize, Vec<FileOutcome>> = BTreeMap::new();
        let mut want = 0;
        for (first, outcomes) in rx {
            pending.insert(first, outcomes);
            while let Some(outcomes) = pending.remove(&want) {
                want += outcomes.len();
                outcomes.into_iter().for_each(&mut sink);
            }
        }
    });
}

fn process(
    c: &Candidate,
    ctx: &Context,
    renderers: &[Box<Renderer>],
    buf: &mut Vec<u8>,
) -> FileOutcome {
    buf.clear();
    let read = std::fs::File::open(&c.disk).and_then(|mut f| f.read_to_end(buf));
    process_bytes(c, read.map(|_| &buf[..]), ctx, renderers)
}

/// Analyses a file whose bytes were read already (or failed to be).
pub fn process_bytes(
    c: &Candidate,
    read: std::io::Result<&[u8]>,
    ctx: &Context,
    renderers: &[Box<Renderer>],
) -> FileOutcome {
    let path: Arc<str> = Arc::from(c.display.as_str());
    let mut outcome = FileOutcome {
        kind: None,
        analysis: Analysis::default(),
        error: None,
        rendered: Vec::new(),
        fixed: None,
        diff: None,
    };
    let fail = |mut o: FileOutcome, cause: String| {
        o.error = Some(format!("{}: {cause}", c.display));
        o
    };
    let bytes = match read {
        Ok(b) => b,
        Err(e) => return fail(outcome, format!("cannot read: {}", io_cause(&e))),
    };
    if bytes[..bytes.len().min(BINARY_PROBE)].contains(&0) {
        return fail(outcome, "binary file (NUL bytes), not text".into());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            return fail(outcome, format!("not valid UTF-8 (at byte {at})"));
        }
    };
    let kind = match c.class {
        Class::Kind(k) => k,
        Class::ByContent(k) if k.spec().by_content.is_some_and(|holds| holds(text)) => k,
        Class::ByContent(_) => return outcome,
    };
    outcome.kind = Some(kind);
    if !may_hold_reference(kind, text) {
        return outcome;
    }
    let lines = LineIndex::new(text);
    let file = FileRef {
        path: &path,
        rule_path: &c.rule_path,
        disk_path: &c.disk,
        kind,
    };
    let analysis = match analyze(ctx, &file, text, &lines) {
        Ok(a) => a,
        Err(cause) => return fail(outcome, cause),
    };
    let (analysis, fixed) = match fix_file(ctx, &file, text, analysis) {
        Ok(done) => done,
        Err((analysis, cause)) => {
            outcome.analysis = analysis;
            return fail(outcome, cause);
        }
    };
    if let Some(new) = &fixed {
        match ctx.fix {
            FixMode::Write => {
                if let Err(e) = crate::fix::write_atomic(&c.disk, new.as_bytes()) {
                    return fail(outcome, format!("cannot write the fix: {}", io_cause(&e)));
                }
            }
            FixMode::Diff => outcome.diff = Some(crate::fix::unified_diff(&c.display, text, new)),
            FixMode::Return | FixMode::Off => {}
        }
    }
    // Report against the text as it now is.
    let shown = match (&fixed, ctx.fix) {
        (Some(new), FixMode::Write | FixMode::Return) => new.as_str(),
        _ => text,
    };
    let shown_lines = if shown.len() == text.len() && shown == text {
        lines
    } else {
        LineIndex::new(shown)
    };
    outcome.rendered = renderers
        .iter()
        .map(|r| r(&analysis, shown, &shown_lines))
        .collect();
    outcome.analysis = analysis;
    outcome.fixed = fixed;
    outcome
}

/// Applies a file's safe fixes to its text and checks the result: it must
/// still parse and hold as many image references. Returns what to report
/// (the findings left after the fix, or the original ones) and the new text.
#[allow(clippy::type_complexity)]
fn fix_file(
    ctx: &Context,
    file: &FileRef,
    text: &str,
    analysis: Analysis,
) -> Result<(Analysis, Option<String>), (Analysis, String)> {
    if ctx.fix == FixMode::Off {
        return Ok((analysis, None));
    }
    let edits = crate::fix::edits_of(&analysis.findings);
    if edits.is_empty() {
        return Ok((analysis, None));
    }
    let fixed = crate::fix::apply(text, &edits);
    let after = match analyze(ctx, file, &fixed, &LineIndex::new(&fixed)) {
        Ok(after) => after,
        Err(cause) => {
            return Err((
                analysis,
                format!(
                    "fix refused, the file is left as it was: the result would not parse ({cause})"
                ),
            ))
        }
    };
    if after.images != analysis.images {
        let cause = format!(
            "fix refused, the file is left as it was: it would change the number of image references from {} to {}",
            analysis.images, after.images
        );
        return Err((analysis, cause));
    }
    let report = if ctx.fix == FixMode::Diff {
        analysis
    } else {
        after
    };
    Ok((report, Some(fixed)))
}

/// A cheap look before parsing: a file without any of its kind's keywords
/// holds no image position.
fn may_hold_reference(kind: FileKind, text: &str) -> bool {
    let keywords = kind.spec().keywords;
    keywords.is_empty() || keywords.iter().any(|k| text.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::finding::{Edit, Fix};
    use crate::image::Policy;
    use crate::lock::Lock;
    use crate::rules::{RuleSet, Selection};
    use std::collections::BTreeMap;
    use std::path::Path;

    fn ctx() -> Context {
        Context {
            rules: RuleSet::new(
                &BTreeMap::new(),
                &[],
                &Selection {
                    select: &[],
                    ignore: &[],
                },
            )
            .unwrap(),
            policy: Policy::new(&BTreeMap::new(), None).unwrap(),
            lock: Lock::default(),
            variables: BTreeMap::new(),
            build_contexts: Vec::new(),
            collect_entries: false,
            fix: FixMode::Write,
            resolve_via_mirror: false,
        }
    }

    /// A fix whose result would not parse, or would hold another number of
    /// references, is refused and the original findings kept.
    #[test]
    fn broken_fixes_are_refused() {
        let ctx = ctx();
        let path: Arc<str> = "compose.yaml".into();
        let file = FileRef {
            path: &path,
            rule_path: "compose.yaml",
            disk_path: Path::new("compose.yaml"),
            kind: FileKind::Compose,
        };
        let text = "services:\n  a: {image: nginx}\n  b: {image: redis}\n";
        for (content, why) in [
            ("nginx]", "would not parse"),
            ("nginx}\n  c: {image: x", "number of image references"),
        ] {
            let mut analysis = analyze(&ctx, &file, text, &LineIndex::new(text)).unwrap();
            let n = analysis.findings.len();
            analysis.findings[0].fix = Some(Fix {
                applicability: "safe",
                edits: vec![Edit {
                    offset: text.find("nginx").unwrap(),
                    length: 5,
                    content: content.into(),
                }],
            });
            let Err((kept, cause)) = fix_file(&ctx, &file, text, analysis) else {
                panic!("{content:?} was accepted");
            };
            assert!(
                cause.contains(why) && cause.contains("left as it was"),
                "{cause}"
            );
            assert_eq!(kept.findings.len(), n);
        }
    }

    fn piece() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            Just("FROM ".to_string()),
            Just("ARG A=${B:-x}\n".to_string()),
            Just("image: ".to_string()),
            Just("services:\n  - ".to_string()),
            Just("<<: *a\n".to_string()),
            Just("&a {".to_string()),
            Just("${{ matrix.image }}".to_string()),
            Just("docker://".to_string()),
            Just("repository: x\ntag: \"\"\n".to_string()),
            Just("RUN <<EOF\n".to_string()),
            Just("apiVersion: v1\nkind: Pod\n".to_string()),
            Just("\\\n".to_string()),
            Just("\r\n".to_string()),
            "\\PC{0,12}",
        ]
    }

    proptest::proptest! {
        /// Any text, in any file kind: a result or an error, never a panic.
        #[test]
        fn analysis_never_panics(parts in proptest::collection::vec(piece(), 0..24), kind in 0..crate::kinds::KINDS.len()) {
            let text: String = parts.concat();
            let ctx = ctx();
            let path: Arc<str> = "f".into();
            let file = FileRef {
                path: &path,
                rule_path: "f",
                disk_path: Path::new("f"),
                kind: crate::kinds::KINDS[kind].kind,
            };
            if let Ok(a) = analyze(&ctx, &file, &text, &LineIndex::new(&text)) {
                let _ = fix_file(&ctx, &file, &text, a);
            }
        }
    }
}
