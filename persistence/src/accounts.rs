//! Accounts: people (by login and password) and service accounts (by client id and secret).

use crate::error::{StoreError, StoreResult};
use crate::schema::accounts;
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_domain::role::Role;

pub const KIND_PERSON: &str = "person";
pub const KIND_SERVICE: &str = "service";
pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_DISABLED: &str = "disabled";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = accounts, treat_none_as_null = true)]
pub struct AccountRow {
    pub id: String,
    pub kind: String,
    pub login: String,
    pub display_name: String,
    pub phone: Option<String>,
    /// argon2id PHC string of the password or client secret.
    pub secret_hash: String,
    pub role: String,
    pub jurisdiction_id: Option<String>,
    pub path: String,
    pub department_id: Option<String>,
    pub organisation_id: Option<String>,
    pub status: String,
    pub must_change_password: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

impl AccountRow {
    /// A new active, platform-wide account; callers set scope and contact fields with struct
    /// update syntax (`AccountRow { path, ..AccountRow::new(…) }`).
    pub fn new(kind: &str, login: String, display_name: String, secret_hash: String, role: Role, now: NaiveDateTime) -> Self {
        AccountRow {
            id: crate::new_id(),
            kind: kind.into(),
            login,
            display_name,
            phone: None,
            secret_hash,
            role: role.as_str().into(),
            jurisdiction_id: None,
            path: JurisdictionPath::root().as_str().into(),
            department_id: None,
            organisation_id: None,
            status: STATUS_ACTIVE.into(),
            must_change_password: false,
            created_at: now,
            updated_at: now,
            last_login_at: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == STATUS_ACTIVE
    }
}

pub fn get(conn: &mut DbConnection, id: &str) -> StoreResult<AccountRow> {
    accounts::table.find(id).select(AccountRow::as_select()).first(conn).map_err(StoreError::not_found("account"))
}

pub fn find_by_login(conn: &mut DbConnection, login: &str) -> StoreResult<Option<AccountRow>> {
    Ok(accounts::table.filter(accounts::login.eq(login)).select(AccountRow::as_select()).first(conn).optional()?)
}

pub fn login_taken(conn: &mut DbConnection, login: &str) -> StoreResult<bool> {
    let n: i64 = accounts::table.filter(accounts::login.eq(login)).count().get_result(conn)?;
    Ok(n > 0)
}

pub fn insert(conn: &mut DbConnection, row: &AccountRow) -> StoreResult<()> {
    diesel::insert_into(accounts::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &AccountRow) -> StoreResult<()> {
    diesel::update(accounts::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

pub fn touch_login(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(accounts::table.find(id)).set(accounts::last_login_at.eq(Some(at))).execute(conn)?;
    Ok(())
}

pub fn count_all(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(accounts::table.count().get_result(conn)?)
}

#[derive(Debug, Default)]
pub struct Filter {
    pub role: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub jurisdiction_id: Option<String>,
    pub department_id: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    within: &JurisdictionPath,
    filter: &Filter,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<AccountRow>> {
    let mut q = accounts::table
        .filter(accounts::path.like(within.like_pattern()))
        .select(AccountRow::as_select())
        .order(accounts::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(v) = &filter.role {
        q = q.filter(accounts::role.eq(v.clone()));
    }
    if let Some(v) = &filter.kind {
        q = q.filter(accounts::kind.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        q = q.filter(accounts::status.eq(v.clone()));
    }
    if let Some(v) = &filter.jurisdiction_id {
        q = q.filter(accounts::jurisdiction_id.eq(v.clone()));
    }
    if let Some(v) = &filter.department_id {
        q = q.filter(accounts::department_id.eq(v.clone()));
    }
    if let Some(c) = cursor {
        q = q.filter(accounts::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}
