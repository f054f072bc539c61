//! The `Caller` extractor: a verified bearer token turned into a [`Scope`], plus the request id.

use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use gongzhi_domain::authz::Scope;
use gongzhi_domain::role::Role;
use std::future::{ready, Ready};
use std::sync::Arc;

/// An authenticated caller whose password need not be changed first.
#[derive(Debug, Clone)]
pub struct Caller {
    /// For a bearer token, shared by the requests presenting it while it is remembered
    /// (`JwtKeys::verify`); Open311 callers build their own.
    pub scope: Arc<Scope>,
    pub request_id: String,
}

/// An authenticated caller who may still have to change the password (for `/me` routes).
#[derive(Debug, Clone)]
pub struct AnyCaller(pub Caller);

fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let h = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing_token", "an Authorization: Bearer token is required"))?;
    let h = h.to_str().map_err(|_| ApiError::unauthorized("invalid_token", "malformed Authorization header"))?;
    match h.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(ApiError::unauthorized("invalid_token", "expected 'Authorization: Bearer <token>'")),
    }
}

/// Verifies the token and builds the caller; `mcp` tells whether a password change is pending.
fn authenticate(req: &HttpRequest) -> Result<(Caller, bool), ApiError> {
    let state = req.app_data::<web::Data<AppState>>().expect("AppState registered");
    let token = bearer(req)?;
    let verified = state.jwt.verify(token, state.clock.now().timestamp()).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => ApiError::unauthorized("token_expired", "the access token has expired; refresh it"),
            _ => ApiError::unauthorized("invalid_token", "the access token is not valid"),
        }
    })?;
    let scope = verified.scope.clone().ok_or_else(|| ApiError::unauthorized("invalid_token", "unknown role in token"))?;
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    Ok((Caller { scope, request_id }, verified.mcp))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).and_then(|(caller, mcp)| {
            if mcp {
                Err(ApiError::forbidden("password_change_required", "change the initial password first (POST /api/v1/me/password)"))
            } else {
                Ok(caller)
            }
        }))
    }
}

impl FromRequest for AnyCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).map(|(c, _)| AnyCaller(c)))
    }
}

impl Caller {
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        self.scope.require(roles).map_err(Into::into)
    }
}
