//! A community's ledger (电子台账): the entries of its hash chain as JSON pages or a streamed
//! CSV book, manual entries (补录), verification and the chain head for publication.

use super::community_in_scope;
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use gongzhi_domain::ledger::{format_timestamp, BreakReason, EntryKind, Verification, GENESIS_HASH, LEDGER_READERS, MANUAL_ENTRY_ROLES};
use gongzhi_domain::DomainError;
use gongzhi_persistence::ledgers::{self, EntryFilter, LedgerEntryRow, NewEntry};
use gongzhi_persistence::{to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One entry of a community's ledger chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub id: String,
    pub community_id: String,
    /// Position in the chain, from 1.
    pub seq: i64,
    pub kind: EntryKind,
    /// What the entry was generated from (`visit`, `request`, …; `ledger_type` for manual entries).
    pub source_type: String,
    pub source_id: String,
    pub occurred_at: DateTime<Utc>,
    /// The recorded facts (canonical JSON in the hash).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Entered by hand (补录) rather than generated.
    pub manual: bool,
    pub prev_hash: String,
    pub hash: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<LedgerEntryRow> for LedgerEntryView {
    fn from(r: LedgerEntryRow) -> Self {
        LedgerEntryView {
            kind: EntryKind::parse(&r.entry_kind).unwrap_or(EntryKind::ServiceDelivered),
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
            id: r.id,
            community_id: r.community_id,
            seq: r.seq,
            source_type: r.source_type,
            source_id: r.source_id,
            occurred_at: ts(r.occurred_at),
            manual: r.manual,
            prev_hash: r.prev_hash,
            hash: r.hash,
            recorded_at: ts(r.recorded_at),
        }
    }
}

page_type!(LedgerEntryPage, LedgerEntryView);

/// Filters of the ledger book.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookFilter {
    /// Inclusive lower bound of `occurred_at` (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound of `occurred_at` (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only entries of this kind.
    pub kind: Option<EntryKind>,
    /// Only the kinds this ledger type collects (its book).
    pub ledger_type_id: Option<String>,
}

impl BookFilter {
    /// The store filter; a ledger type must be visible from the community.
    fn resolve(&self, c: &mut DbConnection, community_path: &str) -> StoreResult<EntryFilter> {
        let mut kinds: Option<Vec<String>> = self.kind.map(|k| vec![k.as_str().to_string()]);
        if let Some(t) = &self.ledger_type_id {
            let row = ledgers::get_type(c, t).ok().filter(|r| r.applies_to(community_path)).ok_or_else(|| DomainError::field("ledger_type_id", "unknown", "no such ledger type for this community"))?;
            let collected: Vec<String> = row.kinds().iter().map(|k| k.as_str().to_string()).collect();
            kinds = Some(match kinds {
                Some(k) => k.into_iter().filter(|x| collected.contains(x)).collect(),
                None => collected,
            });
        }
        Ok(EntryFilter { from: self.from.map(to_db), to: self.to.map(to_db), kinds })
    }
}

const NOT_FOUND: &str = "ledger";

