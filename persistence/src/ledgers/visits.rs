//! Visits (入户走访, 民情走访日记) of grid workers to their assigned households. A visit is never
//! edited; its ledger entry (`visit_made`) seals it.

use super::schema::visits;
use crate::error::{StoreError, StoreResult};
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use gongzhi_domain::jurisdiction::JurisdictionPath;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = visits)]
pub struct VisitRow {
    pub id: String,
    pub household_id: String,
    pub worker_id: String,
    pub community_id: String,
    /// The household's grid path.
    pub path: String,
    /// `YYYY-MM-DD`, the day of the visit (China time).
    pub visited_on: String,
    pub notes: String,
    /// JSON array of the problems found.
    pub problems: String,
    pub satisfaction: Option<i32>,
    /// A follow-up request filed from the visit (set by the requests area).
    pub request_id: Option<String>,
    /// Seq of the visit's entry in the community ledger.
    pub ledger_seq: i64,
    pub created_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConnection, id: &str) -> StoreResult<VisitRow> {
    visits::table.find(id).select(VisitRow::as_select()).first(conn).map_err(StoreError::not_found("visit"))
}

pub fn insert(conn: &mut DbConnection, row: &VisitRow) -> StoreResult<()> {
    diesel::insert_into(visits::table).values(row).execute(conn)?;
    Ok(())
}

/// Links a visit to the follow-up request filed from it.
pub fn set_request(conn: &mut DbConnection, id: &str, request_id: &str) -> StoreResult<()> {
    diesel::update(visits::table.find(id)).set(visits::request_id.eq(request_id)).execute(conn)?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct Filter {
    pub worker_id: Option<String>,
    pub household_id: Option<String>,
    /// Inclusive first day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Exclusive last day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

pub fn list(conn: &mut DbConnection, within: &JurisdictionPath, filter: &Filter, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<VisitRow>> {
    let mut q = visits::table
        .filter(visits::path.like(within.like_pattern()))
        .select(VisitRow::as_select())
        .order(visits::id.asc())
        .into_boxed();
    if let Some(w) = &filter.worker_id {
        q = q.filter(visits::worker_id.eq(w.clone()));
    }
    if let Some(h) = &filter.household_id {
        q = q.filter(visits::household_id.eq(h.clone()));
    }
    if let Some(f) = &filter.from {
        q = q.filter(visits::visited_on.ge(f.clone()));
    }
    if let Some(t) = &filter.to {
        q = q.filter(visits::visited_on.lt(t.clone()));
    }
    if let Some(c) = cursor {
        q = q.filter(visits::id.gt(c.to_string()));
    }
    Ok(q.limit(limit + 1).load(conn)?)
}

/// (household, satisfaction) of a worker's visits with `from <= visited_on < to`.
pub fn facts(conn: &mut DbConnection, worker_id: &str, from: &str, to: &str) -> StoreResult<Vec<(String, Option<i32>)>> {
    Ok(visits::table
        .filter(visits::worker_id.eq(worker_id))
        .filter(visits::visited_on.ge(from))
        .filter(visits::visited_on.lt(to))
        .select((visits::household_id, visits::satisfaction))
        .load(conn)?)
}
