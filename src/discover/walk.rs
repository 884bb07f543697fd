//! Finding the files to read: a sorted walk (`tree`) that reads hidden
//! paths (`.github/`, `.gitlab-ci.yml`) but not `.git/`, keeps
//! `.gitignore`, and classifies each path before any file is opened. It
//! yields the files in the order they are shown, so the checks start while
//! the walk goes on (one thread walks a tree faster than two: most of a
//! walk is the kernel's, and two walkers contend in it).

use super::classify::Classifier;
use super::includes::{mark_gitlab_includes, Included};
use super::paths::{display_path, io_cause, path_order, relative_to};
use super::record::{Candidate, Roots};
use super::tree::{holds, walk_sorted, Visit};
use std::path::{Path, PathBuf};

pub struct WalkOptions<'a> {
    pub roots: Roots<'a>,
    pub no_ignore: bool,
    pub classifier: &'a Classifier,
    /// Names of config files, met as [`Met::Config`].
    pub config_names: &'static [&'static str],
}

/// A path that could not be walked: `path: cause`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
#[error("{path}: {cause}")]
pub struct WalkError {
    pub path: String,
    pub cause: String,
}

impl WalkError {
    /// `path` (shown from `cwd`) could not be read.
    fn io(path: &Path, cwd: &Path, e: &std::io::Error) -> WalkError {
        WalkError {
            path: display_path(path, cwd),
            cause: io_cause(e),
        }
    }
}

/// What the walk meets, in the order it meets it. A folder's config files
/// and `.git` come before any file in or below it, so the nearest config of
/// each file is known when the file is met.
pub enum Met {
    /// A folder named on the command line, before anything in it.
    Root(PathBuf),
    /// A config file (`.imagelint.toml`, `imagelint.toml`).
    Config(PathBuf),
    /// A folder holding a `.git`.
    Repository(PathBuf),
    /// A file to read. Those of one folder named on the command line come
    /// in path order.
    Candidate(Candidate),
    Error(WalkError),
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
    let mut walked = Walked::default();
    walk_each(paths, opts, &mut |met| match met {
        Met::Root(dir) => walked.markers.walked.push(dir),
        Met::Config(file) => walked.markers.configs.push(file),
        Met::Repository(dir) => walked.markers.repositories.push(dir),
        Met::Candidate(c) => walked.candidates.push(c),
        Met::Error(e) => walked.errors.push(e),
    });
    if paths.len() > 1 {
        // Each path's files are in order; the paths may not be, or overlap.
        let found = &mut walked.candidates;
        found.sort_by(|a, b| path_order(&a.display, &b.display));
        found.dedup_by(|a, b| a.display == b.display);
        mark_gitlab_includes(found);
    }
    walked.errors.sort();
    walked
}

/// Walks every PATH, handing what it meets to `each` as it meets it (see
/// [`Met`]).
pub fn walk_each(paths: &[PathBuf], opts: &WalkOptions, each: &mut dyn FnMut(Met)) {
    let cwd = opts.roots.cwd;
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                each(Met::Error(WalkError::io(path, cwd, &e)));
                continue;
            }
        };
        if meta.is_dir() {
            each(Met::Root(path.clone()));
            walk_folder(path, opts, each);
            continue;
        }
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
            each(item.map_or_else(Met::Error, Met::Candidate));
        }
    }
}

/// Walks one folder named on the command line.
fn walk_folder(root: &Path, opts: &WalkOptions, each: &mut dyn FnMut(Met)) {
    let cwd = opts.roots.cwd;
    let boundary = repository_root(root);
    let excluded = opts.classifier.exclude_set();
    let config_root = opts.roots.config_root;
    let mut included = Included::default();
    walk_sorted(root, opts.no_ignore, &mut |visit| {
        match visit {
            Visit::Folder { path, entries, git } => {
                // What the folder's other files depend on, before them.
                if git {
                    each(Met::Repository(path.to_path_buf()));
                }
                for name in opts.config_names {
                    if holds(entries, name) {
                        each(Met::Config(path.join(name)));
                    }
                }
                if holds(entries, ".gitlab-ci.yml") {
                    let pipeline = path.join(".gitlab-ci.yml");
                    if let Some(Ok(c)) = entry(&pipeline, Entry::File, &boundary, opts) {
                        included.note(&c);
                    }
                }
            }
            // Excluded folders are not entered at all. Files are judged
            // by `Candidate::new`, which checks the exclusions after their
            // name: a glob match for every file of the tree here would
            // cost more than the rest of the walk's own work.
            Visit::Enter(path) => {
                return excluded.is_empty()
                    || !excluded.is_match(relative_to(&cwd.join(path), config_root));
            }
            Visit::Entry(path, kind) => {
                let kind = if kind.is_file() {
                    Entry::File
                } else if kind.is_symlink() {
                    Entry::Symlink
                } else {
                    Entry::Special
                };
                match entry(path, kind, &boundary, opts) {
                    Some(Ok(mut c)) => {
                        included.mark(&mut c);
                        each(Met::Candidate(c));
                    }
                    Some(Err(e)) => each(Met::Error(e)),
                    None => {}
                }
            }
            Visit::Error(path, e) => each(Met::Error(WalkError::io(path, cwd, &e))),
        }
        true
    });
}

/// What a directory entry is, without following it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    File,
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
