//! The quick reader. Most configuration files are block YAML of the
//! plainest kind: keys, one-line scalars, `|` and `>` blocks, `- ` items,
//! `[]` and `{}`. Reading those needs no general YAML scanner, and saphyr's
//! scanner is most of the time imagelint spends on them.
//!
//! This reader takes only that kind. It builds the very tree saphyr's
//! events build: the same nodes, in the same order, with the same spans.
//! At the first thing it does not take it gives up. It never reports an
//! error itself: saphyr then reads the text from the start, and its errors
//! are the ones shown.
//!
//! So it must never take a text saphyr refuses, nor read one differently.
//! The `yaml_quick` fuzz target and `tests` below hold the two readers to
//! the same trees.

use super::{scalar, Node, NodeId, Yaml};
use saphyr_parser::ScalarStyle;
use std::borrow::Cow;
use std::collections::HashMap;

/// How far the quick reader got.
pub(super) enum Outcome {
    /// Every document was read (or `each` asked to stop).
    Done,
    /// It gave up; this many documents were handed to `each` already.
    GaveUp { handed: usize },
}

/// Collections nested deeper than this are left to saphyr, which refuses
/// those past [`super::MAX_DEPTH`] with the error to show.
const MAX_QUICK_DEPTH: usize = 64;

/// Longest simple key libyaml takes is 1024 characters; well under it, so
/// no key near the limit is taken here.
const MAX_KEY: usize = 512;

/// The reader gives up.
struct GiveUp;

type Read<T> = Result<T, GiveUp>;

/// One line of the text that holds something besides blanks and a comment.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// Spaces before its first character.
    indent: usize,
    /// Where its content ends: its line break, or the end of the text.
    end: usize,
    /// Where the line after it starts.
    next: usize,
}

impl Line {
    fn first(&self) -> usize {
        self.start + self.indent
    }
}

/// How a plain scalar on one line ends.
#[derive(PartialEq)]
enum Stop {
    /// At the line's end or at a comment.
    Line,
    /// At a `:` followed by a blank or the line's end: it is a key.
    Colon(usize),
}

/// Reads `text` into `yaml`, handing each document to `each` (or keeping
/// them all without it), until the end or the first thing it leaves to
/// saphyr.
pub(super) fn read<'t>(
    text: &'t str,
    yaml: &mut Yaml<'t>,
    each: &mut Option<&mut dyn FnMut(&Yaml<'t>) -> bool>,
) -> Outcome {
    let mut reader = Reader {
        text,
        b: text.as_bytes(),
        yaml,
        depth: 0,
        anchors: HashMap::new(),
    };
    let mut handed = 0;
    match reader.stream(each, &mut handed) {
        Ok(()) => Outcome::Done,
        Err(GiveUp) => Outcome::GaveUp { handed },
    }
}

struct Reader<'y, 't> {
    text: &'t str,
    b: &'t [u8],
    yaml: &'y mut Yaml<'t>,
    depth: usize,
    /// The current document's anchors, by name.
    anchors: HashMap<&'t str, NodeId>,
}

