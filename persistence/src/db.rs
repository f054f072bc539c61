//! Connections: one binary, two backends. `postgres://…` selects PostgreSQL; anything else
//! (`sqlite:PATH`, `sqlite://PATH` or a plain path) selects the embedded SQLite database.
//!
//! SQLite allows one writer at a time; a deferred transaction that upgrades from read to write
//! can fail with SQLITE_BUSY. Gongzhi therefore keeps two pools: writes go through a pool of a
//! single connection (writes queue in order, no upgrade deadlocks), reads through a larger pool
//! (WAL lets them proceed beside the writer). On PostgreSQL both names refer to one pool.

use crate::error::{StoreError, StoreResult};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend; query code is written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// Splits a database URL into its backend and the string the driver wants.
pub fn parse_url(url: &str) -> (Backend, String) {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        (Backend::Postgres, url.to_string())
    } else {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        (Backend::Sqlite, path.to_string())
    }
}

/// Hides a password in a URL before it is logged or shown.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Opens connections of the configured backend and reports the driver's real error.
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
    target: String,
    /// SQLite: each connection's page cache in KiB (`PRAGMA cache_size`).
    cache_kib: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
}

/// A pooled connection, marked `lost` when a query on it failed because the server went away.
pub struct Pooled {
    conn: DbConnection,
    lost: bool,
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ConnectError;

    fn connect(&self) -> Result<Pooled, ConnectError> {
        let conn = match self.backend {
            Backend::Postgres => DbConnection::Pg(PgConnection::establish(&self.target)?),
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.target)?;
                c.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
                c.batch_execute(&format!("PRAGMA cache_size = -{};", self.cache_kib))?;
                DbConnection::Sqlite(c)
            }
        };
        Ok(Pooled { conn, lost: false })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), ConnectError> {
        conn.conn.batch_execute("SELECT 1").map_err(ConnectError::Query)
    }

    /// Checked when a connection returns to the pool: one that lost its server (PostgreSQL
    /// restarted, network cut) or left a transaction open or in error is dropped, not reused.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.lost
            || std::thread::panicking()
            || match &mut conn.conn {
                DbConnection::Pg(c) => c.is_broken(),
                DbConnection::Sqlite(c) => c.is_broken(),
            }
    }
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Connections in the read pool (PostgreSQL: the only pool).
    pub pool_size: u32,
    pub connect_timeout: Duration,
    /// SQLite: the page cache of all connections together, in KiB, shared out equally (each
    /// connection has its own cache; SQLite's default is 2 MiB each).
    pub sqlite_cache_kib: u32,
}

/// SQLite's page cache for the whole pool by default: 32 MiB. With 2 MiB per connection a single
/// read fetched most pages from the operating system with a system call each (pread was 10% of
/// its CPU); 32 MiB in all gave +5% single reads for +12 MB of RSS (BENCHMARKS.md, fifth round).
pub const DEFAULT_SQLITE_CACHE_KIB: u32 = 32 * 1024;

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions { pool_size: 8, connect_timeout: Duration::from_secs(10), sqlite_cache_kib: DEFAULT_SQLITE_CACHE_KIB }
    }
}

pub type Conn = PooledConnection<Manager>;

/// The sizes of a [`Db`]'s pools.
#[derive(Debug, Clone, Copy)]
pub struct PoolShape {
    /// Connections in the read pool.
    pub read: u32,
    /// Connections in the write pool (SQLite: the single writer).
    pub write: u32,
    /// True when reads and writes share one pool (PostgreSQL).
    pub shared: bool,
    /// How long work may wait for a connection before it is refused as unavailable.
    pub wait: Duration,
}

/// The database: a backend and its pools.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
    read: Pool<Manager>,
    write: Pool<Manager>,
}

