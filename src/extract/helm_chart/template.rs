//! Go templates as Helm writes them, parsed into a tree: text, actions,
//! `if`/`with`/`range` blocks and `define`d helpers. Only what a chart's
//! image lines need is understood; anything else becomes an action the
//! evaluator calls unknown, never an error.

use super::expr::{self, Pipe};
use std::ops::Range;

/// A piece of a parsed template. Every node is as large as the largest
/// kind, and a chart's templates hold a hundred thousand of them (half of
/// them text): the large, rarer blocks are boxed.
#[derive(Debug)]
pub enum Node {
    /// Template text, as a range of the file (trim markers applied).
    Text(Range<usize>),
    /// `{{ pipeline }}`: its value is written.
    Output(Pipe),
    /// `{{ $x := pipeline }}` or `{{ $x = pipeline }}`.
    Assign {
        var: Box<str>,
        declare: bool,
        pipe: Pipe,
    },
    /// `if`/`else if`/`else`.
    If {
        branches: Vec<(Pipe, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
    With(Box<With>),
    Range(Box<RangeBlock>),
    /// `{{ template "name" pipeline }}`.
    Call {
        name: Box<str>,
        arg: Option<Pipe>,
    },
    /// What the evaluator cannot follow (`break`, a malformed action...).
    Opaque,
}

/// `with pipeline`, its body, and its `else`.
#[derive(Debug)]
pub struct With {
    pub pipe: Pipe,
    pub body: Vec<Node>,
    pub otherwise: Vec<Node>,
}

/// `range $k, $v := pipeline`, its body, and its `else`.
#[derive(Debug)]
pub struct RangeBlock {
    pub vars: Vec<String>,
    pub pipe: Pipe,
    pub body: Vec<Node>,
    pub otherwise: Vec<Node>,
}

/// A parsed template file: its top-level nodes and its `define`s.
#[derive(Debug, Default)]
pub struct Template {
    pub body: Vec<Node>,
    pub defines: Vec<(String, Vec<Node>)>,
}

/// One lexed piece: text, or an action's inside (in the file's text).
#[derive(Debug)]
enum Token<'t> {
    Text(Range<usize>),
    Action(&'t str),
}

/// Splits `text` into text and actions, applying `{{-` and `-}}` (which
/// trim the white space next to them) and dropping comments.
fn lex(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let opening = memchr::memmem::Finder::new("{{");
    let mut out = Vec::new();
    let mut at = 0;
    let mut trim_next = false;
    while at < text.len() {
        let open = opening.find(&bytes[at..]).map(|i| at + i);
        let text_end = open.unwrap_or(text.len());
        let mut start = at;
        if trim_next {
            while start < text_end && bytes[start].is_ascii_whitespace() {
                start += 1;
            }
        }
        let Some(open) = open else {
            out.push(Token::Text(start..text_end));
            break;
        };
        let trim_left = text[open + 2..].starts_with("- ")
            || text[open + 2..].starts_with("-\n")
            || text[open + 2..].starts_with("-\t");
        let mut end = text_end;
        if trim_left {
            while end > start && bytes[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
        }
        if end > start {
            out.push(Token::Text(start..end));
        }
        let inner_start = open + 2 + usize::from(trim_left);
        // A comment ends at the first `*/}}` whatever it holds: quotes and
        // braces inside it are not an action's.
        if let Some(close) = comment_end(text, inner_start) {
            trim_next = bytes[close - 1] == b'-';
            at = close + 2;
            continue;
        }
        let Some(close) = action_end(text, inner_start) else {
            // An unclosed action: the rest is not a template Helm renders.
            out.push(Token::Action(""));
            break;
        };
        let trim_right = close > inner_start
            && bytes[close - 1] == b'-'
            && close >= inner_start + 2
            && bytes[close - 2].is_ascii_whitespace();
        let inner_end = if trim_right { close - 1 } else { close };
        out.push(Token::Action(text[inner_start..inner_end].trim()));
        trim_next = trim_right;
        at = close + 2;
    }
    out
}

/// Where the `}}` closing a comment action whose inside starts at `from`
/// is: `/*` first (after the space of a `{{- `), `*/}}` or `*/ -}}` last.
/// None when no comment starts there, or it is never closed.
fn comment_end(text: &str, from: usize) -> Option<usize> {
    let body = text.get(from..)?;
    let lead = body.len() - body.trim_start().len();
    if !body[lead..].starts_with("/*") {
        return None;
    }
    let start = from + lead + 2;
    let mut search = start;
    loop {
        let close = search + text[search..].find("*/")?;
        let rest = &text[close + 2..];
        if rest.starts_with("}}") {
            return Some(close + 2);
        }
        if rest.starts_with(" -}}") {
            return Some(close + 4);
        }
        search = close + 2;
    }
}

/// The byte ranges of the template comments in `text`, `{{` to `}}`: what
/// they hold is not written out.
pub fn comments(text: &str) -> Vec<Range<usize>> {
    let opening = memchr::memmem::Finder::new("{{");
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = opening.find(&text.as_bytes()[at..]) {
        let open = at + i;
        let inner = open + 2 + usize::from(text[open + 2..].starts_with('-'));
        match comment_end(text, inner) {
            Some(close) => {
                out.push(open..close + 2);
                at = close + 2;
            }
            None => at = open + 2,
        }
    }
    out
}

/// Where the `}}` closing an action that starts at `from` is, quotes
/// respected.
fn action_end(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    // From one quote or brace to the next: a chart's actions are most of
    // the bytes of its templates.
    loop {
        i += memchr::memchr3(b'"', b'`', b'}', bytes.get(i..)?)?;
        if i + 1 >= bytes.len() {
            return None;
        }
        match bytes[i] {
            b'"' => loop {
                i += 1;
                i += memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
                if bytes[i] == b'"' {
                    break;
                }
                // The escaped character is skipped.
                i += 1;
            },
            b'`' => {
                i += 1;
                i += memchr::memchr(b'`', bytes.get(i..)?)?;
            }
            b'}' if bytes[i + 1] == b'}' => return Some(i),
            _ => {}
        }
        i += 1;
    }
}

/// Parses a template file.
pub fn parse(text: &str) -> Template {
    let tokens = lex(text);
    let mut template = Template::default();
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        defines: &mut template.defines,
    };
    template.body = parser.block(0).0;
    template
}

/// Nesting beyond this is not a chart's template: read as opaque.
const MAX_NESTING: usize = 64;

struct Parser<'t> {
    tokens: &'t [Token<'t>],
    at: usize,
    defines: &'t mut Vec<(String, Vec<Node>)>,
}

