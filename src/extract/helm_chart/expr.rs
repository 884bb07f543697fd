//! Pipelines inside template actions: `.Values.image.tag | default
//! .Chart.AppVersion`, `printf "%s:%s" $repo (include "x" .)`.

/// Commands joined by `|`: each result is the last argument of the next.
/// Each command is a function and its arguments, or one operand alone;
/// all their arguments are in one list, commands parted by
/// [`Arg::Then`] (a chart's templates hold tens of thousands of pipes,
/// each kept at its exact size: most have one to three arguments).
#[derive(Debug, Clone, Default)]
pub struct Pipe(Box<[Arg]>);

impl Pipe {
    /// The commands in order, each its arguments.
    pub fn commands(&self) -> impl Iterator<Item = &[Arg]> {
        self.0.split(|a| matches!(a, Arg::Then))
    }
}

#[derive(Debug, Clone)]
pub enum Arg {
    Str(String),
    Int(i64),
    Bool(bool),
    Nil,
    /// `.a.b` (empty for `.` itself).
    Field(FieldPath),
    /// `$x.a.b`; `$` alone is the template's argument.
    Var(Box<str>, FieldPath),
    /// A function name.
    Func(String),
    /// `( pipeline )`, maybe followed by `.a.b`.
    Group(Pipe, FieldPath),
    /// Something not understood.
    Bad,
    /// Where one command of a pipe ends and the next begins.
    Then,
}

/// Field names as written (`.a.b`): one string however many names, as a
/// chart's templates hold tens of thousands of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldPath(Box<str>);

impl FieldPath {
    fn of(written: &str) -> FieldPath {
        FieldPath(written.into())
    }

    /// The names in order; `.` alone has none.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.split('.').filter(|s| !s.is_empty())
    }
}

/// Parses a pipeline; what cannot be read becomes `Arg::Bad`.
pub fn parse(text: &str) -> Pipe {
    let mut lexer = Lexer {
        text,
        at: 0,
        peeked: None,
    };
    pipe(&mut lexer, 0)
}

/// A lexed piece of a pipeline; words are slices of its text, and only
/// quoted strings (escapes undone) are copied.
#[derive(Debug, PartialEq)]
enum Tok<'t> {
    Word(&'t str),
    Str(String),
    Open,
    Close,
    /// `.a.b` written against a `)`: a field of the group's value.
    GroupField(&'t str),
    Bar,
}

/// The pieces of a pipeline one at a time, read as bytes: the template
/// language's white space, brackets, bars and quotes are all ASCII.
struct Lexer<'t> {
    text: &'t str,
    at: usize,
    /// A piece read ahead (the `.a.b` after a `)`).
    peeked: Option<Tok<'t>>,
}

impl<'t> Lexer<'t> {
    fn next(&mut self) -> Option<Tok<'t>> {
        if let Some(tok) = self.peeked.take() {
            return Some(tok);
        }
        let bytes = self.text.as_bytes();
        while bytes.get(self.at).is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
        let b = *bytes.get(self.at)?;
        self.at += 1;
        Some(match b {
            b'(' => Tok::Open,
            b')' => {
                if bytes.get(self.at) == Some(&b'.') {
                    let start = self.at;
                    self.at = self.word_end();
                    self.peeked = Some(Tok::GroupField(&self.text[start..self.at]));
                }
                Tok::Close
            }
            b'|' => Tok::Bar,
            b'"' => Tok::Str(self.quoted()),
            b'`' => {
                let start = self.at;
                let end = memchr::memchr(b'`', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                self.at = (end + 1).min(bytes.len());
                Tok::Str(self.text[start..end].to_string())
            }
            _ => {
                let start = self.at - 1;
                self.at = self.word_end();
                Tok::Word(&self.text[start..self.at])
            }
        })
    }

    /// Where the word at `at` ends: at white space, a bracket, a bar or a
    /// quote.
    fn word_end(&self) -> usize {
        let bytes = self.text.as_bytes();
        let stop =
            |b: &u8| b.is_ascii_whitespace() || matches!(b, b'(' | b')' | b'|' | b'"' | b'`');
        bytes[self.at..]
            .iter()
            .position(stop)
            .map_or(bytes.len(), |i| self.at + i)
    }

