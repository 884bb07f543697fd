//! Globs as users of .gitignore write them, for every setting that takes
//! paths or names.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// A pattern that is not a valid glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid glob `{pattern}`: {message}")]
pub struct GlobError {
    pub pattern: String,
    pub message: String,
}

/// Builds a glob set where `*` stays inside one path component and `**`
/// crosses them.
pub fn glob_set(patterns: &[String]) -> Result<GlobSet, GlobError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| GlobError {
                pattern: pattern.clone(),
                message: e.kind().to_string(),
            })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| GlobError {
        pattern: patterns.join(", "),
        message: e.to_string(),
    })
}
