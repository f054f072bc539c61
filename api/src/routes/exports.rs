//! Auditor exports (审计导出) across areas: the audit log, entrustment agreements with promised
//! and paid totals, requests measures per community, and ledger entries. Read-only, limited to
//! the caller's subtree, CSV or JSON, streamed; every read is itself audited as `export.read`.

use crate::auth::Caller;
use crate::common::ts;
use crate::error::{ApiResult, Problem};
use crate::export::{record_read, respond, ExportFormat, ExportRows};
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_domain::ledger::format_timestamp;
use gongzhi_domain::request::measures::Counts;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::audit::{self, AuditRow};
use gongzhi_persistence::clearance::{self, AgreementFilter, AgreementRow};
use gongzhi_persistence::ledgers::{self, LedgerEntryRow};
use gongzhi_persistence::requests::measures::{self as store, GroupBy, Window};
use gongzhi_persistence::{jurisdictions, to_db, DbConnection, StoreError, StoreResult};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

/// Roles that pull exports: auditors and civil affairs, in their subtree.
const EXPORTERS: &[Role] = &[Role::Auditor, Role::CivilAffairsAdmin];
/// The audit log may also be pulled by the platform admin.
const AUDIT_EXPORTERS: &[Role] = &[Role::Auditor, Role::CivilAffairsAdmin, Role::SystemAdmin];

/// Registers the export endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(audit_log).service(agreements).service(request_measures).service(ledger_entries);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodExportQuery {
    /// `csv` (default) or `json`.
    pub format: Option<ExportFormat>,
    /// At or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

impl PeriodExportQuery {
    fn parse(&self) -> Result<(ExportFormat, Window), DomainError> {
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if f >= t {
                return Err(DomainError::field("from", "invalid_range", "from must be before to"));
            }
        }
        Ok((self.format.unwrap_or(ExportFormat::Csv), Window { within: JurisdictionPath::root(), from: self.from.map(to_db), to: self.to.map(to_db) }))
    }
    fn detail(&self) -> serde_json::Value {
        serde_json::json!({"from": self.from, "to": self.to})
    }
}

/// Records the read in its own transaction before the stream starts.
async fn record(state: &web::Data<AppState>, caller: Caller, what: &'static str, format: ExportFormat, extra: serde_json::Value) -> ApiResult<JurisdictionPath> {
    let now = state.clock.now();
    state
        .write(move |c| {
            let within = caller.scope.path.clone();
            record_read(c, &caller, now, (what, format), ("export", what), &within, extra)?;
            Ok(within)
        })
        .await
}

