//! What a fix is, in ruff's terms: a titled set of edits with an
//! applicability. Edits are byte ranges of the text as it was read.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub offset: usize,
    pub length: usize,
    pub content: String,
}

/// Whether `--fix` may apply a fix without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps what the file means: `--fix` applies it.
    Safe,
    /// May change what the file means: shown, never applied by `--fix`.
    /// No fix of today's rules is unsafe; the engine already honours it.
    #[allow(dead_code)]
    Unsafe,
}

/// One fix for one reference, shared by every finding on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What it does, for people: "rewrite to `...`".
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}
