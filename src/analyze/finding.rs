//! What renderers see: findings and inventory entries, with every position
//! already computed from the file's line index.

use crate::fix::Fix;
use crate::image::Image;
use crate::kinds::FileKind;
use crate::rules::Severity;
use crate::source::{Columns, Position, Span};
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub start: LineColumn,
    pub end: LineColumn,
    pub offset: usize,
    pub length: usize,
    /// UTF-16 columns, for SARIF.
    #[serde(skip)]
    pub utf16: (usize, usize),
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

impl From<Position> for LineColumn {
    fn from(p: Position) -> LineColumn {
        LineColumn {
            line: p.line,
            column: p.column,
        }
    }
}

impl Location {
    /// The location of `span`; `starts` and `ends` are cursors that have
    /// seen only earlier offsets of this file.
    pub fn new(starts: &mut Columns, ends: &mut Columns, span: Span) -> Location {
        let (start, start16) = starts.at(span.start);
        let (end, end16) = ends.at(span.end);
        Location {
            start: start.into(),
            end: end.into(),
            offset: span.start,
            length: span.len(),
            utf16: (start16, end16),
        }
    }
}

/// The `image` object of the JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct ImageInfo {
    pub text: String,
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    pub canonical: String,
    pub upstream: Option<String>,
}

impl ImageInfo {
    pub fn new(text: &str, image: &Image) -> ImageInfo {
        let r = &image.reference;
        ImageInfo {
            text: text.to_string(),
            registry: r.registry.clone(),
            repository: r.repository.clone(),
            tag: r.tag.clone(),
            digest: r.digest.clone(),
            canonical: r.canonical(),
            upstream: image.upstream.as_ref().map(|u| u.canonical()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Arc<str>,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub path: Arc<str>,
    pub kind: FileKind,
    pub span: Span,
    pub location: Location,
    /// Where the reference sits in the file (`job build: image`).
    pub context: Arc<str>,
    pub image: Option<Arc<ImageInfo>>,
    /// The fix of the reference, shared by all its findings that it serves.
    pub fix: Option<Arc<Fix>>,
    /// Stable across moved lines and fixes: what a baseline records.
    pub fingerprint: String,
}

impl Finding {
    /// The fix `--fix` applies for this finding, if any.
    pub fn safe_fix(&self) -> Option<&Fix> {
        self.fix
            .as_deref()
            .filter(|f| f.applicability == crate::fix::Applicability::Safe)
    }
}

/// One image position, for `imagelint inventory`.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: Arc<str>,
    pub kind: FileKind,
    pub location: Location,
    pub context: Arc<str>,
    pub image: Option<Arc<ImageInfo>>,
    /// The text as resolved, or why it is not a reference.
    pub text: String,
    pub problem: Option<String>,
    pub tag_class: Option<&'static str>,
    /// The upstream tag the lock records for this image, if any.
    pub lock: Option<LockUse>,
}

/// One use of an upstream tag, for `imagelint lock`.
#[derive(Debug, Clone)]
pub struct LockUse {
    /// The lock file key: `registry/repository:tag` of the upstream.
    pub key: String,
    /// The upstream reference, tag only.
    pub upstream: crate::image::reference::Reference,
    /// The digest the file pins it by, if it does.
    pub written_digest: Option<String>,
}
