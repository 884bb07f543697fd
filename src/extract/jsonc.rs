//! JSON with comments (`devcontainer.json`), read by the YAML layer: JSON
//! is YAML's flow syntax once its comments and trailing commas are gone.
//! Those, and tabs outside strings (YAML refuses a tab where JSON allows
//! one), are turned into spaces, so every byte keeps its offset and spans
//! point into the text as written.

/// `text` with comments, trailing commas and tabs outside strings blanked.
pub(crate) fn blanked(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    // Where the last comma outside a string is, if only blanks followed.
    let mut comma: Option<usize> = None;
    while i < b.len() {
        match b[i] {
            b'"' => {
                comma = None;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                blank(&mut out, i, end);
                i = end;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end =
                    memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |n| i + 2 + n + 2);
                blank(&mut out, i, end);
                i = end;
                continue;
            }
            b'\t' => out[i] = b' ',
            b',' => comma = Some(i),
            b'}' | b']' => {
                if let Some(c) = comma.take() {
                    out[c] = b' ';
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => comma = None,
        }
        i += 1;
    }
    // Only ASCII bytes were replaced, by spaces: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Blanks `from..to` of `out` but its line breaks.
fn blank(out: &mut [u8], from: usize, to: usize) {
    let to = to.min(out.len());
    for c in &mut out[from..to] {
        if *c != b'\n' && *c != b'\r' {
            *c = b' ';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::blanked;

    #[test]
    fn comments_trailing_commas_and_tabs_become_spaces() {
        let text = "{\n\t// a comment, \"not a string\n\t\"image\": \"a//b\", /* c */\n\t\"x\": [1, 2,],\n}";
        let want = format!(
            "{{\n{}\n \"image\": \"a//b\",        \n \"x\": [1, 2 ] \n}}",
            " ".repeat(28)
        );
        assert_eq!(blanked(text), want);
        assert_eq!(blanked(text).len(), text.len());
        // Odd text never panics, and keeps its length.
        for odd in ["\"", "/*", "\"\\", "é//é\n", ",]", "/"] {
            assert_eq!(blanked(odd).len(), odd.len());
        }
    }
}
