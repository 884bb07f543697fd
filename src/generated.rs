//! Files in the repository that are generated from the code (the rule docs,
//! the hooks' file pattern, the config schema): a test compares each with
//! what the code makes now, and `UPDATE_DOCS=1 cargo test` rewrites it.

/// Fails when `path` (relative to the repository) differs from `want`.
pub fn assert_current(path: &str, want: &str) {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&full, want).unwrap();
    }
    let have = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        have == want,
        "{path} is stale: run `UPDATE_DOCS=1 cargo test`"
    );
}
