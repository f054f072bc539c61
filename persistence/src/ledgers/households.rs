//! Households (户) of a community, placed in a grid, optionally assigned to a grid worker
//! (包片联户).

use super::schema::households;
use crate::error::{StoreError, StoreResult};
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use gongzhi_domain::jurisdiction::JurisdictionPath;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = households, treat_none_as_null = true)]
pub struct HouseholdRow {
    pub id: String,
    /// The grid (or micro-grid) the household lies in.
    pub jurisdiction_id: String,
    pub path: String,
    pub community_id: String,
    /// Exact address (personal data).
    pub address: String,
    pub size: i32,
    /// JSON array of tags, e.g. `["elderly_alone"]`.
    pub tags: String,
    /// Head of household (户主), personal data.
    pub head_name: String,
    pub head_phone: Option<String>,
    /// The grid worker account the household is assigned to.
    pub worker_id: Option<String>,
    pub assigned_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl HouseholdRow {
    /// Path of the household's community node (a prefix of its grid path).
    pub fn community_path(&self) -> String {
        let marker = format!("/{}/", self.community_id);
        match self.path.find(&marker) {
            Some(i) => self.path[..i + marker.len()].to_string(),
            None => self.path.clone(),
        }
    }

    pub fn tag_names(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

pub fn get(conn: &mut DbConnection, id: &str) -> StoreResult<HouseholdRow> {
    households::table.find(id).select(HouseholdRow::as_select()).first(conn).map_err(StoreError::not_found("household"))
}

pub fn insert(conn: &mut DbConnection, row: &HouseholdRow) -> StoreResult<()> {
    diesel::insert_into(households::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &HouseholdRow) -> StoreResult<()> {
    diesel::update(households::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct Filter {
    pub worker_id: Option<String>,
    /// Only households in this grid's subtree (a path).
    pub grid_path: Option<String>,
    /// Households carrying this tag.
    pub tag: Option<String>,
    pub unassigned: bool,
}

pub fn list(conn: &mut DbConnection, within: &JurisdictionPath, filter: &Filter, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<HouseholdRow>> {
    let mut q = households::table
        .filter(households::path.like(within.like_pattern()))
        .select(HouseholdRow::as_select())
        .order(households::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(w) = &filter.worker_id {
        q = q.filter(households::worker_id.eq(w.clone()));
    }
    if filter.unassigned {
        q = q.filter(households::worker_id.is_null());
    }
    if let Some(g) = &filter.grid_path {
        q = q.filter(households::path.like(format!("{}%", crate::jurisdictions::escape_like(g))).escape('\\'));
    }
    if let Some(t) = &filter.tag {
        // Tags are stored as a JSON array of snake_case names: `"name"` matches one exactly.
        q = q.filter(households::tags.like(format!("%\"{t}\"%")));
    }
    if let Some(c) = cursor {
        q = q.filter(households::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Ids of the households assigned to a worker.
pub fn assigned_to(conn: &mut DbConnection, worker_id: &str) -> StoreResult<Vec<String>> {
    Ok(households::table.filter(households::worker_id.eq(worker_id)).select(households::id).load(conn)?)
}
