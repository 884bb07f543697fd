//! The built-in rules: every file in `rules/`, embedded at build time
//! (`build.rs`), listed by id.

use super::schema::RuleDef;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

pub fn builtin_defs() -> Vec<RuleDef> {
    BUILTIN
        .iter()
        .map(|(name, text)| {
            // The files ship inside the binary and a test parses every one.
            toml::from_str::<RuleDef>(text).unwrap_or_else(|e| panic!("rules/{name}.toml: {e}"))
        })
        .collect()
}
