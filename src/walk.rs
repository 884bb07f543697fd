//! Finding the files to read: a parallel walk with the `ignore` crate that
//! reads hidden paths (`.github/`, `.gitlab-ci.yml`) but not `.git/`, keeps
//! `.gitignore`, and classifies each path before any file is opened.

use crate::classify::{is_helm_template, Class, Classifier};
use ignore::{WalkBuilder, WalkState};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;

/// A file to read.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Relative to the current directory, with `/`.
    pub display: String,
    pub disk: PathBuf,
    pub class: Class,
    /// Relative to the configuration root, for globs.
    pub rule_path: String,
}

pub struct WalkOptions<'a> {
    pub cwd: &'a Path,
    pub config_root: &'a Path,
    pub no_ignore: bool,
    pub classifier: &'a Classifier,
    pub threads: usize,
}

/// Walks every PATH; returns the candidates sorted by path, and one message
/// per path that could not be walked.
pub fn walk(paths: &[PathBuf], opts: &WalkOptions) -> (Vec<Candidate>, Vec<String>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                errors.push(format!(
                    "{}: {}",
                    display_path(path, opts.cwd),
                    io_cause(&e)
                ));
                continue;
            }
        };
        if !meta.is_dir() {
            // An explicit file is always read, ignored or not.
            let display = display_path(path, opts.cwd);
            let rule_path = rule_path(path, opts);
            if opts.classifier.is_excluded(&rule_path) {
                continue;
            }
            if let Some(class) = opts.classifier.classify(&display, &rule_path) {
                found.push(Candidate {
                    display,
                    disk: path.clone(),
                    class,
                    rule_path,
                });
            }
            continue;
        }
        let (tx, rx) = mpsc::channel::<Result<Candidate, String>>();
        let builder = walker(path, opts);
        builder.build_parallel().run(|| {
            let tx = tx.clone();
            Box::new(move |entry| {
                match entry {
                    Ok(entry) => {
                        let is_file = entry.file_type().is_some_and(|t| !t.is_dir());
                        if is_file {
                            if let Some(c) = candidate(entry.path(), opts) {
                                let _ = tx.send(Ok(c));
                            }
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(walk_error(&e, opts.cwd)));
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
    errors.sort();
    (found, errors)
}

fn walker(root: &Path, opts: &WalkOptions) -> WalkBuilder {
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
    let excluder = ExcludeCheck {
        cwd: opts.cwd.to_path_buf(),
        config_root: opts.config_root.to_path_buf(),
    };
    let excluded = opts.classifier.exclude_set();
    b.filter_entry(move |e| {
        if e.file_name() == ".git" {
            return false;
        }
        excluded.is_empty() || !excluded.is_match(excluder.rule_path(e.path()))
    });
    b
}

struct ExcludeCheck {
    cwd: PathBuf,
    config_root: PathBuf,
}

impl ExcludeCheck {
    fn rule_path(&self, path: &Path) -> String {
        relative_to(&self.cwd.join(path), &self.config_root)
    }
}

fn candidate(path: &Path, opts: &WalkOptions) -> Option<Candidate> {
    // Most files of a tree are of no kind: turn them away on their name,
    // before any path is built.
    let name = path.file_name()?.to_str()?;
    if !opts.classifier.may_match_name(name) {
        return None;
    }
    let display = display_path(path, opts.cwd);
    let rule_path =
        if opts.cwd == opts.config_root && !path.is_absolute() && !display.starts_with("../") {
            display.clone()
        } else {
            rule_path(path, opts)
        };
    let class = opts.classifier.classify(&display, &rule_path)?;
    if class == Class::MaybeKubernetes && is_helm_template(path) {
        return None;
    }
    Some(Candidate {
        rule_path,
        display,
        disk: path.to_path_buf(),
        class,
    })
}

fn rule_path(path: &Path, opts: &WalkOptions) -> String {
    relative_to(&opts.cwd.join(path), opts.config_root)
}

/// `path` relative to `base` when it lies below it, else as given; `/`
/// separators, no `./`.
fn relative_to(path: &Path, base: &Path) -> String {
    let p = normalize(path);
    let rel = p.strip_prefix(base).unwrap_or(&p);
    slash(rel)
}

/// How a path is shown: relative to the current directory.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    // The walk yields `./a/b` for `.`: strip that without building paths.
    if let (false, Some(s)) = (path.is_absolute(), path.to_str()) {
        let clean = s.trim_start_matches("./");
        let plain =
            !clean.is_empty() && clean != "." && !clean.contains("/./") && !clean.ends_with("/.");
        if plain && std::path::MAIN_SEPARATOR == '/' {
            return clean.to_string();
        }
    }
    if path.is_absolute() {
        let p = normalize(path);
        if let Ok(rel) = p.strip_prefix(cwd) {
            return slash(rel);
        }
        return slash(&p);
    }
    slash(&normalize(path))
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn slash(p: &Path) -> String {
    let s = p.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

pub fn io_cause(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn walk_error(e: &ignore::Error, cwd: &Path) -> String {
    match e {
        ignore::Error::WithPath { path, err } => {
            format!("{}: {}", display_path(path, cwd), walk_error(err, cwd))
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err, cwd)
        }
        ignore::Error::Loop { child, .. } => format!("{}: symlink loop", display_path(child, cwd)),
        ignore::Error::Io(io) => io_cause(io),
        other => other.to_string(),
    }
}
