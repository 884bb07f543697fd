//! Shell-style variable expansion as Dockerfiles, compose and GitLab CI use
//! it: `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
//! `${NAME:+alt}`, `${NAME+alt}`, `${NAME:?error}` and `$$` where enabled.

/// What a variable is known to hold.
pub enum Value<'v> {
    Set(&'v str),
    /// Known to be unset or declared without a value: defaults apply.
    Unset,
    /// Set somewhere this tool cannot see (CI settings, runtime).
    Unknown,
    /// Leave the variable written as `${NAME}`: its meaning is handled later.
    Keep,
}

/// The variable that made an expansion unknowable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub variable: String,
}

pub struct Syntax {
    /// `$$` is a literal `$` (compose).
    pub dollar_escape: bool,
}

/// If `text` is exactly one variable (`$X` or `${X}`), its name.
pub fn sole_variable(text: &str) -> Option<&str> {
    let name = if let Some(inner) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
        inner
    } else {
        text.strip_prefix('$')?
    };
    (!name.is_empty() && name.bytes().all(is_name_byte) && !name.as_bytes()[0].is_ascii_digit())
        .then_some(name)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `text` with each placeholder written between `open` and `close`
/// (CircleCI's `<< x >>`, CloudFormation's `${x}`) replaced by what `value`
/// gives for its inside; the first reason it gives stands for the whole.
pub fn placeholders(
    text: &str,
    (open, close): (&str, &str),
    mut value: impl FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(open) {
        out.push_str(&rest[..at]);
        let after = &rest[at + open.len()..];
        let Some(end) = after.find(close) else {
            return Err(format!("`{text}` opens `{open}` without closing it"));
        };
        out.push_str(&value(&after[..end])?);
        rest = &after[end + close.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

pub fn expand<'v>(
    text: &str,
    syntax: &Syntax,
    lookup: &dyn Fn(&str) -> Value<'v>,
) -> Result<String, Unresolved> {
    expand_depth(text, syntax, lookup, 0)
}

fn expand_depth<'v>(
    text: &str,
    syntax: &Syntax,
    lookup: &dyn Fn(&str) -> Value<'v>,
    depth: usize,
) -> Result<String, Unresolved> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            let next = text[i..].find('$').map_or(text.len(), |n| i + n);
            out.push_str(&text[i..next]);
            i = next;
            continue;
        }
        if syntax.dollar_escape && bytes.get(i + 1) == Some(&b'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'{') {
            let Some(close) = matching_brace(bytes, i + 1) else {
                return Err(Unresolved {
                    variable: text[i..].to_string(),
                });
            };
            let inner = &text[i + 2..close];
            out.push_str(&braced(inner, syntax, lookup, depth)?);
            i = close + 1;
            continue;
        }
        let len = bytes[i + 1..]
            .iter()
            .take_while(|b| is_name_byte(**b))
            .count();
        if len == 0 {
            out.push('$');
            i += 1;
            continue;
        }
        let name = &text[i + 1..i + 1 + len];
        match lookup(name) {
            Value::Set(v) => out.push_str(v),
            Value::Keep => {
                out.push_str("${");
                out.push_str(name);
                out.push('}');
            }
            Value::Unset | Value::Unknown => {
                return Err(Unresolved {
                    variable: name.to_string(),
                })
            }
        }
        i += 1 + len;
    }
    Ok(out)
}