    /// A `"` string's text, escapes undone; `at` just past its opening.
    fn quoted(&mut self) -> String {
        let bytes = self.text.as_bytes();
        let mut s = String::new();
        let mut from = self.at;
        while let Some(i) = memchr::memchr2(b'"', b'\\', &bytes[self.at..]) {
            let at = self.at + i;
            s.push_str(&self.text[from..at]);
            if bytes[at] == b'"' {
                self.at = at + 1;
                return s;
            }
            // An escape: the character after the backslash, whole.
            let Some(c) = self.text[at + 1..].chars().next() else {
                self.at = bytes.len();
                return s;
            };
            s.push(match c {
                'n' => '\n',
                't' => '\t',
                other => other,
            });
            self.at = at + 1 + c.len_utf8();
            from = self.at;
        }
        s.push_str(&self.text[from..]);
        self.at = bytes.len();
        s
    }
}

const MAX_GROUPS: usize = 32;

fn pipe(lexer: &mut Lexer, depth: usize) -> Pipe {
    let mut args = Vec::new();
    while let Some(tok) = lexer.next() {
        match tok {
            Tok::Close => break,
            Tok::Bar => args.push(Arg::Then),
            Tok::Open if depth < MAX_GROUPS => {
                let inner = pipe(lexer, depth + 1);
                // `(...).a.b`
                let path = match lexer.peeked {
                    Some(Tok::GroupField(w)) => {
                        lexer.peeked = None;
                        FieldPath::of(w)
                    }
                    _ => FieldPath::default(),
                };
                args.push(Arg::Group(inner, path));
            }
            Tok::Open | Tok::GroupField(_) => args.push(Arg::Bad),
            Tok::Str(s) => args.push(Arg::Str(s)),
            Tok::Word(w) => args.push(word(w)),
        }
    }
    Pipe(args.into_boxed_slice())
}

fn word(w: &str) -> Arg {
    match w {
        "true" => Arg::Bool(true),
        "false" => Arg::Bool(false),
        "nil" => Arg::Nil,
        _ if w.starts_with('.') => Arg::Field(FieldPath::of(w)),
        _ if w.starts_with('$') => {
            let (name, path) = match w.find('.') {
                Some(i) => (&w[..i], FieldPath::of(&w[i..])),
                None => (w, FieldPath::default()),
            };
            Arg::Var(name.into(), path)
        }
        _ if w.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
            w.parse().map(Arg::Int).unwrap_or(Arg::Bad)
        }
        _ if w.chars().all(|c| c.is_alphanumeric() || c == '_') => Arg::Func(w.to_string()),
        _ => Arg::Bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(path: &FieldPath) -> Vec<&str> {
        path.names().collect()
    }

    fn commands(p: &Pipe) -> Vec<&[Arg]> {
        p.commands().collect()
    }

    #[test]
    fn pipelines() {
        let p = parse(r#".Values.image.tag | default .Chart.AppVersion"#);
        assert_eq!(commands(&p).len(), 2);
        assert!(
            matches!(&commands(&p)[0][0], Arg::Field(f) if names(f) == ["Values", "image", "tag"])
        );
        assert!(matches!(&commands(&p)[1][0], Arg::Func(f) if f == "default"));
        let p = parse(r#"printf "%s:%s" $repo (include "x.tag" $) "#);
        let args = commands(&p)[0];
        assert_eq!(args.len(), 4);
        assert!(matches!(&args[2], Arg::Var(v, p) if &**v == "$repo" && names(p).is_empty()));
        assert!(matches!(&args[3], Arg::Group(g, _) if commands(g)[0].len() == 3));
        let p = parse("(.Values.x).y");
        assert!(matches!(&commands(&p)[0][0], Arg::Group(_, path) if names(path) == ["y"]));
        // A field after a space is an argument of its own.
        let p = parse(r#"default (printf "v%s" .Chart.AppVersion) .Values.image.tag"#);
        assert_eq!(commands(&p)[0].len(), 3);
        assert!(matches!(&commands(&p)[0][1], Arg::Group(_, path) if names(path).is_empty()));
    }

    #[test]
    fn strings_and_words() {
        let p = parse("printf \"a\\\"b\\n\\é\" `raw \\n` \"open");
        let args = commands(&p)[0];
        assert_eq!(args.len(), 4);
        assert!(matches!(&args[1], Arg::Str(s) if s == "a\"b\né"));
        assert!(matches!(&args[2], Arg::Str(s) if s == "raw \\n"));
        assert!(matches!(&args[3], Arg::Str(s) if s == "open"));
        // Words end at brackets, bars and quotes; a non-ASCII word is one.
        let p = parse("(.a)|quote\t.Values.é.x");
        assert_eq!(commands(&p).len(), 2);
        assert!(matches!(&commands(&p)[1][1], Arg::Field(f) if names(f) == ["Values", "é", "x"]));
        let p = parse("(.a).b.c)");
        assert!(matches!(&commands(&p)[0][0], Arg::Group(_, path) if names(path) == ["b", "c"]));
    }
}
