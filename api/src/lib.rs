//! Gongzhi (共治) HTTP API: actix-web application, role- and jurisdiction-scoped endpoints,
//! problem+json errors, the OpenAPI contract, and the demo city.

pub mod app;
pub mod auth;
pub mod common;
pub mod config;
pub mod demo;
pub mod error;
pub mod export;
pub mod json;
pub mod log_writer;
pub mod middleware;
pub mod open311;
pub mod routes;
pub mod state;
pub mod workers;

pub use app::{build_app, openapi};
pub use state::AppState;
