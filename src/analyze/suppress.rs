//! Inline suppression: `# imagelint: ignore` or `# imagelint: ignore[a, b]`
//! on the reference's line or the line above.

const MARKER: &str = "imagelint:";

pub struct Suppressions {
    /// (0-based line the comment silences, rule ids; empty means every rule)
    entries: Vec<(usize, Vec<String>)>,
}

impl Suppressions {
    pub fn scan(text: &str) -> Suppressions {
        let mut entries = Vec::new();
        if !text.contains(MARKER) {
            return Suppressions { entries };
        }
        for (line, l) in text.lines().enumerate() {
            let Some(hash) = l.find('#') else { continue };
            let comment = &l[hash + 1..];
            let Some(at) = comment.find(MARKER) else {
                continue;
            };
            let rest = comment[at + MARKER.len()..].trim_start();
            let Some(rest) = rest.strip_prefix("ignore") else {
                continue;
            };
            let rules = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
                Some((list, _)) => list
                    .split(',')
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty())
                    .collect(),
                None if rest.is_empty() || rest.starts_with(char::is_whitespace) => Vec::new(),
                None => continue,
            };
            // A comment alone on its line speaks for the next line; one after
            // code speaks for its own line.
            let own_line = l[..hash].trim().is_empty();
            entries.push((if own_line { line + 1 } else { line }, rules));
        }
        Suppressions { entries }
    }

    /// Whether `rule` is silenced for a reference on 0-based `line`.
    pub fn covers(&self, line: usize, rule: &str) -> bool {
        self.entries
            .iter()
            .any(|(l, rules)| *l == line && (rules.is_empty() || rules.iter().any(|r| r == rule)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_line_and_line_above() {
        let text = "a: x # imagelint: ignore[mutable-tag]\nb: w\n# imagelint: ignore\nb: y\nc: z\n";
        let s = Suppressions::scan(text);
        assert!(s.covers(0, "mutable-tag"));
        assert!(!s.covers(0, "floating-tag"));
        assert!(
            !s.covers(1, "mutable-tag"),
            "a trailing comment stays on its line"
        );
        assert!(s.covers(3, "anything"));
        assert!(!s.covers(4, "anything"));
    }
}
