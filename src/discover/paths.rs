//! How paths are shown and matched: relative to the current directory for
//! people, relative to the configuration root for globs, always with `/`.

use std::path::{Component, Path, PathBuf};

/// `path` relative to `base` when it lies below it, else as given; `/`
/// separators, no `./`.
pub fn relative_to(path: &Path, base: &Path) -> String {
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

/// The order files are checked and shown in: component by component, as
/// `Path` orders (`a/b` before `a.txt`), which with `/` taken as the
/// lowest byte is a plain byte comparison. A sorted walk yields this order.
pub fn path_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes().map(|b| if b == b'/' { 0 } else { b })
    }
    key(a).cmp(key(b))
}
