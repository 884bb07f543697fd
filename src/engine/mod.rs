//! Runs the steps over many files: reads and analyses the candidates on
//! worker threads and hands the results over in path order, so output
//! streams sorted whatever the thread count.

mod file;

pub use file::{process_bytes, FileOutcome, Job, MAX_FILE_BYTES};

use crate::discover::record::Candidate;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// What to do with fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    Off,
    /// Write fixed files in place and report what remains.
    Write,
    /// Make a diff, write nothing.
    Diff,
    /// Hand the fixed text back (for `--stdin-filename`).
    Return,
}

/// Files a worker takes at a time: fewer wake-ups than one by one, and the
/// results still arrive nearly in order.
const BATCH: usize = 16;

pub fn run(candidates: &[Candidate], job: &Job, threads: usize, mut sink: impl FnMut(FileOutcome)) {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Vec<FileOutcome>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                // One read buffer a thread, reused for every file it reads.
                let mut buf = Vec::new();
                loop {
                    let first = next.fetch_add(BATCH, Ordering::Relaxed);
                    let Some(batch) = candidates.get(first..(first + BATCH).min(candidates.len()))
                    else {
                        break;
                    };
                    if batch.is_empty() {
                        break;
                    }
                    let outcomes = batch
                        .iter()
                        .map(|c| read_and_process(c, job, &mut buf))
                        .collect();
                    if tx.send((first, outcomes)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: BTreeMap<usize, Vec<FileOutcome>> = BTreeMap::new();
        let mut want = 0;
        for (first, outcomes) in rx {
            pending.insert(first, outcomes);
            while let Some(outcomes) = pending.remove(&want) {
                want += outcomes.len();
                outcomes.into_iter().for_each(&mut sink);
            }
        }
    });
}

fn read_and_process(c: &Candidate, job: &Job, buf: &mut Vec<u8>) -> FileOutcome {
    buf.clear();
    // One byte past the limit tells a file over it; the length read first
    // sizes the buffer, as `File::read_to_end` would.
    let limit = file::MAX_FILE_BYTES as u64 + 1;
    let read = std::fs::File::open(&c.disk).and_then(|f| {
        let len = f.metadata().map_or(0, |m| m.len()).min(limit);
        buf.reserve(len as usize + 1);
        f.take(limit).read_to_end(buf)
    });
    process_bytes(c, read.map(|_| &buf[..]), job)
}
