//! Requests (诉求, 三事分流): rows and queries. A request is two 1:1 rows: `requests` holds what
//! lists, scopes and measures filter and aggregate on (path, status, class, department, deadline,
//! measure facts); `request_details` holds the submission and the handling state that is only
//! shown. Both are updated in the same transaction as the timeline event that explains the change.

/// Narrows a boxed query on `requests` to the subtree at a [`JurisdictionPath`], with the most
/// selective indexed column: a street is `street_id = …` and a community `community_id = …`
/// (indexes `(street_id, …)` and `(community_id, …)` serve the filters, the id order of lists
/// and the measures' windows); a grid adds its path prefix to its community; the platform root
/// and a district use the path prefix alone (lists walk the id order, and a district is most of
/// the table anyway; the measures select a district by its streets instead). A request's path
/// always holds its district, street and community ids.
macro_rules! narrow {
    ($q:expr, $within:expr) => {{
        let within: &gongzhi_domain::jurisdiction::JurisdictionPath = $within;
        let ids = within.ids();
        match ids.len() {
            2 => $q.filter($crate::requests::schema::requests::street_id.eq(ids[1].to_string())),
            3 => $q.filter($crate::requests::schema::requests::community_id.eq(ids[2].to_string())),
            n if n > 3 => $q
                .filter($crate::requests::schema::requests::community_id.eq(ids[2].to_string()))
                .filter($crate::requests::schema::requests::path.like(within.like_pattern())),
            _ => $q.filter($crate::requests::schema::requests::path.like(within.like_pattern())),
        }
    }};
}
pub(crate) use narrow;

pub mod lists;
pub mod measures;
pub mod schema;
pub mod services;

use crate::error::{StoreError, StoreResult};
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use gongzhi_domain::jurisdiction::JurisdictionPath;
use schema::{request_departments, request_details, request_events, request_photos, requests};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = requests, treat_none_as_null = true)]
pub struct RequestRow {
    pub id: String,
    /// Path of the jurisdiction (community, grid or micro-grid) the request belongs to.
    pub path: String,
    pub community_id: String,
    pub street_id: String,
    pub category_code: String,
    pub status: String,
    pub class: Option<String>,
    /// Current handling department (major matters).
    pub department_id: Option<String>,
    pub deadline: Option<NaiveDateTime>,
    /// The resident's own account, when the resident has one.
    pub resident_account_id: Option<String>,
    pub received_at: NaiveDateTime,
    /// Set at the first response (handling started): true when within the response window.
    pub responded_in_time: Option<bool>,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_on_time: Option<bool>,
    /// Seconds from receipt to resolution, for the average handling time.
    pub handling_seconds: Option<i32>,
    pub rating: Option<String>,
}

impl RequestRow {
    /// A request as submitted (`submitted`): not yet triaged, no department, deadline, outcome or
    /// rating.
    pub fn submitted(
        id: String,
        path: String,
        community_id: String,
        street_id: String,
        category_code: String,
        resident_account_id: Option<String>,
        received_at: NaiveDateTime,
    ) -> RequestRow {
        RequestRow {
            id,
            path,
            community_id,
            street_id,
            category_code,
            status: gongzhi_domain::request::Status::Submitted.as_str().into(),
            class: None,
            department_id: None,
            deadline: None,
            resident_account_id,
            received_at,
            responded_in_time: None,
            resolved_at: None,
            resolved_on_time: None,
            handling_seconds: None,
            rating: None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = request_details, treat_none_as_null = true)]
pub struct DetailRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub description: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    pub resident_name: String,
    pub resident_phone: Option<String>,
    /// Account that filed the request (the resident, or a worker on the resident's behalf).
    pub filed_by: String,
    /// JSON: the responsibility-list entry in force at submission (`null` when unlisted).
    pub listing: String,
    /// JSON: the state machine's flags (replied, follow-ups, reopen count, escalation).
    pub flags: String,
    pub responded_at: Option<NaiveDateTime>,
    /// Outcome text given at resolution (办结结果).
    pub result: Option<String>,
    pub rating_comment: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub type Full = (RequestRow, DetailRow);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_events)]
