//! Podman quadlets (`*.container`, `*.image`): `Image=` in the
//! `[Container]` and `[Image]` sections, systemd unit syntax. A value
//! naming another quadlet (`web.image`, `app.build`) is that unit's image,
//! not a pull, and is skipped; one holding a systemd specifier (`%i`) or a
//! variable (`$`) is known only when the unit runs: unresolved.

use super::{Env, Occurrence, RefText};
use crate::source::{LineIndex, Span};

const SECTIONS: [&str; 2] = ["[Container]", "[Image]"];

pub(crate) fn extract(text: &str, lines: &LineIndex, _env: &Env) -> Vec<Occurrence> {
    let mut out = Vec::new();
    let mut section = "";
    for i in 0..lines.line_count() {
        let range = lines.line_range(text, i);
        let line = &text[range.clone()];
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed;
            continue;
        }
        if !SECTIONS.contains(&section) {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        if key.trim_end() != "Image" {
            continue;
        }
        // The value's bytes: blanks around it, and one pair of quotes, are
        // not part of it (systemd unquotes a value written in quotes).
        let at = range.start + (line.len() - line.trim_start().len()) + key.len() + 1;
        let lead = value.len() - value.trim_start().len();
        let mut value = value.trim();
        let mut start = at + lead;
        if value.len() >= 2
            && (value.starts_with('"') && value.ends_with('"')
                || value.starts_with('\'') && value.ends_with('\''))
        {
            value = &value[1..value.len() - 1];
            start += 1;
        }
        if value.is_empty() || value.ends_with(".image") || value.ends_with(".build") {
            continue;
        }
        let context = format!("{section} Image=");
        let span = Span::new(start, start + value.len());
        let (text, exact) = if value.contains(['%', '$']) {
            let why = format!(
                "`{value}`: a systemd specifier or variable, known only when the unit runs"
            );
            (RefText::Unresolved(why), false)
        } else {
            (RefText::Resolved(value.to_string()), true)
        };
        out.push(Occurrence::new(span, text, context, exact));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, Option<String>)> {
        crate::extract::found_in(extract, text)
    }

    proptest::proptest! {
        /// Any text: no panic, and every span is a slice of it.
        #[test]
        fn spans_are_slices_of_any_text(text in r#"(\[Container\]|\[Image\]|Image|=|"|'|\r|\n| |é|%|a)*"#) {
            found(&text);
        }
    }

    #[test]
    fn image_keys_of_the_two_sections_only() {
        let text = "[Unit]\nImage=unit:1\n[Container]\n  Image = \"nginx:1\"  \r\n;Image=c:1\n\
                    Image='a b'\n[Service]\nImage=svc:1\n[Image]\nImage=alpine:3\nImage=x.build\n\
                    [Container]\nImage=q/w:%i\nImageX=no:1\nImage=\n";
        let got = found(text);
        assert_eq!(
            got,
            [
                ("nginx:1".into(), Some("nginx:1".into())),
                ("a b".into(), Some("a b".into())),
                ("alpine:3".into(), Some("alpine:3".into())),
                ("q/w:%i".into(), None),
            ]
        );
    }
}
