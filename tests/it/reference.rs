//! Reference parsing agrees with Docker's parser on the vectors in
//! fixtures/references.tsv, and property tests for the parser.

use crate::common::fixture;
use imagelint::reference::Reference;
use proptest::prelude::*;

#[test]
fn agrees_with_docker_on_vectors() {
    let data = std::fs::read_to_string(fixture("references.tsv")).unwrap();
    let mut wrong = Vec::new();
    let mut n = 0;
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        let (input, want) = line.split_once('\t').expect("two columns");
        let got = match Reference::parse(input) {
            Ok(r) => r.canonical(),
            Err(_) => "invalid".to_string(),
        };
        if got != want {
            wrong.push(format!("{input:?}: want {want}, got {got}"));
        }
        n += 1;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(n > 70);
}

fn component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}([._-][a-z0-9]{1,6}){0,2}"
}

fn reference() -> impl Strategy<Value = String> {
    (
        prop::option::of("[a-z]{1,8}\\.(io|com|example)(:[0-9]{2,5})?"),
        prop::collection::vec(component(), 1..4),
        prop::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
        prop::option::of("[0-9a-f]{64}"),
    )
        .prop_map(|(host, path, tag, digest)| {
            // Without a host, a first component holding `.` would be read as
            // one, so start with a plain component.
            let mut s = host.map_or_else(|| "team/".to_string(), |h| format!("{h}/"));
            s.push_str(&path.join("/"));
            if let Some(t) = tag {
                s.push(':');
                s.push_str(&t);
            }
            if let Some(d) = digest {
                s.push_str("@sha256:");
                s.push_str(&d);
            }
            s
        })
}

proptest! {
    /// Every reference the grammar allows parses, and its canonical form
    /// parses to itself.
    #[test]
    fn canonical_form_is_a_fixed_point(text in reference()) {
        let r = Reference::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let again = Reference::parse(&r.canonical()).unwrap();
        prop_assert_eq!(again.canonical(), r.canonical());
        prop_assert_eq!(again.tag, r.tag);
        prop_assert_eq!(again.digest, r.digest);
    }

    /// Any string at all: an answer, never a panic.
    #[test]
    fn never_panics(text in "\\PC{0,80}") {
        let _ = Reference::parse(&text);
    }
}
