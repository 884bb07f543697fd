//! A module's named values: `variable` defaults and `locals`, written in
//! any `.tf` file of the module's folder. A position reading one (`image =
//! var.image`) is reported where the value is written, as a Dockerfile
//! `ARG` default is, so the file that holds the default is the one fixed.

use super::super::hcl::{self, Written};
use super::positions::{self, Found};
use crate::side_file;
use std::collections::HashMap;
use std::path::Path;

/// What is read of the other files of a module's folder for each of its
/// files: the first 64 files by name, 4 MiB of text in all. Real modules
/// are a handful of small files; a hostile folder of many large ones
/// would otherwise cost each of its files a parse of all the others.
const MAX_FILES: usize = 64;
const MAX_BYTES: usize = 4 << 20;

/// A named value's text as written: a string literal, or something else
/// (no default, a map, a function call).
pub(crate) type Named = HashMap<String, Option<Written>>;

/// A `.tf` file's body, or a `.tf.json` file's in the JSON syntax.
pub(crate) fn parse(path: &Path, text: &str) -> Result<hcl_edit::structure::Body, hcl::HclError> {
    if path.as_os_str().as_encoded_bytes().ends_with(b".json") {
        hcl::parse_json(text)
    } else {
        hcl::parse(text)
    }
}

fn is_terraform(path: &Path) -> bool {
    let name = path.as_os_str().as_encoded_bytes();
    name.ends_with(b".tf") || name.ends_with(b".tf.json")
}

/// The named values `body` declares.
pub(crate) fn declared(text: &str, body: &hcl_edit::structure::Body, out: &mut Named) {
    for block in hcl::blocks(body) {
        match block.ident.as_str() {
            "variable" => {
                let value = hcl::attribute(&block.body, "default").map(|e| hcl::written(text, e));
                let literal = value.filter(|w| matches!(w, Written::Literal { .. }));
                out.insert(format!("var.{}", hcl::label(block, 0)), literal);
            }
            "locals" => {
                for attribute in block.body.iter().filter_map(|s| s.as_attribute()) {
                    let value = hcl::written(text, &attribute.value);
                    let literal = matches!(value, Written::Literal { .. }).then_some(value);
                    out.insert(format!("local.{}", attribute.key.as_str()), literal);
                }
            }
            _ => {}
        }
    }
}

/// What the other `.tf` and `.tf.json` files of `file`'s folder declare and which image
/// positions they hold: files that do not parse are skipped here (each is
/// reported when it is read itself).
pub(crate) struct Others {
    pub named: Named,
    pub found: Vec<Found>,
}

/// What a file needs of the other files of its folder.
#[derive(Clone, Copy)]
pub(crate) struct Wanted {
    /// Their image positions: the file declares values they may read.
    pub positions: bool,
    /// Their values: the file reads names it does not declare.
    pub values: bool,
}

pub(crate) fn others(file: &Path, wanted: Wanted) -> Others {
    let mut out = Others {
        named: Named::new(),
        found: Vec::new(),
    };
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| is_terraform(p) && p.file_name() != file.file_name())
        .collect();
    // The same answer whatever order the folder lists its files in.
    paths.sort();
    paths.truncate(MAX_FILES);
    let mut budget = MAX_BYTES;
    for path in paths {
        let Some(text) = side_file::read_unlinked(&path) else {
            continue;
        };
        let Some(left) = budget.checked_sub(text.len()) else {
            break;
        };
        budget = left;
        // Only a file that could answer is parsed: every image position
        // is named `image`-something, and a value is declared in a
        // `variable` or `locals` block.
        let reads = text.contains("var.") || text.contains("local.");
        let has_positions = wanted.positions && reads && text.contains("image");
        let has_values = wanted.values && (text.contains("variable") || text.contains("locals"));
        if !has_positions && !has_values {
            continue;
        }
        let Ok(body) = parse(&path, &text) else {
            continue;
        };
        // Spans of another file mean nothing in this one: only what they
        // hold and which names they read is kept.
        let mut named = Named::new();
        if has_values {
            declared(&text, &body, &mut named);
        }
        for (name, value) in named {
            let value = value.map(|w| match w {
                Written::Literal { value, .. } => Written::Literal {
                    span: crate::source::Span::new(0, 0),
                    value,
                    exact: false,
                },
                other => other,
            });
            out.named.entry(name).or_insert(value);
        }
        if has_positions {
            out.found.push(positions::find(&text, &body));
        }
    }
    out
}
