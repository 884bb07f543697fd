//! The `.env` file Compose reads from the project folder for interpolation:
//! `KEY=value` lines, `export ` allowed, `#` comments, values in double
//! quotes (with `\n`, `\"`, `\\` escapes), single quotes (literal) or bare
//! (up to a ` #` comment, trimmed). A bare or double-quoted value may use
//! the keys above it: `R=${REG}/x`.

use super::interpolate::{expand, Syntax, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The `.env` beside `compose_file`, if it is a regular file (a symlink is
/// not followed) of reasonable size.
pub fn beside(compose_file: &Path) -> BTreeMap<String, String> {
    let Some(path) = compose_file.parent().map(|d| d.join(".env")) else {
        return BTreeMap::new();
    };
    crate::side_file::read_unlinked(&path)
        .map(|text| parse(&text))
        .unwrap_or_default()
}

pub fn parse(text: &str) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let raw = raw.trim_start();
        let value = if let Some(inner) = quoted(raw, '\'') {
            inner.to_string()
        } else if let Some(inner) = quoted(raw, '"') {
            interpolate(&unescape(inner), &vars)
        } else {
            let bare = match raw.find(" #") {
                Some(i) => &raw[..i],
                None => raw,
            };
            interpolate(bare.trim_end(), &vars)
        };
        vars.insert(key.to_string(), value);
    }
    vars
}

/// The text inside a leading pair of `q` quotes (what follows the closing
/// quote, a comment, is dropped).
fn quoted(raw: &str, q: char) -> Option<&str> {
    let rest = raw.strip_prefix(q)?;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match c {
            '\\' if q == '"' && !escaped => escaped = true,
            c if c == q && !escaped => return Some(&rest[..i]),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// `${KEY}` of keys defined above; a value that cannot be expanded is kept
/// as written.
fn interpolate(value: &str, vars: &BTreeMap<String, String>) -> String {
    if !value.contains('$') {
        return value.to_string();
    }
    let syntax = Syntax {
        dollar_escape: true,
    };
    let lookup = |name: &str| match vars.get(name) {
        Some(v) => Value::Set(v),
        None => Value::Unset,
    };
    expand(value, &syntax, &lookup).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_dotenv_forms() {
        let vars = parse(
            "# comment\n\
             export REG=registry.corp.example\n\
             TAG=\"1.25\" # note\n\
             Q='a ${REG} b'\n\
             R=${REG}/x # trailing\n\
             E=\"say \\\"hi\\\"\"\n\
             \n\
             not a line\n",
        );
        assert_eq!(vars["REG"], "registry.corp.example");
        assert_eq!(vars["TAG"], "1.25");
        assert_eq!(vars["Q"], "a ${REG} b");
        assert_eq!(vars["R"], "registry.corp.example/x");
        assert_eq!(vars["E"], "say \"hi\"");
        assert_eq!(vars.len(), 5);
    }
}
