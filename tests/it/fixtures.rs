//! Every fixture folder: snapshots of the human and JSON output, and the
//! span invariant checked on every reference found.

use crate::common::{fixture, imagelint, json, kind_fixtures};

#[test]
fn json_output() {
    for name in kind_fixtures() {
        let name = name.as_str();
        let run = imagelint(&fixture(name), &["check", "--format", "json"]);
        assert!(run.code == 1, "{name}: exit {} {}", run.code, run.stderr);
        insta::assert_snapshot!(format!("json-{name}"), run.stdout);
    }
}

#[test]
fn human_output() {
    for name in kind_fixtures() {
        let name = name.as_str();
        let run = imagelint(&fixture(name), &["check"]);
        insta::assert_snapshot!(format!("human-{name}"), run.stdout);
    }
}

#[test]
fn inventory_output() {
    for name in kind_fixtures() {
        let name = name.as_str();
        let run = imagelint(&fixture(name), &["inventory"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        insta::assert_snapshot!(format!("inventory-{name}"), run.stdout);
    }
}

/// Where a reference is written literally, its location covers exactly its
/// text: offsets are bytes, columns are characters.
#[test]
fn spans_cover_the_reference_text() {
    let mut checked = 0;
    for name in kind_fixtures() {
        let name = name.as_str();
        let dir = fixture(name);
        let run = imagelint(&dir, &["inventory", "--format", "json"]);
        for entry in json(&run)["images"].as_array().unwrap() {
            let path = dir.join(entry["path"].as_str().unwrap());
            let bytes = std::fs::read(&path).unwrap();
            let loc = &entry["location"];
            let (offset, length) = (
                loc["offset"].as_u64().unwrap() as usize,
                loc["length"].as_u64().unwrap() as usize,
            );
            let written = std::str::from_utf8(&bytes[offset..offset + length]).unwrap();
            let text = std::str::from_utf8(&bytes).unwrap();
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let column = text[line_start..offset].chars().count() + 1;
            let line = text[..offset].matches('\n').count() + 1;
            assert_eq!(loc["start"]["line"], line, "{path:?} {entry}");
            assert_eq!(loc["start"]["column"], column, "{path:?} {entry}");
            let Some(image) = entry["image"].as_object() else {
                continue;
            };
            let shown = image["text"].as_str().unwrap();
            // Variables and CircleCI's `<< parameters.x >>` are shown
            // substituted, escapes (`\u003a`) decoded.
            let substituted =
                written.contains('$') || written.contains("<<") || written.contains('\\');
            // An image map's location is its repository's.
            let map = entry["kind"] == "helm-values"
                || entry["context"].as_str().unwrap().contains("helm_release");
            if substituted || map && shown != written {
                continue;
            }
            assert_eq!(written, shown, "{path:?} {entry}");
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} spans checked");
}
