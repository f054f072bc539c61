//! Shared application state.

use crate::auth::jwt::JwtKeys;
use crate::auth::limit::LoginLimiter;
use crate::config::Config;
use crate::workers::Workers;
use gongzhi_domain::clock::Clock;
use gongzhi_persistence::{Db, StoreResult};
use std::sync::Arc;

pub struct AppState {
    pub db: Db,
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub jwt: JwtKeys,
    pub limiter: LoginLimiter,
    workers: Workers,
}

impl AppState {
    pub fn new(db: Db, config: Config, clock: Arc<dyn Clock>) -> Self {
        let jwt = JwtKeys::new(&config);
        let limiter = LoginLimiter::new(config.login_per_account, config.login_per_address);
        let workers = Workers::start(&db);
        AppState { db, config, clock, jwt, limiter, workers }
    }

    /// Runs blocking database reads off the async executor, on a database worker.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut gongzhi_persistence::DbConnection) -> StoreResult<T> + Send + 'static,
    ) -> crate::error::ApiResult<T> {
        Ok(self.workers.read(f).await??)
    }

    /// Reads a request by id, sharing a statement with the lookups queued beside it
    /// (PostgreSQL, see `workers.rs`); the caller checks its reach.
    pub async fn look_up_request(&self, id: String) -> crate::error::ApiResult<gongzhi_persistence::requests::Full> {
        Ok(self.workers.look_up_request(id).await??)
    }

    /// Runs one write transaction off the async executor, on the writer's worker.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut gongzhi_persistence::DbConnection) -> StoreResult<T> + Send + 'static,
    ) -> crate::error::ApiResult<T> {
        Ok(self.workers.write(f).await??)
    }
}