/// How a block ended: `{{ end }}`, `{{ else ... }}`, or the file's end.
enum Stop {
    End,
    Else(String),
    Eof,
}

impl Parser<'_> {
    fn block(&mut self, depth: usize) -> (Vec<Node>, Stop) {
        let mut nodes = Vec::new();
        while let Some(token) = self.tokens.get(self.at) {
            self.at += 1;
            let action = match token {
                Token::Text(r) => {
                    nodes.push(Node::Text(r.clone()));
                    continue;
                }
                Token::Action(a) => *a,
            };
            let (word, rest) = split_word(action);
            match word {
                "end" => return (nodes, Stop::End),
                "else" => return (nodes, Stop::Else(rest.to_string())),
                _ if depth >= MAX_NESTING => nodes.push(Node::Opaque),
                "if" => nodes.push(self.if_chain(rest, depth)),
                "with" => {
                    let (body, stop) = self.block(depth + 1);
                    let otherwise = self.otherwise(stop, depth);
                    nodes.push(Node::With(Box::new(With {
                        pipe: expr::parse(rest),
                        body,
                        otherwise,
                    })));
                }
                "range" => {
                    let (vars, pipe) = range_head(rest);
                    let (body, stop) = self.block(depth + 1);
                    let otherwise = self.otherwise(stop, depth);
                    nodes.push(Node::Range(Box::new(RangeBlock {
                        vars,
                        pipe,
                        body,
                        otherwise,
                    })));
                }
                "define" | "block" => {
                    let (name, arg) = quoted_name(rest);
                    let (body, _) = self.block(depth + 1);
                    if word == "block" {
                        nodes.push(Node::Call {
                            name: name.as_str().into(),
                            arg: Some(expr::parse(arg)),
                        });
                    }
                    self.defines.push((name, body));
                }
                "template" => {
                    let (name, arg) = quoted_name(rest);
                    let arg = (!arg.trim().is_empty()).then(|| expr::parse(arg));
                    nodes.push(Node::Call {
                        name: name.into(),
                        arg,
                    });
                }
                "break" | "continue" => nodes.push(Node::Opaque),
                _ => nodes.push(statement(action)),
            }
        }
        (nodes, Stop::Eof)
    }

    /// `if` with its `else if` and `else` branches.
    fn if_chain(&mut self, condition: &str, depth: usize) -> Node {
        let mut branches = Vec::new();
        let mut condition = condition.to_string();
        loop {
            let (body, stop) = self.block(depth + 1);
            branches.push((expr::parse(&condition), body));
            match stop {
                Stop::Else(rest) => match split_word(&rest) {
                    ("if", c) => condition = c.to_string(),
                    _ => {
                        let (otherwise, _) = self.block(depth + 1);
                        return Node::If {
                            branches,
                            otherwise,
                        };
                    }
                },
                _ => {
                    return Node::If {
                        branches,
                        otherwise: Vec::new(),
                    }
                }
            }
        }
    }

    /// The `else` part of a `with` or `range` (`else with` chains are read
    /// as opaque: rare, and never seen around an image).
    fn otherwise(&mut self, stop: Stop, depth: usize) -> Vec<Node> {
        match stop {
            Stop::Else(rest) if rest.trim().is_empty() => self.block(depth + 1).0,
            Stop::Else(_) => {
                self.block(depth + 1);
                vec![Node::Opaque]
            }
            _ => Vec::new(),
        }
    }
}

