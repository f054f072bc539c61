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

use crossbeam_channel::{Receiver, Sender};
use gongzhi_persistence::{Db, DbConnection, StoreError, StoreResult};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// One queued piece of work; `expired` is true when it waited too long to start.
type Work = Box<dyn FnOnce(&Db, bool) + Send>;

struct Job {
    queued: Instant,
    work: Work,
}

/// The queues of the read and the write workers. Dropping this ends the threads once their
/// queues are empty.
pub struct Workers {
    read: Sender<Job>,
    /// The read queue itself where reads and writes share one pool (PostgreSQL); SQLite's single
    /// writer has its own thread.
    write: Sender<Job>,
}

/// The work's closure panicked or its thread is gone; the caller answers 500.
#[derive(Debug)]
pub struct WorkLost;

impl Workers {
    /// Starts one thread per connection of `db`'s pools.
    pub fn start(db: &Db) -> Workers {
        let shape = db.shape();
        let read = spawn(db, "read", shape.read, shape.wait);
        let write = if shape.shared { read.clone() } else { spawn(db, "write", shape.write, shape.wait) };
        Workers { read, write }
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
}

/// Queues `f` and waits for its result.
async fn submit<T: Send + 'static>(
    queue: &Sender<Job>,
    f: impl FnOnce(&Db) -> StoreResult<T> + Send + 'static,
) -> Result<StoreResult<T>, WorkLost> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let work: Work = Box::new(move |db, expired| {
        let result = if expired {
            Err(StoreError::Unavailable("timed out waiting for a database connection".into()))
        } else {
            f(db)
        };
        // The caller may be gone (client disconnected); the work is done either way.
        let _ = tx.send(result);
    });
    queue.send(Job { queued: Instant::now(), work }).map_err(|_| WorkLost)?;
    rx.await.map_err(|_| WorkLost)
}

fn spawn(db: &Db, lane: &str, threads: u32, wait: Duration) -> Sender<Job> {
    let (tx, rx) = crossbeam_channel::unbounded::<Job>();
    for i in 0..threads {
        let (db, rx) = (db.clone(), rx.clone());
        std::thread::Builder::new()
            .name(format!("db-{lane}-{i}"))
            .spawn(move || serve(&db, &rx, wait))
            .expect("start a database worker thread");
    }
    tx
}

fn serve(db: &Db, queue: &Receiver<Job>, wait: Duration) {
    while let Ok(job) = queue.recv() {
        let expired = job.queued.elapsed() > wait;
        // A panic drops the result's sender (the caller answers 500); the thread carries on.
        let _ = catch_unwind(AssertUnwindSafe(|| (job.work)(db, expired)));
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