/// Entries of a community's ledger in chain order (community, street and civil-affairs staff,
/// auditors in scope).
#[utoipa::path(
    tag = "ledgers",
    security(("bearer" = [])),
    params(("community_id" = String, Path, description = "Community id"), PageParams, BookFilter),
    responses(
        (status = 200, description = "A page of entries", body = LedgerEntryPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown ledger type or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ledgers/{community_id}/entries")]
pub async fn list(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, page: web::Query<PageParams>, f: web::Query<BookFilter>) -> ApiResult<web::Json<LedgerEntryPage>> {
    caller.require(LEDGER_READERS)?;
    let (limit, cursor) = page.parse()?;
    let rows = state
        .read(move |c| {
            let node = community_in_scope(c, &caller, &id, NOT_FOUND)?;
            let filter = f.resolve(c, &node.path)?;
            let after = match cursor {
                Some(cur) => ledgers::entry_seq(c, &node.id, &cur)?.ok_or_else(|| DomainError::field("cursor", "invalid_cursor", "the cursor does not belong to this ledger"))?,
                None => 0,
            };
            ledgers::entries(c, &node.id, &filter, after, limit + 1)
        })
        .await?;
    Ok(web::Json(LedgerEntryPage::from_rows(rows, limit, |r| r.id.clone(), LedgerEntryView::from)))
}

/// A manual entry (补录) for a ledger type that allows them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualEntry {
    pub ledger_type_id: String,
    /// One of the kinds the type collects.
    pub kind: EntryKind,
    /// When it happened; not in the future.
    pub occurred_at: DateTime<Utc>,
    /// The facts, a non-empty JSON object (no personal data: entries are permanent).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// Add a manual entry (补录) to the community's ledger (community_staff). It is marked
/// `manual`, sourced from the ledger type, and records who entered it.
#[utoipa::path(
    tag = "ledgers",
    security(("bearer" = [])),
    params(("community_id" = String, Path, description = "Community id")),
    request_body = ManualEntry,
    responses(
        (status = 201, description = "Appended", body = LedgerEntryView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not add manual entries", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Concurrent append (`ledger_busy`); retry", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; `manual_entries_not_allowed`, `kind_not_collected`, `ledger_type_inactive`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/ledgers/{community_id}/entries")]
pub async fn add_manual(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<ManualEntry>) -> ApiResult<HttpResponse> {
    caller.require(MANUAL_ENTRY_ROLES)?;
    let b = body.into_inner();
    let now = state.clock.now();
    if b.occurred_at > now {
        return Err(DomainError::field("occurred_at", "in_future", "an entry cannot record the future").into());
    }
    if b.payload.as_object().is_none_or(|o| o.is_empty()) {
        return Err(DomainError::field("payload", "invalid_value", "payload must be a non-empty JSON object").into());
    }
    let row = state
        .write(move |c| {
            let node = community_in_scope(c, &caller, &id, NOT_FOUND)?;
            let t = ledgers::get_type(c, &b.ledger_type_id)
                .ok()
                .filter(|t| t.applies_to(&node.path))
                .ok_or_else(|| DomainError::field("ledger_type_id", "unknown", "no such ledger type for this community"))?;
            if !t.active {
                return Err(DomainError::rule("ledger_type_inactive", "this ledger type is no longer in use").into());
            }
            if !t.allows_manual {
                return Err(DomainError::rule("manual_entries_not_allowed", "this ledger type is generated by the system only").into());
            }
            if !t.kinds().contains(&b.kind) {
                return Err(DomainError::rule("kind_not_collected", format!("ledger type {} does not collect {}", t.code, b.kind.as_str())).into());
            }
            let payload = serde_json::json!({"ledger_type": t.code, "entered_by": caller.scope.account_id, "content": b.payload});
            let row = ledgers::append(
                c,
                &NewEntry {
                    community_id: node.id.clone(),
                    community_path: node.path.clone(),
                    kind: b.kind,
                    source_type: "ledger_type".into(),
                    source_id: t.id.clone(),
                    occurred_at: b.occurred_at,
                    payload,
                    manual: true,
                    recorded_at: now,
                },
            )?;
            audit(c, &caller, now, "ledger.entry.manual", ("ledger_entry", &row.id), &node.path, serde_json::json!({"ledger_type": t.code, "kind": b.kind, "seq": row.seq}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(LedgerEntryView::from(row)))
}

/// Filters of the CSV book.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvFilter {
    /// Inclusive lower bound of `occurred_at` (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound of `occurred_at` (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only entries of this kind.
    pub kind: Option<EntryKind>,
}

/// Rows per database read while streaming the book.
const CSV_BATCH: i64 = 500;
const CSV_HEADER: [&str; 10] = ["seq", "occurred_at", "kind", "source_type", "source_id", "manual", "payload", "prev_hash", "hash", "recorded_at"];

fn csv_bytes(records: impl IntoIterator<Item = Vec<String>>) -> Result<web::Bytes, actix_web::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        w.write_record(&r).map_err(actix_web::error::ErrorInternalServerError)?;
    }
    w.into_inner().map(web::Bytes::from).map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))
}

fn csv_record(r: LedgerEntryRow) -> Vec<String> {
    vec![
        r.seq.to_string(),
        format_timestamp(ts(r.occurred_at)),
        r.entry_kind,
        r.source_type,
        r.source_id,
        r.manual.to_string(),
        r.payload,
        r.prev_hash,
        r.hash,
        format_timestamp(ts(r.recorded_at)),
    ]
}

/// The ledger book as CSV (台账导出), streamed in chain order: a header row, then one row per
/// entry with the payload's canonical JSON and both hashes, so an auditor can re-verify it.
#[utoipa::path(
    tag = "ledgers",
    security(("bearer" = [])),
    params(("community_id" = String, Path, description = "Community id"), CsvFilter),
    responses(
        (status = 200, description = "CSV (RFC 4180, UTF-8): seq, occurred_at, kind, source_type, source_id, manual, payload, prev_hash, hash, recorded_at", content_type = "text/csv", body = String),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ledgers/{community_id}/book.csv")]
pub async fn book_csv(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, f: web::Query<CsvFilter>) -> ApiResult<HttpResponse> {
    caller.require(LEDGER_READERS)?;
    let node = state.read(move |c| community_in_scope(c, &caller, &id, NOT_FOUND)).await?;
    let f = f.into_inner();
    let filter = EntryFilter { from: f.from.map(to_db), to: f.to.map(to_db), kinds: f.kind.map(|k| vec![k.as_str().to_string()]) };
    let community_id = node.id.clone();
    let header = csv_bytes([CSV_HEADER.iter().map(|h| h.to_string()).collect()]);
    let rows = stream::unfold(Some(0_i64), move |after| {
        let (state, filter, community_id) = (state.clone(), filter.clone(), community_id.clone());
        async move {
            let after = after?;
            match state.read(move |c| ledgers::entries(c, &community_id, &filter, after, CSV_BATCH)).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = (rows.len() as i64 == CSV_BATCH).then(|| rows[rows.len() - 1].seq);
                    Some((csv_bytes(rows.into_iter().map(csv_record)), next))
                }
                Err(e) => Some((Err(actix_web::error::ErrorInternalServerError(e.to_problem().detail)), None)),
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"ledger-{}.csv\"", node.id)))
        .streaming(stream::once(async move { header }).chain(rows)))
}

/// Outcome of a verification (台账校验).
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    /// `ok` or `broken`.
    pub status: String,
    /// Entries checked (when ok).
    pub count: Option<u64>,
    /// Hash of the last entry (when ok; 64 zeros for an empty ledger).
    pub head: Option<String>,
    /// First entry that does not check (when broken).
    pub seq: Option<u64>,
    /// Why it does not check (when broken).
    pub reason: Option<BreakReason>,
    pub checked_at: DateTime<Utc>,
}

