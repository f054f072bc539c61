//! The log writer (日志批量写出): log lines gathered in memory and written by one background thread
//! in a single system call per batch.
//!
//! Every request writes an access-log line. With a writer thread woken for each line (as
//! `tracing-appender`'s was), a busy server woke that thread and wrote to stdout thousands of
//! times a second, on the cores the requests need (BENCHMARKS.md, eighth round: without any access
//! log the single read on PostgreSQL was 18% faster; batching the writes took back ≈3% of it and
//! 3 of `/healthz`'s 21 µs of server CPU, writing the access line directly
//! ([`crate::middleware::access_line`]) most of the rest). Here a line is copied into a shared
//! buffer and nothing more; the thread wakes every [`INTERVAL`], or as soon as the buffer holds
//! [`SOON`] bytes, and writes everything gathered. Lines are never dropped: when the
//! output cannot keep up and [`LIMIT`] bytes wait, writers wait for room (as the bounded queue
//! made them wait before). [`LogWriter::flush_within`] writes what is left at exit, waiting at
//! most a second for the output.

use std::io::{Stdout, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

/// The longest a line waits in memory under light load.
pub const INTERVAL: Duration = Duration::from_millis(100);
/// A buffer this full is written at once rather than at the next interval.
pub const SOON: usize = 64 * 1024;
/// Writers wait while this much is buffered and not yet taken by the writer thread.
pub const LIMIT: usize = 8 * 1024 * 1024;

struct Shared<W> {
    pending: Mutex<Vec<u8>>,
    /// Signalled when the buffer reaches [`SOON`] (to the writer thread) or is taken (to writers
    /// waiting for room).
    changed: Condvar,
    /// The output and the batch being written (kept between batches, so the buffer that replaces
    /// it already has room); held while a batch is written so batches reach it in the order taken.
    out: Mutex<(W, Vec<u8>)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<W: Write> Shared<W> {
    /// Writes what is buffered. A failed write is reported on stderr; the lines are gone, as a
    /// line written straight to a broken stdout would be.
    fn write_out(&self) {
        let mut guard = lock(&self.out);
        let (out, batch) = &mut *guard;
        batch.clear();
        std::mem::swap(&mut *lock(&self.pending), batch);
        self.changed.notify_all();
        if batch.is_empty() {
            return;
        }
        if let Err(e) = out.write_all(batch).and_then(|_| out.flush()) {
            eprintln!("gongzhi: cannot write the log: {e}");
        }
        // A burst (a stalled stdout) should not keep its buffer for good.
        if batch.capacity() > 4 * SOON {
            batch.clear();
            batch.shrink_to(SOON);
        }
    }
}

/// A cloneable handle that buffers what is written to it; see the module documentation.
pub struct LogWriter<W: Write + Send + 'static> {
    shared: Arc<Shared<W>>,
}

impl<W: Write + Send + 'static> Clone for LogWriter<W> {
    fn clone(&self) -> Self {
        LogWriter { shared: self.shared.clone() }
    }
}

impl<W: Write + Send + 'static> LogWriter<W> {
    /// Starts the writer thread for `out`. The thread lives as long as the process.
    pub fn start(out: W) -> LogWriter<W> {
        let shared = Arc::new(Shared { pending: Mutex::new(Vec::with_capacity(SOON)), changed: Condvar::new(), out: Mutex::new((out, Vec::with_capacity(SOON))) });
        let writer = LogWriter { shared: shared.clone() };
        std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || loop {
                {
                    let pending = lock(&shared.pending);
                    if pending.len() < SOON {
                        drop(shared.changed.wait_timeout(pending, INTERVAL).unwrap_or_else(PoisonError::into_inner));
                    }
                }
                shared.write_out();
            })
            .expect("start the log writer thread");
        writer
    }

    /// Writes everything buffered so far before returning.
    pub fn flush_now(&self) {
        self.shared.write_out();
    }

    /// Writes everything buffered so far, waiting at most `limit`: an output whose reader stopped
    /// reading (a stalled pipe) must not keep the process from exiting. Meant for exit: the write
    /// runs on a thread of its own, which is left behind (blocked on the output) when the time
    /// runs out. False then, or when no thread could be started; the lines not yet written are
    /// lost with the process.
    pub fn flush_within(&self, limit: Duration) -> bool {
        let (done, finished) = std::sync::mpsc::channel();
        let log = self.clone();
        let flushing = std::thread::Builder::new().name("log-flush".into()).spawn(move || {
            log.flush_now();
            let _ = done.send(());
        });
        flushing.is_ok() && finished.recv_timeout(limit).is_ok()
    }

    /// Buffers `buf` (whole lines) for the thread to write.
    pub fn append(&self, buf: &[u8]) {
        let mut pending = lock(&self.shared.pending);
        while pending.len() >= LIMIT {
            pending = self.shared.changed.wait(pending).unwrap_or_else(PoisonError::into_inner);
        }
        let before = pending.len();
        pending.extend_from_slice(buf);
        if before < SOON && pending.len() >= SOON {
            self.shared.changed.notify_all();
        }
    }
}