impl<'t> Reader<'_, 't> {
    fn stream(
        &mut self,
        each: &mut Option<&mut dyn FnMut(&Yaml<'t>) -> bool>,
        handed: &mut usize,
    ) -> Read<()> {
        if self.b.starts_with(b"\xEF\xBB\xBF") {
            return Err(GiveUp);
        }
        let mut line = self.content(0)?;
        while let Some(l) = line {
            let (root, next) = if self.document_start(&l)? {
                match self.content(l.next)? {
                    Some(n) if !self.marker(&n) => self.root(n)?,
                    // An empty document: saphyr puts its null at the next
                    // `---`, or at the end.
                    after => {
                        let (start, end) = match after {
                            // After `...`, saphyr may refuse the text
                            // before handing this document over.
                            Some(n) if !self.document_start(&n)? => return Err(GiveUp),
                            Some(n) => (n.start, n.start + 3),
                            None => (self.b.len(), self.b.len()),
                        };
                        (
                            self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, start, end),
                            after,
                        )
                    }
                }
            } else {
                self.root(l)?
            };
            self.yaml.documents.push(root);
            // Anchors are per document (an alias to an earlier one's is
            // left to saphyr).
            self.anchors.clear();
            if let Some(each) = each.as_mut() {
                if !each(self.yaml) {
                    return Ok(());
                }
                *handed += 1;
                self.yaml.next_document();
            }
            line = next;
        }
        Ok(())
    }

    /// A document's root: a block collection, ended by the next document
    /// or the end of the text.
    fn root(&mut self, l: Line) -> Read<(NodeId, Option<Line>)> {
        if self.marker(&l) || self.b[l.first()] == b'%' {
            return Err(GiveUp);
        }
        let (node, next) = self.block(l)?;
        match next {
            Some(n) if !self.document_start(&n)? => Err(GiveUp),
            _ => Ok((node, next)),
        }
    }

    /// Whether `l` starts a document (`---`, alone or before a comment);
    /// other text after `---` is not read here.
    fn document_start(&self, l: &Line) -> Read<bool> {
        if l.indent != 0 || !self.b[l.start..l.end].starts_with(b"---") {
            return Ok(false);
        }
        match self.b[l.start + 3..l.end].iter().position(|&c| c != b' ') {
            None => Ok(true),
            Some(i) if i > 0 && self.b[l.start + 3 + i] == b'#' => Ok(true),
            _ => Err(GiveUp),
        }
    }

    /// A line at column 0 that starts or ends a document: every block
    /// ends there.
    fn marker(&self, l: &Line) -> bool {
        let rest = &self.b[l.start..l.end];
        l.indent == 0
            && (rest.starts_with(b"---") || rest.starts_with(b"..."))
            && matches!(rest.get(3), None | Some(b' '))
    }

    /// A line that goes on inside the block whose entries are at `indent`
    /// (not a marker, indented at least that far).
    fn within<'l>(&self, next: &'l Option<Line>, indent: usize) -> Option<&'l Line> {
        next.as_ref()
            .filter(|n| !self.marker(n) && n.indent >= indent)
    }

    /// A block collection starting at the first character of `l`.
    fn block(&mut self, l: Line) -> Read<(NodeId, Option<Line>)> {
        self.nested(|r| match r.dash(l.first(), &l) {
            true => r.sequence(l, l.first(), false),
            false => r.mapping(l, l.first()),
        })
    }

    /// Whether a `-` at `at` starts a sequence entry.
    fn dash(&self, at: usize, l: &Line) -> bool {
        self.b[at] == b'-' && (at + 1 == l.end || self.b[at + 1] == b' ')
    }

    /// A block mapping whose first key is at `at` on `l`; its other keys
    /// are at the same column.
    fn mapping(&mut self, mut l: Line, mut at: usize) -> Read<(NodeId, Option<Line>)> {
        let indent = at - l.start;
        let mut entries = Vec::new();
        loop {
            let (key, colon) = self.key(&l, at)?;
            let (value, next) = self.value(&l, colon, indent)?;
            entries.push((key, value));
            match self.within(&next, indent) {
                Some(n) if n.indent == indent && !self.dash(n.first(), n) => {
                    l = *n;
                    at = n.first();
                }
                Some(_) => return Err(GiveUp),
                None => return Ok((self.yaml.push(Node::Map(entries)), next)),
            }
        }
    }

    /// A block sequence whose first dash is at `dash` on `l`; the others
    /// are at the same column. Written at its key's own indent (`key:`
    /// then `- a`), it ends at the next line there that is not an entry.
    fn sequence(
        &mut self,
        mut l: Line,
        mut dash: usize,
        indentless: bool,
    ) -> Read<(NodeId, Option<Line>)> {
        let indent = dash - l.start;
        let mut items = Vec::new();
        loop {
            let (anchor, at) = self.anchor(&l, self.skip_spaces(dash + 1, l.end))?;
            let (item, next) = if self.blank_rest(at, &l) {
                let next = self.content(l.next)?;
                match self.within(&next, indent + 1) {
                    Some(n) => self.block(*n)?,
                    // saphyr puts the null at the line's end.
                    None if anchor.is_none() => (
                        self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, l.end, l.end),
                        next,
                    ),
                    None => return Err(GiveUp),
                }
            } else if self.dash(at, &l) {
                if anchor.is_some() {
                    return Err(GiveUp);
                }
                self.nested(|r| r.sequence(l, at, false))?
            } else if self.is_key(&l, at)? {
                if anchor.is_some() {
                    // `- &a key: v` anchors the key, not the mapping.
                    return Err(GiveUp);
                }
                self.nested(|r| r.mapping(l, at))?
            } else {
                self.inline(&l, at, indent, anchor.map(|(_, from)| from))?
            };
            self.name(anchor, item);
            items.push(item);
            match self.within(&next, indent) {
                Some(n) if n.indent == indent && self.dash(n.first(), n) => {
                    l = *n;
                    dash = n.first();
                }
                Some(n) if n.indent == indent && indentless => {
                    break Ok((self.yaml.push(Node::Seq(items)), next))
                }
                Some(_) => return Err(GiveUp),
                None => break Ok((self.yaml.push(Node::Seq(items)), next)),
            }
        }
    }

    /// A mapping's value after the `:` at `colon` of a key at `indent`.
    fn value(&mut self, l: &Line, colon: usize, indent: usize) -> Read<(NodeId, Option<Line>)> {
        let (anchor, at) = self.anchor(l, self.skip_spaces(colon + 1, l.end))?;
        let read = if !self.blank_rest(at, l) {
            self.inline(l, at, indent, anchor.map(|(_, from)| from))?
        } else {
            let next = self.content(l.next)?;
            match self.within(&next, indent) {
                Some(n) if n.indent > indent => match self.b[n.first()] {
                    // A flow collection or a quoted scalar on a line of its own.
                    b'[' | b'{' => self.inline(n, n.first(), indent, None)?,
                    b'"' | b'\'' if !self.is_key(n, n.first())? => {
                        self.inline(n, n.first(), indent, None)?
                    }
                    _ => self.block(*n)?,
                },
                Some(n) if self.dash(n.first(), n) => {
                    self.nested(|r| r.sequence(*n, n.first(), true))?
                }
                // saphyr puts the null at the `:`.
                _ if anchor.is_none() => (
                    self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, colon, colon),
                    next,
                ),
                _ => return Err(GiveUp),
            }
        };
        self.name(anchor, read.0);
        Ok(read)
    }

    /// Reads a collection one level deeper.
    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> Read<T>) -> Read<T> {
        self.depth += 1;
        if self.depth > MAX_QUICK_DEPTH {
            return Err(GiveUp);
        }
        let read = read(self)?;
        self.depth -= 1;
        Ok(read)
    }

    /// An anchor (`&name`) at `at`, if there is one, and where what it
    /// names starts.
    fn anchor(&self, l: &Line, at: usize) -> Read<(Option<(&'t str, usize)>, usize)> {
        if at >= l.end || self.b[at] != b'&' {
            return Ok((None, at));
        }
        let end = self.name_end(l, at + 1);
        if end == at + 1 || (end < l.end && self.b[end] != b' ') {
            return Err(GiveUp);
        }
        Ok((
            Some((&self.text[at + 1..end], at)),
            self.skip_spaces(end, l.end),
        ))
    }

    /// Where an anchor's or alias's name starting at `from` ends.
    fn name_end(&self, l: &Line, from: usize) -> usize {
        let mut i = from;
        while i < l.end && !matches!(self.b[i], b' ' | b',' | b'[' | b']' | b'{' | b'}') {
            i += 1;
        }
        i
    }

    /// The node an alias (`*name`) at `at` names, in this document.
    fn alias(&self, l: &Line, at: usize) -> Read<NodeId> {
        let name = &self.text[at + 1..self.name_end(l, at + 1)];
        self.anchors.get(name).copied().ok_or(GiveUp)
    }

    fn name(&mut self, anchor: Option<(&'t str, usize)>, node: NodeId) {
        if let Some((name, _)) = anchor {
            self.anchors.insert(name, node);
        }
    }

    /// A value written on the line at `at`, inside a block whose entries
    /// are at `indent`: nothing but blanks and a comment may follow it,
    /// and no line indented past `indent` (that would go on with it).
    ///
    /// saphyr starts an anchored scalar's span at its anchor: `anchored`.
    fn inline(
        &mut self,
        l: &Line,
        at: usize,
        indent: usize,
        anchored: Option<usize>,
    ) -> Read<(NodeId, Option<Line>)> {
        let from = anchored.unwrap_or(at);
        let (node, after) = match self.b[at] {
            b'"' | b'\'' => {
                let (node, close) = self.quoted(l, at, from)?;
                (node, close + 1)
            }
            b'|' | b'>' | b'*' if anchored.is_some() => return Err(GiveUp),
            b'|' | b'>' => return self.block_scalar(l, at, indent),
            b'[' | b'{' => self.flow(l, at, 0)?,
            b'*' => (self.alias(l, at)?, self.name_end(l, at + 1)),
            _ => {
                if !self.plain_start(at, l) {
                    return Err(GiveUp);
                }
                let (end, stop) = self.plain(l, at);
                if stop != Stop::Line {
                    return Err(GiveUp);
                }
                let value = Cow::Borrowed(&self.text[at..end]);
                (self.scalar(value, ScalarStyle::Plain, from, end), end)
            }
        };
        let rest = self.skip_spaces(after, l.end);
        if !(rest == l.end || (rest > after && self.b[rest] == b'#')) {
            return Err(GiveUp);
        }
        let next = self.content(l.next)?;
        match self.within(&next, indent + 1) {
            Some(_) => Err(GiveUp),
            None => Ok((node, next)),
        }
    }

    /// A flow collection that closes on its line, of scalars and flow
    /// collections, and where it ends. Plain scalars in it hold no `:`.
    fn flow(&mut self, l: &Line, at: usize, depth: usize) -> Read<(NodeId, usize)> {
        if depth + self.depth > MAX_QUICK_DEPTH {
            return Err(GiveUp);
        }
        let map = self.b[at] == b'{';
        let close = if map { b'}' } else { b']' };
        let mut items = Vec::new();
        let mut entries = Vec::new();
        let mut i = self.skip_spaces(at + 1, l.end);
        loop {
            if i < l.end && self.b[i] == close && (items.is_empty() && entries.is_empty()) {
                break;
            }
            let (node, after) = self.flow_node(l, i, depth)?;
            let mut j = self.skip_spaces(after, l.end);
            if map {
                if !self.indicator(j, l) {
                    return Err(GiveUp);
                }
                let (value, after) = self.flow_node(l, self.skip_spaces(j + 1, l.end), depth)?;
                entries.push((node, value));
                j = self.skip_spaces(after, l.end);
            } else {
                items.push(node);
            }
            match self.b.get(j) {
                Some(&c) if j < l.end && c == close => {
                    i = j;
                    break;
                }
                Some(b',') if j < l.end => {
                    i = self.skip_spaces(j + 1, l.end);
                    // A trailing comma is left to saphyr.
                    if i < l.end && self.b[i] == close {
                        return Err(GiveUp);
                    }
                }
                _ => return Err(GiveUp),
            }
        }
        let node = if map {
            Node::Map(entries)
        } else {
            Node::Seq(items)
        };
        Ok((self.yaml.push(node), i + 1))
    }

    /// A scalar or a flow collection inside a flow collection.
    fn flow_node(&mut self, l: &Line, at: usize, depth: usize) -> Read<(NodeId, usize)> {
        if at >= l.end {
            return Err(GiveUp);
        }
        match self.b[at] {
            b'[' | b'{' => self.flow(l, at, depth + 1),
            b'"' | b'\'' => {
                let (node, close) = self.quoted(l, at, at)?;
                Ok((node, close + 1))
            }
            b'?' | b':' => Err(GiveUp),
            b'-' if matches!(
                self.b.get(at + 1),
                Some(b' ' | b',' | b'[' | b']' | b'{' | b'}')
            ) =>
            {
                Err(GiveUp)
            }
            _ if !self.plain_start(at, l) => Err(GiveUp),
            _ => {
                let mut i = at;
                while i < l.end {
                    match self.b[i] {
                        b',' | b'[' | b']' | b'{' | b'}' => break,
                        // A key's end, in a flow mapping.
                        b':' if self.indicator(i, l) => break,
                        b':' => return Err(GiveUp),
                        b'#' if self.b[i - 1] == b' ' => return Err(GiveUp),
                        _ => i += 1,
                    }
                }
                let mut end = i;
                while end > at && self.b[end - 1] == b' ' {
                    end -= 1;
                }
                // saphyr refuses `[x -]`: its `-` starts a scalar there.
                if self.b[end - 1] == b'-' {
                    return Err(GiveUp);
                }
                let value = Cow::Borrowed(&self.text[at..end]);
                Ok((self.scalar(value, ScalarStyle::Plain, at, end), i))
            }
        }
    }

    /// A key at `at`, and the position of its `:`.
    fn key(&mut self, l: &Line, at: usize) -> Read<(NodeId, usize)> {
        if matches!(self.b[at], b'"' | b'\'') {
            let (node, close) = self.quoted(l, at, at)?;
            let colon = self.skip_spaces(close + 1, l.end);
            return match self.indicator(colon, l) {
                true if colon - at <= MAX_KEY => Ok((node, colon)),
                _ => Err(GiveUp),
            };
        }
        if !self.plain_start(at, l) {
            return Err(GiveUp);
        }
        match self.plain(l, at) {
            (end, Stop::Colon(colon)) if colon - at <= MAX_KEY => {
                let value = Cow::Borrowed(&self.text[at..end]);
                Ok((self.scalar(value, ScalarStyle::Plain, at, end), colon))
            }
            _ => Err(GiveUp),
        }
    }

    /// Whether the text at `at` is a key (`name:` or `"name":`), without
    /// reading it.
    fn is_key(&self, l: &Line, at: usize) -> Read<bool> {
        match self.b[at] {
            q @ (b'"' | b'\'') => {
                let close = self.closing(l, at, q)?;
                Ok(self.indicator(self.skip_spaces(close + 1, l.end), l))
            }
            _ => Ok(self.plain_start(at, l) && matches!(self.plain(l, at).1, Stop::Colon(_))),
        }
    }

    /// Whether a `:` at `at` is the value indicator.
    fn indicator(&self, at: usize, l: &Line) -> bool {
        at < l.end && self.b[at] == b':' && (at + 1 == l.end || self.b[at + 1] == b' ')
    }

    /// Whether a plain scalar may start at `at`: not at an indicator, save
    /// `-`, `?` and `:` followed by something other than a blank.
    fn plain_start(&self, at: usize, l: &Line) -> bool {
        match self.b[at] {
            b'-' | b'?' | b':' => at + 1 < l.end && self.b[at + 1] != b' ',
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' => false,
            _ => true,
        }
    }

    /// Where a plain scalar starting at `at` ends (trailing blanks left
    /// out), and what ends it.
    fn plain(&self, l: &Line, at: usize) -> (usize, Stop) {
        let mut i = at;
        let stop = loop {
            // To the next `:` or `#`: most scalars hold neither.
            let Some(next) = memchr::memchr2(b':', b'#', &self.b[i..l.end]) else {
                i = l.end;
                break Stop::Line;
            };
            i += next;
            match self.b[i] {
                b':' if i + 1 == l.end || self.b[i + 1] == b' ' => break Stop::Colon(i),
                b'#' if self.b[i - 1] == b' ' => break Stop::Line,
                _ => i += 1,
            }
        };
        let mut end = i;
        while end > at && self.b[end - 1] == b' ' {
            end -= 1;
        }
        (end, stop)
    }

    /// A quoted scalar at `at` that closes on its line, and where it closes.
    /// Escapes in double quotes are left to saphyr.
    fn quoted(&mut self, l: &Line, at: usize, from: usize) -> Read<(NodeId, usize)> {
        let quote = self.b[at];
        let close = self.closing(l, at, quote)?;
        let inside = &self.text[at + 1..close];
        let (value, style) = if quote == b'"' && inside.contains('\\') {
            (Cow::Owned(unescape(inside)?), ScalarStyle::DoubleQuoted)
        } else if quote == b'"' {
            (Cow::Borrowed(inside), ScalarStyle::DoubleQuoted)
        } else if inside.contains('\'') {
            (
                Cow::Owned(inside.replace("''", "'")),
                ScalarStyle::SingleQuoted,
            )
        } else {
            (Cow::Borrowed(inside), ScalarStyle::SingleQuoted)
        };
        Ok((self.scalar(value, style, from, close + 1), close))
    }

    fn closing(&self, l: &Line, at: usize, quote: u8) -> Read<usize> {
        let mut i = at + 1;
        while i < l.end {
            match self.b[i] {
                // An escaped line break is left to saphyr.
                b'\\' if quote == b'"' && i + 2 < l.end => i += 2,
                b'\\' if quote == b'"' => return Err(GiveUp),
                b'\'' if quote == b'\'' && self.b.get(i + 1) == Some(&b'\'') => i += 2,
                c if c == quote => return Ok(i),
                _ => i += 1,
            }
        }
        Err(GiveUp)
    }

    /// A `|` or `>` block scalar whose header is at `at`, read as libyaml
    /// reads one: indentation from its first line, then folding and
    /// chomping. An explicit indentation (`|2`), and empty lines with more
    /// blanks than the indentation, are left to saphyr.
    fn block_scalar(&mut self, l: &Line, at: usize, indent: usize) -> Read<(NodeId, Option<Line>)> {
        let literal = self.b[at] == b'|';
        let mut chomp = 0i8;
        let mut i = at + 1;
        if i < l.end && matches!(self.b[i], b'-' | b'+') {
            chomp = if self.b[i] == b'-' { -1 } else { 1 };
            i += 1;
        }
        let rest = self.skip_spaces(i, l.end);
        if !(rest == l.end || (rest > i && self.b[rest] == b'#')) {
            return Err(GiveUp);
        }
        // Empty lines before the first content line, which sets the
        // indentation unless the header does.
        let (mut at, mut leading, mut widest) = (l.next, 0, 0);
        let first = loop {
            let line = self.raw_line(at)?;
            if line.start == self.b.len() {
                return Err(GiveUp);
            }
            if line.end > line.first() {
                break line;
            }
            if line.next == line.end {
                return Err(GiveUp);
            }
            (leading, widest) = (leading + 1, widest.max(line.indent));
            at = line.next;
        };
        let own = first.indent;
        if own <= indent || widest > own {
            return Err(GiveUp);
        }
        let start = first.first();
        let mut value = String::new();
        let mut leading_break = false;
        let mut trailing_breaks = leading;
        let mut leading_blank = false;
        let mut line = first;
        let end = loop {
            // `line` is a content line indented `own` or more.
            let body = &self.text[line.start + own..line.end];
            let trailing_blank = body.starts_with(' ');
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if trailing_breaks == 0 {
                    value.push(' ');
                }
            } else if leading_break {
                value.push('\n');
            }
            value.extend(std::iter::repeat_n('\n', trailing_breaks));
            trailing_breaks = 0;
            leading_blank = trailing_blank;
            value.push_str(body);
            // A text ending inside the block, without a line break, is
            // left to saphyr (which reads a break there anyway).
            if line.next == line.end {
                return Err(GiveUp);
            }
            leading_break = true;
            match self.block_breaks(line.next, own, &mut trailing_breaks)? {
                Ok(next) => line = next,
                Err(end) => break end,
            }
        };
        if chomp != -1 && leading_break {
            value.push('\n');
        }
        if chomp == 1 {
            value.extend(std::iter::repeat_n('\n', trailing_breaks));
        }
        let style = if literal {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        let node = self.scalar(Cow::Owned(value), style, start, end);
        // What follows the block: the next content line from where it ended.
        let next = if end == self.b.len() {
            None
        } else {
            self.content(self.line_start(end))?
        };
        Ok((node, next))
    }

    /// The empty lines after a block scalar's line at `at`, counted in
    /// `breaks`; then the block's next line, or where the block ends: at
    /// the first character of a line indented less than `own`, or at the
    /// end of the text.
    fn block_breaks(
        &self,
        mut at: usize,
        own: usize,
        breaks: &mut usize,
    ) -> Read<Result<Line, usize>> {
        loop {
            let next = self.raw_line(at)?;
            if next.start == self.b.len() {
                return Ok(Err(self.b.len()));
            }
            if next.end > next.first() {
                return Ok(match next.indent < own {
                    true => Err(next.first()),
                    false => Ok(next),
                });
            }
            // Blanks past the indentation would be content.
            if next.indent > own {
                return Err(GiveUp);
            }
            if next.next == next.end {
                // The text ends in blanks, with no line break.
                return Err(GiveUp);
            }
            *breaks += 1;
            at = next.next;
        }
    }

    /// The start of the line holding `at`.
    fn line_start(&self, at: usize) -> usize {
        self.b[..at]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1)
    }

    fn skip_spaces(&self, mut at: usize, end: usize) -> usize {
        while at < end && self.b[at] == b' ' {
            at += 1;
        }
        at
    }

    /// Whether nothing but a comment is left on the line from `at` (where
    /// blanks were skipped to).
    fn blank_rest(&self, at: usize, l: &Line) -> bool {
        at == l.end || (self.b[at] == b'#' && self.b[at - 1] == b' ')
    }

    fn scalar(
        &mut self,
        value: Cow<'t, str>,
        style: ScalarStyle,
        start: usize,
        end: usize,
    ) -> NodeId {
        let read = scalar(self.text, value, style, start, end);
        self.yaml.push(Node::Scalar(read))
    }

    /// The first line from `at` (a line start) with content: not blank,
    /// not only a comment. None at the end of the text.
    fn content(&self, mut at: usize) -> Read<Option<Line>> {
        loop {
            let l = self.raw_line(at)?;
            if l.start == self.b.len() {
                return Ok(None);
            }
            let first = l.first();
            if first < l.end && self.b[first] != b'#' {
                return Ok(Some(l));
            }
            at = l.next;
        }
    }

    /// The line starting at `at`; gives up on characters libyaml refuses
    /// or reads as line breaks (and on tabs, which saphyr reads by rules
    /// of its own).
    fn raw_line(&self, at: usize) -> Read<Line> {
        let b = self.b;
        let mut i = crate::source::spaces_end(b, at);
        let indent = i - at;
        loop {
            i = crate::source::printable_end(b, i);
            if i == b.len() {
                return Ok(Line {
                    start: at,
                    indent,
                    end: i,
                    next: i,
                });
            }
            match b[i] {
                b'\n' => {
                    return Ok(Line {
                        start: at,
                        indent,
                        end: i,
                        next: i + 1,
                    })
                }
                b'\r' if b.get(i + 1) == Some(&b'\n') => {
                    return Ok(Line {
                        start: at,
                        indent,
                        end: i,
                        next: i + 2,
                    })
                }
                0x80.. => {
                    let c = self.text[i..].chars().next().ok_or(GiveUp)?;
                    let refused = matches!(
                        c as u32,
                        0x80..=0x9F | 0x2028 | 0x2029 | 0xFEFF | 0xFFFE | 0xFFFF
                    );
                    if refused {
                        return Err(GiveUp);
                    }
                    i += c.len_utf8();
                }
                _ => return Err(GiveUp),
            }
        }
    }
}

