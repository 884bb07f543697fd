//! A small YAML tree built from saphyr-parser events, with exact byte spans on
//! every scalar. Aliases point at the anchored node itself, so a value read
//! through an alias or a `<<` merge key still carries the span where its text
//! is written.

mod quick;

use super::flow_indent::Shift;
use crate::source::{CharToByte, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Deeper nesting than this is refused: no real configuration needs it, and
/// every walk over the tree stays well inside the stack.
pub const MAX_DEPTH: usize = 256;
/// How many merge keys deep a lookup follows.
const MAX_MERGE_DEPTH: usize = 32;
/// Merged entries a file may make imagelint copy: far above any real file
/// (a chart's values merge a few hundred), far below a minute of work.
const WORK_BUDGET: usize = 20_000_000;

pub type NodeId = usize;

#[derive(Debug, Clone)]
pub struct Scalar<'a> {
    pub value: Cow<'a, str>,
    /// The written content: inside the quotes for quoted scalars.
    pub span: Span,
    /// The bytes under `span` are exactly `value` (no escapes, no folding), so
    /// an edit there changes the value and nothing else.
    pub exact: bool,
    pub style: ScalarStyle,
}

#[derive(Debug, Clone)]
pub enum Node<'a> {
    Scalar(Scalar<'a>),
    Seq(Vec<NodeId>),
    Map(Vec<(NodeId, NodeId)>),
}

/// Nodes of one tree already seen, a bit each: aliases make a tree a graph,
/// and a walk must read each node once. A hash set cost ~30 bytes a node.
#[derive(Default)]
pub struct NodeSet(Vec<u64>);

impl NodeSet {
    /// Adds `id`; false when it was there already.
    pub fn insert(&mut self, id: NodeId) -> bool {
        let (word, bit) = (id / 64, 1u64 << (id % 64));
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }
}

/// A feature switch that is off (see [`Yaml::switches`]).
#[derive(Debug, Clone, Copy)]
pub struct Switch {
    /// Its value.
    pub value: NodeId,
    /// The map it is in: the feature's settings.
    pub map: NodeId,
    /// Left empty rather than `false`.
    pub empty: bool,
}

#[derive(Debug)]
pub struct Yaml<'a> {
    nodes: Vec<Node<'a>>,
    /// The root node of each document in the stream.
    pub documents: Vec<NodeId>,
    /// Merged entries copied so far, for the work budget.
    work: Cell<usize>,
    /// Sequences tagged `!reference` (GitLab CI), few.
    references: Vec<NodeId>,
    /// Nodes with another local tag (`!Sub`, `!Ref`: CloudFormation's
    /// short forms), and the tag's name; none in most files.
    tags: Vec<(NodeId, Box<str>)>,
    /// The text read and which of its documents this is (the first when
    /// built whole), if read as written (not re-indented, not switched
    /// on): what a tree built again from the same text would equal.
    pub origin: Option<(&'a str, usize)>,
}

#[derive(Debug)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::error::Error for YamlError {}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid YAML at line {} column {}: {}",
            self.line, self.column, self.message
        )
    }
}

enum Frame {
    /// A sequence: its anchor, items, and whether it is tagged `!reference`.
    Seq(usize, Vec<NodeId>, bool),
    Map(usize, Vec<(NodeId, NodeId)>, Option<NodeId>),
}

