//! Electronic ledgers (电子台账): ledger types, and per community one append-only hash chain of
//! entries generated from what happened (see `gongzhi_domain::ledger` for the format).
//! Households (户) and visits (包片联户) live in [`households`] and [`visits`]; logging a visit
//! is the first event source of the chain.
//!
//! # Appending from another area
//!
//! Any area records a fact in a community's ledger by calling [`append`] with the connection of
//! its own write transaction, so the fact and its entry commit or roll back together:
//!
//! ```ignore
//! ledgers::append(conn, &NewEntry {
//!     community_id: row.community_id.clone(),   // the community node's id
//!     community_path: community_path.clone(),   // that node's `jurisdictions.path`
//!     kind: EntryKind::RequestClosed,
//!     source_type: "request".into(),
//!     source_id: row.id.clone(),                // a UUID
//!     occurred_at: now,
//!     payload: serde_json::json!({"class": "minor", "closed_by": caller_id}),
//!     manual: false,
//!     recorded_at: now,
//! })?;
//! ```
//!
//! Payloads hold ids, codes, integers (money in cents) and short text; no personal data, since
//! entries can never be changed or deleted.
//!
//! # Sources (事件来源)
//!
//! Each source appends exactly one entry, in the transaction that records the fact, and only
//! where a community (社区) is known ([`community_of`]):
//!
//! | Source (where)                                             | Kind                | source_type       | Payload fields |
//! |------------------------------------------------------------|---------------------|-------------------|----------------|
//! | Visit logged (入户走访, `POST /visits`)                     | `visit_made`        | `visit`           | `visit_id`, `household_id`, `worker_id`, `visited_on`, `problems_found`, `satisfaction`, `content_sha256` |
//! | Request resolved (销号, action `resolve` → `resolved`)      | `request_closed`    | `request`         | `request_id`, `category_code`, `class`, `on_time`, `handling_hours` |
//! | Agreement payment (经费拨付, `POST /clearance/agreements/{id}/payments`) | `agreement_funded` | `agreement_payment` | `agreement_id`, `payment_id`, `amount_cents`, `paid_on` |
//! | Volunteer hours approved (志愿服务, `POST /volunteer-hours/{id}/decision`) | `service_delivered` | `volunteer_hours` | `hours_id`, `activity_id`, `organisation_id`, `minutes` |
//! | Manual entry (补录, `POST /ledgers/{community_id}/entries`) | a kind of a manual type | `ledger_type`    | as given (short text) |

pub mod households;
pub mod schema;
pub mod visits;

use crate::error::{StoreError, StoreResult};
use crate::{from_db, new_id, to_db, DbConnection};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_domain::ledger::{check_head, verify_chain, BreakReason, EntryKind, LedgerEntry, SealedEntry, Verification, GENESIS_HASH};
use gongzhi_domain::DomainError;
use schema::{households as households_t, ledger_entries, ledger_heads, ledger_types, visits as visits_t};
use uuid::Uuid;

/// The community (社区) a stored jurisdiction path lies in or below, as (id, community path);
/// `None` for a district or street path. Paths run district / street / community / grid / …
pub fn community_of(path: &str) -> Option<(String, String)> {
    let node = JurisdictionPath::from_stored(path);
    let ids: Vec<&str> = node.ids().into_iter().take(3).collect();
    match ids.as_slice() {
        [_, _, community] => Some((community.to_string(), format!("/{}/", ids.join("/")))),
        _ => None,
    }
}

/// A ledger type (台账类型): a named book that collects some entry kinds for the communities
/// under its jurisdiction, optionally accepting manual entries (补录).
///
/// Admission (凡进必审): an active type rests on an admitted clearance item of kind `ledger`
/// (`clearance_item_id`), checked when the type is created or re-activated.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ledger_types, treat_none_as_null = true)]
pub struct LedgerTypeRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub code: String,
    pub name: String,
    /// JSON array of entry kinds, e.g. `["visit_made"]`.
    pub entry_kinds: String,
    pub allows_manual: bool,
    pub clearance_item_id: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl LedgerTypeRow {
    /// True when the type's jurisdiction is the node at `path` or one of its ancestors.
    pub fn applies_to(&self, path: &str) -> bool {
        path.starts_with(&self.path)
    }

    pub fn kinds(&self) -> Vec<EntryKind> {
        let names: Vec<String> = serde_json::from_str(&self.entry_kinds).unwrap_or_default();
        names.iter().filter_map(|n| EntryKind::parse(n).ok()).collect()
    }
}

pub fn get_type(conn: &mut DbConnection, id: &str) -> StoreResult<LedgerTypeRow> {
    ledger_types::table.find(id).select(LedgerTypeRow::as_select()).first(conn).map_err(StoreError::not_found("ledger type"))
}

