//! The layout keeps its promises (docs/architecture.md): the top-level
//! modules depend on each other without cycles, `app/` knows no output
//! format, and its functions stay short.

use crate::common::root;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((
                path.display().to_string(),
                fs::read_to_string(&path).unwrap(),
            ));
        }
    }
}

/// The code of a file without comments and string literals' contents
/// (good enough for `crate::` paths: no string here holds one).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// top-level module -> the top-level modules its code names.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut files = Vec::new();
        if path.is_dir() {
            sources(&path, &mut files);
        } else {
            files.push((String::new(), fs::read_to_string(&path).unwrap()));
        }
        let deps = graph.entry(name.clone()).or_default();
        for (_, text) in files {
            let code = code(&text);
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                let dep: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !dep.is_empty() && dep != name {
                    deps.insert(dep);
                }
            }
        }
    }
    graph
}

#[test]
fn no_module_cycles() {
    let graph = module_graph();
    // Depth-first search; a node met again while on the stack is a cycle.
    fn visit<'g>(
        node: &'g str,
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<&'g str>,
        done: &mut BTreeSet<&'g str>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = stack.iter().position(|n| *n == node) {
            panic!("module cycle: {} -> {node}", stack[at..].join(" -> "));
        }
        stack.push(node);
        for dep in graph.get(node).into_iter().flatten() {
            visit(dep, graph, stack, done);
        }
        stack.pop();
        done.insert(node);
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
    assert!(graph["app"].len() > 3, "the graph was read: {graph:?}");
}

#[test]
fn app_knows_no_format_and_stays_short() {
    let mut files = Vec::new();
    sources(&root().join("src/app"), &mut files);
    let formats = [
        "Human",
        "Json",
        "JsonLines",
        "Github",
        "Sarif",
        "Gitlab",
        "Table",
        "Csv",
    ];
    for (path, text) in &files {
        let code = code(text);
        for f in formats {
            assert!(
                !code.contains(&format!("Format::{f}")),
                "{path} names the {f} format"
            );
        }
        // No function longer than 80 lines: from each `fn` line to the
        // closing brace at its indentation.
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let is_fn = ["fn ", "pub fn ", "pub(super) fn ", "pub(crate) fn "]
                .iter()
                .any(|p| trimmed.starts_with(p));
            if !is_fn || !line.ends_with('{') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            let close = format!("{}}}", " ".repeat(indent));
            let len = lines[i..].iter().position(|l| *l == close).unwrap_or(0) + 1;
            assert!(len <= 80, "{path}:{}: a function of {len} lines", i + 1);
        }
    }
}
