//! Runs the steps over many files: reads and analyses the candidates on
//! worker threads and hands the results over in path order, so output
//! streams sorted whatever the thread count.

mod file;

pub use file::{process_bytes, FileEnd, HandOver, Job, Part, MAX_FILE_BYTES};

use crate::discover::record::Candidate;
use crate::extract::helm_chart;
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

/// A worker hands over what it has once its rendered text passes this, so
/// a large file streams out instead of piling up.
const FLUSH_BYTES: usize = 256 << 10;

/// Room a worker's read buffer starts with: most configuration files fit.
const READ_ROOM: usize = 64 << 10;

/// What the engine hands over for each file, in path order: the file's
/// parts, then its end.
pub enum Piece {
    Part(Part),
    End(FileEnd),
}

/// Pieces of numbered files, in the order one worker made them.
type Message = Vec<(usize, Piece)>;

pub fn run(candidates: &[Candidate], job: &Job, threads: usize, mut sink: impl FnMut(Piece)) {
    let next = AtomicUsize::new(0);
    let threads = threads.max(1);
    // Bounded: a worker that runs ahead waits instead of filling memory.
    let (tx, rx) = mpsc::sync_channel::<Message>(threads * 4);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || work(candidates, job, next, tx));
        }
        drop(tx);
        let mut order = InOrder::default();
        for message in rx {
            for (n, piece) in message {
                order.take(n, piece, &mut sink);
            }
        }
    });
}

/// One worker: takes batches of files until none are left.
fn work(candidates: &[Candidate], job: &Job, next: &AtomicUsize, tx: mpsc::SyncSender<Message>) {
    // One read buffer a thread, reused for every file it reads.
    let mut buf = Vec::new();
    // Files of a chart another worker is working out, read once it is done
    // (or at the end, when there is nothing else to do).
    let mut put_off: Vec<usize> = Vec::new();
    let mut out = Outbox {
        message: Vec::new(),
        held: 0,
        tx: &tx,
    };
    loop {
        let first = next.fetch_add(BATCH, Ordering::Relaxed);
        let end = (first + BATCH).min(candidates.len());
        if first >= end {
            break;
        }
        for (n, c) in (first..end).zip(&candidates[first..end]) {
            if helm_chart::worked_out_elsewhere(&c.disk) {
                put_off.push(n);
            } else {
                out.file(n, c, job, &mut buf);
            }
        }
        put_off.retain(|&n| {
            let c = &candidates[n];
            let wait = helm_chart::worked_out_elsewhere(&c.disk);
            if !wait {
                out.file(n, c, job, &mut buf);
            }
            wait
        });
        if !out.send() {
            return;
        }
    }
    for n in put_off {
        out.file(n, &candidates[n], job, &mut buf);
    }
    out.send();
}

/// What a worker has made and not yet handed over.
struct Outbox<'t> {
    message: Message,
    /// Bytes of rendered text in `message`.
    held: usize,
    tx: &'t mpsc::SyncSender<Message>,
}

impl Outbox<'_> {
    /// Reads and processes the file numbered `n`.
    fn file(&mut self, n: usize, c: &Candidate, job: &Job, buf: &mut Vec<u8>) {
        let end = read_and_process(c, job, buf, &mut |part| {
            self.held += part.rendered.iter().map(String::len).sum::<usize>();
            self.message.push((n, Piece::Part(part)));
            if self.held > FLUSH_BYTES {
                // A closed channel ends the run anyway.
                self.send();
            }
        });
        self.message.push((n, Piece::End(end)));
    }

    /// Hands over what is held; false once nobody listens.
    fn send(&mut self) -> bool {
        self.held = 0;
        self.message.is_empty() || self.tx.send(std::mem::take(&mut self.message)).is_ok()
    }
}

/// Puts pieces back in file order: those of the file being written go
/// straight through, others wait until their file's turn.
#[derive(Default)]
struct InOrder {
    /// The file whose pieces are written now.
    want: usize,
    waiting: BTreeMap<usize, Vec<Piece>>,
}

impl InOrder {
    fn take(&mut self, n: usize, piece: Piece, sink: &mut impl FnMut(Piece)) {
        if n != self.want {
            self.waiting.entry(n).or_default().push(piece);
            return;
        }
        let ended = matches!(piece, Piece::End(_));
        sink(piece);
        if !ended {
            return;
        }
        self.want += 1;
        // Files that finished while this one was written.
        while let Some(pieces) = self.waiting.remove(&self.want) {
            let ended = matches!(pieces.last(), Some(Piece::End(_)));
            pieces.into_iter().for_each(&mut *sink);
            if !ended {
                return;
            }
            self.want += 1;
        }
    }
}

fn read_and_process(
    c: &Candidate,
    job: &Job,
    buf: &mut Vec<u8>,
    emit: &mut dyn FnMut(Part),
) -> FileEnd {
    buf.clear();
    // The thread's buffer keeps its room from file to file, so most files
    // are read in one call and a second that finds the end: no `statx` to
    // size the buffer first. One byte past the limit tells a file over it.
    buf.reserve(READ_ROOM);
    let limit = file::MAX_FILE_BYTES as u64 + 1;
    let read = std::fs::File::open(&c.disk).and_then(|f| f.take(limit).read_to_end(buf));
    process_bytes(c, read.map(|_| &buf[..]), job, emit)
}
