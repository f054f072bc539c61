//! The district guiding catalogue (指导目录) and the communities' responsibility lists
//! (三事分流责任清单). Both are kept as append-only versions: every change is a new row holding the
//! whole list, who made it, when, and what changed.

use super::schema::responsibility_lists;
use crate::error::StoreResult;
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// `kind` of a district's guiding catalogue.
pub const KIND_CATALOGUE: &str = "catalogue";
/// `kind` of a community's responsibility list.
pub const KIND_COMMUNITY: &str = "community";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = responsibility_lists)]
pub struct ListVersionRow {
    pub id: String,
    pub kind: String,
    pub jurisdiction_id: String,
    pub path: String,
    /// 1, 2, 3… per (kind, jurisdiction).
    pub version: i32,
    /// JSON array of entries.
    pub entries: String,
    /// JSON: codes added, changed and removed relative to the previous version.
    pub changes: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// The version in force (the latest), if any.
pub fn current(conn: &mut DbConnection, kind: &str, jurisdiction_id: &str) -> StoreResult<Option<ListVersionRow>> {
    Ok(responsibility_lists::table
        .filter(responsibility_lists::kind.eq(kind))
        .filter(responsibility_lists::jurisdiction_id.eq(jurisdiction_id))
        .order(responsibility_lists::version.desc())
        .select(ListVersionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConnection, row: &ListVersionRow) -> StoreResult<()> {
    diesel::insert_into(responsibility_lists::table).values(row).execute(conn)?;
    Ok(())
}

/// Every version, newest first, after `cursor` (an id) in that order.
pub fn versions(conn: &mut DbConnection, kind: &str, jurisdiction_id: &str, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ListVersionRow>> {
    let mut q = responsibility_lists::table
        .filter(responsibility_lists::kind.eq(kind))
        .filter(responsibility_lists::jurisdiction_id.eq(jurisdiction_id))
        .order(responsibility_lists::id.desc())
        .limit(limit + 1)
        .select(ListVersionRow::as_select())
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(responsibility_lists::id.lt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// List versions attached to a jurisdiction node.
pub fn count_attached(conn: &mut DbConnection, jurisdiction_id: &str) -> StoreResult<i64> {
    Ok(responsibility_lists::table.filter(responsibility_lists::jurisdiction_id.eq(jurisdiction_id)).count().get_result(conn)?)
}
