//! Finding the files to read: a parallel walk with the `ignore` crate that
//! reads hidden paths (`.github/`, `.gitlab-ci.yml`) but not `.git/`, keeps
//! `.gitignore`, and classifies each path before any file is opened.

use super::classify::Classifier;
use super::paths::{display_path, io_cause, relative_to};
use super::record::{Candidate, Roots};
use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

pub struct WalkOptions<'a> {
    pub roots: Roots<'a>,
    pub no_ignore: bool,
    pub classifier: &'a Classifier,
    pub threads: usize,
    /// Names of config files, noted in [`Markers`] where the walk meets them.
    pub config_names: &'a [&'a str],
}

/// A path that could not be walked: `path: cause`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
#[error("{path}: {cause}")]
pub struct WalkError {
    pub path: String,
    pub cause: String,
}

/// What the walk saw besides the files to read: the folders it walked, the
/// config files and the `.git` entries in them. The hierarchical config
/// looks up each file's nearest config here, not with a `stat` per folder.
#[derive(Debug, Default)]
pub struct Markers {
    /// The folders named on the command line, as walked.
    pub walked: Vec<PathBuf>,
    /// Config files met (`.imagelint.toml`, `imagelint.toml`).
    pub configs: Vec<PathBuf>,
    /// Folders holding a `.git`.
    pub repositories: Vec<PathBuf>,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Sorted by path.
    pub candidates: Vec<Candidate>,
    /// One per path that could not be walked.
    pub errors: Vec<WalkError>,
    pub markers: Markers,
}

/// Walks every PATH; returns the candidates sorted by path, and one error
/// per path that could not be walked.
pub fn walk(paths: &[PathBuf], opts: &WalkOptions) -> Walked {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let markers = Arc::new(Mutex::new(Markers::default()));
    let cwd = opts.roots.cwd;
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                errors.push(WalkError {
                    path: display_path(path, cwd),
                    cause: io_cause(&e),
                });
                continue;
            }
        };
        if !meta.is_dir() {
            // An explicit file is always read, ignored or not; a symlink
            // only to a file inside its repository.
            let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
            let (kind, boundary) = if is_link {
                let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
                (
                    Entry::Symlink,
                    repository_root(dir.unwrap_or(Path::new("."))),
                )
            } else if meta.is_file() {
                (Entry::File, PathBuf::new())
            } else {
                (Entry::Special, PathBuf::new())
            };
            if let Some(item) = entry(path, kind, &boundary, opts) {
                match item {
                    Ok(c) => found.push(c),
                    Err(e) => errors.push(e),
                }
            }
            continue;
        }
        let boundary = repository_root(path);
        let boundary = &boundary;
        let (tx, rx) = mpsc::channel::<Result<Candidate, WalkError>>();
        if let Ok(mut m) = markers.lock() {
            m.walked.push(path.clone());
        }
        let builder = walker(path, opts, &markers);
        builder.build_parallel().run(|| {
            let tx = tx.clone();
            Box::new(move |item| {
                match item {
                    Ok(e) => {
                        let kind = match e.file_type() {
                            Some(t) if t.is_file() => Entry::File,
                            Some(t) if t.is_symlink() => Entry::Symlink,
                            Some(t) if t.is_dir() => Entry::Dir,
                            _ => Entry::Special,
                        };
                        if let Some(item) = entry(e.path(), kind, boundary, opts) {
                            let _ = tx.send(item);
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(walk_error(&e, cwd)));
                    }
                }
                WalkState::Continue
            })
        });
        drop(tx);
        for item in rx {
            match item {
                Ok(c) => found.push(c),
                Err(e) => errors.push(e),
            }
        }
    }
    // Component by component, as `Path` orders (`a/b` before `a.txt`):
    // with `/` as the lowest byte, a plain byte comparison does that.
    found.sort_by_cached_key(|c| c.display.replace('/', "\0"));
    found.dedup_by(|a, b| a.display == b.display);
    super::includes::mark_gitlab_includes(&mut found);
    errors.sort();
    let markers = Arc::try_unwrap(markers)
        .ok()
        .and_then(|m| m.into_inner().ok())
        .unwrap_or_default();
    Walked {
        candidates: found,
        errors,
        markers,
    }
}

