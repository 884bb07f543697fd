//! Jenkinsfiles: the declarative `agent { docker { image '...' } }` (and
//! its short form `agent { docker 'node:20' }`, and `dockerContainer`), and
//! the scripted `docker.image('...')`. Only string literals are read, at
//! their exact bytes: a Groovy string holding `$` is interpolated when the
//! pipeline runs, so it is unresolved. The text is read as Groovy tokens, so
//! `docker` inside a shell string or a comment is not a call.

use super::{Env, Occurrence, RefText};
use crate::source::{LineIndex, Span};

pub(crate) fn extract(text: &str, _lines: &LineIndex, _env: &Env) -> Vec<Occurrence> {
    let tokens = lex(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Tok::Word(w) = tokens[i].tok {
            if w == "docker" || w == "dockerContainer" {
                i = after_docker(text, &tokens, i, &mut out);
                continue;
            }
        }
        i += 1;
    }
    out
}

/// What follows `docker` at `at`: `.image(...)`, a string, or a block;
/// the index to go on from.
fn after_docker(text: &str, tokens: &[Token], at: usize, out: &mut Vec<Occurrence>) -> usize {
    let next = |k: usize| tokens.get(at + k).map(|t| &t.tok);
    match (next(1), next(2), next(3), next(4)) {
        (
            Some(Tok::Punct(b'.')),
            Some(Tok::Word("image")),
            Some(Tok::Punct(b'(')),
            Some(Tok::Str),
        ) if tokens[at].tok == Tok::Word("docker") => {
            push(text, &tokens[at + 4], "docker.image()", out);
            at + 5
        }
        (Some(Tok::Str), ..) => {
            push(text, &tokens[at + 1], "agent docker", out);
            at + 2
        }
        (Some(Tok::Punct(b'(')), Some(Tok::Str), ..) => {
            push(text, &tokens[at + 2], "agent docker", out);
            at + 3
        }
        (Some(Tok::Punct(b'{')), ..) => {
            // The block's own `image`, at its first level.
            let mut depth = 0usize;
            let mut k = at + 1;
            while let Some(t) = tokens.get(k) {
                match t.tok {
                    Tok::Punct(b'{') => depth += 1,
                    Tok::Punct(b'}') => {
                        depth -= 1;
                        if depth == 0 {
                            return k + 1;
                        }
                    }
                    Tok::Word("image") if depth == 1 => {
                        let s = match tokens.get(k + 1).map(|t| &t.tok) {
                            Some(Tok::Punct(b'(')) => k + 2,
                            _ => k + 1,
                        };
                        if tokens.get(s).is_some_and(|t| t.tok == Tok::Str) {
                            push(text, &tokens[s], "agent docker { image }", out);
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            k
        }
        _ => at + 1,
    }
}

/// The string token `t` as a reference: its content, exact unless it has
/// escapes, unresolved when Groovy interpolates it.
fn push(text: &str, t: &Token, context: &str, out: &mut Vec<Occurrence>) {
    let content = &text[t.inner.clone()];
    let interpolated = t.double && content.contains('$');
    let (text, exact) = if interpolated {
        let why = format!("`{content}`: interpolated by Groovy when the pipeline runs");
        (RefText::Unresolved(why), false)
    } else {
        (
            RefText::Resolved(content.to_string()),
            !content.contains('\\'),
        )
    };
    let span = Span::new(t.inner.start, t.inner.end);
    out.push(Occurrence::new(span, text, context.into(), exact));
}

#[derive(Debug, PartialEq)]
enum Tok<'t> {
    Word(&'t str),
    Punct(u8),
    Str,
}

struct Token<'t> {
    tok: Tok<'t>,
    /// A string's content, inside its quotes.
    inner: std::ops::Range<usize>,
    /// A double-quoted (interpolated) string.
    double: bool,
}

/// Groovy's words, strings and punctuation; comments and blanks dropped.
fn lex(text: &str) -> Vec<Token<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
        } else if b[i..].starts_with(b"/*") {
            i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |n| i + 2 + n + 2);
        } else if c == b'\'' || c == b'"' {
            let triple = b[i..].starts_with(&[c, c, c]);
            let open = if triple { 3 } else { 1 };
            let start = i + open;
            let mut k = start;
            let end = loop {
                match b.get(k) {
                    None => break b.len(),
                    Some(b'\\') => k += 2,
                    Some(&q) if q == c && (!triple || b[k..].starts_with(&[c, c, c])) => break k,
                    // A single-line string ends at its line's end, closed or not.
                    Some(b'\n') if !triple => break k,
                    Some(_) => k += 1,
                }
            };
            let end = end.min(b.len());
            out.push(Token {
                tok: Tok::Str,
                inner: start..end,
                double: c == b'"',
            });
            i = (end + open).min(b.len());
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Word(&text[start..i]),
                inner: start..i,
                double: false,
            });
        } else {
            if c.is_ascii() {
                out.push(Token {
                    tok: Tok::Punct(c),
                    inner: i..i + 1,
                    double: false,
                });
            }
            // Past the whole character, so no slice cuts one.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, Option<String>)> {
        crate::extract::found_in(extract, text)
    }

    #[test]
    fn docker_agents_and_calls_as_string_literals() {
        let text = r#"
pipeline {
  agent { docker { image 'maven:3.9'; args '-v /tmp:/tmp' } }
  stages {
    stage('a') {
      agent { docker "node:${V}" }
      steps { sh 'docker run image alpine:3' } // docker 'not:1'
    }
    stage('b') { agent { docker(image: 'x') } }
  }
}
/* docker.image('commented:1') */
docker.image("golang:1.22").inside { sh "docker.image('no:1')" }
dockerContainer { image('python:3.12') }
"#;
        assert_eq!(
            found(text),
            [
                ("maven:3.9".into(), Some("maven:3.9".into())),
                ("node:${V}".into(), None),
                ("golang:1.22".into(), Some("golang:1.22".into())),
                ("python:3.12".into(), Some("python:3.12".into())),
            ]
        );
    }

    proptest::proptest! {
        /// Any text: no panic, and every span is a string of it.
        #[test]
        fn spans_are_slices_of_any_text(text in r#"(docker|image|\.|\(|\)|\{|\}|'|"|'''|\\|//|/\*|\*/|\n|é| |a|\$)*"#) {
            found(&text);
        }
    }

    #[test]
    fn odd_text_never_panics() {
        for text in [
            "docker",
            "docker {",
            "docker.image(",
            "'",
            "\"\"\"",
            "docker 'é",
            "/*",
            "é docker",
        ] {
            found(text);
        }
    }
}
