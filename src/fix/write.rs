//! Writing a fixed file: through a temporary file in the same folder and a
//! rename, so a reader never sees half a file and a failure leaves the old
//! one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `content` to `path` through a temporary file in the same folder and
/// a rename, keeping permissions and ownership. A symlink is written through
/// to its target, never replaced by a regular file.
pub fn write_atomic(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let target: PathBuf = if fs::symlink_metadata(path)?.file_type().is_symlink() {
        fs::canonicalize(path)?
    } else {
        path.to_path_buf()
    };
    let meta = fs::metadata(&target)?;
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    let tmp = dir.join(format!(".{name}.imagelint-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(content)?;
        file.sync_all()?;
        fs::set_permissions(&tmp, meta.permissions())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Only root may give a file away; for anyone else the owner is
            // already theirs.
            let _ = std::os::unix::fs::chown(&tmp, Some(meta.uid()), Some(meta.gid()));
        }
        fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes a file atomically whether or not it exists yet (the lock file).
pub fn write_new_atomic(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return write_atomic(path, content);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.imagelint-{}.tmp", std::process::id()));
    let result = fs::write(&tmp, content).and_then(|_| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
