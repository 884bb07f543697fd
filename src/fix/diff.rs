//! `--diff`: a fix as a unified diff that `patch -p1` applies.

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
