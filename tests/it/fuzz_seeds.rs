//! The fuzz targets' checks (src/fuzzing.rs) on their seed corpus, the
//! fixtures, and on every input kept in fuzz/regressions/: what the fuzzer
//! proves at length, each test run proves on these.

use crate::common::root;
use std::fs;
use std::path::Path;

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn fixtures_round_trip_in_every_kind() {
    let mut all = Vec::new();
    files(&root().join("fixtures"), &mut all);
    let mut checked = 0;
    for path in all {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        imagelint::fuzzing::reference(text.lines().next().unwrap_or(""));
        // Every fixture as a Helm template, with a chart's values.
        let values = "image:\n  repository: app\n  tag: \"1\"\n";
        imagelint::fuzzing::helm_template(format!("{values}\0{text}").as_bytes());
        // Every kind reads every file: the first byte picks the kind, and
        // the bytes past the number of kinds wrap around.
        for kind in 0..imagelint::fuzzing::kind_count() as u8 {
            let mut data = vec![kind];
            data.extend_from_slice(text.as_bytes());
            if let Some((kind, text)) = imagelint::fuzzing::split(&data) {
                imagelint::fuzzing::check(kind, text);
                imagelint::fuzzing::fix_round_trip(kind, text);
            }
        }
        checked += 1;
    }
    assert!(checked > 30, "{checked} fixtures");
}

#[test]
fn kept_fuzz_inputs_stay_fixed() {
    let mut all = Vec::new();
    files(&root().join("fuzz/regressions"), &mut all);
    for path in all {
        let data = fs::read(&path).unwrap();
        let target = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        match target {
            "reference" => imagelint::fuzzing::reference(&String::from_utf8_lossy(&data)),
            "helm_template" => imagelint::fuzzing::helm_template(&data),
            "dockerfile" => imagelint::fuzzing::check(
                imagelint::fuzzing::dockerfile(),
                &String::from_utf8_lossy(&data),
            ),
            _ => {
                if let Some((kind, text)) = imagelint::fuzzing::split(&data) {
                    imagelint::fuzzing::check(kind, text);
                    imagelint::fuzzing::fix_round_trip(kind, text);
                }
            }
        }
    }
}