/// What a directory entry is, without following it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device: reading one can block forever or never end.
    Special,
}

/// The file to read for one entry, an error, or nothing. Regular files are
/// read; a symlink is followed only to a regular file inside `boundary`
/// (the repository being checked), as directory symlinks are never
/// followed; FIFOs, sockets and devices of a kind imagelint reads are
/// errors, never opened.
fn entry(
    path: &Path,
    kind: Entry,
    boundary: &Path,
    opts: &WalkOptions,
) -> Option<Result<Candidate, WalkError>> {
    let kind = match kind {
        Entry::Dir => return None,
        Entry::Symlink => match std::fs::canonicalize(path) {
            Ok(target) if target.starts_with(boundary) => match std::fs::metadata(&target) {
                Ok(m) if m.is_file() => Entry::File,
                Ok(m) if m.is_dir() => return None,
                Ok(_) => Entry::Special,
                Err(_) => Entry::File,
            },
            // Outside the repository: not followed, as folder links are not.
            Ok(_) => return None,
            // Dangling or a loop: reading it reports why.
            Err(_) => Entry::File,
        },
        other => other,
    };
    let candidate = Candidate::new(path, &opts.roots, opts.classifier).ok()?;
    Some(match kind {
        Entry::File => Ok(candidate),
        _ => Err(WalkError {
            path: candidate.display,
            cause: "not a regular file (a FIFO, socket or device): not read".into(),
        }),
    })
}

/// The repository a walked path belongs to: the nearest folder at or
/// above it holding `.git`, else the path itself; absolute and resolved.
fn repository_root(path: &Path) -> PathBuf {
    let start = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(&start)
        .to_path_buf()
}

fn walker(root: &Path, opts: &WalkOptions, markers: &Arc<Mutex<Markers>>) -> WalkBuilder {
    let mut b = WalkBuilder::new(root);
    b.hidden(false)
        .parents(true)
        .git_ignore(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .require_git(false)
        .follow_links(false)
        .threads(opts.threads);
    let cwd = opts.roots.cwd.to_path_buf();
    let config_root = opts.roots.config_root.to_path_buf();
    let excluded = opts.classifier.exclude_set();
    let markers = Arc::clone(markers);
    let config_names: Vec<String> = opts.config_names.iter().map(|n| n.to_string()).collect();
    // Excluded folders are not entered at all.
    b.filter_entry(move |e| {
        let name = e.file_name();
        if name == ".git" {
            if let (Some(dir), Ok(mut m)) = (e.path().parent(), markers.lock()) {
                m.repositories.push(dir.to_path_buf());
            }
            return false;
        }
        if config_names.iter().any(|c| name == c.as_str()) {
            if let Ok(mut m) = markers.lock() {
                m.configs.push(e.path().to_path_buf());
            }
        }
        // Files are judged by `Candidate::new`, which checks the exclusions
        // after their name: a glob match for every file of the tree here
        // would cost more than the rest of the walk's own work.
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        !is_dir
            || excluded.is_empty()
            || !excluded.is_match(relative_to(&cwd.join(e.path()), &config_root))
    });
    b
}

fn walk_error(e: &ignore::Error, cwd: &Path) -> WalkError {
    match e {
        ignore::Error::WithPath { path, err } => WalkError {
            path: display_path(path, cwd),
            cause: cause(err),
        },
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err, cwd)
        }
        ignore::Error::Loop { child, .. } => WalkError {
            path: display_path(child, cwd),
            cause: "symlink loop".into(),
        },
        // An error of no particular path: the walk's own.
        other => WalkError {
            path: ".".into(),
            cause: cause(other),
        },
    }
}

fn cause(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => cause(err),
        ignore::Error::Io(io) => io_cause(io),
        other => other.to_string(),
    }
}
