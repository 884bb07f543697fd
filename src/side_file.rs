//! The small files a check consults besides the one it reads: a chart's
//! `Chart.yaml` and templates, the `.env` beside a compose file, a
//! `skaffold.yaml` above a manifest, a pipeline's includes. Regular files
//! only, and none larger than any real one of these: a hostile tree cannot
//! make imagelint read a FIFO or a huge file through them.

use std::fs::Metadata;
use std::path::Path;

/// Larger than any real side file; a bigger one is not read.
pub const MAX_BYTES: u64 = 1 << 20;

/// The text of the regular file at `path`, not through a symlink.
pub fn read_unlinked(path: &Path) -> Option<String> {
    read_if(std::fs::symlink_metadata(path).ok()?, path)
}

/// The text of the regular file at `path`, through a symlink if it is one.
pub fn read_followed(path: &Path) -> Option<String> {
    read_if(std::fs::metadata(path).ok()?, path)
}

fn read_if(meta: Metadata, path: &Path) -> Option<String> {
    (meta.file_type().is_file() && meta.len() <= MAX_BYTES)
        .then(|| std::fs::read_to_string(path).ok())
        .flatten()
}
