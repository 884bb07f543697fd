//! Applying fixes to a text in one pass. Fixes are applied whole: a fix
//! with an edit that overlaps an edit of a fix already taken is skipped,
//! all of it, so a reference is never left half rewritten.

use super::edit::{Edit, Fix};

/// The edits of the fixes that can be applied together, sorted: each fix is
/// taken whole or not at all, earlier fixes first. A fix shared by several
/// findings (one per reference) counts once.
pub fn compatible_edits<'f>(fixes: impl IntoIterator<Item = &'f Fix>) -> Vec<Edit> {
    let mut fixes: Vec<&Fix> = fixes.into_iter().collect();
    fixes.sort_by_key(|f| f.edits.iter().map(|e| e.offset).min());
    fixes.dedup_by(|a, b| a == b);
    let mut taken: Vec<Edit> = Vec::new();
    for fix in fixes {
        let clashes = fix.edits.iter().any(|e| {
            taken.iter().any(|t| overlaps(e, t))
                || fix.edits.iter().any(|o| o != e && overlaps(e, o))
        });
        if !clashes {
            taken.extend(fix.edits.iter().cloned());
        }
    }
    taken.sort_by_key(|e| e.offset);
    taken
}

/// Two edits touch the same bytes (or insert at the same place).
fn overlaps(a: &Edit, b: &Edit) -> bool {
    a.offset < b.offset + b.length.max(1) && b.offset < a.offset + a.length.max(1)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::edit::Applicability;

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
    fn overlapping_fixes_are_skipped_whole() {
        let fix = |edits: Vec<Edit>| Fix {
            title: "t".into(),
            applicability: Applicability::Safe,
            edits,
        };
        let first = fix(vec![edit(0, 3, "aaa"), edit(10, 2, "bb")]);
        // Its second edit clashes with the first fix: none of it is applied.
        let second = fix(vec![edit(5, 1, "c"), edit(11, 1, "d")]);
        let third = fix(vec![edit(20, 1, "e")]);
        let got = compatible_edits([&second, &first, &third, &first]);
        assert_eq!(
            got,
            vec![edit(0, 3, "aaa"), edit(10, 2, "bb"), edit(20, 1, "e")]
        );
    }
}
