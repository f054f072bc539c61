//! The audit log: one row for every write (actor, role, action, target, time, request id).
//! Append-only: both backends refuse UPDATE and DELETE with a trigger.

use crate::error::StoreResult;
use crate::schema::audit_log;
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use gongzhi_domain::jurisdiction::JurisdictionPath;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    /// Jurisdiction path of the target, for scoped reading.
    pub path: String,
    pub request_id: String,
    /// JSON object with action-specific facts (never secrets).
    pub detail: String,
}

pub fn insert(conn: &mut DbConnection, row: &AuditRow) -> StoreResult<()> {
    diesel::insert_into(audit_log::table).values(row).execute(conn)?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct Filter {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// A page of the log in `within`, oldest first by `(at, id)` (the time of the write, then the
/// id for writes of the same instant), after the entry `after` (a cursor: the last id of the
/// previous page). `None` when `after` is not an entry in `within`.
///
/// Keyset on `(at, id)`, not on `id` alone, so that a time window is a range of an index and each
/// filter has an index leading with it and ending with `(at, id)`, which both narrows and orders
/// (migration `audit_log_indexes`): at 10M requests a filter without one walked the whole log
/// (41–137 s, BENCHMARKS.md). The id order cannot stand for the time order: `at` is the injected
/// clock's reading when the handler began, the UUIDv7 id the system clock's at the insert.
///
/// A reader paging up to the present may later see entries whose `at` is before its cursor (a
/// write that began earlier and committed later); a closed period (`to` in the past) is stable.
pub fn list(
    conn: &mut DbConnection,
    within: &JurisdictionPath,
    filter: &Filter,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Option<Vec<AuditRow>>> {
    let subtree = within.like_pattern();
    let after = match after {
        None => None,
        Some(id) => match audit_log::table
            .filter(audit_log::id.eq(id))
            .filter(audit_log::path.like(&subtree))
            .select(audit_log::at)
            .first::<NaiveDateTime>(conn)
            .optional()?
        {
            Some(at) => Some((at, id)),
            None => return Ok(None),
        },
    };
    let mut q = audit_log::table
        .filter(audit_log::path.like(subtree))
        .select(AuditRow::as_select())
        .order((audit_log::at.asc(), audit_log::id.asc()))
        .limit(limit + 1)
        .into_boxed();
    if let Some(v) = &filter.actor_id {
        q = q.filter(audit_log::actor_id.eq(v.clone()));
    }
    if let Some(v) = &filter.action {
        q = q.filter(audit_log::action.eq(v.clone()));
    }
    if let Some(v) = &filter.target_type {
        q = q.filter(audit_log::target_type.eq(v.clone()));
    }
    if let Some(v) = &filter.target_id {
        q = q.filter(audit_log::target_id.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        q = q.filter(audit_log::at.ge(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(audit_log::at.lt(v));
    }
    if let Some((at, id)) = after {
        // `(at, id) > (a, i)`, spelt with `at >= a` as its own conjunct so that it bounds the
        // index range on both backends (diesel has no row comparison; a bare OR would not bound
        // it).
        q = q.filter(audit_log::at.ge(at)).filter(audit_log::at.gt(at).or(audit_log::id.gt(id.to_string())));
    }
    Ok(Some(q.load(conn)?))
}
