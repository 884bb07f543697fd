//! The JSON Schema of `.imagelint.toml` (docs/imagelint.schema.json), for
//! editors (Taplo / Even Better TOML read `#:schema`) and SchemaStore. It is
//! generated from the config types themselves, so it cannot drift from what
//! imagelint accepts; `UPDATE_DOCS=1 cargo test` rewrites it.

use super::Config;

pub const SCHEMA_PATH: &str = "docs/imagelint.schema.json";

/// Draft-07: the draft SchemaStore and Taplo support best.
pub fn config_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<Config>();
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_schema_is_current() {
        crate::generated::assert_current(SCHEMA_PATH, &config_schema());
    }
}