/// An action that is not a keyword: an assignment or an output.
fn statement(action: &str) -> Node {
    if let Some(rest) = action.strip_prefix('$') {
        let name_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let after = rest[name_len..].trim_start();
        let var: Box<str> = format!("${}", &rest[..name_len]).into();
        if let Some(value) = after.strip_prefix(":=") {
            return Node::Assign {
                var,
                declare: true,
                pipe: expr::parse(value),
            };
        }
        if let Some(value) = after.strip_prefix('=').filter(|v| !v.starts_with('=')) {
            return Node::Assign {
                var,
                declare: false,
                pipe: expr::parse(value),
            };
        }
    }
    Node::Output(expr::parse(action))
}

/// `range $i, $v := pipeline` or `range pipeline`.
fn range_head(rest: &str) -> (Vec<String>, Pipe) {
    if let Some((vars, pipe)) = rest.split_once(":=") {
        let vars: Vec<String> = vars.split(',').map(|v| v.trim().to_string()).collect();
        if vars.iter().all(|v| v.starts_with('$')) {
            return (vars, expr::parse(pipe));
        }
    }
    (Vec::new(), expr::parse(rest))
}

/// `"name" rest` of `define`, `template`, `block`.
fn quoted_name(rest: &str) -> (String, &str) {
    let rest = rest.trim_start();
    let Some(body) = rest.strip_prefix('"') else {
        return (String::new(), rest);
    };
    match body.find('"') {
        Some(end) => (body[..end].to_string(), &body[end + 1..]),
        None => (String::new(), ""),
    }
}

fn split_word(action: &str) -> (&str, &str) {
    let action = action.trim();
    match action.find(|c: char| c.is_whitespace()) {
        Some(i) => (&action[..i], action[i..].trim_start()),
        None => (action, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Nodes and arguments stay small: a chart's templates hold a hundred
    /// thousand of each.
    #[test]
    fn nodes_are_small() {
        use std::mem::size_of;
        assert!(size_of::<Node>() <= 56, "{}", size_of::<Node>());
        assert!(size_of::<expr::Arg>() <= 40, "{}", size_of::<expr::Arg>());
    }

    /// `action_end` as it was written first, a byte at a time.
    fn action_end_bytewise(text: &str, from: usize) -> Option<usize> {
        let bytes = text.as_bytes();
        let mut i = from;
        while i + 1 < bytes.len() {
            match bytes[i] {
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                }
                b'`' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'`' {
                        i += 1;
                    }
                }
                b'}' if bytes[i + 1] == b'}' => return Some(i),
                _ => {}
            }
            i += 1;
        }
        None
    }

    proptest! {
        #[test]
        fn actions_end_where_a_byte_at_a_time_finds(
            // Quotes, escapes and braces, often together.
            text in r#"("|`|\}\}|\}|\\"|\\\\|a| ){0,16}"#,
            from in 0usize..24,
        ) {
            let from = from.min(text.len());
            prop_assert_eq!(action_end(&text, from), action_end_bytewise(&text, from));
        }
    }

    fn texts<'a>(src: &'a str, nodes: &[Node]) -> Vec<&'a str> {
        nodes
            .iter()
            .filter_map(|n| match n {
                Node::Text(r) => Some(&src[r.clone()]),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn trims_and_blocks() {
        let src = "a: 1\n{{- if .Values.x }}\n  b: {{ .Values.y }}\n{{- else }}\nc\n{{- end }}\n";
        let t = parse(src);
        assert_eq!(texts(src, &t.body), ["a: 1", "\n"]);
        let Node::If {
            branches,
            otherwise,
        } = &t.body[1]
        else {
            panic!("{:?}", t.body)
        };
        assert_eq!(texts(src, &branches[0].1), ["\n  b: "]);
        assert_eq!(texts(src, otherwise), ["\nc"]);
    }

    #[test]
    fn defines_and_comments() {
        let src = "{{/* c */}}{{- define \"x.image\" -}}\n{{ .a }}\n{{- end -}}\nimage: {{ include \"x.image\" . }}";
        let t = parse(src);
        assert_eq!(t.defines.len(), 1);
        assert_eq!(t.defines[0].0, "x.image");
        assert_eq!(texts(src, &t.body), ["image: "]);
    }

    #[test]
    fn comments_hold_anything() {
        // A commented-out pod: its quotes and actions are not read.
        let src =
            "a{{/*\nimage: busybox\nargs: ['{{ include \"x\" . }}']\n*/}}\nb {{- /* t */ -}}\n c";
        assert_eq!(texts(src, &parse(src).body), ["a", "\nb", "c"]);
        let ranges = comments(src);
        assert_eq!(ranges.len(), 2);
        assert!(src[ranges[0].clone()].ends_with("*/}}"));
        assert_eq!(&src[ranges[1].clone()], "{{- /* t */ -}}");
    }

    #[test]
    fn unclosed_and_quoted_braces() {
        let t = parse("{{ printf \"}}\" }}x{{ oops");
        assert!(matches!(t.body[0], Node::Output(_)));
        assert!(matches!(t.body.last(), Some(Node::Output(_))));
    }
}
