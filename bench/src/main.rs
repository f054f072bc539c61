//! `gongzhi-bench generate`: fills an empty SQLite or PostgreSQL database with the benchmark
//! city (模拟城市) and writes what the load harness needs (`city.env`, `request-ids.txt`).

use clap::{Parser, Subcommand};
use diesel::connection::SimpleConnection;
use gongzhi_bench::{period_end, Generator, Options};
use gongzhi_persistence::{Backend, Db, DbOptions, StoreError};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "gongzhi-bench", about = "Gongzhi (共治) benchmark data generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a city into an empty database (migrations are applied first).
    Generate {
        /// `postgres://…` or `sqlite://PATH`.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long, default_value_t = 100)]
        communities: usize,
        #[arg(long, default_value_t = 100_000)]
        requests: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Password of every generated account (admin, street.01, staff.001, grid.001.01,
        /// dept.cgj, residents 1380000xxxx, …).
        #[arg(long, env = "GONGZHI_BENCH_PASSWORD")]
        password: String,
        #[arg(long, default_value_t = 20)]
        residents_per_community: usize,
        #[arg(long, default_value_t = 100)]
        households_per_grid: usize,
        /// Requests per transaction.
        #[arg(long, default_value_t = 20_000)]
        chunk: u64,
        /// Leave out the timeline events and audit entries (the requests, with their ratings,
        /// details and handling departments, are the same as with them): for data sets too large
        /// for the disk with them (≈9 KB a request with, ≈3 KB without, on PostgreSQL).
        #[arg(long)]
        without_history: bool,
        /// Where to write `city.env` and `request-ids.txt` for the harness.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("gongzhi-bench: {msg}");
    std::process::exit(1)
}

fn main() {
    let Command::Generate { database_url, communities, requests, seed, password, residents_per_community, households_per_grid, chunk, without_history, out } = Cli::parse().command;
    if password.len() < 8 {
        fail("--password must have at least 8 characters");
    }
    let db = Db::connect(&database_url, &DbOptions { pool_size: 1, ..Default::default() }).unwrap_or_else(|e| fail(e));
    db.migrate().unwrap_or_else(|e| fail(e));
    let existing: i64 = db
        .read(|c| {
            use diesel::prelude::*;
            gongzhi_persistence::schema::jurisdictions::table.count().get_result(c).map_err(StoreError::Db)
        })
        .unwrap_or_else(|e| fail(e));
    if existing > 0 {
        fail("the database already holds jurisdictions; generate into an empty database");
    }
    let hash = gongzhi_api::auth::password::hash(&password);
    let opts = Options { communities, requests, seed, residents: residents_per_community, households_per_grid, chunk, history: !without_history, ..Options::default() };
    let started = Instant::now();
    // The SQL of the next batch is built on a second thread while the database runs the current
    // one (at most two batches wait), so generation and insertion overlap.
    let (batches, received) = std::sync::mpsc::sync_channel::<(String, (usize, u64, usize))>(2);
    let producer = std::thread::spawn(move || {
        let mut generator = Generator::new(opts);
        while let Some(sql) = generator.next_batch(&hash) {
            if batches.send((sql, generator.written)).is_err() {
                break;
            }
        }
        generator
    });
    for (sql, (households, requests, events)) in received {
        db.write(|c| c.batch_execute(&sql).map_err(StoreError::Db)).unwrap_or_else(|e| fail(e));
        let secs = started.elapsed().as_secs_f64();
        eprintln!("{secs:7.1}s  households {households}  requests {requests}  events {events}  ({:.0} requests/s)", requests as f64 / secs.max(0.001));
    }
    let generator = producer.join().unwrap_or_else(|_| fail("the generator thread panicked"));
    // VACUUM sets PostgreSQL's visibility map, so the measures' index-only scans need no heap
    // visits (autovacuum does the same in service).
    let analyze = match db.backend() {
        Backend::Postgres => "VACUUM ANALYZE",
        Backend::Sqlite => "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);",
    };
    // Outside a transaction: SQLite cannot checkpoint inside one.
    db.read(|c| c.batch_execute(analyze).map_err(StoreError::Db)).unwrap_or_else(|e| fail(e));
    write_outputs(&generator, &out).unwrap_or_else(|e| fail(format!("cannot write to {}: {e}", out.display())));
    eprintln!("done in {:.1}s", started.elapsed().as_secs_f64());
}

/// `city.env` (shell variables) and `request-ids.txt` (one id a line) for bench/run.sh.
fn write_outputs(g: &Generator, out: &std::path::Path) -> std::io::Result<()> {
    let city = &g.city;
    let street = &city.nodes[city.streets[0]];
    let community = city.communities.iter().find(|c| c.street == city.streets[0]).expect("the first street has a community");
    let resident = community.residents.first().map(|&r| &city.accounts[r]).unwrap_or_else(|| fail("no residents: use --residents-per-community 1 or more"));
    let grid = &city.nodes[resident.node.unwrap_or(community.node)];
    let month_to = period_end();
    let month_from = month_to - chrono::Months::new(1);
    let env = format!(
        "STREET_ID={}\nSTREET_LOGIN=street.01\nCOMMUNITY_ID={}\nRESIDENT_LOGIN={}\nRESIDENT_ID={}\nGRID_ID={}\nGRID_PATH={}\nMONTH_FROM={}\nMONTH_TO={}\nREQUESTS={}\n",
        street.id,
        city.nodes[community.node].id,
        resident.login,
        resident.id,
        grid.id,
        grid.path,
        month_from.format("%Y-%m-%dT%H:%M:%SZ"),
        month_to.format("%Y-%m-%dT%H:%M:%SZ"),
        g.written.1,
    );
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("city.env"), env)?;
    std::fs::write(out.join("request-ids.txt"), g.sample.join("\n") + "\n")
}
