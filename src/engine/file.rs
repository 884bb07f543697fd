//! One file through the pipeline: read, decoded, its kind settled, analysed,
//! fixed and checked, rendered by every reporter.

use super::FixMode;
use crate::analyze::{analyze, analyze_in_parts, Analysis, Context, FileRef, PART_REFERENCES};
use crate::discover::classify::Class;
use crate::discover::paths::io_cause;
use crate::discover::record::Candidate;
use crate::extract::ExtractError;
use crate::fix;
use crate::kinds::FileKind;
use crate::render::Reporter;
use crate::rules::Severity;
use crate::source::LineIndex;
use std::fmt;
use std::sync::{Arc, RwLock};

/// Looks for a NUL byte this far into a file to call it binary.
const BINARY_PROBE: usize = 8192;

/// The largest file imagelint reads (64 MiB): no configuration is near it,
/// and memory stays bounded whatever a pull request adds.
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// Why one file could not be checked or fixed. The other files still are.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read: {0}")]
    Read(String),
    #[error("binary file (NUL bytes), not text")]
    Binary,
    #[error("UTF-16 text; imagelint reads UTF-8")]
    Utf16,
    #[error("larger than {} MiB: not read", MAX_FILE_BYTES >> 20)]
    TooLarge,
    #[error("not valid UTF-8 (at byte {at})")]
    NotUtf8 { at: usize },
    #[error(transparent)]
    Extract(#[from] ExtractError),
    #[error("fix refused, the file is left as it was: the result would not parse ({0})")]
    FixWouldNotParse(ExtractError),
    #[error("fix refused, the file is left as it was: it would change the number of image references from {before} to {after}")]
    FixChangesReferences { before: usize, after: usize },
    #[error("fix refused, the file is left as it was: it would raise `{rule}` on image reference {reference} of the file")]
    FixAddsFinding { rule: String, reference: usize },
    #[error("cannot write the fix: {0}")]
    WriteFix(String),
}

impl FileError {
    /// Whether the file's references are unknown (it could not be read or
    /// parsed), rather than found and a fix refused.
    pub fn left_unchecked(&self) -> bool {
        !matches!(
            self,
            FileError::FixWouldNotParse(_)
                | FileError::FixChangesReferences { .. }
                | FileError::FixAddsFinding { .. }
                | FileError::WriteFix(_)
        )
    }
}

/// A file error with the file's path: `path: cause`.
#[derive(Debug)]
pub struct FileFailure {
    pub path: String,
    pub error: FileError,
}

impl fmt::Display for FileFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.error)
    }
}

/// Some of one file's references: their findings (or inventory entries)
/// and each reporter's rendering of them, in the reporters' order. A file's
/// parts come in source order; a small file has at most one.
pub struct Part {
    /// Empty but for its counts under [`HandOver::Counts`].
    pub analysis: Analysis,
    pub rendered: Vec<String>,
    /// Each finding's severity and whether `--fix` can fix it.
    pub counts: Vec<(Severity, bool)>,
}

/// How much of each analysis the engine hands over once it is rendered.
/// What is not handed over is freed on the worker that made it: freeing a
/// finding's strings on the thread taking the parts costs that thread,
/// which writes every output, a cross-thread free for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOver {
    /// Findings and entries (for outputs laid out at the end, the
    /// baseline, the inventory and the lock).
    Everything,
    /// The counts alone (`images`, `baselined`, [`Part::counts`]).
    Counts,
}

/// How one file ended, after its parts.
#[derive(Default)]
pub struct FileEnd {
    /// `None` when the file turned out to be of no kind.
    pub kind: Option<FileKind>,
    pub error: Option<FileFailure>,
    /// The fixed text, when fixes changed the file (written already in
    /// `FixMode::Write`).
    pub fixed: Option<String>,
    /// The fix as a unified diff, in `FixMode::Diff`.
    pub diff: Option<String>,
}

/// The contexts of config files nearer to some files than the run's own,
/// added to as the walk meets them while the files met before are checked.
#[derive(Default)]
pub struct Nearer(RwLock<Vec<Arc<Context>>>);

