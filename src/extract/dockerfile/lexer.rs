//! The Dockerfile lexer, as BuildKit reads a file: parser directives at the
//! top, line continuations with the `# escape=` character, comments inside
//! continued lines, heredoc bodies skipped. It knows nothing of images: it
//! hands the extractor directives and whole (logical) instructions.

use crate::source::{LineIndex, Span};
use regex::Regex;
use std::sync::OnceLock;

/// A parser directive (`# syntax=...`), with the span of its value.
pub(super) struct Directive<'t> {
    /// Lowercased, as BuildKit compares them.
    pub name: String,
    pub value: &'t str,
    pub value_span: Span,
}

/// What the lexer reads from a file.
pub(super) struct Lexed<'t> {
    pub directives: Vec<Directive<'t>>,
    pub instructions: Vec<Logical>,
}

/// One instruction, joined from its physical lines.
pub(super) struct Logical {
    pub text: String,
    /// (offset in `text`, offset in the file) where each piece starts.
    pieces: Vec<(usize, usize)>,
}

impl Logical {
    fn file_offset(&self, at: usize) -> usize {
        let i = match self.pieces.binary_search_by_key(&at, |p| p.0) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let (joined, file) = self.pieces[i];
        file + (at - joined)
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        let s = self.file_offset(start);
        let e = if end > start {
            self.file_offset(end - 1) + 1
        } else {
            s
        };
        Span::new(s, e)
    }

    /// Whitespace-separated words with their offsets in `text`.
    pub fn words(&self) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in self.text.char_indices() {
            if c.is_whitespace() {
                if let Some(s) = start.take() {
                    out.push((s, &self.text[s..i]));
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            out.push((s, &self.text[s..]));
        }
        out
    }
}

/// BuildKit allows blanks before the `#` of a directive.
fn directive_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[ \t]*#[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(.*?)[ \t]*$").unwrap()
    })
}

fn heredoc_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"<<(-?)(?:"([^"\s]+)"|'([^'\s]+)'|([A-Za-z_][A-Za-z0-9_]*))"#).unwrap()
    })
}

pub(super) fn lex<'t>(text: &'t str, lines: &LineIndex) -> Lexed<'t> {
    let mut escape = '\\';
    let n = lines.line_count();
    // A UTF-8 byte order mark is not part of the first line, as BuildKit
    // reads it.
    let line_text = |i: usize| {
        let r = lines.line_range(text, i);
        match text[r.clone()].strip_prefix('\u{feff}') {
            Some(rest) if i == 0 => (r.start + 3, rest),
            _ => (r.start, &text[r]),
        }
    };

    // Parser directives: only at the very top, before any blank line,
    // other comment or instruction.
    let mut directives = Vec::new();
    let mut first = 0;
    while first < n {
        let (start, line) = line_text(first);
        let Some(c) = directive_re().captures(line) else {
            break;
        };
        let (name, value) = (c.get(1).unwrap(), c.get(2).unwrap());
        let name = name.as_str().to_ascii_lowercase();
        if name == "escape" && value.as_str() == "`" {
            escape = '`';
        }
        directives.push(Directive {
            name,
            value: &line[value.range()],
            value_span: Span::new(start + value.start(), start + value.end()),
        });
        first += 1;
    }

    let mut instructions = Vec::new();
    let mut i = first;
    let mut current: Option<Logical> = None;
    while i < n {
        let (start, line) = line_text(i);
        i += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            // Blank lines and comments never end an instruction.
            continue;
        }
        let logical = current.get_or_insert_with(|| Logical {
            text: String::new(),
            pieces: Vec::new(),
        });
        let body = line.trim_end();
        let continued = body.ends_with(escape);
        let piece = if continued {
            &body[..body.len() - escape.len_utf8()]
        } else {
            line
        };
        logical.pieces.push((logical.text.len(), start));
        logical.text.push_str(piece);
        if continued {
            logical.text.push(' ');
            // A space was added that is not in the file: map it to the
            // escape character so spans never run past the piece.
            logical
                .pieces
                .push((logical.text.len() - 1, start + piece.len()));
            continue;
        }
        let logical = current.take().expect("set above");
        i = skip_heredocs(&logical, i, n, &line_text);
        instructions.push(logical);
    }
    if let Some(logical) = current.take() {
        instructions.push(logical);
    }
    Lexed {
        directives,
        instructions,
    }
}

/// Heredoc bodies (`RUN <<EOF`) are data, not instructions: returns the
/// line after the last terminator.
fn skip_heredocs<'t>(
    logical: &Logical,
    mut next: usize,
    n: usize,
    line_text: &dyn Fn(usize) -> (usize, &'t str),
) -> usize {
    let keyword = logical
        .text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if !matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
        return next;
    }
    for c in heredoc_re().captures_iter(&logical.text) {
        let strip_tabs = !c[1].is_empty();
        let word = c
            .get(2)
            .or(c.get(3))
            .or(c.get(4))
            .map_or("", |m| m.as_str());
        while next < n {
            let (_, line) = line_text(next);
            next += 1;
            let line = if strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if line == word {
                break;
            }
        }
    }
    next
}
