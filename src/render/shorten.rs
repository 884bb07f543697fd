//! Long digests shortened for people: `sha256:` and 12 hex digits, as
//! `docker images` shows them; long names cut in their middle, and cut to
//! their last part where a message must fit a line. Machine formats keep
//! the full text.

use std::borrow::Cow;

const ALGORITHM: &str = "sha256:";
const HEX: usize = 64;
const KEPT: usize = 12;

/// For people: digests shortened, and a quoted reference longer than
/// [`LONG`] shown as its registry, `…` and its last path part
/// (`us-central1-docker.pkg.dev/…/adservice:v0.10.6`).
pub(super) fn for_people(text: &str) -> Cow<'_, str> {
    let text = short_digests(text);
    // Odd parts are inside backticks.
    let long = |(i, part): (usize, &str)| {
        i % 2 == 1 && part.len() > LONG && matches!(short_path(part), Cow::Owned(_))
    };
    if !text.split('`').enumerate().any(long) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(&short_path(part));
        } else {
            out.push_str(part);
        }
    }
    Cow::Owned(out)
}

/// A message for the header line: digests shortened, then, when it would
/// not fit `room` columns, long quoted references cut to their last path
/// part (`…/adservice:v0.10.6`); it wraps if still too long.
pub(super) fn fitted(message: &str, room: usize) -> Cow<'_, str> {
    let text = for_people(message);
    if text.len() <= room || text.chars().count() <= room {
        return text;
    }
    // Inside backticks (odd parts): the name's last path part, and the
    // digest as `@…` (the source line below shows it whole).
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 0 || part.contains(' ') {
            out.push_str(part);
            continue;
        }
        let (name, pinned) = match part.split_once('@') {
            Some((name, _)) => (name, "@…"),
            None => (part, ""),
        };
        match name.rsplit_once('/') {
            Some((_, last)) => {
                out.push_str("…/");
                out.push_str(last);
            }
            None => out.push_str(name),
        }
        out.push_str(pinned);
    }
    out.into()
}

/// Quoted text longer than this is shortened in its middle.
const LONG: usize = 48;

fn short_path(quoted: &str) -> Cow<'_, str> {
    if quoted.chars().count() <= LONG || quoted.contains(' ') {
        return Cow::Borrowed(quoted);
    }
    let segments: Vec<&str> = quoted.split('/').collect();
    if segments.len() < 3 {
        return Cow::Borrowed(quoted);
    }
    Cow::Owned(format!(
        "{}/…/{}",
        segments[0],
        segments[segments.len() - 1]
    ))
}

pub(super) fn short_digests(text: &str) -> Cow<'_, str> {
    if !text.contains(ALGORITHM) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(ALGORITHM) {
        let digits = &rest[at + ALGORITHM.len()..];
        let hex = digits.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
        let end = at + ALGORITHM.len() + hex;
        if hex == HEX {
            out.push_str(&rest[..at + ALGORITHM.len() + KEPT]);
            out.push('…');
        } else {
            out.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_digests_are_shortened() {
        let d = "a".repeat(64);
        assert_eq!(
            short_digests(&format!("`x@sha256:{d}` and sha256:{d}")),
            "`x@sha256:aaaaaaaaaaaa…` and sha256:aaaaaaaaaaaa…"
        );
        assert_eq!(short_digests("sha256:abc is short"), "sha256:abc is short");
        assert_eq!(short_digests("no digest"), "no digest");
        assert_eq!(
            for_people("`us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/adservice:v0.10.6` is not pinned"),
            "`us-central1-docker.pkg.dev/…/adservice:v0.10.6` is not pinned"
        );
        assert_eq!(for_people("`nginx:1` and `a/b`"), "`nginx:1` and `a/b`");
    }
}