impl Nearer {
    /// Adds a context: its scope is how many were added.
    pub fn push(&self, ctx: Context) {
        let mut all = self.0.write().unwrap_or_else(|e| e.into_inner());
        all.push(Arc::new(ctx));
    }

    /// The context of scope `n`; none for 0, the run's own (its lock is
    /// not taken for the files of most runs).
    fn get(&self, n: usize) -> Option<Arc<Context>> {
        let i = n.checked_sub(1)?;
        let all = self.0.read().unwrap_or_else(|e| e.into_inner());
        all.get(i).cloned()
    }

    /// Every context added.
    pub fn all(&self) -> Vec<Arc<Context>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What every file of a run is put through.
pub struct Job<'a> {
    pub ctx: &'a Context,
    /// The contexts of nearer config files: a candidate of scope `n` is
    /// analysed with the `n`th.
    pub nested: &'a Nearer,
    pub fix: FixMode,
    pub reporters: &'a [&'a dyn Reporter],
    pub hand_over: HandOver,
}

/// Analyses a file whose bytes were read already (or failed to be), handing
/// its parts to `emit` as they are rendered. Without fixes a large file is
/// analysed and rendered a part at a time, so its findings are never all
/// held; a fix needs the whole analysis, which then comes as one part.
pub fn process_bytes(
    c: &Candidate,
    read: std::io::Result<&[u8]>,
    job: &Job,
    emit: &mut dyn FnMut(Part),
) -> FileEnd {
    let mut end = FileEnd::default();
    let fail = |mut end: FileEnd, error: FileError| {
        end.error = Some(FileFailure {
            path: c.display.clone(),
            error,
        });
        end
    };
    let text = match decode(read) {
        Ok(t) => t,
        Err(e) => return fail(end, e),
    };
    let kind = match c.class {
        Class::Kind(k) => k,
        Class::ByContent(kinds) => match kinds.of_text(text) {
            Some(k) => k,
            None => return end,
        },
    };
    end.kind = Some(kind);
    if !may_hold_reference(kind, text) {
        return end;
    }
    let nearer = job.nested.get(c.scope);
    let ctx = nearer.as_deref().unwrap_or(job.ctx);
    let path: Arc<str> = Arc::from(c.display.as_str());
    let lines = LineIndex::new(text);
    let file = FileRef {
        path: &path,
        rule_path: &c.rule_path,
        disk_path: &c.disk,
        kind,
    };
    let render = |mut analysis: Analysis, shown: &str, shown_lines: &LineIndex| {
        let rendered = job
            .reporters
            .iter()
            .map(|r| r.render_file(&analysis, shown, shown_lines))
            .collect();
        let counts = analysis
            .findings
            .iter()
            .map(|f| (f.severity, f.safe_fix().is_some()))
            .collect();
        if job.hand_over == HandOver::Counts {
            analysis = Analysis {
                images: analysis.images,
                baselined: analysis.baselined,
                ..Analysis::default()
            };
        }
        Part {
            analysis,
            rendered,
            counts,
        }
    };
    if job.fix == FixMode::Off {
        let streamed = analyze_in_parts(ctx, &file, text, &lines, PART_REFERENCES, &mut |a| {
            emit(render(a, text, &lines))
        });
        return match streamed {
            Ok(()) => end,
            Err(e) => fail(end, e.into()),
        };
    }
    let analysis = match analyze(ctx, &file, text, &lines) {
        Ok(a) => a,
        Err(e) => return fail(end, e.into()),
    };
    let (analysis, fixed) = match fix_file(ctx, job.fix, &file, text, analysis) {
        Ok(done) => done,
        Err(refused) => {
            let (analysis, e) = *refused;
            emit(render(analysis, text, &lines));
            return fail(end, e);
        }
    };
    if let Some(new) = &fixed {
        match job.fix {
            FixMode::Write => {
                if let Err(e) =
                    crate::atomic::write_atomic(&c.disk, text.as_bytes(), new.as_bytes())
                {
                    return fail(end, FileError::WriteFix(e.to_string()));
                }
            }
            FixMode::Diff => {
                end.diff = Some(fix::diff::unified_diff(&c.display, text, new));
            }
            FixMode::Return | FixMode::Off => {}
        }
    }
    // Report against the text as it now is.
    let shown = match (&fixed, job.fix) {
        (Some(new), FixMode::Write | FixMode::Return) => new.as_str(),
        _ => text,
    };
    let shown_lines = if shown.len() == text.len() && shown == text {
        lines
    } else {
        LineIndex::new(shown)
    };
    emit(render(analysis, shown, &shown_lines));
    end.fixed = fixed;
    end
}

