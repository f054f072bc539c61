//! Database workers (数据库工作线程): a fixed set of threads, one per pooled connection, that run
//! handlers' database work first come, first served.
//!
//! Work used to go to actix's blocking pool (`web::block`), where each request's thread then
//! waited inside the connection pool: under load a sleeping thread per waiting request, two
//! wake-ups per request, and a thread returning a connection could take it straight back ahead
//! of earlier waiters (a long latency tail). Here a queue feeds as many threads as the pool has
//! connections: each takes the oldest job as soon as it finishes the last one, so a thread never
//! waits for a connection and no connection idles while work is queued. Measured (BENCHMARKS.md,
//! fifth round): single read +28% on SQLite and +15% on PostgreSQL; a list page's p99 at 16
//! connections 19–21 → 14–15 ms at 8% more pages per second.
//!
//! Work that waited longer than the pool's connection time-out is refused as unavailable without
//! running, as a pool time-out did before (an overloaded server answers 503, not ever later).
//!
//! Single reads of a request by id (`GET /requests/{id}`, the most frequent call of apps and
//! departments' systems) have threads of their own on PostgreSQL (合并读取): a quarter of the
//! pool's connections, at least one (one with the default pool of four on two cores). Such a
//! thread takes the oldest lookup and those already queued behind it (up to [`MAX_BATCH`], never
//! waiting for more) and answers them with one statement: one round trip instead of one each.
//! Under light load a lookup is alone; under load the database's per-statement cost and the round
//! trip's system calls and wake-ups are shared by several, and fewer threads make fuller batches
//! (BENCHMARKS.md, seventh round: +50% single reads). The lookups' own threads also keep them from
//! queueing behind a slow list or measures call. The caller's reach is checked on the row
//! afterwards, per caller. On SQLite a query is a function call, not a round trip, and the readers
//! run in parallel on the cores, so a lookup is an ordinary read there.

use crossbeam_channel::{Receiver, Sender};
use gongzhi_persistence::requests::{self as request_store, Full};
use gongzhi_persistence::{Backend, Db, DbConnection, StoreError, StoreResult};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// One queued piece of work; `expired` is true when it waited too long to start.
type Work = Box<dyn FnOnce(&Db, bool) + Send>;

struct Job {
    queued: Instant,
    work: Work,
}

/// A request to read by id, answered alone or in one statement with the lookups queued behind it.
struct Lookup {
    queued: Instant,
    id: String,
    reply: tokio::sync::oneshot::Sender<StoreResult<Full>>,
}

/// The most lookups one statement answers.
const MAX_BATCH: usize = request_store::LOOKUP_BATCH;

/// The queues of the read and the write workers. Dropping this ends the threads once their
/// queues are empty.
pub struct Workers {
    read: Sender<Job>,
    /// The read queue itself where reads and writes share one pool (PostgreSQL); SQLite's single
    /// writer has its own thread.
    write: Sender<Job>,
    /// Lookups of a request by id (PostgreSQL with a pool of two or more).
    lookups: Option<Sender<Lookup>>,
}

/// The work's closure panicked or its thread is gone; the caller answers 500.
#[derive(Debug)]
pub struct WorkLost;

impl Workers {
    /// Starts one thread per connection of `db`'s pools.
    pub fn start(db: &Db) -> Workers {
        let shape = db.shape();
        let lookup_threads = match db.backend() {
            Backend::Postgres if shape.read >= 2 => (shape.read / 4).max(1),
            _ => 0,
        };
        let read = spawn(db, "read", shape.read - lookup_threads, shape.wait, run);
        let write = if shape.shared { read.clone() } else { spawn(db, "write", shape.write, shape.wait, run) };
        let lookups = (lookup_threads > 0).then(|| spawn(db, "lookup", lookup_threads, shape.wait, look_up));
        Workers { read, write, lookups }
    }

    /// Runs read-only work on a read connection.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
    ) -> Result<StoreResult<T>, WorkLost> {
        submit(&self.read, move |db: &Db| db.read(f)).await
    }

    /// Runs `f` in one transaction on the writer.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
    ) -> Result<StoreResult<T>, WorkLost> {
        submit(&self.write, move |db: &Db| db.write(f)).await
    }

    /// Reads a request by id (404 when there is none); the caller checks its reach.
    pub async fn look_up_request(&self, id: String) -> Result<StoreResult<Full>, WorkLost> {
        let Some(lookups) = &self.lookups else {
            return self.read(move |c| request_store::get(c, &id)).await;
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        lookups.send(Lookup { queued: Instant::now(), id, reply }).map_err(|_| WorkLost)?;
        answer.await.map_err(|_| WorkLost)
    }
}

/// Queues `f` and waits for its result.
async fn submit<T: Send + 'static>(
    queue: &Sender<Job>,
    f: impl FnOnce(&Db) -> StoreResult<T> + Send + 'static,
) -> Result<StoreResult<T>, WorkLost> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let work: Work = Box::new(move |db, expired| {
        let result = if expired { Err(timed_out()) } else { f(db) };
        // The caller may be gone (client disconnected); the work is done either way.
        let _ = tx.send(result);
    });
    queue.send(Job { queued: Instant::now(), work }).map_err(|_| WorkLost)?;
    rx.await.map_err(|_| WorkLost)
}

