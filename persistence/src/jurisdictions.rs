//! Jurisdiction tree (行政区划 / 网格) queries.

use crate::error::{StoreError, StoreResult};
use crate::schema::{accounts, departments, jurisdictions};
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = jurisdictions)]
pub struct JurisdictionRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub level: String,
    pub name: String,
    pub code: Option<String>,
    pub path: String,
    pub households: Option<i32>,
    pub population: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl JurisdictionRow {
    pub fn level(&self) -> Level {
        Level::parse(&self.level).expect("stored level is valid")
    }
    pub fn path(&self) -> JurisdictionPath {
        JurisdictionPath::from_stored(self.path.clone())
    }
}

pub fn get(conn: &mut DbConnection, id: &str) -> StoreResult<JurisdictionRow> {
    jurisdictions::table
        .find(id)
        .select(JurisdictionRow::as_select())
        .first(conn)
        .map_err(StoreError::not_found("jurisdiction"))
}

/// The nodes with these ids (missing ids are skipped), keyed by id: one query for a report's names.
pub fn by_ids(conn: &mut DbConnection, ids: &[&str]) -> StoreResult<std::collections::HashMap<String, JurisdictionRow>> {
    let rows: Vec<JurisdictionRow> = jurisdictions::table.filter(jurisdictions::id.eq_any(ids)).select(JurisdictionRow::as_select()).load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
}

/// A node, only when it lies in the subtree `within` (else 404).
pub fn get_within(conn: &mut DbConnection, id: &str, within: &JurisdictionPath) -> StoreResult<JurisdictionRow> {
    let row = get(conn, id)?;
    if within.contains(&row.path) {
        Ok(row)
    } else {
        Err(gongzhi_domain::DomainError::NotFound("jurisdiction").into())
    }
}

pub fn insert(conn: &mut DbConnection, row: &JurisdictionRow) -> StoreResult<()> {
    diesel::insert_into(jurisdictions::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &JurisdictionRow) -> StoreResult<()> {
    diesel::update(jurisdictions::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::delete(jurisdictions::table.find(id)).execute(conn)?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct Filter {
    pub parent_id: Option<String>,
    pub level: Option<String>,
    /// Case-sensitive substring of the name.
    pub name: Option<String>,
}

/// Nodes in the subtree `within`, in id order after `cursor`.
pub fn list(
    conn: &mut DbConnection,
    within: &JurisdictionPath,
    filter: &Filter,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<JurisdictionRow>> {
    let mut q = jurisdictions::table
        .filter(jurisdictions::path.like(within.like_pattern()))
        .select(JurisdictionRow::as_select())
        .order(jurisdictions::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(p) = &filter.parent_id {
        q = q.filter(jurisdictions::parent_id.eq(p.clone()));
    }
    if let Some(l) = &filter.level {
        q = q.filter(jurisdictions::level.eq(l.clone()));
    }
    if let Some(n) = &filter.name {
        q = q.filter(jurisdictions::name.like(format!("%{}%", escape_like(n))).escape('\\'));
    }
    if let Some(c) = cursor {
        q = q.filter(jurisdictions::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Every node, for the public tree a resident picks a community from.
pub fn all(conn: &mut DbConnection) -> StoreResult<Vec<JurisdictionRow>> {
    Ok(jurisdictions::table.select(JurisdictionRow::as_select()).order(jurisdictions::path.asc()).load(conn)?)
}

pub fn count_children(conn: &mut DbConnection, id: &str) -> StoreResult<i64> {
    Ok(jurisdictions::table.filter(jurisdictions::parent_id.eq(id)).count().get_result(conn)?)
}

/// What is attached to a node (accounts, departments, and what later areas register), so that a
/// node with data is never moved or deleted. Returns (kind, count) for each kind that is non-zero.
pub fn attached_data(conn: &mut DbConnection, id: &str) -> StoreResult<Vec<(&'static str, i64)>> {
    let attached = [
        ("accounts", accounts::table.filter(accounts::jurisdiction_id.eq(id)).count().get_result(conn)?),
        ("departments", departments::table.filter(departments::jurisdiction_id.eq(id)).count().get_result(conn)?),
        ("requests", crate::requests::count_attached(conn, id)?),
        ("responsibility list versions", crate::requests::lists::count_attached(conn, id)?),
        ("service directory entries", crate::requests::services::count_attached(conn, id)?),
        ("clearance records", crate::clearance::attached_count(conn, id)?),
    ];
    let mut out: Vec<_> = attached.into_iter().filter(|(_, n)| *n > 0).collect();
    out.extend(crate::ledgers::attached_data(conn, id)?);
    out.extend(crate::organisations::attached_data(conn, id)?);
    out.extend(crate::evaluation::attached_counts(conn, id)?.into_iter().filter(|(_, n)| *n > 0));
    Ok(out)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with escape character `\`.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
