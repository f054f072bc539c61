//! Gongzhi (共治) persistence: one portable schema over SQLite and PostgreSQL, per-backend
//! embedded migrations, the connection pool, and query functions per aggregate.

/// Runs `$body` with `$c` bound to the backend's own connection (`PgConnection` or
/// `SqliteConnection`); the body is compiled once per backend, so a query built inside it is typed
/// for that backend. For the hot reads: the multi-backend connection renders a statement's SQL
/// text on every call before it finds the prepared statement, and converts every value through
/// its own backend type: a single-request read ran 17% faster on SQLite and 10% on PostgreSQL
/// without it (a list page, dominated by other work, showed no measurable change; BENCHMARKS.md).
macro_rules! native {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::DbConnection::Pg($c) => $body,
            $crate::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use native;

pub mod accounts;
pub mod audit;
pub mod clearance;
pub mod db;
pub mod departments;
pub mod evaluation;
pub mod error;
pub mod idempotency;
pub mod jurisdictions;
pub mod locks;
pub mod requests;
pub mod ledgers;
pub mod organisations;
pub mod schema;
pub mod tokens;

pub use db::{Backend, Db, DbConnection, DbOptions, PoolShape, DEFAULT_SQLITE_CACHE_KIB};
pub use error::{StoreError, StoreResult};

/// A fresh time-ordered id (UUIDv7): ordering by id is ordering by creation.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Converts an instant to the stored form (UTC, naive, microseconds).
pub fn to_db(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    gongzhi_domain::clock::truncate(t).naive_utc()
}

/// Converts a stored timestamp back to UTC.
pub fn from_db(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

/// Keyset page: rows after `cursor` (an id) in id order, `limit + 1` fetched to know if more exist.
pub struct Page<T> {
    pub items: Vec<T>,
    /// Id of the last item when another page follows.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> String) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map(&id) } else { None };
        Page { items: rows, next }
    }
}