impl<'a> Yaml<'a> {
    /// The whole stream as one tree (for tests; the extractors take a
    /// document at a time).
    #[cfg(test)]
    pub fn parse(text: &'a str) -> Result<Yaml<'a>, YamlError> {
        Yaml::build(text, text, None, None)
    }

    /// Hands each document to `each` as a tree of its own, then frees it:
    /// a stream of many documents never needs them all in memory. Anchors
    /// are per document, as in libyaml. `each` returns false to stop.
    ///
    /// `reindented` is the text to parse instead, with the [`Shift`] that
    /// maps its offsets back to `text` (see `flow_indent`); spans and
    /// values are always of `text`.
    pub fn for_each_document(
        text: &'a str,
        reindented: Option<(&str, &Shift)>,
        each: &mut dyn FnMut(&Yaml<'a>) -> bool,
    ) -> Result<(), YamlError> {
        match reindented {
            None => Yaml::build(text, text, None, Some(each)).map(drop),
            Some((source, shift)) => Yaml::build(text, source, Some(shift), Some(each)).map(drop),
        }
    }

    fn build(
        text: &'a str,
        source: &str,
        shift: Option<&Shift>,
        each: Option<&mut dyn FnMut(&Yaml<'a>) -> bool>,
    ) -> Result<Yaml<'a>, YamlError> {
        Yaml::build_with(text, source, shift, each, true)
    }

    fn build_with(
        text: &'a str,
        source: &str,
        shift: Option<&Shift>,
        mut each: Option<&mut dyn FnMut(&Yaml<'a>) -> bool>,
        quickly: bool,
    ) -> Result<Yaml<'a>, YamlError> {
        let mut conv = CharToByte::new(source);
        let mut yaml = Yaml {
            // About one node for every dozen bytes of typical YAML; a
            // document at a time needs only as many as one document has.
            nodes: Vec::with_capacity(if each.is_some() {
                (text.len() / 12).min(1 << 14)
            } else {
                text.len() / 12
            }),
            documents: Vec::new(),
            work: Cell::new(0),
            references: Vec::new(),
            tags: Vec::new(),
            origin: shift.is_none().then_some((text, 0)),
        };
        // Documents the quick reader handed over before giving up: saphyr
        // reads them again (it starts at the beginning) but hands over only
        // those after them.
        let mut handed = 0;
        if quickly && shift.is_none() {
            match quick::read(text, &mut yaml, &mut each) {
                quick::Outcome::Done => return Ok(yaml),
                quick::Outcome::GaveUp { handed: n } => {
                    handed = n;
                    // What it left half read is dropped; saphyr counts the
                    // documents again from the first.
                    yaml.next_document();
                    yaml.origin = Some((text, 0));
                }
            }
        }
        let mut anchors: HashMap<usize, NodeId> = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        // The local tag of each collection open on `stack`.
        let mut stack_tags: Vec<Option<Box<str>>> = Vec::new();
        for event in Parser::new_from_str(source) {
            let (event, span) = event.map_err(|e| YamlError {
                line: e.marker().line(),
                column: e.marker().col() + 1,
                message: e.info().to_string(),
            })?;
            let done = match event {
                Event::Scalar(value, style, anchor, tag) => {
                    let start = conv.offset(span.start.index());
                    let end = conv.offset(span.end.index());
                    let read = scalar(source, value, style, start, end);
                    let node = yaml.push(Node::Scalar(read.of_text(text, shift)));
                    if let Some(name) = local_tag(tag.as_deref()) {
                        yaml.tags.push((node, name));
                    }
                    if anchor > 0 {
                        anchors.insert(anchor, node);
                    }
                    Some(node)
                }
                Event::Alias(anchor) => Some(*anchors.get(&anchor).ok_or_else(|| YamlError {
                    line: span.start.line(),
                    column: span.start.col() + 1,
                    message: "alias to an unknown anchor".into(),
                })?),
                Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                    let reference = tag
                        .as_ref()
                        .is_some_and(|t| t.handle == "!" && t.suffix == "reference");
                    if stack.len() >= MAX_DEPTH {
                        return Err(YamlError {
                            line: span.start.line(),
                            column: span.start.col() + 1,
                            message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        });
                    }
                    stack_tags.push(if reference {
                        None
                    } else {
                        local_tag(tag.as_deref())
                    });
                    stack.push(match event {
                        Event::SequenceStart(..) => Frame::Seq(anchor, Vec::new(), reference),
                        _ => Frame::Map(anchor, Vec::new(), None),
                    });
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (anchor, node) = match stack.pop() {
                        Some(Frame::Seq(anchor, items, reference)) => {
                            if reference {
                                yaml.references.push(yaml.nodes.len());
                            }
                            (anchor, Node::Seq(items))
                        }
                        Some(Frame::Map(anchor, entries, _)) => (anchor, Node::Map(entries)),
                        None => continue,
                    };
                    let node = yaml.push(node);
                    if let Some(name) = stack_tags.pop().flatten() {
                        yaml.tags.push((node, name));
                    }
                    if anchor > 0 {
                        anchors.insert(anchor, node);
                    }
                    Some(node)
                }
                _ => None,
            };
            if let Some(node) = done {
                match stack.last_mut() {
                    None => {
                        yaml.documents.push(node);
                        if let Some(each) = each.as_mut() {
                            if handed > 0 {
                                handed -= 1;
                            } else if !each(&yaml) {
                                break;
                            }
                            yaml.next_document();
                            anchors.clear();
                        }
                    }
                    Some(Frame::Seq(_, items, _)) => items.push(node),
                    Some(Frame::Map(_, entries, key)) => match key.take() {
                        None => *key = Some(node),
                        Some(k) => entries.push((k, node)),
                    },
                }
            }
        }
        Ok(yaml)
    }

    /// Frees the document just handed over, for the next. The work budget
    /// is for the whole file, so it is kept.
    fn next_document(&mut self) {
        self.nodes.clear();
        self.documents.clear();
        self.references.clear();
        self.tags.clear();
        if let Some((_, document)) = &mut self.origin {
            *document += 1;
        }
    }

    fn push(&mut self, node: Node<'a>) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// The values' feature switches that are off: `enabled:`, `enable:`,
    /// `create:`, `install:` or `deploy:` set to `false`, and with `unset`
    /// those left empty too (the chart decides). Other `false`s are not
    /// switches: a `distroless: false` shapes an image, it adds none.
    pub fn switches(&self, unset: bool) -> Vec<Switch> {
        const SWITCHES: [&str; 5] = ["enabled", "enable", "create", "install", "deploy"];
        let scalar = |id: NodeId| match &self.nodes[id] {
            Node::Scalar(s) if s.style == ScalarStyle::Plain => Some(&*s.value),
            _ => None,
        };
        let mut off = Vec::new();
        for (map, node) in self.nodes.iter().enumerate() {
            if let Node::Map(entries) = node {
                for &(k, v) in entries {
                    if !scalar(k).is_some_and(|k| SWITCHES.contains(&k)) {
                        continue;
                    }
                    let empty = match scalar(v) {
                        Some("false" | "False" | "FALSE") => false,
                        Some("" | "~" | "null" | "Null" | "NULL") if unset => true,
                        _ => continue,
                    };
                    off.push(Switch {
                        value: v,
                        map,
                        empty,
                    });
                }
            }
        }
        off
    }

    /// The tree with the switch values `on` read as `true`, at the same
    /// bytes (so spans still point into the file).
    pub fn switched_on(&self, on: impl IntoIterator<Item = NodeId>) -> Yaml<'a> {
        let mut nodes = self.nodes.clone();
        for id in on {
            if let Node::Scalar(s) = &mut nodes[id] {
                s.value = Cow::Borrowed("true");
            }
        }
        Yaml {
            nodes,
            documents: self.documents.clone(),
            work: Cell::new(self.work.get()),
            references: self.references.clone(),
            tags: self.tags.clone(),
            origin: None,
        }
    }

    /// How many nodes `id` holds (itself too), and whether one of them is
    /// the scalar starting at `start`: which switch's map a value is in.
    pub fn holds(&self, id: NodeId, start: usize) -> (usize, bool) {
        let mut seen = NodeSet::default();
        let mut stack = vec![id];
        let (mut count, mut found) = (0, false);
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            count += 1;
            match &self.nodes[n] {
                Node::Scalar(s) => found |= s.span.start == start,
                Node::Seq(items) => stack.extend(items),
                Node::Map(entries) => stack.extend(entries.iter().map(|&(_, v)| v)),
            }
        }
        (count, found)
    }