fn matching_brace(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn braced<'v>(
    inner: &str,
    syntax: &Syntax,
    lookup: &dyn Fn(&str) -> Value<'v>,
    depth: usize,
) -> Result<String, Unresolved> {
    let name_len = inner.bytes().take_while(|b| is_name_byte(*b)).count();
    let name = &inner[..name_len];
    let rest = &inner[name_len..];
    let unresolved = || {
        Err(Unresolved {
            variable: name.to_string(),
        })
    };
    if name.is_empty() || depth > 8 {
        return Err(Unresolved {
            variable: inner.to_string(),
        });
    }
    let value = lookup(name);
    if let Value::Keep = value {
        return if rest.is_empty() {
            Ok(format!("${{{name}}}"))
        } else {
            unresolved()
        };
    }
    let word = |w: &str| expand_depth(w, syntax, lookup, depth + 1);
    let (op, arg) = ["-", ":-", "+", ":+", "?", ":?"]
        .iter()
        .filter_map(|op| rest.strip_prefix(op).map(|arg| (*op, arg)))
        .max_by_key(|(op, _)| op.len())
        .unwrap_or(("", rest));
    if op.is_empty() && !rest.is_empty() {
        // `${X/a/b}`, `${X#p}` and other shell forms are not evaluated.
        return unresolved();
    }
    match (value, op) {
        (Value::Unknown, _) => unresolved(),
        (Value::Set(v), "" | "-" | "?") => Ok(v.to_string()),
        (Value::Set(v), ":-" | ":?") if !v.is_empty() => Ok(v.to_string()),
        (Value::Set(_), ":-") => word(arg),
        (Value::Set(_), ":?") => unresolved(),
        (Value::Set(""), ":+") => Ok(String::new()),
        (Value::Set(_), "+" | ":+") => word(arg),
        (Value::Unset, "-" | ":-") => word(arg),
        (Value::Unset, "+" | ":+") => Ok(String::new()),
        (Value::Unset, _) => unresolved(),
        _ => unresolved(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_until_one_is_unknown() {
        let upper = |x: &str| Ok(x.trim().to_uppercase());
        assert_eq!(
            placeholders("a<< b >>c<<d>>", ("<<", ">>"), upper),
            Ok("aBcD".into())
        );
        assert_eq!(
            placeholders("plain", ("${", "}"), upper),
            Ok("plain".into())
        );
        assert_eq!(
            placeholders("x${a", ("${", "}"), upper),
            Err("`x${a` opens `${` without closing it".into())
        );
        let unknown = |x: &str| Err::<String, _>(format!("no {x}"));
        assert_eq!(
            placeholders("${a}${b}", ("${", "}"), unknown),
            Err("no a".into())
        );
    }

    const COMPOSE: Syntax = Syntax {
        dollar_escape: true,
    };

    fn run(text: &str) -> Result<String, Unresolved> {
        expand(text, &COMPOSE, &|name| match name {
            "SET" => Value::Set("v1"),
            "EMPTY" => Value::Set(""),
            "PROXY" => Value::Keep,
            "CI" => Value::Unknown,
            _ => Value::Unset,
        })
    }

    #[test]
    fn defaults_and_escapes() {
        assert_eq!(run("a:${SET}").unwrap(), "a:v1");
        assert_eq!(run("a:$SET-x").unwrap(), "a:v1-x");
        assert_eq!(run("a:${NOPE:-20}-alpine").unwrap(), "a:20-alpine");
        assert_eq!(run("postgres:${EMPTY-16}").unwrap(), "postgres:");
        assert_eq!(run("postgres:${EMPTY:-16}").unwrap(), "postgres:16");
        assert_eq!(run("${NOPE:-}library/redis").unwrap(), "library/redis");
        assert_eq!(run("my:$${TAG}").unwrap(), "my:${TAG}");
        assert_eq!(run("${PROXY}/python").unwrap(), "${PROXY}/python");
        assert_eq!(run("$PROXY/python").unwrap(), "${PROXY}/python");
        assert!(run("${IMAGE:?must be set}").is_err());
        assert!(run("$NOPE").is_err());
        assert!(run("x:${CI:-1}").is_err());
        assert_eq!(sole_variable("${BASE}"), Some("BASE"));
        assert_eq!(sole_variable("$BASE"), Some("BASE"));
        assert_eq!(sole_variable("${BASE}:1"), None);
    }
}
