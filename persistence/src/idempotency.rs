//! Idempotency keys: a retried write with the same `Idempotency-Key` returns the first response.

use crate::error::StoreResult;
use crate::schema::idempotency_keys;
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub account_id: String,
    pub idem_key: String,
    /// Hash of method, path and body: the same key with a different request is refused.
    pub fingerprint: String,
    pub status: i32,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, account_id: &str, key: &str) -> StoreResult<Option<IdempotencyRow>> {
    Ok(idempotency_keys::table
        .find((account_id, key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConnection, row: &IdempotencyRow) -> StoreResult<()> {
    diesel::insert_into(idempotency_keys::table).values(row).execute(conn)?;
    Ok(())
}
