//! The service directory (便民服务目录) of a community: providers, organisations and volunteers
//! that private matters (私事) are referred to.

use super::schema::services;
use crate::error::{StoreError, StoreResult};
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = services, treat_none_as_null = true)]
pub struct ServiceRow {
    pub id: String,
    pub community_id: String,
    pub path: String,
    /// `provider`, `organisation` or `volunteer`.
    pub kind: String,
    pub name: String,
    pub category: String,
    pub contact_name: Option<String>,
    pub phone: String,
    pub description: Option<String>,
    /// Inactive entries stay for history but take no new referrals.
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConnection, id: &str) -> StoreResult<ServiceRow> {
    services::table.find(id).select(ServiceRow::as_select()).first(conn).map_err(StoreError::not_found("service"))
}

pub fn insert(conn: &mut DbConnection, row: &ServiceRow) -> StoreResult<()> {
    diesel::insert_into(services::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &ServiceRow) -> StoreResult<()> {
    diesel::update(services::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct Filter {
    pub kind: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
}

pub fn list(conn: &mut DbConnection, community_id: &str, filter: &Filter, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ServiceRow>> {
    let mut q = services::table
        .filter(services::community_id.eq(community_id))
        .select(ServiceRow::as_select())
        .order(services::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(v) = &filter.kind {
        q = q.filter(services::kind.eq(v.clone()));
    }
    if let Some(v) = &filter.category {
        q = q.filter(services::category.eq(v.clone()));
    }
    if let Some(v) = filter.active {
        q = q.filter(services::active.eq(v));
    }
    if let Some(c) = cursor {
        q = q.filter(services::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Directory entries attached to a community.
pub fn count_attached(conn: &mut DbConnection, community_id: &str) -> StoreResult<i64> {
    Ok(services::table.filter(services::community_id.eq(community_id)).count().get_result(conn)?)
}