pub struct EventRow {
    pub id: String,
    pub request_id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    /// A role name, or `system` for the scheduler's actions.
    pub actor_role: String,
    pub kind: String,
    /// JSON object with the event's facts.
    pub data: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_photos)]
pub struct PhotoRow {
    pub id: String,
    pub request_id: String,
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub uploaded_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &RequestRow, detail: &DetailRow) -> StoreResult<()> {
    diesel::insert_into(requests::table).values(row).execute(conn)?;
    diesel::insert_into(request_details::table).values(detail).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &RequestRow, detail: &DetailRow) -> StoreResult<()> {
    diesel::update(requests::table.find(&row.id)).set(row).execute(conn)?;
    diesel::update(request_details::table.find(&detail.id)).set(detail).execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConnection, id: &str) -> StoreResult<Full> {
    crate::native!(conn, c => requests::table
        .inner_join(request_details::table)
        .filter(requests::id.eq(id))
        .select((RequestRow::as_select(), DetailRow::as_select()))
        .first(c))
    .map_err(StoreError::not_found("request"))
}

diesel::define_sql_function! {
    /// `x = any($1)`: PostgreSQL's comparison with each element of one bound array, as `eq_any`
    /// writes it for a Vec. `eq_any` over a Vec marks the statement as having no static id, so
    /// diesel rebuilt the whole statement's SQL text on every call to find its prepared statement
    /// (≈20% of the lookup thread's time, BENCHMARKS.md, eighth round); this expression has one,
    /// and the prepared statement is found by type. Only meaningful right of `=` (`eq`).
    fn any(values: diesel::sql_types::Array<diesel::sql_types::Text>) -> diesel::sql_types::Text;
}

/// The most ids [`get_many`] sends in one PostgreSQL statement.
pub const LOOKUP_BATCH: usize = 32;

/// The fewest ids a lookup statement is given (the first id repeated up to this many): the length
/// PostgreSQL assumes for an array parameter when it costs a generic plan.
const LOOKUP_MIN_KEYS: usize = 10;

