//! `docs/rules.md`, generated from the rule files by `cargo test` (a test
//! keeps it current).

/// `docs/rules.md`, generated from the rule files (a test keeps it current).
#[cfg(test)]
fn rules_markdown() -> String {
    use super::builtin::builtin_defs;
    let mut out = String::from(
        "# Rules\n\nGenerated from `rules/*.toml` by `cargo test` (set `UPDATE_DOCS=1` to rewrite); \
         `imagelint explain RULE` prints the same text.\n\n| id | default | fixable | summary |\n|---|---|---|---|\n",
    );
    let defs = builtin_defs();
    for d in &defs {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} | {3} |\n",
            d.id,
            d.severity,
            if d.fix.is_some() { "yes" } else { "no" },
            d.summary.as_deref().unwrap_or("")
        ));
    }
    for d in &defs {
        out.push_str(&format!("\n## {}\n\n", d.id));
        let doc = d.documentation.as_deref().unwrap_or("").trim();
        // Rule docs use `##` headings; nest them under the rule's own.
        for line in doc.lines() {
            if line.starts_with("## ") {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_are_generated_from_rule_files() {
        crate::generated::assert_current("docs/rules.md", &rules_markdown());
    }
}
