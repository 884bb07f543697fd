//! Positions in a source file: byte spans, and the one line index that turns
//! them into lines and columns for every output.

use std::ops::Range;

/// A half-open byte range into the original bytes of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Byte offsets of line starts. A line ends at `\n`; a `\r` before it belongs
/// to the line break, not to the line's text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.len)
    }

    /// Byte range of 0-based `line`'s text, without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> Range<usize> {
        let start = self.line_start(line);
        let mut end = self.line_start(line + 1);
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
            if end > start && bytes.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
        }
        start..end
    }
}

/// Lines and columns of byte offsets asked for in increasing order, each
/// counted on from the last one on the same line: linear in the text even
/// for thousands of references on one line.
pub struct Columns<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    line: usize,
    byte: usize,
    chars: usize,
    utf16: usize,
}

impl<'a> Columns<'a> {
    pub fn new(text: &'a str, lines: &'a LineIndex) -> Columns<'a> {
        Columns {
            text,
            lines,
            line: 0,
            byte: 0,
            chars: 0,
            utf16: 0,
        }
    }

    /// 1-based line and character column of byte `offset`, and its 1-based
    /// column in UTF-16 code units (SARIF).
    pub fn at(&mut self, offset: usize) -> (Position, usize) {
        let line = self.lines.line_of(offset);
        if line != self.line || offset < self.byte {
            self.line = line;
            self.byte = self.lines.line_start(line);
            self.chars = 0;
            self.utf16 = 0;
        }
        for c in self.text[self.byte..offset].chars() {
            self.chars += 1;
            self.utf16 += c.len_utf16();
        }
        self.byte = offset;
        (
            Position {
                line: line + 1,
                column: self.chars + 1,
            },
            self.utf16 + 1,
        )
    }
}

/// Converts saphyr's character-based markers into byte offsets, by the
/// marker's character index: its line and column count a lone `\r` as a
/// line break, as YAML does, where [`LineIndex`] does not, so they can point
/// into another line (or past the end) of the text. Markers come nearly in
/// order, so a cursor moved from the last one keeps this linear.
pub struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    /// The last marker: its character index and byte offset.
    cursor: (usize, usize),
}

impl<'a> CharToByte<'a> {
    pub fn new(text: &'a str) -> CharToByte<'a> {
        CharToByte {
            text,
            ascii: text.is_ascii(),
            cursor: (0, 0),
        }
    }

    /// Byte offset of the character `index` from the start of the stream
    /// (the text's end past its last character).
    pub fn offset(&mut self, index: usize) -> usize {
        if self.ascii {
            return index.min(self.text.len());
        }
        let bytes = self.text.as_bytes();
        let (mut at, mut byte) = self.cursor;
        while at < index && byte < bytes.len() {
            byte += utf8_len(bytes[byte]);
            at += 1;
        }
        while at > index && byte > 0 {
            byte -= 1;
            // Back over continuation bytes to the character's first byte.
            while byte > 0 && bytes[byte] & 0xc0 == 0x80 {
                byte -= 1;
            }
            at -= 1;
        }
        let byte = byte.min(bytes.len());
        self.cursor = (at, byte);
        byte
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// The lines of `text` that hold `word`, each once, with any `\r` left on
/// (as `split('\n')` gives them): found by searching the whole text, not
/// line by line, as a chart's templates can be megabytes of definitions
/// that never name it.
pub fn lines_holding<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = &'t str> {
    let bytes = text.as_bytes();
    let finder = memchr::memmem::Finder::new(word);
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + finder.find(bytes.get(from..)?)?;
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        from = end + 1;
        Some(&text[start..end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_holding_a_word_are_found_once_each() {
        let text = "a\r\nx Tag Tag\r\nb\nTag";
        let found: Vec<&str> = lines_holding(text, "Tag").collect();
        let by_line: Vec<&str> = text.split('\n').filter(|l| l.contains("Tag")).collect();
        assert_eq!(found, by_line);
        assert_eq!(lines_holding("none\n", "Tag").count(), 0);
    }

    #[test]
    fn positions_count_characters() {
        let text = "a: é\r\nb: x\n";
        let idx = LineIndex::new(text);
        let b = text.find('x').unwrap();
        let e = text.find('é').unwrap();
        let mut cols = Columns::new(text, &idx);
        assert_eq!(cols.at(e + 2).0, Position { line: 1, column: 5 });
        assert_eq!(cols.at(b).0, Position { line: 2, column: 4 });
        // Back to an earlier offset: counted again from the line start.
        assert_eq!(cols.at(e).0, Position { line: 1, column: 4 });
        assert_eq!(idx.line_range(text, 0), 0..5);
    }

    #[test]
    fn utf16_columns_count_code_units() {
        let text = "a: 😀x\n";
        let idx = LineIndex::new(text);
        let mut cols = Columns::new(text, &idx);
        let x = text.find('x').unwrap();
        assert_eq!(cols.at(x), (Position { line: 1, column: 5 }, 6));
    }

    #[test]
    fn char_markers_become_bytes() {
        let text = "# café\nimage: x\n";
        let mut conv = CharToByte::new(text);
        // 'x' is character 14.
        assert_eq!(conv.offset(14), text.find('x').unwrap());
        // Back and forth, and past the end.
        assert_eq!(conv.offset(5), text.find('é').unwrap());
        assert_eq!(conv.offset(6), text.find('\n').unwrap());
        assert_eq!(conv.offset(99), text.len());
    }

    /// YAML counts a lone `\r` as a line break and `LineIndex` does not:
    /// markers are read by their character index, so a value after one
    /// still gets its own bytes (the fuzzer found a span one byte past the
    /// end of such a file).
    #[test]
    fn a_lone_carriage_return_does_not_shift_spans() {
        let text = ": üé—üïöé:\n   1\rs:\n {d,image: \"4\"}";
        let events = saphyr_parser::Parser::new_from_str(text);
        let mut conv = CharToByte::new(text);
        let mut scalars = Vec::new();
        for event in events {
            let (event, span) = event.unwrap();
            if let saphyr_parser::Event::Scalar(value, ..) = event {
                let start = conv.offset(span.start.index());
                scalars.push((value.into_owned(), start));
            }
        }
        let four = scalars.iter().find(|(v, _)| v == "4").unwrap();
        assert_eq!(four.1, text.find("\"4").unwrap());
    }
}
