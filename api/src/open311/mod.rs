//! The Open311 GeoReport v2 facade (`/open311/v2`), so existing Open311 clients (FixMyStreet and
//! others) can list services, submit and follow requests unchanged.
//!
//! - A **jurisdiction** (`jurisdiction_id`) is a community (社区); it is required on every call
//!   but discovery, because one server serves many communities (400 when missing, 404 when unknown).
//! - A **service** is an entry of the community's current responsibility list (三事分流责任清单).
//! - An **api_key** is `<client_id>:<client_secret>` of a service account (a department's system,
//!   e.g. the 12345 hotline), created by a system administrator with `POST /api/v1/service-accounts`.
//!   It is checked with argon2 and rate limited like logins; a wrong key is 403 (`Invalid api_key`),
//!   a key whose account does not cover the community is 403 too.
//! - Errors are the specification's `errors/error{code, description}` with `code` = HTTP status,
//!   in the format of the resource asked for (XML when the extension is unknown).

pub mod format;
mod requests;
mod services;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::auth::{client_address, verify_secret};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use format::{Format, Open311Error};
use gongzhi_domain::authz::Scope;
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::role::Role;
use gongzhi_persistence::accounts::KIND_SERVICE;
use gongzhi_persistence::jurisdictions::JurisdictionRow;
use gongzhi_persistence::{DbConnection, StoreResult};
use serde::Serialize;
use std::future::{ready, Ready};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Largest form body accepted by `POST requests` (a 2000-character Chinese description is
/// about 18 KB once URL-encoded).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Registers the endpoints, inside the `/open311/v2` scope. Query and form errors, and unknown
/// routes, answer in the specification's error format.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|e, req| Failure::of(req, Open311Error::new(400, e.to_string())).into()))
        .app_data(web::FormConfig::default().limit(MAX_FORM_BYTES).error_handler(|e, req| {
            let status = if matches!(e, actix_web::error::UrlencodedError::Overflow { .. }) { 413 } else { 400 };
            Failure::of(req, Open311Error::new(status, e.to_string())).into()
        }))
        .default_service(web::to(|req: HttpRequest| async move { Failure::of(&req, Open311Error::new(404, "no such Open311 resource")).error_response() }))
        .service(services::discovery)
        .service(services::list)
        .service(services::definition)
        .service(requests::create)
        .service(requests::list)
        .service(requests::get_one)
        .service(requests::token);
}

/// An error of the specification's kind (`errors/error{code, description}`), for the OpenAPI
/// document; in XML the list is `<errors><error>…</error></errors>`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorItem {
    /// The HTTP status.
    pub code: u16,
    pub description: String,
}

/// An Open311 error rendered in the format of the resource asked for.
#[derive(Debug)]
pub struct Failure {
    format: Format,
    error: Open311Error,
}

impl Failure {
    /// The format of the resource `req` asks for, from its extension (XML when unknown).
    fn of(req: &HttpRequest, error: Open311Error) -> Failure {
        let format = req.match_info().get("format").and_then(Format::parse).or_else(|| req.path().rsplit_once('.').and_then(|(_, ext)| Format::parse(ext)));
        Failure { format: format.unwrap_or(Format::Xml), error }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.error.status, self.error.description)
    }
}

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.error.status).unwrap_or(StatusCode::BAD_REQUEST)
    }
    fn error_response(&self) -> HttpResponse {
        self.error.render(self.format)
    }
}

impl From<ApiError> for Open311Error {
    /// Rule and validation refusals (422) are the specification's 400.
    fn from(e: ApiError) -> Self {
        let status = if e.status == StatusCode::UNPROCESSABLE_ENTITY { 400 } else { e.status.as_u16() };
        Open311Error::new(status, e.detail)
    }
}

impl From<gongzhi_persistence::StoreError> for Open311Error {
    fn from(e: gongzhi_persistence::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

/// The format named by the resource's extension (`.json` or `.xml`); any other is 404.
#[derive(Debug, Clone, Copy)]
pub struct Ext(pub Format);

impl FromRequest for Ext {
    type Error = Failure;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.match_info().get("format").and_then(Format::parse) {
            Some(f) => Ok(Ext(f)),
            None => Err(Failure::of(req, Open311Error::new(404, "unknown format: use .json or .xml"))),
        })
    }
}

impl Ext {
    /// The rendered body with `status`, or the error in this format.
    fn reply(self, status: StatusCode, body: Result<String, Open311Error>) -> HttpResponse {
        match body {
            Ok(b) => format::respond(self.0, status, b),
            Err(e) => e.render(self.0),
        }
    }
}

/// `jurisdiction_id` is required: this server serves many communities.
fn required_jurisdiction(given: Option<&str>) -> Result<String, Open311Error> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => Ok(id.to_string()),
        None => Err(Open311Error::new(400, "jurisdiction_id is required: this server serves many communities; give the community's id")),
    }
}

/// The community a `jurisdiction_id` names (404 otherwise).
fn community(c: &mut DbConnection, id: &str) -> StoreResult<JurisdictionRow> {
    crate::routes::requests::node_of_level(c, id, Level::Community, "jurisdiction_id (community)")
}

fn invalid_api_key() -> Open311Error {
    Open311Error::new(403, "Invalid api_key")
}

/// The service account an `api_key` (`<client_id>:<client_secret>`) names, as a caller: 403
/// `Invalid api_key` otherwise, 429 when the client or address has no attempts left.
async fn service_caller(state: &AppState, req: &HttpRequest, api_key: &str) -> Result<Caller, Open311Error> {
    let (client_id, secret) = api_key.trim().split_once(':').unwrap_or((api_key.trim(), ""));
    state
        .limiter
        .check_login(&client_address(req), Some(client_id))
        .map_err(|_| Open311Error::new(429, "too many api_key attempts; try again later"))?;
    let (db, client_id, secret) = (state.db.clone(), client_id.to_string(), secret.to_string());
    let row = web::block(move || verify_secret(&db, &client_id, &secret, KIND_SERVICE))
        .await
        .map_err(ApiError::from)?
        .map_err(ApiError::from)?
        .ok_or_else(invalid_api_key)?;
    let role = Role::parse(&row.role).map_err(|_| invalid_api_key())?;
    let scope = Scope {
        account_id: row.id,
        role,
        jurisdiction_id: row.jurisdiction_id,
        path: JurisdictionPath::from_stored(row.path),
        department_id: row.department_id,
        organisation_id: row.organisation_id,
        service: true,
    };
    Ok(Caller { scope: std::sync::Arc::new(scope), request_id: crate::routes::request_id(req) })
}

/// 403 unless the service account's subtree holds the community.
fn check_covers(caller: &Caller, community: &JurisdictionRow) -> Result<(), Open311Error> {
    if caller.scope.covers(&community.path) {
        Ok(())
    } else {
        Err(Open311Error::new(403, "this api_key is not valid for this jurisdiction_id"))
    }
}
