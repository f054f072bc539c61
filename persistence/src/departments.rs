//! Government departments (职能部门), each seated at a district or street node.

use crate::error::{StoreError, StoreResult};
use crate::schema::departments;
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use gongzhi_domain::jurisdiction::JurisdictionPath;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = departments)]
pub struct DepartmentRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub name: String,
    pub code: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConnection, id: &str) -> StoreResult<DepartmentRow> {
    departments::table.find(id).select(DepartmentRow::as_select()).first(conn).map_err(StoreError::not_found("department"))
}

/// The departments with these ids (missing ids are skipped), keyed by id.
pub fn by_ids(conn: &mut DbConnection, ids: &[&str]) -> StoreResult<std::collections::HashMap<String, DepartmentRow>> {
    let rows: Vec<DepartmentRow> = departments::table.filter(departments::id.eq_any(ids)).select(DepartmentRow::as_select()).load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
}

pub fn insert(conn: &mut DbConnection, row: &DepartmentRow) -> StoreResult<()> {
    diesel::insert_into(departments::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &DepartmentRow) -> StoreResult<()> {
    diesel::update(departments::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

pub fn exists_code(conn: &mut DbConnection, jurisdiction_id: &str, code: &str) -> StoreResult<bool> {
    let n: i64 = departments::table
        .filter(departments::jurisdiction_id.eq(jurisdiction_id))
        .filter(departments::code.eq(code))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Departments visible from a scope: those seated in the subtree, and those seated at an
/// ancestor of the scope node (a community deals with its district's departments).
pub fn list_visible(
    conn: &mut DbConnection,
    scope: &JurisdictionPath,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<DepartmentRow>> {
    let ancestors: Vec<String> = scope.ids().into_iter().map(str::to_string).collect();
    let mut q = departments::table
        .filter(departments::path.like(scope.like_pattern()).or(departments::jurisdiction_id.eq_any(ancestors)))
        .select(DepartmentRow::as_select())
        .order(departments::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(departments::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// True when a department is visible from `scope` (see [`list_visible`]).
pub fn is_visible(row: &DepartmentRow, scope: &JurisdictionPath) -> bool {
    scope.contains(&row.path) || scope.ids().contains(&row.jurisdiction_id.as_str())
}
