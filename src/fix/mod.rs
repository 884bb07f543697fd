//! Applying fixes: edits are byte ranges on the original text, applied in one
//! pass; the result is checked before anything is written, and written
//! atomically.

use crate::analyze::finding::{Edit, Finding};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The distinct edits of a file's findings, sorted, overlaps dropped.
pub fn edits_of(findings: &[Finding]) -> Vec<Edit> {
    let mut edits: Vec<Edit> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    edits.sort_by(|a, b| (a.offset, a.length, &a.content).cmp(&(b.offset, b.length, &b.content)));
    edits.dedup();
    let mut kept: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        if kept
            .last()
            .is_none_or(|last| e.offset >= last.offset + last.length)
        {
            kept.push(e);
        }
    }
    kept
}

/// Applies sorted, non-overlapping edits.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.content.len()).sum::<usize>());
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.offset]);
        out.push_str(&e.content);
        at = e.offset + e.length;
    }
    out.push_str(&text[at..]);
    out
}

/// Writes `content` to `path` through a temporary file in the same folder and
/// a rename, keeping permissions and ownership. A symlink is written through
/// to its target, never replaced by a regular file.
pub fn write_atomic(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let target: PathBuf = if fs::symlink_metadata(path)?.file_type().is_symlink() {
        fs::canonicalize(path)?
    } else {
        path.to_path_buf()
    };
    let meta = fs::metadata(&target)?;
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    let tmp = dir.join(format!(".{name}.imagelint-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(content)?;
        file.sync_all()?;
        fs::set_permissions(&tmp, meta.permissions())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Only root may give a file away; for anyone else the owner is
            // already theirs.
            let _ = std::os::unix::fs::chown(&tmp, Some(meta.uid()), Some(meta.gid()));
        }
        fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes a file atomically whether or not it exists yet (the lock file).
pub fn write_new_atomic(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return write_atomic(path, content);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.imagelint-{}.tmp", std::process::id()));
    let result = fs::write(&tmp, content).and_then(|_| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A unified diff of a fix. Edits never add or remove line breaks, so the
/// old and new texts have the same lines, changed in place.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    const CONTEXT: usize = 3;
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    if a.len() != b.len() {
        return whole_file_diff(path, &a, &b);
    }
    let changed: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let mut i = 0;
    while i < changed.len() {
        let start = changed[i].saturating_sub(CONTEXT);
        let mut j = i;
        while j + 1 < changed.len() && changed[j + 1] <= changed[j] + 2 * CONTEXT + 1 {
            j += 1;
        }
        let end = (changed[j] + CONTEXT + 1).min(a.len());
        let n = end - start;
        out.push_str(&format!("@@ -{},{n} +{},{n} @@\n", start + 1, start + 1));
        let mut line = start;
        while line < end {
            if a[line] == b[line] {
                push_line(&mut out, ' ', a[line]);
                line += 1;
                continue;
            }
            // A run of changed lines: all removals, then all additions.
            let run_end = (line..end).find(|&k| a[k] == b[k]).unwrap_or(end);
            (line..run_end).for_each(|k| push_line(&mut out, '-', a[k]));
            (line..run_end).for_each(|k| push_line(&mut out, '+', b[k]));
            line = run_end;
        }
        i = j + 1;
    }
    out
}

fn whole_file_diff(path: &str, a: &[&str], b: &[&str]) -> String {
    let mut out = format!(
        "--- a/{path}\n+++ b/{path}\n@@ -1,{} +1,{} @@\n",
        a.len(),
        b.len()
    );
    for l in a {
        push_line(&mut out, '-', l);
    }
    for l in b {
        push_line(&mut out, '+', l);
    }
    out
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(offset: usize, length: usize, content: &str) -> Edit {
        Edit {
            offset,
            length,
            content: content.into(),
        }
    }

    #[test]
    fn applies_in_one_pass() {
        let text = "a: x:1\nb: y:2\n";
        let out = apply(text, &[edit(3, 3, "m/x:1"), edit(10, 3, "y:2@d")]);
        assert_eq!(out, "a: m/x:1\nb: y:2@d\n");
    }

    #[test]
    fn diff_has_hunks_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
        let new: String = old
            .lines()
            .map(|l| match l {
                "2" => "two\n".to_string(),
                "11" => "eleven\n".to_string(),
                other => format!("{other}\n"),
            })
            .collect();
        let d = unified_diff("f", old, &new);
        assert!(
            d.starts_with("--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n"),
            "{d}"
        );
        assert!(
            d.contains("@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+eleven\n 12\n"),
            "{d}"
        );
    }
}