/// Bytes to text: unreadable, binary and non-UTF-8 files are errors.
fn decode(read: std::io::Result<&[u8]>) -> Result<&str, FileError> {
    let bytes = read.map_err(|e| FileError::Read(io_cause(&e)))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge);
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(FileError::Utf16);
    }
    if bytes[..bytes.len().min(BINARY_PROBE)].contains(&0) {
        return Err(FileError::Binary);
    }
    std::str::from_utf8(bytes).map_err(|e| FileError::NotUtf8 {
        at: e.valid_up_to(),
    })
}

/// A refused fix: the findings to report (the original ones) and why.
type Refused = (Analysis, FileError);

/// Applies a file's safe fixes to its text and checks the result: it must
/// still parse and hold as many image references. Returns what to report
/// (the findings left after the fix, or the original ones) and the new text.
fn fix_file(
    ctx: &Context,
    mode: FixMode,
    file: &FileRef,
    text: &str,
    analysis: Analysis,
) -> Result<(Analysis, Option<String>), Box<Refused>> {
    if mode == FixMode::Off {
        return Ok((analysis, None));
    }
    let safe = analysis
        .findings
        .iter()
        .filter_map(|f| f.fix.as_deref())
        .filter(|f| f.applicability == fix::Applicability::Safe);
    let edits = fix::apply::compatible_edits(safe);
    if edits.is_empty() {
        return Ok((analysis, None));
    }
    let fixed = fix::apply::apply(text, &edits);
    let after = match analyze(ctx, file, &fixed, &LineIndex::new(&fixed)) {
        Ok(after) => after,
        Err(e) => return Err(Box::new((analysis, FileError::FixWouldNotParse(e)))),
    };
    if after.images != analysis.images {
        let e = FileError::FixChangesReferences {
            before: analysis.images,
            after: after.images,
        };
        return Err(Box::new((analysis, e)));
    }
    // A fix only removes findings: one that was not there before (a tag
    // lost, a reference made invalid) means the fix broke something.
    let before = analysis.finding_keys();
    if let Some((n, rule)) = after
        .finding_keys()
        .into_iter()
        .find(|k| before.binary_search(k).is_err())
    {
        let e = FileError::FixAddsFinding {
            rule: rule.to_string(),
            reference: n + 1,
        };
        return Err(Box::new((analysis, e)));
    }
    let report = if mode == FixMode::Diff {
        analysis
    } else {
        after
    };
    Ok((report, Some(fixed)))
}

/// A cheap look before parsing: a file without any of its kind's keywords
/// holds no image position.
fn may_hold_reference(kind: FileKind, text: &str) -> bool {
    let spec = kind.spec();
    let keywords = spec.keywords;
    (keywords.is_empty() || keywords.iter().any(|k| text.contains(k)))
        && !spec.holds_none.is_some_and(|none| none(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{Applicability, Edit, Fix};
    use crate::lock::Lock;
    use std::collections::BTreeMap;
    use std::path::Path;

    fn ctx() -> Context {
        Context::with_defaults(&BTreeMap::new(), Lock::default())
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
            ("nginx@sha256:00", "would raise `invalid-reference`"),
        ] {
            let mut analysis = analyze(&ctx, &file, text, &LineIndex::new(text)).unwrap();
            let n = analysis.findings.len();
            analysis.findings[0].fix = Some(Arc::new(Fix {
                title: "test".into(),
                applicability: Applicability::Safe,
                edits: vec![Edit {
                    offset: text.find("nginx").unwrap(),
                    length: 5,
                    content: content.into(),
                }],
            }));
            let Err(refused) = fix_file(&ctx, FixMode::Write, &file, text, analysis) else {
                panic!("{content:?} was accepted");
            };
            let (kept, cause) = *refused;
            let cause = cause.to_string();
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
                let _ = fix_file(&ctx, FixMode::Write, &file, &text, a);
            }
        }
    }
}
