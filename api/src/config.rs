//! Configuration from environment variables (see the README's table).

use gongzhi_domain::household::{DEFAULT_MAX_HOUSEHOLDS_PER_WORKER, DEFAULT_VISITS_PER_MONTH};
use std::path::PathBuf;
use std::time::Duration;

/// The development default JWT secret. Production refuses to start with it.
pub const DEV_JWT_SECRET: &str = "gongzhi-development-secret-do-not-use-in-production";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub pool_size: u32,
    /// SQLite's page cache for all connections together, in MiB (GONGZHI_SQLITE_CACHE_MB).
    pub sqlite_cache_mb: u32,
    pub jwt_secret: String,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub max_body_bytes: usize,
    /// Login attempts allowed per account per 15 minutes.
    pub login_per_account: u32,
    /// Login and registration attempts allowed per client address per minute.
    pub login_per_address: u32,
    /// Days a resident has to rate a resolved request before `POST /requests/auto-close`
    /// closes it unrated (GONGZHI_AUTO_CLOSE_DAYS, default 7).
    pub auto_close_days: u32,
    /// Most households one grid worker may be assigned (包片联户, default 300).
    pub max_households_per_worker: usize,
    /// Visits a grid worker should make each month (default 30).
    pub visits_per_month_target: u32,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn num<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| format!("{name} must be a number, got '{v}'")),
    }
}

/// The persistence layer's default SQLite page-cache budget, in the MiB the setting is given in.
const DEFAULT_SQLITE_CACHE_MB: u32 = gongzhi_persistence::DEFAULT_SQLITE_CACHE_KIB / 1024;

/// Twice the cores, at least 4 and at most 32: more connections than the cores can serve only
/// queue inside the database and the operating system's scheduler instead of in the pool, which
/// widened the tail (on 2 cores a saturated list's p99 was 66–74 ms with 8 connections and 21–22 ms
/// with 4, at equal or higher throughput; see BENCHMARKS.md).
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(4, |n| u32::try_from(n.get()).unwrap_or(16));
    cores.saturating_mul(2).clamp(4, 32)
}

impl Config {
    /// Reads the environment; refuses an unsafe production configuration.
    pub fn from_env() -> Result<Config, String> {
        let mode = match var("GONGZHI_ENV").as_deref() {
            None | Some("development") | Some("dev") => Mode::Development,
            Some("production") | Some("prod") => Mode::Production,
            Some(other) => return Err(format!("GONGZHI_ENV must be development or production, got '{other}'")),
        };
        let data_dir = PathBuf::from(var("GONGZHI_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}", data_dir.join("gongzhi.db").display()));
        let cfg = Config {
            mode,
            bind: var("GONGZHI_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            data_dir,
            database_url,
            pool_size: num("GONGZHI_POOL_SIZE", default_pool_size())?,
            sqlite_cache_mb: num("GONGZHI_SQLITE_CACHE_MB", DEFAULT_SQLITE_CACHE_MB)?,
            jwt_secret: var("GONGZHI_JWT_SECRET").unwrap_or_else(|| DEV_JWT_SECRET.into()),
            jwt_issuer: var("GONGZHI_JWT_ISSUER").unwrap_or_else(|| "gongzhi".into()),
            jwt_audience: var("GONGZHI_JWT_AUDIENCE").unwrap_or_else(|| "gongzhi-api".into()),
            access_ttl: Duration::from_secs(num("GONGZHI_ACCESS_TTL_SECONDS", 900)?),
            refresh_ttl: Duration::from_secs(num("GONGZHI_REFRESH_TTL_SECONDS", 30 * 24 * 3600)?),
            max_body_bytes: num("GONGZHI_MAX_BODY_BYTES", 64 * 1024)?,
            login_per_account: num("GONGZHI_LOGIN_PER_ACCOUNT", 10)?,
            login_per_address: num("GONGZHI_LOGIN_PER_ADDRESS", 30)?,
            auto_close_days: num("GONGZHI_AUTO_CLOSE_DAYS", 7)?,
            max_households_per_worker: num("GONGZHI_MAX_HOUSEHOLDS_PER_WORKER", DEFAULT_MAX_HOUSEHOLDS_PER_WORKER)?,
            visits_per_month_target: num("GONGZHI_VISITS_PER_MONTH_TARGET", DEFAULT_VISITS_PER_MONTH)?,
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// Production refuses default or short secrets.
    pub fn check(&self) -> Result<(), String> {
        if self.mode == Mode::Production {
            if self.jwt_secret == DEV_JWT_SECRET {
                return Err("GONGZHI_JWT_SECRET must be set in production (the development default is refused)".into());
            }
            if self.jwt_secret.len() < 32 {
                return Err("GONGZHI_JWT_SECRET must be at least 32 bytes in production".into());
            }
        }
        if self.access_ttl.is_zero() || self.refresh_ttl.is_zero() {
            return Err("token lifetimes must be positive".into());
        }
        if self.login_per_account == 0 || self.login_per_address == 0 {
            return Err("login rate limits must be positive".into());
        }
        if self.auto_close_days == 0 {
            return Err("GONGZHI_AUTO_CLOSE_DAYS must be at least 1".into());
        }
        Ok(())
    }

    /// A configuration for tests and tools: development mode, the given database.
    pub fn for_database(database_url: &str, data_dir: PathBuf) -> Config {
        Config {
            mode: Mode::Development,
            bind: "127.0.0.1:0".into(),
            data_dir,
            database_url: database_url.into(),
            pool_size: 4,
            sqlite_cache_mb: DEFAULT_SQLITE_CACHE_MB,
            jwt_secret: DEV_JWT_SECRET.into(),
            jwt_issuer: "gongzhi".into(),
            jwt_audience: "gongzhi-api".into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            max_body_bytes: 64 * 1024,
            login_per_account: 10,
            login_per_address: 1000,
            auto_close_days: 7,
            max_households_per_worker: DEFAULT_MAX_HOUSEHOLDS_PER_WORKER,
            visits_per_month_target: DEFAULT_VISITS_PER_MONTH,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_default_or_short_secrets() {
        let mut c = Config::for_database("sqlite://x.db", PathBuf::from("data"));
        assert!(c.check().is_ok(), "development accepts the default secret");
        c.mode = Mode::Production;
        assert!(c.check().unwrap_err().contains("GONGZHI_JWT_SECRET"));
        c.jwt_secret = "short".into();
        assert!(c.check().unwrap_err().contains("32 bytes"));
        c.jwt_secret = "a-real-secret-that-is-long-enough-0123456789".into();
        assert!(c.check().is_ok());
    }
}