/// A double-quoted scalar's escapes read: the common ones only, the rest
/// are left to saphyr.
fn unescape(inside: &str) -> Read<String> {
    let mut out = String::with_capacity(inside.len());
    let mut chars = inside.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('\\') => '\\',
            Some('"') => '"',
            Some('/') => '/',
            Some('n') => '\n',
            Some('t') => '\t',
            _ => return Err(GiveUp),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::readers_differ;
    use super::*;

    /// Whether the quick reader reads all of `text` (gives up nowhere).
    fn reads_all<'t>(text: &'t str) -> bool {
        let mut yaml: Yaml<'t> = Yaml::parse("").unwrap();
        let mut each = |_: &Yaml<'t>| true;
        let mut each: Option<&mut dyn FnMut(&Yaml<'t>) -> bool> = Some(&mut each);
        matches!(read(text, &mut yaml, &mut each), Outcome::Done)
    }

    /// Texts the quick reader takes, each read as saphyr reads it.
    const TAKEN: &[&str] = &[
        "",
        "# only a comment\n",
        "a: 1\nb:\n  c: x  # note\n  d: 'it''s'\n  e: \"q\\\"uote\\\\d\"\n",
        "a:\n- x\n-\n- # c\n- y: 1\n  z: 2\nb: ~\n",
        "- - x\n  - y\n- - z\n",
        "k:\n  - name: a\n    image: nginx:1.25\n  - name: b\n",
        "a: |\n  l1\n\n  l2\n\n\nb: >-\n  f1\n  f2\n\n  f3\n   more\n  back\nc: |+\n  keep\n\n",
        "a: >\n\n  after a blank\n",
        "a: [x, -c, 'q', \"d\", [], {}]\nb: {k: v, \"q\": [1, 2]}\nc: { }\nd:\n  []\n",
        "base: &b\n  image: x:1\njob:\n  <<: *b\n  tag: &t own\nlist:\n- &i item\n- *i\n",
        "---\na: 1\n---\n---\n# c\n---\nb: 2\n",
        "a: 1\n---\n",
        "\"quoted key\": v\n'single': w\nplain key with spaces: x\nurl: http://a:b@c/d#e\n",
        "ünï: cödé # ç\n",
        "  indented: root\n  b: 2\n",
    ];

    /// Texts it leaves to saphyr, valid or not.
    const LEFT: &[&str] = &[
        "a:\tb\n",
        "a: b\n  continued\n",
        "? complex\n: key\n",
        "a: !tag x\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: b: c\n",
        "- a\nb: c\n",
        "a:\n    b: 1\n  c: 2\n",
        "a: \"unclosed\n",
        "a: [x,\n  y]\n",
        "a: [x, ]\n",
        "\u{feff}a: 1\n",
        "a: x\u{85}y\n",
        "a: x\u{1}\n",
        "a: |\n  x\n   \n",
        "a: 'x' y\n",
        "a: |2\n    two extra\n  base\n",
        "a: |\n  x\n  y",
        "a: [bash, -c -]\n",
        "a: *nowhere\n",
        "- &a b: c\n",
        "...\n",
        "---\n... x\n",
        "--- text\n",
        "a: x\rb: y\n",
    ];

    #[test]
    fn takes_plain_block_yaml_as_saphyr_reads_it() {
        for text in TAKEN {
            for text in [text.to_string(), text.replace('\n', "\r\n")] {
                assert!(reads_all(&text), "gave up on {text:?}");
                assert_eq!(readers_differ(&text), None, "{text:?}");
            }
        }
    }

    #[test]
    fn leaves_the_rest_to_saphyr() {
        for text in LEFT {
            assert!(!reads_all(text), "took {text:?}");
            assert_eq!(readers_differ(text), None, "{text:?}");
        }
    }

    /// A YAML tree to write out in block style.
    #[derive(Debug, Clone)]
    enum Tree {
        /// A value written on its key's or dash's line.
        Inline(&'static str),
        /// A `|` or `>` block: its header and lines (indented further).
        Block(&'static str, Vec<&'static str>),
        Map(Vec<(&'static str, Tree)>),
        Seq(Vec<Tree>),
    }

    fn tree() -> impl proptest::strategy::Strategy<Value = Tree> {
        use proptest::prelude::*;
        let inline = prop::sample::select(vec![
            "x",
            "a#b",
            "a #c",
            "'q''s'",
            "\"e\\\"s\\\\\"",
            "[x, -y]",
            "{k: v, q: [1]}",
            "[]",
            "{ }",
            "",
            "-x",
            "http://h:1/p",
            "é ü",
            "*a",
            "&a v",
            "~",
            "'a' # c",
            "a:b",
            "v  ",
            "&b [1]",
            "\"k\": v",
        ]);
        let block = (
            prop::sample::select(vec!["|", "|-", "|+", ">", ">-", ">+", "| # c"]),
            prop::collection::vec(
                prop::sample::select(vec!["l", " more", "", "# not a comment", "  x: y"]),
                1..5,
            ),
        );
        let key = prop::sample::select(vec!["a", "b c", "\"q\"", "'s'", "<<", "k", "-k", "a:b"]);
        let leaf = prop_oneof![
            4 => inline.prop_map(Tree::Inline),
            1 => block.prop_map(|(h, l)| Tree::Block(h, l)),
        ];
        leaf.prop_recursive(4, 24, 4, move |inner| {
            prop_oneof![
                prop::collection::vec((key.clone(), inner.clone()), 1..4).prop_map(Tree::Map),
                prop::collection::vec(inner, 1..4).prop_map(Tree::Seq),
            ]
        })
    }

    /// Writes `tree` as the value after a key or dash at column `indent`
    /// (`-1`: the document's root), with `step` more spaces for each level.
    fn write(tree: &Tree, indent: usize, step: usize, root: bool, out: &mut String) {
        let pad = |n: usize| " ".repeat(n);
        let inner = if root { 0 } else { indent + step };
        match tree {
            Tree::Inline(v) => {
                out.push(' ');
                out.push_str(v);
                out.push('\n');
            }
            Tree::Block(header, lines) => {
                out.push_str(&format!(" {header}\n"));
                for l in lines {
                    if !l.is_empty() {
                        out.push_str(&pad(inner.max(1)));
                    }
                    out.push_str(l);
                    out.push('\n');
                }
            }
            Tree::Map(entries) => {
                if !root {
                    out.push('\n');
                }
                for (k, v) in entries {
                    out.push_str(&format!("{}{k}:", pad(inner)));
                    write(v, inner, step, false, out);
                }
            }
            Tree::Seq(items) => {
                if !root {
                    out.push('\n');
                }
                for v in items {
                    out.push_str(&format!("{}-", pad(inner)));
                    write(v, inner, step, false, out);
                }
            }
        }
    }

    fn document() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let damage = prop::sample::select(vec![
            "", "", "", "", "", "", "", "", "", "", "", "", "---", "...", "# c", "  # c", "\t",
            "? x", "x", "  - y", "a: b: c", "  k: v", "%Y", "- - z", "&a", "!t v",
        ]);
        (tree(), 1..4usize, damage, any::<prop::sample::Index>()).prop_map(
            |(t, step, damage, at)| {
                let mut text = String::new();
                write(&t, 0, step, true, &mut text);
                let mut lines: Vec<&str> = text.lines().collect();
                let at = at.index(lines.len() + 1);
                lines.insert(at, damage);
                lines.join("\n") + "\n"
            },
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn reads_what_saphyr_reads(documents in proptest::collection::vec(document(), 1..3), crlf: bool) {
            let mut text = documents.join("---\n");
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            proptest::prop_assert_eq!(readers_differ(&text), None, "{:?}", text);
        }
    }
}