/// Verify the whole chain of a community: every hash, link and seq, and that it ends at the
/// recorded head. Reports the first broken entry.
#[utoipa::path(
    tag = "ledgers",
    security(("bearer" = [])),
    params(("community_id" = String, Path, description = "Community id")),
    responses(
        (status = 200, description = "Verification result", body = VerificationView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ledgers/{community_id}/verify")]
pub async fn verify(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<VerificationView>> {
    caller.require(LEDGER_READERS)?;
    let checked_at = state.clock.now();
    let v = state
        .read(move |c| {
            let node = community_in_scope(c, &caller, &id, NOT_FOUND)?;
            ledgers::verify(c, &node.id)
        })
        .await?;
    Ok(web::Json(match v {
        Verification::Ok { count, head: last } => VerificationView { status: "ok".into(), count: Some(count), head: Some(last), seq: None, reason: None, checked_at },
        Verification::Broken { seq, reason } => VerificationView { status: "broken".into(), count: None, head: None, seq: Some(seq), reason: Some(reason), checked_at },
    }))
}

/// The head of a community's chain, for publication (公示): whoever keeps a published head can
/// later prove that no entry up to it was changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadView {
    pub community_id: String,
    /// Seq of the last entry (0 for an empty ledger).
    pub seq: i64,
    /// Hash of the last entry (64 zeros for an empty ledger).
    pub hash: String,
    /// When the last entry was appended.
    pub updated_at: Option<DateTime<Utc>>,
}

/// The chain head (seq, hash, time) of a community's ledger.
#[utoipa::path(
    tag = "ledgers",
    security(("bearer" = [])),
    params(("community_id" = String, Path, description = "Community id")),
    responses(
        (status = 200, description = "The head", body = HeadView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ledgers/{community_id}/head")]
pub async fn head(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<HeadView>> {
    caller.require(LEDGER_READERS)?;
    let (node, head) = state
        .read(move |c| {
            let node = community_in_scope(c, &caller, &id, NOT_FOUND)?;
            let head = ledgers::head(c, &node.id)?;
            Ok((node, head))
        })
        .await?;
    Ok(web::Json(match head {
        Some(h) => HeadView { community_id: node.id, seq: h.seq, hash: h.hash, updated_at: Some(ts(h.updated_at)) },
        None => HeadView { community_id: node.id, seq: 0, hash: GENESIS_HASH.into(), updated_at: None },
    }))
}