impl<W: Write + Send + 'static> Write for LogWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.append(buf);
        Ok(buf.len())
    }

    /// Lines are written by the thread; a flush per line would undo the batching.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static STDOUT: OnceLock<LogWriter<Stdout>> = OnceLock::new();

/// The process's log writer to stdout, started on first use (by `main`).
pub fn stdout() -> &'static LogWriter<Stdout> {
    STDOUT.get_or_init(|| LogWriter::start(std::io::stdout()))
}

/// The log writer to stdout if the process started it (the server does; tests do not).
pub fn stdout_if_started() -> Option<&'static LogWriter<Stdout>> {
    STDOUT.get()
}

impl<'a, W: Write + Send + 'static> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter<W> {
    type Writer = LogWriter<W>;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// An output that records what reached it, optionally slowly.
    #[derive(Clone, Default)]
    struct Sink {
        got: Arc<Mutex<Vec<u8>>>,
        writes: Arc<Mutex<usize>>,
        delay: Duration,
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(self.delay);
            *lock(&self.writes) += 1;
            lock(&self.got).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines(sink: &Sink) -> Vec<String> {
        String::from_utf8(lock(&sink.got).clone()).expect("utf-8").lines().map(str::to_string).collect()
    }

    #[test]
    fn lines_reach_the_output_in_order_within_the_interval_in_few_writes() {
        let sink = Sink::default();
        let log = LogWriter::start(sink.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut w = log.clone();
                std::thread::spawn(move || {
                    // As tracing's formatter does: a whole line in one call.
                    for i in 0..500 {
                        w.write_all(format!("{t} {i}\n").as_bytes()).expect("write");
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().expect("writer"));
        let deadline = Instant::now() + INTERVAL * 20;
        while lines(&sink).len() < 2000 && Instant::now() < deadline {
            std::thread::sleep(INTERVAL / 10);
        }
        let got = lines(&sink);
        assert_eq!(got.len(), 2000, "every line, written without an explicit flush");
        for t in 0..4 {
            let mine: Vec<usize> = got.iter().filter_map(|l| l.strip_prefix(&format!("{t} "))).map(|i| i.parse().expect("n")).collect();
            assert_eq!(mine, (0..500).collect::<Vec<_>>(), "each writer's lines whole and in order");
        }
        assert!(*lock(&sink.writes) < 100, "batched: {} writes for 2000 lines", lock(&sink.writes));
    }

    #[test]
    fn flush_now_writes_what_is_buffered() {
        let sink = Sink::default();
        let log = LogWriter::start(sink.clone());
        log.clone().write_all(b"last words\n").expect("write");
        log.flush_now();
        assert_eq!(lines(&sink), ["last words"]);
    }

    #[test]
    fn flush_within_gives_up_on_an_output_that_does_not_take_the_lines() {
        let stuck = Sink { delay: Duration::from_secs(30), ..Default::default() };
        let log = LogWriter::start(stuck.clone());
        log.clone().write_all(b"never read\n").expect("write");
        let started = Instant::now();
        assert!(!log.flush_within(Duration::from_millis(200)));
        assert!(started.elapsed() < Duration::from_secs(5), "gave up after {:?}", started.elapsed());
        let sink = Sink::default();
        let log = LogWriter::start(sink.clone());
        log.clone().write_all(b"last words\n").expect("write");
        assert!(log.flush_within(Duration::from_secs(5)));
        assert_eq!(lines(&sink), ["last words"]);
    }

    #[test]
    fn writers_wait_for_room_instead_of_losing_lines() {
        // Each write to the output takes 50 ms, far slower than the lines come: the buffer must
        // stay bounded, and every line arrives.
        let sink = Sink { delay: Duration::from_millis(50), ..Default::default() };
        let log = LogWriter::start(sink.clone());
        let line = [b'x'; 1023].iter().copied().chain([b'\n']).collect::<Vec<u8>>();
        let mut w = log.clone();
        for _ in 0..(4 * LIMIT / line.len()) {
            w.write_all(&line).expect("write");
            assert!(lock(&log.shared.pending).len() < LIMIT + line.len(), "the buffer stays bounded");
        }
        log.flush_now();
        assert_eq!(lines(&sink).len(), 4 * LIMIT / line.len());
        assert!(lock(&log.shared.pending).is_empty());
        let kept = lock(&log.shared.pending).capacity() + lock(&log.shared.out).1.capacity();
        assert!(kept <= 8 * SOON, "the burst's buffers are given back ({kept} bytes kept)");
    }
}
