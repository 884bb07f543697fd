//! Globs as users of .gitignore write them, for every setting that takes
//! paths or names.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Builds a glob set where `*` stays inside one path component and `**`
/// crosses them.
pub fn glob_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{pattern}`: {e}"))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}
