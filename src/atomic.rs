//! Writing files atomically (a fixed file, the lock file): through a
//! temporary file in the same folder and a rename, so a reader never sees
//! half a file and a failure leaves the old one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Why a fixed file was not written; the file is as it was.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}")]
    Io(String),
    #[error("the file changed while imagelint was fixing it; run again")]
    Changed,
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> WriteError {
        WriteError::Io(crate::discover::paths::io_cause(&e))
    }
}

/// Temporary files this run has made and not yet renamed: removed if a
/// signal ends the run.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// On SIGINT, SIGTERM or SIGHUP: remove this run's temporary files, then
/// exit as the signal would have.
pub fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            if let Ok(live) = LIVE.lock() {
                for path in live.iter() {
                    let _ = fs::remove_file(path);
                }
            }
            std::process::exit(128 + signal);
        }
    });
}

fn track(path: &Path, live: bool) {
    if let Ok(mut all) = LIVE.lock() {
        if live {
            all.push(path.to_path_buf());
        } else {
            all.retain(|p| p != path);
        }
    }
}

/// A temporary file beside `target` with an unpredictable name; removed
/// when dropped unless persisted, and on signals.
fn temp_beside(target: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".imagelint.tmp")
        .tempfile_in(dir)?;
    track(tmp.path(), true);
    Ok(tmp)
}

/// Renames the temporary file over `target`.
fn persist(tmp: tempfile::NamedTempFile, target: &Path) -> std::io::Result<()> {
    let path = tmp.path().to_path_buf();
    let result = tmp.persist(target).map(|_| ()).map_err(|e| e.error);
    track(&path, false);
    result
}

/// Writes `content` over `path`, whose bytes were `original` when read:
/// through a temporary file in the same folder and a rename, keeping owner
/// and permissions (setuid and setgid too). A symlink is written through to
/// its target, never replaced. A file that changed since it was read is
/// left alone.
pub fn write_atomic(path: &Path, original: &[u8], content: &[u8]) -> Result<(), WriteError> {
    let target = through_symlink(path)?;
    let meta = fs::metadata(&target)?;
    let tmp = temp_beside(&target)?;
    let mut file = tmp.as_file();
    file.write_all(content)?;
    file.sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Owner first: a change of owner clears setuid and setgid. Only root
        // may give a file away; for anyone else it is already theirs.
        let _ = std::os::unix::fs::chown(tmp.path(), Some(meta.uid()), Some(meta.gid()));
    }
    fs::set_permissions(tmp.path(), meta.permissions())?;
    pause_for_tests();
    // An edit saved while the fix ran would be lost by the rename.
    if fs::read(&target)? != original {
        return Err(WriteError::Changed);
    }
    persist(tmp, &target)?;
    Ok(())
}

/// The file a write to `path` must replace: a symlink's target (the link
/// stays a link), else `path` itself, existing or not.
fn through_symlink(path: &Path) -> std::io::Result<PathBuf> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        fs::canonicalize(path)
    } else {
        Ok(path.to_path_buf())
    }
}

/// `IMAGELINT_TEST_FIX_PAUSE_MS`: the tests widen the moment between the
/// temporary file and the rename, to edit the file or send a signal there.
fn pause_for_tests() {
    if let Some(ms) = std::env::var("IMAGELINT_TEST_FIX_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Writes a file atomically whether or not it exists yet (the lock file).
pub fn write_new_atomic(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let path = &through_symlink(path)?;
    let existing = fs::metadata(path).ok();
    let tmp = temp_beside(path)?;
    tmp.as_file().write_all(content)?;
    tmp.as_file().sync_all()?;
    if let Some(meta) = existing {
        fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    persist(tmp, path)
}