    pub fn scalar(&self, id: NodeId) -> Option<&Scalar<'a>> {
        match &self.nodes[id] {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar that is a string, not a YAML null.
    pub fn str(&self, id: NodeId) -> Option<&str> {
        let s = self.scalar(id)?;
        if s.style == ScalarStyle::Plain && matches!(&*s.value, "" | "~" | "null" | "Null" | "NULL")
        {
            return None;
        }
        Some(&s.value)
    }

    pub fn seq(&self, id: NodeId) -> Option<&[NodeId]> {
        match &self.nodes[id] {
            Node::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Whether a sequence is tagged `!reference` (GitLab's pointer to keys
    /// of another job: `!reference [.base, image]`).
    pub fn is_reference(&self, id: NodeId) -> bool {
        self.references.contains(&id)
    }

    /// The local tag of `id` (`Sub` for `!Sub`), if it has one but
    /// `!reference`.
    pub fn tag(&self, id: NodeId) -> Option<&str> {
        self.tags.iter().find(|(n, _)| *n == id).map(|(_, t)| &**t)
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.nodes[id], Node::Map(_))
    }

    /// A mapping's entries as they read after `<<` merges: written keys
    /// first, then merged keys not already present, in the order merged.
    /// Each merged mapping is read once per call, however often it is
    /// merged, and keys are de-duplicated by hash: linear in the entries.
    pub fn entries(&self, id: NodeId) -> Vec<(&str, NodeId)> {
        let Node::Map(entries) = &self.nodes[id] else {
            return Vec::new();
        };
        // Most mappings are small and merge nothing: no hashing for them.
        let key = |k: NodeId| self.scalar(k).map(|s| &*s.value);
        if entries.len() <= 16 && !entries.iter().any(|&(k, _)| key(k) == Some("<<")) {
            let mut out: Vec<(&str, NodeId)> = Vec::with_capacity(entries.len());
            for &(k, v) in entries {
                if let Some(k) = key(k) {
                    if !out.iter().any(|(seen, _)| *seen == k) {
                        out.push((k, v));
                    }
                }
            }
            return out;
        }
        let mut memo: HashMap<NodeId, Rc<Vec<(&str, NodeId)>>> = HashMap::new();
        match Rc::try_unwrap(self.merged(id, &mut memo, 0)) {
            Ok(v) => v,
            Err(shared) => (*shared).clone(),
        }
    }

    fn merged<'s>(
        &'s self,
        id: NodeId,
        memo: &mut HashMap<NodeId, Rc<Vec<(&'s str, NodeId)>>>,
        depth: usize,
    ) -> Rc<Vec<(&'s str, NodeId)>> {
        if let Some(done) = memo.get(&id) {
            return done.clone();
        }
        let Node::Map(entries) = &self.nodes[id] else {
            return Rc::new(Vec::new());
        };
        let mut out: Vec<(&str, NodeId)> = Vec::with_capacity(entries.len());
        let mut seen: HashSet<&str> = HashSet::with_capacity(entries.len());
        let mut merges = Vec::new();
        for &(k, v) in entries {
            let Some(key) = self.scalar(k).map(|s| &*s.value) else {
                continue;
            };
            if key == "<<" {
                merges.push(v);
            } else if seen.insert(key) {
                out.push((key, v));
            }
        }
        if depth < MAX_MERGE_DEPTH {
            for merge in merges {
                let sources: &[NodeId] = match &self.nodes[merge] {
                    Node::Seq(items) => items,
                    _ => std::slice::from_ref(&merge),
                };
                for &source in sources {
                    let merged = self.merged(source, memo, depth + 1);
                    self.spend(merged.len());
                    for &(key, v) in merged.iter() {
                        if seen.insert(key) {
                            out.push((key, v));
                        }
                    }
                }
            }
        }
        let out = Rc::new(out);
        memo.insert(id, out.clone());
        out
    }

    /// Counts work done following merges; past [`WORK_BUDGET`] the file is
    /// refused (see [`Yaml::exhausted`]) rather than left to run for ever.
    fn spend(&self, units: usize) {
        self.work.set(self.work.get().saturating_add(units));
    }

    /// Whether following merges took more than the budget.
    pub fn exhausted(&self) -> bool {
        self.work.get() > WORK_BUDGET
    }

    /// The value under `key` in a mapping, merges followed.
    pub fn get(&self, id: NodeId, key: &str) -> Option<NodeId> {
        let Node::Map(entries) = &self.nodes[id] else {
            return None;
        };
        if let Some(&(_, v)) = entries
            .iter()
            .find(|(k, _)| self.scalar(*k).is_some_and(|s| s.value == key))
        {
            return Some(v);
        }
        if !entries
            .iter()
            .any(|(k, _)| self.scalar(*k).is_some_and(|s| s.value == "<<"))
        {
            return None;
        }
        self.entries(id)
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, mut id: NodeId, keys: &[&str]) -> Option<NodeId> {
        for key in keys {
            id = self.get(id, key)?;
        }
        Some(id)
    }
}

/// Reads `text` with the quick reader and with saphyr alone, document by
/// document, and says how their trees differ (for the fuzz targets and
/// tests: the quick reader must never change what is read).
pub fn readers_differ(text: &str) -> Option<String> {
    let trees = |quickly: bool| {
        let mut documents = Vec::new();
        let read = Yaml::build_with(
            text,
            text,
            None,
            Some(&mut |y: &Yaml| {
                documents.push(format!(
                    "{:?} {:?} {:?}",
                    y.nodes, y.documents, y.references
                ));
                true
            }),
            quickly,
        );
        (documents, read.map(drop).map_err(|e| e.to_string()))
    };
    let (quick, slow) = (trees(true), trees(false));
    (quick != slow).then(|| format!("quick reader: {quick:#?}\nsaphyr: {slow:#?}"))
}

/// A local tag's name (`Sub` of `!Sub`); none for other tags (`!!str`) and
/// for GitLab's `!reference`, kept apart.
fn local_tag(tag: Option<&saphyr_parser::Tag>) -> Option<Box<str>> {
    let tag = tag?;
    (tag.handle == "!" && tag.suffix != "reference" && !tag.suffix.is_empty())
        .then(|| tag.suffix.as_str().into())
}

fn scalar<'a>(
    text: &str,
    value: Cow<'a, str>,
    style: ScalarStyle,
    start: usize,
    end: usize,
) -> Scalar<'a> {
    let bytes = text.as_bytes();
    let start = past_properties(bytes, start, end, style);
    let (span, exact) = match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            // saphyr's end marker overshoots past trailing blanks and
            // comments, so find the closing quote ourselves.
            let quote = if style == ScalarStyle::SingleQuoted {
                b'\''
            } else {
                b'"'
            };
            let open = start;
            let close = closing_quote(bytes, open, quote).unwrap_or(end.max(open + 1));
            let span = Span::new((open + 1).min(close), close);
            (span, text.get(span.range()) == Some(&*value))
        }
        ScalarStyle::Plain => {
            let span = Span::new(start, end.max(start));
            (span, text.get(span.range()) == Some(&*value))
        }
        _ => {
            // Block scalars: the content starts at `start`; it is exact only
            // when the value is one line written as is.
            let trimmed = value.trim_end_matches('\n');
            let span = Span::new(start, (start + trimmed.len()).min(text.len()));
            let exact = !trimmed.contains('\n') && text.get(span.range()) == Some(trimmed);
            (
                if exact {
                    span
                } else {
                    Span::new(start, end.max(start))
                },
                false,
            )
        }
    };
    Scalar {
        value,
        span,
        exact,
        style,
    }
}

