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
//! departments' systems) have threads of their own on PostgreSQL with a pool of four or more
//! (合并读取): a quarter of the pool's connections (one with the default pool of four on two
//! cores; smaller pools keep all their threads for all work). Such a
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

/// The queues of the read, write and lookup workers. Dropping this ends the threads once their
/// queues are empty.
pub struct Workers {
    read: Sender<Job>,
    /// The read queue itself where reads and writes share one pool (PostgreSQL); SQLite's single
    /// writer has its own thread.
    write: Sender<Job>,
    /// Lookups of a request by id (PostgreSQL with a pool of four or more).
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
            Backend::Postgres if shape.read >= 4 => shape.read / 4,
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
/// statement. Lookups that waited too long are refused without running, as other work is. When
/// the database is unavailable every caller is told so at once; after any other failure each
/// lookup is read on its own, so every caller gets its own answer.
fn look_up(db: &Db, first: Lookup, queue: &Receiver<Lookup>, wait: Duration) {
    let now = Instant::now();
    let (batch, late): (Vec<Lookup>, Vec<Lookup>) =
        std::iter::once(first).chain(queue.try_iter().take(MAX_BATCH - 1)).partition(|l| now.duration_since(l.queued) <= wait);
    for l in late {
        let _ = l.reply.send(Err(timed_out()));
    }
    if batch.len() > 1 {
        let ids: Vec<&str> = batch.iter().map(|l| l.id.as_str()).collect();
        match catch_unwind(AssertUnwindSafe(|| db.read(|c| request_store::get_many(c, &ids)))) {
            Ok(Ok(rows)) => return answer(batch, rows),
            Ok(Err(e)) if matches!(e, StoreError::Unavailable(_)) || e.is_connection_lost() => {
                let message = match e {
                    StoreError::Unavailable(m) => m,
                    lost => lost.to_string(),
                };
                for l in batch {
                    let _ = l.reply.send(Err(StoreError::Unavailable(message.clone())));
                }
                return;
            }
            _ => {}
        }
    }
    for l in batch {
        if l.queued.elapsed() > wait {
            let _ = l.reply.send(Err(timed_out()));
        // A panic drops the reply's sender (the caller answers 500).
        } else if let Ok(result) = catch_unwind(AssertUnwindSafe(|| db.read(|c| request_store::get(c, &l.id)))) {
            let _ = l.reply.send(result);
        }
    }
}

/// Hands each lookup of a batch its row, or 404: the same id may be asked for more than once, and
/// the last asker takes the row (the others a copy). A batch holds at most [`MAX_BATCH`] lookups,
/// so the rows are searched in place rather than hashed.
fn answer(batch: Vec<Lookup>, mut rows: Vec<Full>) {
    let takes: Vec<bool> = (0..batch.len()).map(|i| batch[i + 1..].iter().all(|later| later.id != batch[i].id)).collect();
    for (l, takes) in batch.into_iter().zip(takes) {
        let row = match rows.iter().position(|f| f.0.id == l.id) {
            Some(k) if takes => Some(rows.swap_remove(k)),
            Some(k) => Some(rows[k].clone()),
            None => None,
        };
        let _ = l.reply.send(row.ok_or_else(|| gongzhi_domain::DomainError::NotFound("request").into()));
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

    /// `n` requests of the demo city's 东洲社区, filed by its staff.
    fn requests(db: &Db, n: usize) -> Vec<String> {
        use gongzhi_persistence::requests::{DetailRow, RequestRow};
        use gongzhi_persistence::{accounts, jurisdictions, new_id, to_db};
        let now = chrono::Utc::now();
        let city = crate::demo::load(db, now, |_| "a-password-2026".into()).expect("demo city");
        db.write(|c| {
            let community = jurisdictions::get(c, &city.communities["东洲社区"])?;
            let staff = accounts::find_by_login(c, "staff.dongzhou")?.expect("demo staff");
            (0..n)
                .map(|i| {
                    let id = new_id();
                    let street = community.parent_id.clone().expect("a community has a street");
                    let row = RequestRow::submitted(id.clone(), community.path.clone(), community.id.clone(), street, "NOISE".into(), None, to_db(now));
                    let detail = DetailRow {
                        id: id.clone(),
                        jurisdiction_id: community.id.clone(),
                        description: format!("request {i}"),
                        latitude: None,
                        longitude: None,
                        address: Some("东洲小区".into()),
                        resident_name: "居民".into(),
                        resident_phone: None,
                        filed_by: staff.id.clone(),
                        listing: "null".into(),
                        flags: "{}".into(),
                        responded_at: None,
                        result: None,
                        rating_comment: None,
                        closed_at: None,
                        updated_at: to_db(now),
                    };
                    gongzhi_persistence::requests::insert(c, &row, &detail).map(|_| id)
                })
                .collect()
        })
        .expect("insert requests")
    }

    /// Lookups queued together, answered by one call of `look_up`: each asker gets its own row —
    /// an id asked twice both times, an unknown id 404, a lookup that waited too long 503.
    #[actix_web::test]
    async fn a_batch_answers_each_lookup_with_its_own_row() {
        let dir = std::env::temp_dir().join(format!("gongzhi-workers-{}", uuid::Uuid::now_v7()));
        let db = db(&dir, Duration::from_secs(10));
        db.migrate().expect("migrate");
        let ids = requests(&db, 3);
        let unknown = uuid::Uuid::now_v7().to_string();
        let asked = [&ids[2], &ids[0], &unknown, &ids[2], &ids[1], &ids[0]];
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut answers = Vec::new();
        for (i, id) in asked.iter().enumerate() {
            let (reply, answer) = tokio::sync::oneshot::channel();
            // The fifth lookup has waited past the time-out.
            let queued = if i == 4 { Instant::now() - Duration::from_secs(60) } else { Instant::now() };
            tx.send(Lookup { queued, id: id.to_string(), reply }).expect("queue");
            answers.push(answer);
        }
        let first = rx.try_recv().expect("the first lookup");
        look_up(&db, first, &rx, Duration::from_secs(10));
        assert!(rx.is_empty(), "the lookups queued behind the first are taken with it");
        for (i, answer) in answers.into_iter().enumerate() {
            match (i, answer.await.expect("answered")) {
                (2, Err(StoreError::Domain(gongzhi_domain::DomainError::NotFound("request")))) => {}
                (4, Err(StoreError::Unavailable(_))) => {}
                (i, Ok(full)) if i != 2 && i != 4 => assert_eq!(&full.0.id, asked[i]),
                (i, other) => panic!("lookup {i} of {}: {other:?}", asked[i]),
            }
        }
        drop(db);
        std::fs::remove_dir_all(dir).ok();
    }

    /// A shared statement that cannot get a connection answers every lookup of it unavailable at
    /// once (not one pool time-out after another).
    #[actix_web::test]
    async fn a_batch_without_a_connection_is_unavailable_to_all() {
        let dir = std::env::temp_dir().join(format!("gongzhi-workers-{}", uuid::Uuid::now_v7()));
        // The pool's time-out is 200 ms: reading the three alone after the shared statement failed
        // would take four of them.
        let db = db(&dir, Duration::from_millis(200));
        let (held, release) = (std::sync::mpsc::channel(), std::sync::mpsc::channel::<()>());
        let holder = {
            let db = db.clone();
            // The read pool's only connection, held until released.
            std::thread::spawn(move || db.read(|_| Ok(held.0.send(()).map(|_| release.1.recv()))))
        };
        held.1.recv().expect("the connection is held");
        let (tx, rx) = crossbeam_channel::unbounded();
        let answers: Vec<_> = (0..3)
            .map(|_| {
                let (reply, answer) = tokio::sync::oneshot::channel();
                tx.send(Lookup { queued: Instant::now(), id: uuid::Uuid::now_v7().to_string(), reply }).expect("queue");
                answer
            })
            .collect();
        let started = Instant::now();
        look_up(&db, rx.try_recv().expect("a lookup"), &rx, Duration::from_secs(10));
        assert!(started.elapsed() < Duration::from_millis(600), "one time-out, not one per lookup");
        for answer in answers {
            assert!(matches!(answer.await.expect("answered"), Err(StoreError::Unavailable(_))));
        }
        release.0.send(()).expect("release");
        let signalled = holder.join().expect("holder thread").expect("the holding read");
        signalled.expect("signalled").expect("released");
        drop(db);
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
