//! Refresh tokens: stored as SHA-256 hashes, rotated on every use, revocable by family.
//!
//! A family is the chain of tokens descending from one login. Presenting a token that was
//! already rotated means it leaked: the whole family is revoked (OAuth 2.0 Security BCP §4.14).

use crate::error::StoreResult;
use crate::schema::refresh_tokens;
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub account_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoke_reason: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &RefreshTokenRow) -> StoreResult<()> {
    diesel::insert_into(refresh_tokens::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> StoreResult<Option<RefreshTokenRow>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn revoke(conn: &mut DbConnection, id: &str, at: NaiveDateTime, reason: &str) -> StoreResult<()> {
    diesel::update(refresh_tokens::table.find(id).filter(refresh_tokens::revoked_at.is_null()))
        .set((refresh_tokens::revoked_at.eq(Some(at)), refresh_tokens::revoke_reason.eq(Some(reason))))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_family(conn: &mut DbConnection, family_id: &str, at: NaiveDateTime, reason: &str) -> StoreResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table.filter(refresh_tokens::family_id.eq(family_id)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set((refresh_tokens::revoked_at.eq(Some(at)), refresh_tokens::revoke_reason.eq(Some(reason))))
    .execute(conn)?)
}

pub fn revoke_account(conn: &mut DbConnection, account_id: &str, at: NaiveDateTime, reason: &str) -> StoreResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table.filter(refresh_tokens::account_id.eq(account_id)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set((refresh_tokens::revoked_at.eq(Some(at)), refresh_tokens::revoke_reason.eq(Some(reason))))
    .execute(conn)?)
}