impl Scalar<'_> {
    /// The scalar as read from the parsed text, placed in the original
    /// `text`. The parser hands over an owned copy of most values; one
    /// written as is points into the text instead, so a large file is not
    /// held twice.
    fn of_text<'a>(self, text: &'a str, shift: Option<&Shift>) -> Scalar<'a> {
        let span = match shift {
            Some(shift) => Span::new(shift.back(self.span.start), shift.back(self.span.end)),
            None => self.span,
        };
        let value = match text.get(span.range()) {
            Some(written) if self.exact => Cow::Borrowed(written),
            _ => Cow::Owned(self.value.into_owned()),
        };
        Scalar {
            value,
            span,
            exact: self.exact,
            style: self.style,
        }
    }
}

/// Where a plain or quoted scalar's own text starts. saphyr starts the span
/// of a scalar with an anchor or a tag (`image: &img nginx:1.25`) at them,
/// which would put a finding and its fix on the anchor. Skipped only when
/// what follows on the line is the scalar's start: a quote, or (plain) not
/// another indicator.
fn past_properties(bytes: &[u8], start: usize, end: usize, style: ScalarStyle) -> usize {
    let mut at = start;
    while at < end && matches!(bytes[at], b'&' | b'!') {
        while at < end && !matches!(bytes[at], b' ' | b'\t' | b'\r' | b'\n') {
            at += 1;
        }
        while at < end && matches!(bytes[at], b' ' | b'\t') {
            at += 1;
        }
    }
    let fits = match (style, bytes.get(at)) {
        _ if at == start || at >= end => false,
        (ScalarStyle::SingleQuoted, Some(b'\'')) | (ScalarStyle::DoubleQuoted, Some(b'"')) => true,
        (ScalarStyle::Plain, Some(b)) => !matches!(b, b'#' | b'\r' | b'\n' | b'&' | b'!' | b'*'),
        _ => false,
    };
    if fits {
        at
    } else {
        start
    }
}

