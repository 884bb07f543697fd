//! Runs the steps over many files: reads and analyses the candidates on
//! worker threads and hands the results over in path order, so output
//! streams sorted whatever the thread count.

mod file;

pub use file::{process_bytes, FileEnd, HandOver, Job, Nearer, Part, MAX_FILE_BYTES};

use crate::discover::classify::Class;
use crate::discover::record::Candidate;
use crate::extract::{helm_chart, helm_template};
use crate::kinds::FileKind;
use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::sync::{mpsc, Condvar, Mutex};

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

/// Files a worker's message holds at most (see `work`).
const SEND_FILES: usize = 64;

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

/// Checks `candidates` (see [`run_fed`]).
pub fn run(candidates: Vec<Candidate>, job: &Job, threads: usize, sink: impl FnMut(Piece)) {
    run_fed(
        |feed| candidates.into_iter().for_each(feed),
        job,
        threads,
        sink,
    )
}

/// Checks the candidates `produce` hands over, in the order handed, while
/// it goes on handing them (the walk, on its own thread), and gives `sink`
/// their pieces in that order.
pub fn run_fed(
    produce: impl FnOnce(&mut dyn FnMut(Candidate)) + Send,
    job: &Job,
    threads: usize,
    mut sink: impl FnMut(Piece),
) {
    let threads = threads.max(1);
    let feed = Feed::default();
    // Bounded: a worker that runs ahead waits instead of filling memory.
    let (tx, rx) = mpsc::sync_channel::<Message>(threads * 4);
    std::thread::scope(|scope| {
        let feed = &feed;
        // The producer's thread is one of the workers once it is done: a
        // thread more than there are cores would only take turns with them.
        let producer_tx = tx.clone();
        scope.spawn(move || {
            {
                // Closes the feed however the producer ends: the workers
                // would otherwise wait for more.
                let _closing = Closing(feed);
                let mut batch = Vec::with_capacity(FEED_BATCH);
                produce(&mut |c| {
                    batch.push(c);
                    if batch.len() == FEED_BATCH {
                        feed.push(&mut batch);
                    }
                });
                feed.push(&mut batch);
            }
            work(feed, job, producer_tx);
        });
        for _ in 1..threads {
            let tx = tx.clone();
            scope.spawn(move || work(feed, job, tx));
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

/// Candidates the producer hands over at a time: fewer wake-ups of the
/// workers than one by one.
const FEED_BATCH: usize = 8;

/// The numbered candidates handed over and not yet taken.
#[derive(Default)]
struct Feed {
    state: Mutex<Fed>,
    more: Condvar,
}

#[derive(Default)]
struct Fed {
    waiting: VecDeque<(usize, Candidate)>,
    handed: usize,
    /// Workers waiting for candidates: the producer wakes one only then
    /// (a wake-up is a system call).
    waiters: usize,
    closed: bool,
}

impl Feed {
    fn push(&self, batch: &mut Vec<Candidate>) {
        if batch.is_empty() {
            return;
        }
        let mut fed = self.lock();
        for c in batch.drain(..) {
            let n = fed.handed;
            fed.waiting.push_back((n, c));
            fed.handed += 1;
        }
        let waiters = fed.waiters;
        drop(fed);
        if waiters > 0 {
            self.more.notify_all();
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.more.notify_all();
    }

    /// Up to `most` candidates into `into`, waiting for some; false once
    /// the feed is closed and empty.
    fn take(&self, most: usize, into: &mut Vec<(usize, Candidate)>) -> bool {
        let mut fed = self.lock();
        fed.waiters += 1;
        while fed.waiting.is_empty() && !fed.closed {
            fed = self.more.wait(fed).unwrap_or_else(|e| e.into_inner());
        }
        fed.waiters -= 1;
        let n = most.min(fed.waiting.len());
        into.extend(fed.waiting.drain(..n));
        n > 0
    }

    /// Up to `most` candidates into `into` if some are waiting; false if
    /// none are (the feed closed or not).
    fn try_take(&self, most: usize, into: &mut Vec<(usize, Candidate)>) -> bool {
        let mut fed = self.lock();
        let n = most.min(fed.waiting.len());
        into.extend(fed.waiting.drain(..n));
        n > 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Fed> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Closes its feed when dropped.
struct Closing<'f>(&'f Feed);

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// One worker: takes batches of files until none are left.
fn work(feed: &Feed, job: &Job, tx: mpsc::SyncSender<Message>) {
    // One read buffer a thread, reused for every file it reads.
    let mut buf = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    // Files of a chart another worker is working out, read once it is done
    // (or at the end, when there is nothing else to do).
    let mut put_off: Vec<(usize, Candidate)> = Vec::new();
    let mut out = Outbox {
        message: Vec::new(),
        held: 0,
        files: 0,
        tx: &tx,
    };
    loop {
        // What is made goes to the writer when there is nothing to take
        // at once, or once it is `SEND_FILES` files: each message wakes
        // the writing thread, which then takes a core from a worker.
        if !feed.try_take(BATCH, &mut batch) {
            if !out.send() {
                return;
            }
            if !feed.take(BATCH, &mut batch) {
                break;
            }
        }
        for (n, c) in batch.drain(..) {
            if helm_chart::worked_out_elsewhere(&c.disk) {
                put_off.push((n, c));
            } else {
                out.file(n, &c, job, &mut buf);
            }
        }
        put_off.retain(|(n, c)| {
            let wait = helm_chart::worked_out_elsewhere(&c.disk);
            if !wait {
                out.file(*n, c, job, &mut buf);
            }
            wait
        });
        if out.files >= SEND_FILES && !out.send() {
            return;
        }
    }
    for (n, c) in put_off {
        out.file(n, &c, job, &mut buf);
    }
    out.send();
}

/// What a worker has made and not yet handed over.
struct Outbox<'t> {
    message: Message,
    /// Bytes of rendered text in `message`.
    held: usize,
    /// Files ended in `message`.
    files: usize,
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
        self.files += 1;
    }

    /// Hands over what is held; false once nobody listens.
    fn send(&mut self) -> bool {
        self.held = 0;
        self.files = 0;
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
    // A Helm template whose chart's model read it is not read again.
    if matches!(c.class, Class::Kind(FileKind::HelmTemplate))
        && helm_template::read_already(&c.disk, buf)
    {
        return process_bytes(c, Ok(&buf[..]), job, emit);
    }
    let limit = file::MAX_FILE_BYTES as u64 + 1;
    let read = std::fs::File::open(&c.disk).and_then(|f| f.take(limit).read_to_end(buf));
    process_bytes(c, read.map(|_| &buf[..]), job, emit)
}
