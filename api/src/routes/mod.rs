//! One module per resource; [`configure`] registers them all under `/api/v1`.

pub mod accounts;
pub mod audit_log;
pub mod auth;
pub mod clearance;
pub mod departments;
pub mod evaluation;
pub mod exports;
pub mod health;
pub mod jurisdictions;
pub mod requests;
pub mod ledgers;
pub mod organisations;

use crate::middleware::RequestId;
use actix_web::{HttpMessage, HttpRequest};
use utoipa_actix_web::service_config::ServiceConfig;

/// The request id assigned by the middleware.
pub fn request_id(req: &HttpRequest) -> String {
    req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default()
}

/// Registers every `/api/v1` endpoint.
pub fn configure(cfg: &mut ServiceConfig) {
    // actix tries routes in the order registered, running each parameterised route's pattern on
    // the path: reading a request by id (the most frequent call of apps and departments' systems)
    // comes first rather than after a dozen others (≈4 µs a read, BENCHMARKS.md, eighth round).
    // It shadows nothing: no other GET route is `/requests/` and one more segment.
    cfg.service(requests::handling::get_one)
        .service(crate::app::openapi_json)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::client_token)
        .service(auth::register)
        .service(auth::me)
        .service(auth::change_password)
        .service(jurisdictions::public_list)
        .service(jurisdictions::create)
        .service(jurisdictions::list)
        .service(jurisdictions::get_one)
        .service(jurisdictions::update)
        .service(jurisdictions::remove)
        .service(departments::create)
        .service(departments::list)
        .service(departments::get_one)
        .service(departments::update)
        .service(accounts::create)
        .service(accounts::list)
        .service(accounts::get_one)
        .service(accounts::update)
        .service(accounts::create_service)
        .service(accounts::rotate_secret)
        .service(audit_log::list)
        .configure(requests::configure)
        .configure(clearance::configure)
        .configure(ledgers::configure)
        .configure(organisations::configure)
        .configure(evaluation::configure)
        .configure(exports::configure);
}
