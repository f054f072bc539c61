//! Row locks that make check-then-write rules safe under concurrency.
//!
//! SQLite already runs one write transaction at a time. PostgreSQL (READ COMMITTED) lets two
//! transactions both check a limit ("at most 4 outside signboards") and both write. A no-op
//! UPDATE of the parent row takes that row's write lock until the transaction ends: the second
//! transaction waits at the lock, and its later count sees the first one's committed rows.

use crate::error::StoreResult;
use crate::requests::schema::request_details;
use crate::schema::{accounts, jurisdictions};
use crate::DbConnection;
use diesel::prelude::*;

/// Serializes writes that count what hangs under a jurisdiction node.
pub fn jurisdiction(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::update(jurisdictions::table.find(id)).set(jurisdictions::updated_at.eq(jurisdictions::updated_at)).execute(conn)?;
    Ok(())
}

/// Serializes writes that count what is assigned to an account.
pub fn account(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::update(accounts::table.find(id)).set(accounts::updated_at.eq(accounts::updated_at)).execute(conn)?;
    Ok(())
}

/// Serializes writes that count what hangs under a request.
pub fn request(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::update(request_details::table.find(id)).set(request_details::updated_at.eq(request_details::updated_at)).execute(conn)?;
    Ok(())
}