impl Db {
    /// Connects, failing fast with the driver's own message (server down, bad URL, unwritable
    /// file) rather than a pool time-out.
    pub fn connect(url: &str, opts: &DbOptions) -> StoreResult<Db> {
        let (backend, target) = parse_url(url);
        // SQLite: the readers and the one writer share the cache budget (at least 64 KiB each).
        let readers = opts.pool_size.max(1);
        let cache_kib = (opts.sqlite_cache_kib / (readers + 1)).max(64);
        let manager = Manager { backend, target: target.clone(), cache_kib };
        if backend == Backend::Sqlite {
            if let Some(dir) = std::path::Path::new(&target).parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Unavailable(format!("cannot create the data directory {}: {e}", dir.display()))
                })?;
            }
        }
        let mut first = manager.connect().map_err(|e| {
            StoreError::Unavailable(format!("cannot open the {} database at {}: {e}", backend.as_str(), redact_url(url)))
        })?;
        if backend == Backend::Sqlite {
            // WAL is a property of the database file: set it once, before the pool opens.
            first.conn
                .batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| StoreError::Unavailable(format!("cannot enable WAL on {target}: {e}")))?;
        }
        drop(first);
        let build = |size: u32| {
            Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                // No `SELECT 1` round trip before every use (it doubled a single read's database
                // work); broken connections are dropped on return instead (`has_broken`), so after
                // a database restart each idle connection fails at most one request.
                .test_on_check_out(false)
                .connection_timeout(opts.connect_timeout)
                .build_unchecked(manager.clone())
        };
        let read = build(readers);
        let write = match backend {
            Backend::Sqlite => build(1),
            Backend::Postgres => read.clone(),
        };
        Ok(Db { backend, read, write })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pools' sizes and how long work may wait for a connection.
    pub fn shape(&self) -> PoolShape {
        PoolShape {
            read: self.read.max_size(),
            write: self.write.max_size(),
            shared: self.backend == Backend::Postgres,
            wait: self.read.connection_timeout(),
        }
    }

    fn get(pool: &Pool<Manager>) -> StoreResult<Conn> {
        pool.get().map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// Runs `f` on a connection of `pool`; a connection whose server went away is marked so the
    /// pool drops it instead of handing it out again.
    fn with<T>(pool: &Pool<Manager>, f: impl FnOnce(&mut DbConnection) -> StoreResult<T>) -> StoreResult<T> {
        let mut pooled = Self::get(pool)?;
        let result = f(&mut pooled.conn);
        if let Err(e) = &result {
            // Work may turn a database error into another answer (a lookup read as "absent"), so
            // after any failure a connection not known to be lost is probed once; successful
            // work pays nothing.
            pooled.lost = e.is_connection_lost() || pooled.conn.batch_execute("SELECT 1").is_err();
        }
        result
    }

    /// Runs read-only work on a pooled connection.
    pub fn read<T>(&self, f: impl FnOnce(&mut DbConnection) -> StoreResult<T>) -> StoreResult<T> {
        Self::with(&self.read, f)
    }

    /// Runs `f` in one transaction on the writer connection: all of it or none of it.
    pub fn write<T>(&self, f: impl FnOnce(&mut DbConnection) -> StoreResult<T>) -> StoreResult<T> {
        Self::with(&self.write, |conn| conn.transaction(f))
    }

    /// Applies pending migrations of the backend; returns the versions applied.
    pub fn migrate(&self) -> StoreResult<Vec<String>> {
        let mut pooled = Self::get(&self.write)?;
        let applied = match &mut pooled.conn {
            DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.iter().map(|m| m.to_string()).collect()),
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.iter().map(|m| m.to_string()).collect()),
        };
        applied.map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))
    }

    /// Readiness: a trivial query on the read pool.
    pub fn ping(&self) -> StoreResult<()> {
        self.read(|c| c.batch_execute("SELECT 1").map_err(StoreError::Db))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `.cargo/config.toml` builds the bundled SQLite with the query planner stability guarantee;
    /// without it every statement with a bound LIMIT is re-prepared at each execution.
    #[test]
    fn sqlite_is_built_with_the_planner_stability_guarantee() {
        #[derive(diesel::QueryableByName)]
        struct Opt {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut c = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        let opts: Vec<Opt> = diesel::sql_query("PRAGMA compile_options").load(&mut c).expect("compile options");
        assert!(opts.iter().any(|o| o.compile_options == "ENABLE_QPSG"), "LIBSQLITE3_FLAGS from .cargo/config.toml was not applied");
    }

    /// The SQLite page-cache budget is shared out over the readers and the writer.
    #[test]
    fn sqlite_connections_share_the_cache_budget() {
        #[derive(diesel::QueryableByName)]
        struct Size {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            cache_size: i64,
        }
        let path = std::env::temp_dir().join(format!("gongzhi-cache-{}.db", uuid::Uuid::now_v7()));
        let db = Db::connect(path.to_str().expect("UTF-8 path"), &DbOptions { pool_size: 3, sqlite_cache_kib: 8 * 1024, ..Default::default() })
            .expect("open a SQLite file");
        let size = |c: &mut DbConnection| -> StoreResult<i64> {
            let rows: Vec<Size> = diesel::sql_query("PRAGMA cache_size").load(c)?;
            Ok(rows[0].cache_size)
        };
        assert_eq!(db.read(size).expect("reader"), -2048);
        assert_eq!(db.write(size).expect("writer"), -2048);
        drop(db);
        for suffix in ["", "-wal", "-shm"] {
            std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
        }
    }

    #[test]
    fn urls() {
        assert_eq!(parse_url("postgres://u:p@h/db").0, Backend::Postgres);
        assert_eq!(parse_url("postgresql://h/db").0, Backend::Postgres);
        assert_eq!(parse_url("sqlite://data/g.db"), (Backend::Sqlite, "data/g.db".to_string()));
        assert_eq!(parse_url("sqlite:data/g.db"), (Backend::Sqlite, "data/g.db".to_string()));
        assert_eq!(parse_url("/tmp/x.db"), (Backend::Sqlite, "/tmp/x.db".to_string()));
        assert_eq!(redact_url("postgres://gz:secret@db:5432/gz"), "postgres://gz:***@db:5432/gz");
        assert_eq!(redact_url("postgres://db/gz"), "postgres://db/gz");
    }
}
