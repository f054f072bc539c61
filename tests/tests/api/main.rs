//! Black-box HTTP tests, one module per area. All run against SQLite by default and against
//! PostgreSQL when GONGZHI_TEST_DATABASE_URL names a server (see tests/src/lib.rs).

mod auth;
mod conventions;
mod organisations;