fn closing_quote(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if quote == b'\'' && b == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        if quote == b'"' {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(String, String, bool)> {
        let yaml = Yaml::parse(text).unwrap();
        yaml.nodes
            .iter()
            .filter_map(|n| match n {
                Node::Scalar(s) => Some((
                    s.value.to_string(),
                    text[s.span.range()].to_string(),
                    s.exact,
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn quoted_and_flow_spans_are_exact() {
        let got = spans("b: 'x:1'   # c\nc: \"café/img:2\"\nf: [ 'q:1' , r:2 ]\n");
        assert!(got.contains(&("x:1".into(), "x:1".into(), true)));
        assert!(got.contains(&("café/img:2".into(), "café/img:2".into(), true)));
        assert!(got.contains(&("q:1".into(), "q:1".into(), true)));
        assert!(got.contains(&("r:2".into(), "r:2".into(), true)));
    }

    #[test]
    fn escapes_are_not_exact() {
        let got = spans("a: \"x\\u003a1\"\nb: 'it''s'\n");
        assert!(got.contains(&("x:1".into(), "x\\u003a1".into(), false)));
        assert!(got.contains(&("it's".into(), "it''s".into(), false)));
    }

    #[test]
    fn local_tags_are_kept_per_document() {
        let text =
            "a: !Ref P\nb: !Join [':', [x, y]]\nc: !reference [.x, y]\nd: !!str e\n---\nf: g\n";
        let mut seen = Vec::new();
        Yaml::for_each_document(text, None, &mut |y| {
            let root = y.documents[0];
            let tag = |k: &str| y.get(root, k).and_then(|n| y.tag(n)).map(str::to_string);
            seen.push([tag("a"), tag("b"), tag("c"), tag("d"), tag("f")]);
            true
        })
        .unwrap();
        let some = |t: &str| Some(t.to_string());
        assert_eq!(seen[0], [some("Ref"), some("Join"), None, None, None]);
        assert_eq!(seen[1], [None, None, None, None, None]);
    }

    #[test]
    fn anchored_and_tagged_scalars_span_their_own_text() {
        let got = spans("a: &x nginx:1.25\nb: !!str 'q:1'\nc: &y \"d:2\"\nd: *x\n");
        assert!(
            got.contains(&("nginx:1.25".into(), "nginx:1.25".into(), true)),
            "{got:?}"
        );
        assert!(got.contains(&("q:1".into(), "q:1".into(), true)), "{got:?}");
        assert!(got.contains(&("d:2".into(), "d:2".into(), true)), "{got:?}");
    }

    #[test]
    fn merges_follow_anchors() {
        let text = "base: &b {image: x:1, tag: a}\njob:\n  <<: *b\n  tag: own\n";
        let y = Yaml::parse(text).unwrap();
        let root = y.documents[0];
        let job = y.get(root, "job").unwrap();
        let image = y.get(job, "image").unwrap();
        assert_eq!(&text[y.scalar(image).unwrap().span.range()], "x:1");
        assert_eq!(y.str(y.get(job, "tag").unwrap()), Some("own"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(MAX_DEPTH + 10);
        assert!(Yaml::parse(&text).is_err());
    }
}
