//! The `gongzhi` binary: serve the API, run migrations, create an administrator, load the demo
//! city, or print the OpenAPI contract.

use actix_web::{web, HttpServer};
use clap::{Parser, Subcommand};
use gongzhi_api::auth::password;
use gongzhi_api::config::Config;
use gongzhi_api::log_writer;
use gongzhi_api::{build_app, demo, AppState};
use gongzhi_domain::clock::{Clock, SystemClock};
use gongzhi_domain::role::Role;
use gongzhi_persistence::accounts::{self, AccountRow, KIND_PERSON};
use gongzhi_persistence::db::redact_url;
use gongzhi_persistence::{to_db, Db, DbOptions};
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "gongzhi", version, about = "Gongzhi (共治) community-governance platform backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default). Applies pending migrations first.
    Serve {
        /// Load the demo city (or reset its passwords) and print its accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a platform-wide system_admin with a random password, printed once.
    CreateAdmin {
        #[arg(long, default_value = "admin")]
        login: String,
    },
    /// Load the demo city (or reset its passwords) and print its accounts.
    Demo,
    /// Print the OpenAPI contract (or write it to a file).
    Openapi {
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

/// Writes the buffered log lines at exit (including [`fail`]), giving up after a second when
/// stdout does not take them: a stalled reader must not keep the process from exiting. Nothing is
/// reported when it gives up — stderr is often the same stalled pipe.
fn flush_log() {
    if let Some(log) = log_writer::stdout_if_started() {
        let _ = log.flush_within(std::time::Duration::from_secs(1));
    }
}

fn fail(msg: impl std::fmt::Display) -> ! {
    flush_log();
    eprintln!("gongzhi: {msg}");
    std::process::exit(1)
}

fn open_db(cfg: &Config) -> Db {
    let db = Db::connect(&cfg.database_url, &DbOptions { pool_size: cfg.pool_size, sqlite_cache_kib: cfg.sqlite_cache_mb.saturating_mul(1024), ..Default::default() }).unwrap_or_else(|e| fail(e));
    match db.migrate() {
        Ok(applied) if !applied.is_empty() => tracing::info!(count = applied.len(), "applied migrations"),
        Ok(_) => {}
        Err(e) => fail(e),
    }
    db
}

/// Creates a platform-wide administrator with a one-time password; `None` when the login exists.
fn create_admin(db: &Db, login: &str, clock: &dyn Clock) -> Option<String> {
    let pw = password::random_password();
    let hash = password::hash(&pw);
    let now = clock.now();
    db.write(|c| {
        if accounts::login_taken(c, login)? {
            return Ok(None);
        }
        let row = AccountRow {
            must_change_password: true,
            ..AccountRow::new(KIND_PERSON, login.into(), "Platform administrator".into(), hash.clone(), Role::SystemAdmin, to_db(now))
        };
        accounts::insert(c, &row)?;
        Ok(Some(pw.clone()))
    })
    .unwrap_or_else(|e| fail(e))
}

fn print_demo(db: &Db, clock: &dyn Clock) {
    let city = demo::load(db, clock.now(), |_| password::random_password()).unwrap_or_else(|e| fail(e));
    println!("Demo city 海门区 loaded. Accounts (passwords are new on every load):");
    for (login, role, pw) in &city.accounts {
        println!("  {login:<18} {:<20} {pw}", role.as_str());
    }
}

/// glibc's malloc gives a thread that meets contention an arena of its own, up to eight per core,
/// and each arena keeps the memory freed into it: the actix workers and the database worker threads
/// spread a busy server's allocations over many arenas. Twice the cores,
/// unless `MALLOC_ARENA_MAX` says otherwise (glibc reads it itself): on SQLite at 10M requests the
/// peak RSS under the harness fell from 135–144 MB to ≈90 MB, for ≈5% of a list page's
/// throughput (BENCHMARKS.md). Since Rust's own allocations moved to mimalloc ([`ALLOC`]) this
/// bounds what the C libraries (libpq, SQLite) allocate. Runs before any other thread exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores.saturating_mul(2)).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets an allocator parameter; no other thread exists yet.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, arenas) };
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

/// mimalloc (内存分配器) rather than glibc's malloc: a request's row is allocated on a database
/// thread and freed on an actix worker, and glibc's per-thread caches do not serve that pattern
/// (its `malloc`/`free` were ≈13% of a single read's CPU on the actix workers). PostgreSQL single
/// read 36.1% → 39.6% of `/healthz` (medians of six alternating pairs), peak RSS within the
/// 150 MB target (BENCHMARKS.md, eighth round). Libraries written in C (libpq, SQLite) keep
/// glibc's malloc.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    limit_malloc_arenas();
    // The log lines go to stdout in batches written by a background thread: request handlers only
    // buffer them (a full buffer makes them wait rather than lose lines).
    let writer = log_writer::stdout().clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("GONGZHI_LOG").unwrap_or_else(|_| "info".into()))
        .json()
        .with_writer(writer)
        .init();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    if let Command::Openapi { out } = &command {
        let json = gongzhi_api::openapi().to_pretty_json().unwrap_or_else(|e| fail(e));
        match out {
            Some(p) => std::fs::write(p, json + "\n").unwrap_or_else(|e| fail(format!("cannot write {}: {e}", p.display()))),
            None => println!("{json}"),
        }
        return;
    }
    let cfg = Config::from_env().unwrap_or_else(|e| fail(e));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let db = open_db(&cfg);
    match command {
        Command::Migrate => println!("migrations applied to {}", redact_url(&cfg.database_url)),
        Command::CreateAdmin { login } => match create_admin(&db, &login, clock.as_ref()) {
            Some(pw) => println!("created system_admin '{login}' with one-time password: {pw}\n(it must be changed at first login)"),
            None => fail(format!("an account '{login}' already exists")),
        },
        Command::Demo => print_demo(&db, clock.as_ref()),
        Command::Serve { demo } => {
            if demo {
                print_demo(&db, clock.as_ref());
            } else if db.read(accounts::count_all).unwrap_or_else(|e| fail(e)) == 0 {
                if let Some(pw) = create_admin(&db, "admin", clock.as_ref()) {
                    println!("empty database: created system_admin 'admin' with one-time password: {pw}\n(it is shown only now and must be changed at first login)");
                }
            }
            let bind = cfg.bind.clone();
            let state = web::Data::new(AppState::new(db, cfg, clock));
            println!("gongzhi listening on http://{bind} (API docs: http://{bind}/docs/)");
            let server = HttpServer::new(move || build_app(state.clone()))
                .bind(&bind)
                .unwrap_or_else(|e| fail(format!("cannot listen on {bind}: {e}")))
                .run();
            actix_web::rt::System::new().block_on(server).unwrap_or_else(|e| fail(e));
        }
        Command::Openapi { .. } => unreachable!("handled above"),
    }
    flush_log();
}
