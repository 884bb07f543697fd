//! Flow collections whose later lines sit at (or left of) their key's
//! indentation:
//!
//! ```yaml
//! services:
//!   app:
//!     command: [
//!       "x"
//!     ]
//! ```
//!
//! YAML 1.2 wants those lines indented past the key; saphyr holds to that,
//! while libyaml (PyYAML, GitLab) and go-yaml (Compose, Helm, Kubernetes)
//! load the file. imagelint must read what they read, with exact spans, so
//! when a file fails to parse it is parsed again with spaces put in front
//! of such lines, and every span is mapped back through [`Shift`]. Spaces
//! at the start of a line inside a flow collection change no value (line
//! folding drops them), so the retry sees the same values.

/// Where spaces were put in: offsets in the original text, each with the
/// number of spaces put in before it so far (counting its own).
pub struct Shift {
    /// (offset in the original text, spaces put in up to and including it),
    /// by offset.
    points: Vec<(usize, usize)>,
}

impl Shift {
    /// No spaces put in: a text whose bytes all keep their offsets.
    pub fn none() -> Shift {
        Shift { points: Vec::new() }
    }

    /// The original offset of an offset in the re-indented text.
    pub fn back(&self, shifted: usize) -> usize {
        // The last insertion at or before `shifted` in the new text.
        let i = self
            .points
            .partition_point(|&(orig, added)| orig + added <= shifted);
        match i {
            0 => shifted,
            _ => shifted - self.points[i - 1].1,
        }
    }
}

/// The text with the under-indented lines of flow collections indented one
/// column past the line that opened the collection; `None` when there is
/// no such line (a retry would fail the same way).
pub fn reindent(text: &str) -> Option<(String, Shift)> {
    let mut scan = Scan::default();
    let mut out = String::with_capacity(text.len() + 64);
    let mut points = Vec::new();
    let mut added = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let blank = line.trim().is_empty();
        // The lines of a block scalar (`run: |`) are text, not structure.
        if let Some(block) = scan.block_indent {
            if blank || indent > block {
                out.push_str(line);
                offset += line.len();
                continue;
            }
            scan.block_indent = None;
        }
        if scan.depth > 0 && !blank && indent <= scan.owner_indent {
            let missing = scan.owner_indent + 1 - indent;
            added += missing;
            points.push((offset, added));
            out.extend(std::iter::repeat_n(' ', missing));
        }
        if scan.depth == 0 {
            scan.owner_indent = indent;
        }
        scan.line(line);
        if scan.depth == 0 && scan.quote.is_none() && opens_block_scalar(line) {
            scan.block_indent = Some(indent);
        }
        out.push_str(line);
        offset += line.len();
    }
    (!points.is_empty()).then_some((out, Shift { points }))
}

/// Just enough of YAML's lexical structure to know, line by line, whether
/// a flow collection is open: quotes, comments, brackets.
#[derive(Default)]
struct Scan {
    /// Open `[` and `{`.
    depth: usize,
    /// The indentation of the line where the outermost one opened.
    owner_indent: usize,
    /// Inside a quoted scalar that goes on to the next line.
    quote: Option<u8>,
    /// Inside a block scalar opened on a line of this indentation.
    block_indent: Option<usize>,
}

/// Whether a line ends in a block scalar indicator: `key: |`, `- >-`.
fn opens_block_scalar(line: &str) -> bool {
    let code = match line.find(" #") {
        Some(i) => &line[..i],
        None => line,
    };
    let last = code.trim_end().rsplit([' ', '\t']).next().unwrap_or("");
    let mut chars = last.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '-' | '+' | '0'..='9'))
        && code.trim_end().len() > last.len()
}

impl Scan {
    fn line(&mut self, line: &str) {
        let b = line.as_bytes();
        // The last byte that was not a space: what may come before an
        // indicator.
        let mut before = b'\n';
        // Whether blanks came since `before`: `a: [` opens a collection,
        // `a:[` is a plain scalar.
        let mut spaced = true;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if let Some(q) = self.quote {
                if q == b'"' && c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    self.quote = None;
                    before = c;
                    spaced = false;
                }
                i += 1;
                continue;
            }
            let starts_node = matches!(before, b'\n' | b'[' | b'{' | b',')
                || (spaced && matches!(before, b':' | b'-' | b'?'));
            match c {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    spaced = true;
                    i += 1;
                    continue;
                }
                b'#' if i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t' => return,
                b'"' | b'\'' if starts_node => self.quote = Some(c),
                b'[' | b'{' if self.depth > 0 || starts_node => self.depth += 1,
                b']' | b'}' if self.depth > 0 => self.depth -= 1,
                _ => {}
            }
            before = c;
            spaced = false;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_bracket_at_the_key() {
        let text = "a:\n  b: [\n    x,\n  ]\nc: 1\n";
        let (new, shift) = reindent(text).unwrap();
        assert_eq!(new, "a:\n  b: [\n    x,\n   ]\nc: 1\n");
        // `]` and what follows map back to where they were written.
        let close = new.find(']').unwrap();
        assert_eq!(shift.back(close), text.find(']').unwrap());
        let c = new.find("c:").unwrap();
        assert_eq!(shift.back(c), text.find("c:").unwrap());
        assert_eq!(shift.back(3), 3);
    }

    #[test]
    fn leaves_alone_what_needs_nothing() {
        assert!(reindent("a: [x,\n  y]\nb: '[not'\nc: d # [\ne: it's [ok]\nf:[g\n").is_none());
        assert!(reindent("run: |\n  [ -f x\ny: 1\n").is_none());
    }

    #[test]
    fn quotes_and_nesting() {
        let text = "k:\n  v: {a: [1,\n  2], b: \"]\"\n  }\n";
        let (new, _) = reindent(text).unwrap();
        assert_eq!(new, "k:\n  v: {a: [1,\n   2], b: \"]\"\n   }\n");
    }
}
