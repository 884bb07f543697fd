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

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
const LOW_BITS: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The eight bytes at `at` as one little-endian word (the first byte is
/// the lowest), if there are eight.
fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let bytes = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

/// The high bit of each byte of `word` that equals `byte`, and no other.
fn bytes_equal(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * byte as u64);
    // A zero byte of `x` is the only one whose low seven bits plus 0x7F
    // leave the high bit clear, and whose own high bit is clear; no carry
    // crosses into the next byte.
    !(((x & LOW_BITS).wrapping_add(LOW_BITS)) | x | LOW_BITS)
}

/// Where the run of spaces that starts at `at` ends.
pub fn spaces_end(b: &[u8], mut at: usize) -> usize {
    while let Some(word) = word_at(b, at) {
        let others = !bytes_equal(word, b' ') & HIGH_BITS;
        if others != 0 {
            return at + (others.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while b.get(at) == Some(&b' ') {
        at += 1;
    }
    at
}

/// Where the run of printable ASCII (0x20 to 0x7E) that starts at `at`
/// ends: the first other byte, or the end.
pub fn printable_end(b: &[u8], mut at: usize) -> usize {
    while let Some(word) = word_at(b, at) {
        // A byte below 0x20 borrows and keeps its clear high bit; one above
        // 0x7E has its high bit set once one is added (a carry comes only
        // from 0xFF, which is caught itself).
        let below = word.wrapping_sub(ONES * 0x20) & !word & HIGH_BITS;
        let above = (word.wrapping_add(ONES) | word) & HIGH_BITS;
        if below | above != 0 {
            break;
        }
        at += 8;
    }
    while b.get(at).is_some_and(|c| (0x20..=0x7E).contains(c)) {
        at += 1;
    }
    at
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
        let b = text.as_bytes();
        let mut starts = vec![0];
        // Eight bytes at a time: every file the engine reads is indexed,
        // and its lines are longer than a word.
        let mut at = 0;
        while let Some(word) = word_at(b, at) {
            let mut breaks = bytes_equal(word, b'\n');
            while breaks != 0 {
                starts.push(at + (breaks.trailing_zeros() / 8) as usize + 1);
                breaks &= breaks - 1;
            }
            at += 8;
        }
        starts.extend((at..b.len()).filter(|&i| b[i] == b'\n').map(|i| i + 1));
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
    use proptest::prelude::*;

    /// Bytes that are mostly printable, with line breaks, controls and
    /// high bytes where a word's tricks could go wrong.
    fn texts() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            6 => 0x20u8..=0x7E,
            4 => Just(b' '),
            1 => Just(b'\n'),
            1 => prop_oneof![Just(0u8), Just(0x0B), Just(0x1F), Just(0x7F), Just(0x80), Just(0xFF)],
            1 => any::<u8>(),
        ];
        prop::collection::vec(byte, 0..80)
    }

    proptest! {
        #[test]
        fn words_find_what_bytes_one_by_one_find(b in texts(), from in 0usize..80) {
            let from = from.min(b.len());
            let slow = (from..b.len()).find(|&i| !(0x20..=0x7E).contains(&b[i])).unwrap_or(b.len());
            prop_assert_eq!(printable_end(&b, from), slow);
            let slow = (from..b.len()).find(|&i| b[i] != b' ').unwrap_or(b.len());
            prop_assert_eq!(spaces_end(&b, from), slow);
            let text = String::from_utf8_lossy(&b);
            let slow: Vec<usize> = std::iter::once(0)
                .chain(text.bytes().enumerate().filter(|&(_, c)| c == b'\n').map(|(i, _)| i + 1))
                .collect();
            prop_assert_eq!(LineIndex::new(&text).starts, slow);
        }

        #[test]
        fn a_word_marks_exactly_its_equal_bytes(word in any::<u64>(), pick in 0usize..8, byte in any::<u8>()) {
            // One byte of the word made equal, so that matches are common.
            let mut bytes = word.to_le_bytes();
            bytes[pick] = byte;
            let slow = (0..8)
                .filter(|&i| bytes[i] == byte)
                .fold(0u64, |m, i| m | 0x80 << (8 * i));
            prop_assert_eq!(bytes_equal(u64::from_le_bytes(bytes), byte), slow);
        }
    }

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