pub fn insert_type(conn: &mut DbConnection, row: &LedgerTypeRow) -> StoreResult<()> {
    diesel::insert_into(ledger_types::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update_type(conn: &mut DbConnection, row: &LedgerTypeRow) -> StoreResult<()> {
    diesel::update(ledger_types::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

pub fn type_code_taken(conn: &mut DbConnection, jurisdiction_id: &str, code: &str) -> StoreResult<bool> {
    let n: i64 = ledger_types::table
        .filter(ledger_types::jurisdiction_id.eq(jurisdiction_id))
        .filter(ledger_types::code.eq(code))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Types that apply in or below `scope`: those defined in the subtree and those defined at an
/// ancestor of the scope node (a district's type applies to all its communities).
pub fn list_types(conn: &mut DbConnection, scope: &JurisdictionPath, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<LedgerTypeRow>> {
    let ancestors: Vec<String> = scope.ids().into_iter().map(str::to_string).collect();
    let mut q = ledger_types::table
        .filter(ledger_types::path.like(scope.like_pattern()).or(ledger_types::jurisdiction_id.eq_any(ancestors)))
        .select(LedgerTypeRow::as_select())
        .order(ledger_types::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(ledger_types::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// True when a type is visible from `scope` (see [`list_types`]).
pub fn type_visible(row: &LedgerTypeRow, scope: &JurisdictionPath) -> bool {
    scope.contains(&row.path) || row.applies_to(scope.as_str())
}

/// A stored ledger entry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_entries)]
pub struct LedgerEntryRow {
    pub id: String,
    pub community_id: String,
    pub path: String,
    pub seq: i64,
    pub entry_kind: String,
    pub source_type: String,
    pub source_id: String,
    pub occurred_at: NaiveDateTime,
    /// The payload's canonical JSON, exactly the bytes the hash covers.
    pub payload: String,
    pub manual: bool,
    pub prev_hash: String,
    pub hash: String,
    /// When the row was written (not covered by the hash).
    pub recorded_at: NaiveDateTime,
}

impl LedgerEntryRow {
    /// The entry as the hash chain sees it; `None` when a stored value no longer parses (which
    /// only tampering produces).
    pub fn sealed(&self) -> Option<SealedEntry> {
        let entry = LedgerEntry {
            community_id: Uuid::parse_str(&self.community_id).ok()?,
            seq: u64::try_from(self.seq).ok()?,
            kind: EntryKind::parse(&self.entry_kind).ok()?,
            source_type: self.source_type.clone(),
            source_id: Uuid::parse_str(&self.source_id).ok()?,
            occurred_at: from_db(self.occurred_at),
            payload: serde_json::from_str(&self.payload).ok()?,
            manual: self.manual,
        };
        Some(SealedEntry { entry, prev_hash: self.prev_hash.clone(), hash: self.hash.clone() })
    }
}

/// A fact to record in a community's ledger (see the module documentation).
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// The community (社区) node whose chain receives the entry.
    pub community_id: String,
    /// That node's path (`jurisdictions.path`), for scoped reading.
    pub community_path: String,
    pub kind: EntryKind,
    /// What the entry was generated from: `visit`, `request`, `agreement`, `service`, …
    pub source_type: String,
    /// Id (UUID) of that record.
    pub source_id: String,
    pub occurred_at: DateTime<Utc>,
    pub payload: serde_json::Value,
    /// True for entries typed in by staff (补录) rather than generated.
    pub manual: bool,
    /// The time of the write (the caller's `now`).
    pub recorded_at: DateTime<Utc>,
}

/// The chain head of a community: the last entry's seq and hash (seq 0 and the genesis hash
/// for an empty chain).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_heads)]
pub struct LedgerHeadRow {
    pub community_id: String,
    pub seq: i64,
    pub hash: String,
    pub updated_at: NaiveDateTime,
}

pub fn head(conn: &mut DbConnection, community_id: &str) -> StoreResult<Option<LedgerHeadRow>> {
    Ok(ledger_heads::table.find(community_id).select(LedgerHeadRow::as_select()).first(conn).optional()?)
}

fn chain_moved(e: DieselError) -> StoreError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => moved().into(),
        other => other.into(),
    }
}

fn moved() -> DomainError {
    DomainError::conflict("ledger_busy", "another entry was appended to this ledger at the same time; retry")
}

/// Appends one entry to the community's chain inside the caller's transaction and returns it.
///
/// Reads the head, moves it with `UPDATE … WHERE seq = <read seq>` (on PostgreSQL the row lock
/// makes a concurrent append wait, then find the seq changed), and inserts the entry; the
/// UNIQUE(community_id, seq) index refuses a second entry with the same seq. A lost race is the
/// 409 `ledger_busy` and rolls back the caller's transaction, never a fork. On SQLite every
/// write goes through the single writer connection, so appends are already serialized.
pub fn append(conn: &mut DbConnection, new: &NewEntry) -> StoreResult<LedgerEntryRow> {
    let bad = |field: &str| DomainError::field(field, "invalid_format", format!("{field} must be a UUID"));
    let community = Uuid::parse_str(&new.community_id).map_err(|_| bad("community_id"))?;
    let source = Uuid::parse_str(&new.source_id).map_err(|_| bad("source_id"))?;
    if !new.community_path.ends_with(&format!("/{}/", new.community_id)) {
        return Err(DomainError::field("community_path", "invalid_format", "community_path must be the community node's path").into());
    }
    let current = head(conn, &new.community_id)?;
    let (prev_seq, prev_hash) = current.as_ref().map_or((0, GENESIS_HASH.to_string()), |h| (h.seq, h.hash.clone()));
    let seq = prev_seq + 1;
    let occurred_at = to_db(new.occurred_at);
    let sealed = LedgerEntry {
        community_id: community,
        seq: seq as u64,
        kind: new.kind,
        source_type: new.source_type.clone(),
        source_id: source,
        occurred_at: from_db(occurred_at),
        payload: new.payload.clone(),
        manual: new.manual,
    }
    .seal(&prev_hash);
    let recorded_at = to_db(new.recorded_at);
    match current {
        Some(_) => {
            let moved_rows = diesel::update(ledger_heads::table.find(&new.community_id).filter(ledger_heads::seq.eq(prev_seq)))
                .set((ledger_heads::seq.eq(seq), ledger_heads::hash.eq(&sealed.hash), ledger_heads::updated_at.eq(recorded_at)))
                .execute(conn)?;
            if moved_rows != 1 {
                return Err(moved().into());
            }
        }
        None => {
            let row = LedgerHeadRow { community_id: new.community_id.clone(), seq, hash: sealed.hash.clone(), updated_at: recorded_at };
            diesel::insert_into(ledger_heads::table).values(&row).execute(conn).map_err(chain_moved)?;
        }
    }
    let row = LedgerEntryRow {
        id: new_id(),
        community_id: new.community_id.clone(),
        path: new.community_path.clone(),
        seq,
        entry_kind: new.kind.as_str().into(),
        source_type: new.source_type.clone(),
        source_id: new.source_id.clone(),
        occurred_at,
        payload: gongzhi_domain::ledger::canonical_json(&new.payload),
        manual: new.manual,
        prev_hash: sealed.prev_hash,
        hash: sealed.hash,
        recorded_at,
    };
    diesel::insert_into(ledger_entries::table).values(&row).execute(conn).map_err(chain_moved)?;
    Ok(row)
}

/// Records a generated (not manual) entry for a fact that happened `now` at the jurisdiction
/// `path`, in the community that path lies in; nothing when the path is above community level.
/// Call it inside the write transaction of the fact (see the table of sources above).
pub fn record(conn: &mut DbConnection, path: &str, kind: EntryKind, source: (&str, &str), payload: serde_json::Value, now: DateTime<Utc>) -> StoreResult<Option<LedgerEntryRow>> {
    let Some((community_id, community_path)) = community_of(path) else { return Ok(None) };
    let (source_type, source_id) = source;
    let entry = NewEntry {
        community_id,
        community_path,
        kind,
        source_type: source_type.into(),
        source_id: source_id.into(),
        occurred_at: now,
        payload,
        manual: false,
        recorded_at: now,
    };
    append(conn, &entry).map(Some)
}

/// Filters of the ledger book.
#[derive(Debug, Default, Clone)]
pub struct EntryFilter {
    /// Inclusive lower bound of `occurred_at`.
    pub from: Option<NaiveDateTime>,
    /// Exclusive upper bound of `occurred_at`.
    pub to: Option<NaiveDateTime>,
    /// Only these kinds (a kind, or a ledger type's kinds).
    pub kinds: Option<Vec<String>>,
}

/// Entries of a community's chain after `after_seq`, in chain order, at most `limit`.
pub fn entries(conn: &mut DbConnection, community_id: &str, filter: &EntryFilter, after_seq: i64, limit: i64) -> StoreResult<Vec<LedgerEntryRow>> {
    let mut q = ledger_entries::table
        .filter(ledger_entries::community_id.eq(community_id))
        .filter(ledger_entries::seq.gt(after_seq))
        .select(LedgerEntryRow::as_select())
        .order(ledger_entries::seq.asc())
        .limit(limit)
        .into_boxed();
    if let Some(v) = filter.from {
        q = q.filter(ledger_entries::occurred_at.ge(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(ledger_entries::occurred_at.lt(v));
    }
    if let Some(k) = &filter.kinds {
        q = q.filter(ledger_entries::entry_kind.eq_any(k.clone()));
    }
    Ok(q.load(conn)?)
}

/// The seq of the entry `id` of a community's chain (a page cursor).
/// Entries of every community in `within` that occurred in `[from, to)`, in id order after
/// `cursor` (at most `limit`): the auditors' export across communities.
pub fn entries_within(
    conn: &mut DbConnection,
    within: &JurisdictionPath,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<LedgerEntryRow>> {
    let mut q = ledger_entries::table
        .filter(ledger_entries::path.like(within.like_pattern()))
        .select(LedgerEntryRow::as_select())
        .order(ledger_entries::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(f) = from {
        q = q.filter(ledger_entries::occurred_at.ge(f));
    }
    if let Some(t) = to {
        q = q.filter(ledger_entries::occurred_at.lt(t));
    }
    if let Some(c) = cursor {
        q = q.filter(ledger_entries::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn entry_seq(conn: &mut DbConnection, community_id: &str, id: &str) -> StoreResult<Option<i64>> {
    Ok(ledger_entries::table
        .filter(ledger_entries::community_id.eq(community_id))
        .filter(ledger_entries::id.eq(id))
        .select(ledger_entries::seq)
        .first(conn)
        .optional()?)
}

/// Entries generated from one source record (e.g. the entry of a visit).
pub fn entries_of_source(conn: &mut DbConnection, source_type: &str, source_id: &str) -> StoreResult<Vec<LedgerEntryRow>> {
    Ok(ledger_entries::table
        .filter(ledger_entries::source_type.eq(source_type))
        .filter(ledger_entries::source_id.eq(source_id))
        .select(LedgerEntryRow::as_select())
        .order(ledger_entries::seq.asc())
        .load(conn)?)
}

/// Rows read per query while verifying.
const VERIFY_BATCH: i64 = 1000;

/// Verifies a community's whole chain, then that it ends at the recorded head.
pub fn verify(conn: &mut DbConnection, community_id: &str) -> StoreResult<Verification> {
    let mut sealed: Vec<SealedEntry> = Vec::new();
    let mut after = i64::MIN;
    loop {
        let rows = ledger_entries::table
            .filter(ledger_entries::community_id.eq(community_id))
            .filter(ledger_entries::seq.gt(after))
            .select(LedgerEntryRow::as_select())
            .order(ledger_entries::seq.asc())
            .limit(VERIFY_BATCH)
            .load::<LedgerEntryRow>(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in rows {
            match row.sealed() {
                Some(s) => sealed.push(s),
                // A value that no longer parses: report the chain's own first break if it comes
                // earlier, else this entry (its content no longer gives its hash).
                None => {
                    return Ok(match verify_chain(&sealed) {
                        broken @ Verification::Broken { .. } => broken,
                        Verification::Ok { count, .. } => {
                            let reason = if row.seq == count as i64 + 1 { BreakReason::HashMismatch } else { BreakReason::SeqGap };
                            Verification::Broken { seq: u64::try_from(row.seq).unwrap_or(0), reason }
                        }
                    })
                }
            }
        }
    }
    let recorded = head(conn, community_id)?;
    Ok(check_head(verify_chain(&sealed), recorded.as_ref().map(|h| (h.seq as u64, h.hash.as_str()))))
}

/// Ledger data attached to a jurisdiction node (see `jurisdictions::attached_data`).
pub fn attached_data(conn: &mut DbConnection, id: &str) -> StoreResult<Vec<(&'static str, i64)>> {
    let counts = [
        ("ledger types", ledger_types::table.filter(ledger_types::jurisdiction_id.eq(id)).count().get_result::<i64>(conn)?),
        ("ledger entries", ledger_entries::table.filter(ledger_entries::community_id.eq(id)).count().get_result::<i64>(conn)?),
        ("households", households_t::table.filter(households_t::jurisdiction_id.eq(id).or(households_t::community_id.eq(id))).count().get_result::<i64>(conn)?),
        ("visits", visits_t::table.filter(visits_t::community_id.eq(id)).count().get_result::<i64>(conn)?),
    ];
    Ok(counts.into_iter().filter(|(_, n)| *n > 0).collect())
}

#[cfg(test)]
mod tests {
    use super::community_of;

    #[test]
    fn community_of_a_path() {
        assert_eq!(community_of("/d/s/c/g/m/"), Some(("c".to_string(), "/d/s/c/".to_string())));
        assert_eq!(community_of("/d/s/c/"), Some(("c".to_string(), "/d/s/c/".to_string())));
        assert_eq!(community_of("/d/s/"), None);
        assert_eq!(community_of("/"), None);
    }
}
