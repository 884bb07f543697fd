//! Pipelines inside template actions: `.Values.image.tag | default
//! .Chart.AppVersion`, `printf "%s:%s" $repo (include "x" .)`.

/// Commands joined by `|`: each result is the last argument of the next.
#[derive(Debug, Clone, Default)]
pub struct Pipe(pub Vec<Command>);

/// A function and its arguments, or one operand alone.
#[derive(Debug, Clone)]
pub struct Command(pub Vec<Arg>);

#[derive(Debug, Clone)]
pub enum Arg {
    Str(String),
    Int(i64),
    Bool(bool),
    Nil,
    /// `.a.b` (empty for `.` itself).
    Field(FieldPath),
    /// `$x.a.b`; `$` alone is the template's argument.
    Var(String, FieldPath),
    /// A function name.
    Func(String),
    /// `( pipeline )`, maybe followed by `.a.b`.
    Group(Pipe, FieldPath),
    /// Something not understood.
    Bad,
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
    let mut tokens = tokens(text);
    let mut at = 0;
    pipe(&mut tokens, &mut at, 0)
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

fn tokens(text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Tok::Open);
            }
            ')' => {
                chars.next();
                out.push(Tok::Close);
                if let Some(&(start, '.')) = chars.peek() {
                    let end = word_end(text, &mut chars);
                    out.push(Tok::GroupField(&text[start..end]));
                }
            }
            '|' => {
                chars.next();
                out.push(Tok::Bar);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next().map(|(_, c)| c) {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(other) => s.push(other),
                            None => {}
                        },
                        c => s.push(c),
                    }
                }
                out.push(Tok::Str(s));
            }
            '`' => {
                chars.next();
                let mut s = String::new();
                for (_, c) in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                    s.push(c);
                }
                out.push(Tok::Str(s));
            }
            _ => {
                let end = word_end(text, &mut chars);
                out.push(Tok::Word(&text[i..end]));
            }
        }
    }
    out
}

/// Consumes a word (up to white space, a bracket, a bar or a quote) and
/// gives where it ends.
fn word_end(text: &str, chars: &mut std::iter::Peekable<std::str::CharIndices>) -> usize {
    while let Some(&(j, c)) = chars.peek() {
        if c.is_whitespace() || matches!(c, '(' | ')' | '|' | '"' | '`') {
            return j;
        }
        chars.next();
    }
    text.len()
}

const MAX_GROUPS: usize = 32;

fn pipe(tokens: &mut [Tok], at: &mut usize, depth: usize) -> Pipe {
    let mut commands = Vec::new();
    let mut args = Vec::new();
    while let Some(tok) = tokens.get_mut(*at) {
        *at += 1;
        match tok {
            Tok::Close => break,
            Tok::Bar => commands.push(Command(std::mem::take(&mut args))),
            Tok::Open if depth < MAX_GROUPS => {
                let inner = pipe(tokens, at, depth + 1);
                // `(...).a.b`
                let path = match tokens.get(*at) {
                    Some(Tok::GroupField(w)) => {
                        *at += 1;
                        FieldPath::of(w)
                    }
                    _ => FieldPath::default(),
                };
                args.push(Arg::Group(inner, path));
            }
            Tok::Open | Tok::GroupField(_) => args.push(Arg::Bad),
            Tok::Str(s) => args.push(Arg::Str(std::mem::take(s))),
            Tok::Word(w) => args.push(word(w)),
        }
    }
    commands.push(Command(args));
    Pipe(commands)
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
            Arg::Var(name.to_string(), path)
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

    #[test]
    fn pipelines() {
        let p = parse(r#".Values.image.tag | default .Chart.AppVersion"#);
        assert_eq!(p.0.len(), 2);
        assert!(matches!(&p.0[0].0[0], Arg::Field(f) if names(f) == ["Values", "image", "tag"]));
        assert!(matches!(&p.0[1].0[0], Arg::Func(f) if f == "default"));
        let p = parse(r#"printf "%s:%s" $repo (include "x.tag" $) "#);
        let args = &p.0[0].0;
        assert_eq!(args.len(), 4);
        assert!(matches!(&args[2], Arg::Var(v, p) if v == "$repo" && names(p).is_empty()));
        assert!(matches!(&args[3], Arg::Group(g, _) if g.0[0].0.len() == 3));
        let p = parse("(.Values.x).y");
        assert!(matches!(&p.0[0].0[0], Arg::Group(_, path) if names(path) == ["y"]));
        // A field after a space is an argument of its own.
        let p = parse(r#"default (printf "v%s" .Chart.AppVersion) .Values.image.tag"#);
        assert_eq!(p.0[0].0.len(), 3);
        assert!(matches!(&p.0[0].0[1], Arg::Group(_, path) if names(path).is_empty()));
    }
}
