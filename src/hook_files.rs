//! The `files:` pattern of the hooks in `.pre-commit-hooks.yaml`, made from
//! the kind table so the hooks are handed every file some kind reads (and a
//! new kind reaches them without anyone editing YAML). pre-commit matches it
//! with Python's `re.search` against the path from the repository root.

use crate::kinds::{PathGlob, KINDS};

/// One alternative per default path glob: `(^|/)(a|b|...)$`.
pub fn files_pattern() -> String {
    let mut alternatives: Vec<String> = Vec::new();
    for spec in KINDS {
        for glob in spec.paths {
            let regex = glob_regex(glob);
            if !alternatives.contains(&regex) {
                alternatives.push(regex);
            }
        }
    }
    format!("(^|/)({})$", alternatives.join("|"))
}

/// A kind glob (always `**/` then a path) as a regex over the rest of the
/// path. Only the syntax the kind table uses is known: `**/`, `*`, `{a,b}`.
fn glob_regex(glob: &PathGlob) -> String {
    let rest = glob
        .glob
        .strip_prefix("**/")
        .expect("kind globs start with **/");
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if rest_starts(&mut chars, "*/") => out.push_str("(.*/)?"),
            '*' => out.push_str("[^/]*"),
            '{' => out.push('('),
            '}' => out.push(')'),
            ',' => out.push('|'),
            c if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' => out.push(c),
            c => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    if glob.any_case {
        format!("(?i:{out})")
    } else {
        out
    }
}

/// Consumes `want` from `chars` when they start with it.
fn rest_starts(chars: &mut std::iter::Peekable<std::str::Chars>, want: &str) -> bool {
    let ahead: String = chars.clone().take(want.len()).collect();
    if ahead == want {
        chars.nth(want.len() - 1);
        true
    } else {
        false
    }
}

/// Paths a glob matches: `**/` as a folder, `*` as a word, each `{…}`
/// alternative once.
fn examples(glob: &str) -> Vec<String> {
    let filled = glob.replace("**/", "deploy/").replace('*', "app");
    match (filled.find('{'), filled.find('}')) {
        (Some(open), Some(close)) => filled[open + 1..close]
            .split(',')
            .map(|alt| format!("{}{alt}{}", &filled[..open], &filled[close + 1..]))
            .collect(),
        _ => vec![filled],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hook files and how many hooks each defines: this repository's,
    /// and the mirror's that installs the released wheel.
    const HOOKS: [(&str, usize); 2] = [
        (".pre-commit-hooks.yaml", 4),
        ("pre-commit-mirror/.pre-commit-hooks.yaml", 2),
    ];

    #[test]
    fn hooks_take_the_pattern_made_from_the_kind_table() {
        for (file, count) in HOOKS {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let have = std::fs::read_to_string(path).unwrap();
            let want_line = format!("  files: {}", files_pattern());
            let mut hooks = 0;
            let want: String = have
                .lines()
                .map(|line| {
                    if line.starts_with("  files: ") {
                        hooks += 1;
                        format!("{want_line}\n")
                    } else {
                        format!("{line}\n")
                    }
                })
                .collect();
            assert_eq!(hooks, count, "every hook in {file} has a files: line");
            assert!(!have.contains("types"), "types filters drop files: {file}");
            crate::generated::assert_current(file, &want);
        }
    }

    #[test]
    fn every_default_path_reaches_the_hooks() {
        let pattern = regex::Regex::new(&files_pattern()).unwrap();
        for spec in KINDS {
            for glob in spec.paths {
                for path in examples(glob.glob) {
                    let top = path.trim_start_matches("deploy/").to_string();
                    for path in [path.clone(), top] {
                        assert!(pattern.is_match(&path), "{}: {path}", spec.name);
                        if glob.any_case {
                            let upper = path.to_uppercase();
                            assert!(pattern.is_match(&upper), "{}: {upper}", spec.name);
                        }
                    }
                }
            }
        }
        for name in [
            "api.dockerfile",
            "Containerfile.dev",
            "chart/templates/_pod.tpl",
        ] {
            assert!(pattern.is_match(name), "{name}");
        }
        for other in [
            "README.md",
            "src/main.rs",
            "Dockerfile/notes.txt",
            "xDockerfile",
        ] {
            assert!(!pattern.is_match(other), "{other}");
        }
    }
}
