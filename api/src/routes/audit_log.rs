//! The audit log (审计日志): every write, read-only, for `auditor` and `system_admin` in scope.

use crate::auth::Caller;
use crate::common::{invalid_cursor, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use gongzhi_domain::authz::AUDIT_READERS;
use gongzhi_persistence::audit::{self, AuditRow};
use gongzhi_persistence::to_db;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    /// Absent for unauthenticated actions (login, registration).
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    /// Dotted action name, e.g. `jurisdiction.create`.
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub request_id: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: ts(r.at),
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            request_id: r.request_id,
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
        }
    }
}

page_type!(AuditPage, AuditEntry);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Inclusive lower bound (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// Read the audit log (审计日志) of the caller's subtree, oldest first.
///
/// Ordered by the time of the write (`at`), then by `id` among writes of the same instant. A
/// `cursor` that does not name an entry of the caller's subtree is refused (400).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(PageParams, AuditFilter),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an auditor or system_admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-log")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, f: web::Query<AuditFilter>) -> ApiResult<web::Json<AuditPage>> {
    caller.require(AUDIT_READERS)?;
    let (limit, cursor) = page.parse()?;
    let f = f.into_inner();
    let filter = audit::Filter {
        actor_id: f.actor_id,
        action: f.action,
        target_type: f.target_type,
        target_id: f.target_id,
        from: f.from.map(to_db),
        to: f.to.map(to_db),
    };
    let path = caller.scope.path.clone();
    let rows = state.read(move |c| audit::list(c, &path, &filter, cursor.as_deref(), limit)).await?.ok_or_else(invalid_cursor)?;
    Ok(web::Json(AuditPage::from_rows(rows, limit, |r| r.id.clone(), AuditEntry::from)))
}
