//! Black-box HTTP tests, one module per area. All run against SQLite by default and against
//! PostgreSQL when GONGZHI_TEST_DATABASE_URL names a server (see tests/src/lib.rs).

mod accounts;
mod auth;
mod bad_input;
mod clearance;
mod contract;
mod conventions;
mod evaluation;
mod evaluation_two_way;
mod exports;
mod jurisdictions;
mod open311;
mod requests;
mod ledger_sources;
mod ledgers;
mod measures_rollup;
mod organisations;
