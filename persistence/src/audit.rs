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

pub fn list(
    conn: &mut DbConnection,
    within: &JurisdictionPath,
    filter: &Filter,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<AuditRow>> {
    let mut q = audit_log::table
        .filter(audit_log::path.like(within.like_pattern()))
        .select(AuditRow::as_select())
        .order(audit_log::id.asc())
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
    if let Some(c) = cursor {
        q = q.filter(audit_log::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}
