//! The plan in the forms the copying tools take: `skopeo sync --src yaml`
//! files, a `crane cp` script, a regsync config.

use super::plan::{base, parent, Plan, Wanted};
use std::fmt::Write as _;

/// One `skopeo sync` source file per destination folder, with the folder:
/// `skopeo sync --all --src yaml --dest docker FILE FOLDER` copies each
/// image to `FOLDER/` and its last path part, so the upstream's folder is
/// the file's top-level key and the last part the image. `plain_http`
/// says which upstream registries are reached without TLS.
pub fn skopeo(plan: &Plan, plain_http: &dyn Fn(&str) -> bool) -> Vec<(String, String)> {
    plan.by_destination()
        .into_iter()
        .map(|(destination, wanted)| {
            let mut by_source: std::collections::BTreeMap<String, Vec<&Wanted>> =
                std::collections::BTreeMap::new();
            for w in wanted {
                let source = parent(&w.upstream.name()).to_string();
                by_source.entry(source).or_default().push(w);
            }
            let mut yaml = format!(
                "# imagelint mirror plan: skopeo sync --all --src yaml --dest docker THIS_FILE {destination}\n"
            );
            for (source, images) in by_source {
                let _ = writeln!(yaml, "{}:", quoted(&source));
                if plain_http(images[0].upstream.registry.as_str()) {
                    yaml.push_str("  tls-verify: false\n");
                }
                yaml.push_str("  images:\n");
                for w in images {
                    let _ = writeln!(yaml, "    {}:", quoted(base(&w.upstream.name())));
                    for item in w.tags.iter().chain(&w.digests) {
                        let _ = writeln!(yaml, "      - {}", quoted(item));
                    }
                }
            }
            (destination, yaml)
        })
        .collect()
}

/// A `crane cp` script: each digest copied by digest, each tag by tag.
pub fn crane(plan: &Plan) -> String {
    let mut out = String::from(
        "#!/bin/sh\n# imagelint mirror plan: copies what the mirrors must hold.\nset -eu\n",
    );
    for w in plan.images.values() {
        for (from, to) in copies(w) {
            let _ = writeln!(out, "crane cp '{from}' '{to}'");
        }
    }
    out
}

/// A regsync configuration with one `image` sync per copy.
pub fn regsync(plan: &Plan) -> String {
    let mut out = String::from("# imagelint mirror plan\nversion: 1\nsync:\n");
    for w in plan.images.values() {
        for (from, to) in copies(w) {
            let _ = writeln!(
                out,
                "  - source: {}\n    target: {}\n    type: image",
                quoted(&from),
                quoted(&to)
            );
        }
    }
    out
}

/// (source, target) references for each thing `w` must hold.
fn copies(w: &Wanted) -> Vec<(String, String)> {
    let (up, to) = (w.upstream.name(), w.mirrored.name());
    let mut out = Vec::new();
    for d in &w.digests {
        out.push((format!("{up}@{d}"), format!("{to}@{d}")));
    }
    for t in &w.tags {
        out.push((format!("{up}:{t}"), format!("{to}:{t}")));
    }
    out
}

/// A YAML double-quoted scalar; plan text is reference text, so only `"`
/// and `\\` could need escaping, and JSON's escapes are YAML's.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}