fn cells(v: &serde_json::Value, columns: &[&str]) -> Vec<String> {
    columns
        .iter()
        .map(|c| match &v[*c] {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// A JSON object rendered the same way in CSV (one column per field) and JSON.
pub trait ObjectRows: Send + Sync + 'static {
    type Row: Send + 'static;
    const COLUMNS: &'static [&'static str];
    fn fetch(&self, c: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<Self::Row>>;
    fn id(row: &Self::Row) -> String;
    fn object(&self, row: &Self::Row) -> serde_json::Value;
}

impl<T: ObjectRows> ExportRows for T {
    type Row = T::Row;
    fn fetch(&self, c: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<Self::Row>> {
        ObjectRows::fetch(self, c, cursor, limit)
    }
    fn id(row: &Self::Row) -> String {
        T::id(row)
    }
    fn columns(&self) -> Vec<String> {
        T::COLUMNS.iter().map(|c| c.to_string()).collect()
    }
    fn csv_cells(&self, row: &Self::Row) -> Vec<String> {
        cells(&self.object(row), T::COLUMNS)
    }
    fn json(&self, row: &Self::Row) -> serde_json::Value {
        self.object(row)
    }
}

struct AuditRows {
    within: JurisdictionPath,
    filter: audit::Filter,
}

impl ObjectRows for AuditRows {
    type Row = AuditRow;
    const COLUMNS: &'static [&'static str] = &["id", "at", "actor_id", "actor_role", "action", "target_type", "target_id", "path", "request_id", "detail"];
    fn fetch(&self, c: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<AuditRow>> {
        // The cursor is the last row this export read (append-only: it is still there); were it
        // gone, the export fails rather than ending as if complete.
        audit::list(c, &self.within, &self.filter, cursor, limit)?.ok_or(StoreError::Domain(DomainError::NotFound("audit entry")))
    }
    fn id(row: &AuditRow) -> String {
        row.id.clone()
    }
    fn object(&self, r: &AuditRow) -> serde_json::Value {
        serde_json::json!({"id": r.id, "at": ts(r.at), "actor_id": r.actor_id, "actor_role": r.actor_role, "action": r.action, "target_type": r.target_type,
            "target_id": r.target_id, "path": r.path, "request_id": r.request_id, "detail": r.detail})
    }
}

struct AgreementRows {
    within: JurisdictionPath,
}

impl ObjectRows for AgreementRows {
    type Row = (AgreementRow, i64);
    const COLUMNS: &'static [&'static str] = &[
        "agreement_id", "community_id", "principal_department_id", "principal_jurisdiction_id", "counterparty", "title", "valid_from", "valid_until",
        "promised_cents", "paid_cents", "outstanding_cents",
    ];
    fn fetch(&self, c: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<(AgreementRow, i64)>> {
        let rows = clearance::list_agreements(c, &self.within, &AgreementFilter::default(), cursor, limit)?;
        let paid = clearance::paid_totals(c, &rows.iter().map(|a| a.id.clone()).collect::<Vec<_>>())?;
        Ok(rows.into_iter().map(|a| {
            let p = paid.get(&a.id).copied().unwrap_or_default();
            (a, p)
        }).collect())
    }
    fn id(row: &(AgreementRow, i64)) -> String {
        row.0.id.clone()
    }
    fn object(&self, (a, paid): &(AgreementRow, i64)) -> serde_json::Value {
        serde_json::json!({"agreement_id": a.id, "community_id": a.community_id, "principal_department_id": a.principal_department_id,
            "principal_jurisdiction_id": a.principal_jurisdiction_id, "counterparty": a.counterparty, "title": a.title, "valid_from": a.valid_from,
            "valid_until": a.valid_until, "promised_cents": a.amount_cents, "paid_cents": paid, "outstanding_cents": a.amount_cents - paid})
    }
}

/// Per-community measures computed once (an aggregate, not a table): streamed by community id.
struct MeasureRows {
    rows: Vec<(String, Counts)>,
    names: HashMap<String, (String, String)>,
}

impl ObjectRows for MeasureRows {
    type Row = (String, Counts);
    const COLUMNS: &'static [&'static str] =
        &["community_id", "community_code", "community_name", "received", "responded", "resolved", "resolved_on_time", "rated", "satisfied", "closure_rate", "on_time_rate", "satisfaction_rate"];
    fn fetch(&self, _: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<(String, Counts)>> {
        let rest = self.rows.iter().filter(|(k, _)| cursor.is_none_or(|c| k.as_str() > c));
        Ok(rest.take(usize::try_from(limit).unwrap_or_default()).cloned().collect())
    }
    fn id(row: &(String, Counts)) -> String {
        row.0.clone()
    }
    fn object(&self, (id, n): &(String, Counts)) -> serde_json::Value {
        let (code, name) = self.names.get(id).cloned().unwrap_or_default();
        let r = n.rates();
        serde_json::json!({"community_id": id, "community_code": code, "community_name": name, "received": n.received, "responded": n.responded,
            "resolved": n.resolved, "resolved_on_time": n.resolved_on_time, "rated": n.rated, "satisfied": n.satisfied,
            "closure_rate": r.closure_rate, "on_time_rate": r.on_time_rate, "satisfaction_rate": r.satisfaction_rate})
    }
}

struct LedgerRows {
    window: Window,
}

impl ObjectRows for LedgerRows {
    type Row = LedgerEntryRow;
    const COLUMNS: &'static [&'static str] = &["id", "community_id", "seq", "occurred_at", "kind", "source_type", "source_id", "manual", "payload", "prev_hash", "hash", "recorded_at"];
    fn fetch(&self, c: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<LedgerEntryRow>> {
        ledgers::entries_within(c, &self.window.within, self.window.from, self.window.to, cursor, limit)
    }
    fn id(row: &LedgerEntryRow) -> String {
        row.id.clone()
    }
    fn object(&self, r: &LedgerEntryRow) -> serde_json::Value {
        serde_json::json!({"id": r.id, "community_id": r.community_id, "seq": r.seq, "occurred_at": format_timestamp(ts(r.occurred_at)), "kind": r.entry_kind,
            "source_type": r.source_type, "source_id": r.source_id, "manual": r.manual, "payload": r.payload, "prev_hash": r.prev_hash, "hash": r.hash,
            "recorded_at": format_timestamp(ts(r.recorded_at))})
    }
}

/// Refusals of a period export (the same for every one of them).
#[derive(utoipa::IntoResponses)]
pub enum PeriodExportRefusals {
    #[response(status = 400, description = "Bad query", content_type = "application/problem+json")]
    BadRequest(Problem),
    #[response(status = 401, description = "Not authenticated", content_type = "application/problem+json")]
    Unauthorized(Problem),
    #[response(status = 403, description = "Role may not export", content_type = "application/problem+json")]
    Forbidden(Problem),
    #[response(status = 422, description = "from not before to", content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// Export the audit log (审计日志导出) of the caller's subtree, `from`/`to` on the time of the
/// write (auditor, civil_affairs_admin, system_admin). Audited as `export.read`.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(PeriodExportQuery),
    responses(
        (status = 200, description = "Columns: id, at, actor_id, actor_role, action, target_type, target_id, path, request_id, detail (JSON)", content((String = "text/csv"), (String = "application/json"))),
        PeriodExportRefusals,
    )
)]
#[get("/exports/audit-log")]
pub async fn audit_log(state: web::Data<AppState>, caller: Caller, q: web::Query<PeriodExportQuery>) -> ApiResult<HttpResponse> {
    caller.require(AUDIT_EXPORTERS)?;
    let (format, w) = q.parse()?;
    let within = record(&state, caller, "audit_log", format, q.detail()).await?;
    let filter = audit::Filter { from: w.from, to: w.to, ..Default::default() };
    Ok(respond(state, AuditRows { within, filter }, format, "audit-log"))
}

/// Export entrustment agreements (委托协议书) with communities in the caller's subtree, with
/// promised (应拨), paid (已拨) and outstanding (未拨) funding in cents (auditor,
/// civil_affairs_admin). Audited as `export.read`.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(crate::export::ExportQuery),
    responses(
        (status = 200, description = "Columns: agreement_id, community_id, principal_department_id, principal_jurisdiction_id, counterparty, title, valid_from, valid_until, promised_cents, paid_cents, outstanding_cents", content((String = "text/csv"), (String = "application/json"))),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not export", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/agreements")]
pub async fn agreements(state: web::Data<AppState>, caller: Caller, q: web::Query<crate::export::ExportQuery>) -> ApiResult<HttpResponse> {
    caller.require(EXPORTERS)?;
    let format = q.format.unwrap_or(ExportFormat::Csv);
    let within = record(&state, caller, "agreements", format, serde_json::json!({})).await?;
    Ok(respond(state, AgreementRows { within }, format, "agreements"))
}

/// Export requests measures (诉求办理指标: received, responded, resolved, on time, rated,
/// satisfied, with closure / on-time / satisfaction rates) per community in the caller's subtree
/// for requests received in `[from, to)` (auditor, civil_affairs_admin). Audited as `export.read`.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(PeriodExportQuery),
    responses(
        (status = 200, description = "Columns: community_id, community_code, community_name, received, responded, resolved, resolved_on_time, rated, satisfied, closure_rate, on_time_rate, satisfaction_rate", content((String = "text/csv"), (String = "application/json"))),
        PeriodExportRefusals,
    )
)]
#[get("/exports/request-measures")]
pub async fn request_measures(state: web::Data<AppState>, caller: Caller, q: web::Query<PeriodExportQuery>) -> ApiResult<HttpResponse> {
    caller.require(EXPORTERS)?;
    let (format, mut w) = q.parse()?;
    w.within = record(&state, caller, "request_measures", format, q.detail()).await?;
    let (rows, names) = state
        .read(move |c| {
            let rows = store::keyed(&store::cube(c, &w)?, GroupBy::Community);
            let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
            let names = jurisdictions::by_ids(c, &ids)?.into_iter().map(|(id, j)| (id, (j.code.unwrap_or_default(), j.name))).collect();
            Ok((rows, names))
        })
        .await?;
    Ok(respond(state, MeasureRows { rows, names }, format, "request-measures"))
}

/// Export the ledger entries (电子台账) of every community in the caller's subtree that occurred
/// in `[from, to)`, with payloads and both hashes so the chains can be re-verified (auditor,
/// civil_affairs_admin). Audited as `export.read`.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(PeriodExportQuery),
    responses(
        (status = 200, description = "Columns: id, community_id, seq, occurred_at, kind, source_type, source_id, manual, payload, prev_hash, hash, recorded_at", content((String = "text/csv"), (String = "application/json"))),
        PeriodExportRefusals,
    )
)]
#[get("/exports/ledger-entries")]
pub async fn ledger_entries(state: web::Data<AppState>, caller: Caller, q: web::Query<PeriodExportQuery>) -> ApiResult<HttpResponse> {
    caller.require(EXPORTERS)?;
    let (format, mut window) = q.parse()?;
    window.within = record(&state, caller, "ledger_entries", format, q.detail()).await?;
    Ok(respond(state, LedgerRows { window }, format, "ledger-entries"))
}
