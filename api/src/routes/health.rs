//! Liveness and readiness probes.

use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok".into(), database: None })
}

/// Readiness: the database answers a query.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<web::Json<Health>> {
    let db = state.db.clone();
    web::block(move || db.ping()).await?.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::new(actix_web::http::StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "the database does not answer")
    })?;
    Ok(web::Json(Health { status: "ok".into(), database: Some(state.db.backend().as_str().into()) }))
}