fn timed_out() -> StoreError {
    StoreError::Unavailable("timed out waiting for a database connection".into())
}

/// Starts `threads` threads that serve a new queue with `serve` (each call takes the oldest item;
/// it may take more from the queue) until the queue is closed and empty.
fn spawn<T: Send + 'static>(
    db: &Db,
    lane: &str,
    threads: u32,
    wait: Duration,
    serve: fn(&Db, T, &Receiver<T>, Duration),
) -> Sender<T> {
    let (tx, rx) = crossbeam_channel::unbounded::<T>();
    for i in 0..threads {
        let (db, rx) = (db.clone(), rx.clone());
        std::thread::Builder::new()
            .name(format!("db-{lane}-{i}"))
            .spawn(move || rx.iter().for_each(|first| serve(&db, first, &rx, wait)))
            .expect("start a database worker thread");
    }
    tx
}

fn run(db: &Db, job: Job, _: &Receiver<Job>, wait: Duration) {
    let expired = job.queued.elapsed() > wait;
    // A panic drops the result's sender (the caller answers 500); the thread carries on.
    let _ = catch_unwind(AssertUnwindSafe(|| (job.work)(db, expired)));
}

/// Answers `first` and the lookups already queued behind it (up to [`MAX_BATCH`] in all) with one
/// statement; if that fails, each is read on its own, so every caller gets its own answer.
fn look_up(db: &Db, first: Lookup, queue: &Receiver<Lookup>, wait: Duration) {
    let mut batch = Vec::with_capacity(8);
    for l in std::iter::once(first).chain(queue.try_iter().take(MAX_BATCH - 1)) {
        if l.queued.elapsed() > wait {
            let _ = l.reply.send(Err(timed_out()));
        } else {
            batch.push(l);
        }
    }
    if batch.len() > 1 {
        let ids: Vec<String> = batch.iter().map(|l| l.id.clone()).collect();
        if let Ok(Ok(rows)) = catch_unwind(AssertUnwindSafe(|| db.read(|c| request_store::get_many(c, &ids)))) {
            let mut found: HashMap<String, Full> = rows.into_iter().map(|f| (f.0.id.clone(), f)).collect();
            // The same id may be asked for twice in one batch: the last asker takes the row.
            let last: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
            for (i, l) in batch.into_iter().enumerate() {
                let row = if last[l.id.as_str()] == i { found.remove(&l.id) } else { found.get(&l.id).cloned() };
                let _ = l.reply.send(row.ok_or_else(|| gongzhi_domain::DomainError::NotFound("request").into()));
            }
            return;
        }
    }
    for l in batch {
        // A panic drops the reply's sender (the caller answers 500).
        if let Ok(result) = catch_unwind(AssertUnwindSafe(|| db.read(|c| request_store::get(c, &l.id)))) {
            let _ = l.reply.send(result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongzhi_persistence::DbOptions;

    fn db(dir: &std::path::Path, wait: Duration) -> Db {
        let url = dir.join("w.db").to_string_lossy().into_owned();
        Db::connect(&url, &DbOptions { pool_size: 1, connect_timeout: wait, ..Default::default() }).expect("open a SQLite file")
    }

    fn one(c: &mut DbConnection) -> StoreResult<i32> {
        use diesel::RunQueryDsl;
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1")).get_result(c).map_err(StoreError::Db)
    }

    #[actix_web::test]
    async fn work_that_waited_past_the_time_out_is_refused_without_running() {
        let dir = std::env::temp_dir().join(format!("gongzhi-workers-{}", uuid::Uuid::now_v7()));
        let workers = Workers::start(&db(&dir, Duration::from_millis(50)));
        // One read thread: the second job waits behind the first's 200 ms.
        let slow = workers.read(|c| {
            std::thread::sleep(Duration::from_millis(200));
            one(c)
        });
        let late = workers.read(one);
        let (slow, late) = futures_util::join!(slow, late);
        assert_eq!(slow.expect("ran").expect("read"), 1);
        assert!(matches!(late.expect("answered"), Err(StoreError::Unavailable(_))));
        // Nothing is queued now: work runs again.
        assert_eq!(workers.read(one).await.expect("ran").expect("read"), 1);
        std::fs::remove_dir_all(dir).ok();
    }

    #[actix_web::test]
    async fn a_panic_answers_work_lost_and_the_thread_carries_on() {
        let dir = std::env::temp_dir().join(format!("gongzhi-workers-{}", uuid::Uuid::now_v7()));
        let workers = Workers::start(&db(&dir, Duration::from_secs(10)));
        let lost = workers.read(|_| -> StoreResult<i32> { panic!("a bug in the work") }).await;
        assert!(lost.is_err());
        assert_eq!(workers.write(one).await.expect("ran").expect("write"), 1);
        assert_eq!(workers.read(one).await.expect("ran").expect("read"), 1);
        std::fs::remove_dir_all(dir).ok();
    }
}
