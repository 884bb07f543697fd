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
    read(path, false)
}

/// The text of the regular file at `path`, through a symlink if it is one.
pub fn read_followed(path: &Path) -> Option<String> {
    read(path, true)
}

/// Opened first and judged by what was opened (one `fstat`), so no swap
/// between a check and the read can slip a FIFO or a link in: a charts
/// monorepo reads thousands of these, and each system call counts.
#[cfg(unix)]
fn read(path: &Path, follow: bool) -> Option<String> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NOFOLLOW: a link is refused by the open itself; O_NONBLOCK: opening
    // a FIFO does not wait for a writer (it is then refused as no file).
    let flags = libc::O_NONBLOCK | if follow { 0 } else { libc::O_NOFOLLOW };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .ok()?;
    read_opened(file)
}

#[cfg(not(unix))]
fn read(path: &Path, follow: bool) -> Option<String> {
    let meta = if follow {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    };
    if !meta.ok()?.file_type().is_file() {
        return None;
    }
    read_opened(std::fs::File::open(path).ok()?)
}

fn read_opened(file: std::fs::File) -> Option<String> {
    use std::io::Read;
    let meta: Metadata = file.metadata().ok()?;
    if !meta.file_type().is_file() || meta.len() > MAX_BYTES {
        return None;
    }
    // At most the bound, whatever the file grows to meanwhile.
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_BYTES {
        return None;
    }
    String::from_utf8(bytes).ok()
}

#[cfg(all(test, unix))]
mod tests {
    use super::{read_followed, read_unlinked, MAX_BYTES};

    #[test]
    fn only_regular_files_within_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Chart.yaml");
        std::fs::write(&file, "name: a\n").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read_unlinked(&file).as_deref(), Some("name: a\n"));
        assert_eq!(read_unlinked(&link), None);
        assert_eq!(read_followed(&link).as_deref(), Some("name: a\n"));
        // A FIFO with no writer: refused at once, not waited on.
        let fifo = dir.path().join("fifo.yaml");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        assert_eq!(read_unlinked(&fifo), None);
        assert_eq!(read_followed(&fifo), None);
        assert_eq!(read_unlinked(dir.path()), None);
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'a'; MAX_BYTES as usize + 1]).unwrap();
        assert_eq!(read_unlinked(&big), None);
    }
}
