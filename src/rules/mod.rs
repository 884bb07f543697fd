//! Step 4: rules are data. The built-in ones are the TOML files in `rules/`,
//! embedded at build time; custom `[[rule]]` tables in the config use the
//! same schema.

mod builtin;
pub mod docs;
mod message;
mod rule;
mod schema;
mod set;

pub use builtin::builtin_defs;
pub use rule::Rule;
pub use schema::{FixKind, RuleDef, Severity, SeveritySetting, Target};
pub use set::{RuleSet, Selection};