/// The requests among `ids` that exist (each once), in no particular order: on PostgreSQL one
/// statement per [`LOOKUP_BATCH`] ids; on SQLite, where a query is a function call rather than a
/// round trip, one cached primary-key lookup per id.
///
/// PostgreSQL: `id = ANY($1)`, one prepared statement. Its generic plan is costed for an array of
/// ten elements, a custom plan for the array given; with fewer than ten the custom plan looks
/// cheaper and the plan cache re-plans every call (≈35 µs more of the database's CPU a lookup,
/// BENCHMARKS.md, seventh round). So a batch of fewer than [`LOOKUP_MIN_KEYS`] ids is padded to
/// that many (the first id repeated; the index scan skips repeated keys) and the cache settles on
/// the generic plan after five calls. Padding every batch to [`LOOKUP_BATCH`], as before, made the
/// database parse and sort 32 keys for the ≈4 ids of a typical batch (a statement 11–16% slower
/// in pgbench, BENCHMARKS.md, ninth round).
pub fn get_many<S: AsRef<str>>(conn: &mut DbConnection, ids: &[S]) -> StoreResult<Vec<Full>> {
    let mut ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    ids.sort_unstable();
    ids.dedup();
    match conn {
        DbConnection::Pg(c) => {
            let mut found = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(LOOKUP_BATCH) {
                let mut keys = chunk.to_vec();
                keys.resize(chunk.len().max(LOOKUP_MIN_KEYS), chunk[0]);
                let among = requests::id.eq(any(keys));
                found.extend(
                    requests::table
                        .inner_join(request_details::table)
                        .filter(among)
                        .select((RequestRow::as_select(), DetailRow::as_select()))
                        .load::<Full>(c)?,
                );
            }
            Ok(found)
        }
        DbConnection::Sqlite(_) => {
            let mut found = Vec::with_capacity(ids.len());
            for id in ids {
                match get(conn, id) {
                    Ok(full) => found.push(full),
                    Err(StoreError::Domain(gongzhi_domain::DomainError::NotFound(_))) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(found)
        }
    }
}

/// Records that `department_id` handles (or handled) the request; kept for the department's scope.
pub fn add_handler(conn: &mut DbConnection, request_id: &str, department_id: &str, at: NaiveDateTime) -> StoreResult<()> {
    if !handled_by(conn, request_id, department_id)? {
        diesel::insert_into(request_departments::table)
            .values((
                request_departments::request_id.eq(request_id),
                request_departments::department_id.eq(department_id),
                request_departments::first_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// True when the department is or was a handler of the request.
pub fn handled_by(conn: &mut DbConnection, request_id: &str, department_id: &str) -> StoreResult<bool> {
    let n: i64 = request_departments::table
        .filter(request_departments::request_id.eq(request_id))
        .filter(request_departments::department_id.eq(department_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Which requests a caller may see.
#[derive(Debug, Clone)]
pub enum Visibility {
    /// Requests in a subtree (staff, auditors).
    Subtree(JurisdictionPath),
    /// A resident's own requests.
    Resident(String),
    /// Requests a department handles or handled.
    Department(String),
}

#[derive(Debug, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub class: Option<String>,
    pub community_id: Option<String>,
    pub department_id: Option<String>,
    pub category_code: Option<String>,
    /// Unresolved, open requests whose deadline is before this instant.
    pub overdue_at: Option<NaiveDateTime>,
}

/// Statuses of unresolved open requests that can run overdue.
pub const UNRESOLVED: [&str; 3] = ["dispatched", "returned", "in_progress"];

pub fn list(conn: &mut DbConnection, who: &Visibility, filter: &Filter, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<Full>> {
    let mut q = requests::table
        .inner_join(request_details::table)
        .select((RequestRow::as_select(), DetailRow::as_select()))
        .order(requests::id.asc())
        .limit(limit + 1)
        .into_boxed();
    q = match who {
        Visibility::Subtree(p) => narrow!(q, p),
        Visibility::Resident(a) => q.filter(requests::resident_account_id.eq(a.clone())),
        Visibility::Department(d) => q.filter(
            requests::id.eq_any(
                request_departments::table
                    .filter(request_departments::department_id.eq(d.clone()))
                    .select(request_departments::request_id),
            ),
        ),
    };
    if let Some(v) = &filter.status {
        q = q.filter(requests::status.eq(v.clone()));
    }
    if let Some(v) = &filter.class {
        q = q.filter(requests::class.eq(v.clone()));
    }
    if let Some(v) = &filter.community_id {
        q = q.filter(requests::community_id.eq(v.clone()));
    }
    if let Some(v) = &filter.department_id {
        q = q.filter(requests::department_id.eq(v.clone()));
    }
    if let Some(v) = &filter.category_code {
        q = q.filter(requests::category_code.eq(v.clone()));
    }
    if let Some(at) = filter.overdue_at {
        q = q.filter(requests::status.eq_any(UNRESOLVED)).filter(requests::deadline.lt(at));
    }
    if let Some(c) = cursor {
        q = q.filter(requests::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Ids of requests in the subtree with `status` among `statuses` and `column < before`, in id
/// order: the candidates of the overdue escalation (deadline) and of auto-closing (resolved_at).
pub fn due(conn: &mut DbConnection, within: &JurisdictionPath, statuses: &[&str], by_deadline: bool, before: NaiveDateTime) -> StoreResult<Vec<String>> {
    let q = requests::table
        .filter(requests::path.like(within.like_pattern()))
        .filter(requests::status.eq_any(statuses.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
        .select(requests::id)
        .order(requests::id.asc())
        .into_boxed();
    let q = if by_deadline { q.filter(requests::deadline.lt(before)) } else { q.filter(requests::resolved_at.le(before)) };
    Ok(q.load(conn)?)
}

/// Resolved and closed major and minor requests of a community, for public disclosure. Private
/// matters (私事, often hardship cases) are never published.
pub fn list_public(conn: &mut DbConnection, community_id: &str, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<Full>> {
    let mut q = requests::table
        .inner_join(request_details::table)
        .filter(requests::community_id.eq(community_id))
        .filter(requests::status.eq_any(["resolved", "closed"]))
        .filter(requests::class.eq_any(["major", "minor"]))
        .select((RequestRow::as_select(), DetailRow::as_select()))
        .order(requests::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(requests::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn insert_event(conn: &mut DbConnection, row: &EventRow) -> StoreResult<()> {
    diesel::insert_into(request_events::table).values(row).execute(conn)?;
    Ok(())
}

pub fn events(conn: &mut DbConnection, request_id: &str, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<EventRow>> {
    let mut q = request_events::table
        .filter(request_events::request_id.eq(request_id))
        .select(EventRow::as_select())
        .order(request_events::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(request_events::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn insert_photo(conn: &mut DbConnection, row: &PhotoRow) -> StoreResult<()> {
    diesel::insert_into(request_photos::table).values(row).execute(conn)?;
    Ok(())
}

pub fn photos(conn: &mut DbConnection, request_id: &str) -> StoreResult<Vec<PhotoRow>> {
    Ok(request_photos::table
        .filter(request_photos::request_id.eq(request_id))
        .select(PhotoRow::as_select())
        .order(request_photos::id.asc())
        .load(conn)?)
}

/// Requests attached to a jurisdiction node (for [`crate::jurisdictions::attached_data`]).
pub fn count_attached(conn: &mut DbConnection, jurisdiction_id: &str) -> StoreResult<i64> {
    Ok(request_details::table.filter(request_details::jurisdiction_id.eq(jurisdiction_id)).count().get_result(conn)?)
}

/// Filters of a community's request search (the Open311 GeoReport v2 `GET requests`).
#[derive(Debug, Default)]
pub struct Search {
    /// Only these ids.
    pub ids: Option<Vec<String>>,
    /// Only these category codes (empty: all).
    pub category_codes: Vec<String>,
    /// Only these statuses (empty: all).
    pub statuses: Vec<String>,
    /// Received at or after this instant.
    pub received_from: Option<NaiveDateTime>,
    /// Received at or before this instant.
    pub received_to: Option<NaiveDateTime>,
}

/// Requests of a community matching `search`, newest first (by receipt, then id), at most `limit`.
pub fn search(conn: &mut DbConnection, community_id: &str, search: &Search, limit: i64) -> StoreResult<Vec<Full>> {
    let mut q = requests::table
        .inner_join(request_details::table)
        .filter(requests::community_id.eq(community_id))
        .select((RequestRow::as_select(), DetailRow::as_select()))
        .order((requests::received_at.desc(), requests::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(ids) = &search.ids {
        q = q.filter(requests::id.eq_any(ids.clone()));
    }
    if !search.category_codes.is_empty() {
        q = q.filter(requests::category_code.eq_any(search.category_codes.clone()));
    }
    if !search.statuses.is_empty() {
        q = q.filter(requests::status.eq_any(search.statuses.clone()));
    }
    if let Some(from) = search.received_from {
        q = q.filter(requests::received_at.ge(from));
    }
    if let Some(to) = search.received_to {
        q = q.filter(requests::received_at.le(to));
    }
    Ok(q.load(conn)?)
}

/// The text of the latest event of `kind` (e.g. `replied`) of each of the requests that has one.
pub fn latest_texts(conn: &mut DbConnection, request_ids: &[String], kind: &str) -> StoreResult<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, String)> = request_events::table
        .filter(request_events::request_id.eq_any(request_ids))
        .filter(request_events::kind.eq(kind))
        .order(request_events::id.asc())
        .select((request_events::request_id, request_events::data))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, data)| {
            let text = serde_json::from_str::<serde_json::Value>(&data).ok()?.get("text")?.as_str()?.to_string();
            Some((id, text))
        })
        .collect())
}
