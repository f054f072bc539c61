//! Errors as RFC 9457 problem details (`application/problem+json`) with a stable `code`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use gongzhi_domain::{DomainError, FieldError};
use gongzhi_persistence::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// A field-level validation error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// JSON path of the field, e.g. `name`.
    pub field: String,
    /// Stable machine-readable code, e.g. `required`, `too_long`, `invalid_value`.
    pub code: String,
    pub message: String,
}

/// RFC 9457 problem details, as every error response of the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI naming the problem type (`urn:gongzhi:problem:{code}`).
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable error code clients switch on.
    pub code: String,
    /// Field errors, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds, for 429 responses.
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError { status, code: code.into(), detail: detail.into(), errors: Vec::new(), retry_after: None }
    }
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    pub fn unauthorized(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }
    pub fn forbidden(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
        ApiError { errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail) }
    }
    pub fn too_many(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many attempts; try again later")
        }
    }
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "an unexpected error occurred; it has been logged")
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            type_: format!("urn:gongzhi:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.clone(),
            errors: self
                .errors
                .iter()
                .map(|e| ProblemField { field: e.field.clone(), code: e.code.clone(), message: e.message.clone() })
                .collect(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        let mut b = HttpResponse::build(self.status);
        b.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Some(s) = self.retry_after {
            b.insert_header((header::RETRY_AFTER, s.to_string()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            b.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"gongzhi\""));
        }
        b.json(self.to_problem())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(errors) => ApiError::validation(errors),
            DomainError::InvalidTransition { .. } => ApiError::new(StatusCode::CONFLICT, "invalid_transition", e.to_string()),
            DomainError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            DomainError::Rule { code, message } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message),
            DomainError::Forbidden(m) => ApiError::forbidden("forbidden", m),
            DomainError::NotFound(what) => ApiError::not_found(what),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as D};
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::Db(D::NotFound) => ApiError::not_found("resource"),
            StoreError::Db(D::DatabaseError(K::UniqueViolation, info)) => {
                tracing::info!(detail = info.message(), "unique violation");
                ApiError::new(StatusCode::CONFLICT, "already_exists", "a record with the same unique value already exists")
            }
            StoreError::Db(D::DatabaseError(K::ForeignKeyViolation, info)) => {
                tracing::info!(detail = info.message(), "foreign key violation");
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_reference", "a referenced record does not exist")
            }
            e if e.is_connection_lost() => {
                tracing::error!(error = %e, "database connection lost");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "the database is unavailable")
            }
            StoreError::Unavailable(m) => {
                tracing::error!(error = %m, "database unavailable");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "the database is unavailable")
            }
            StoreError::Db(other) => {
                tracing::error!(error = %other, "database error");
                ApiError::internal()
            }
        }
    }
}

impl From<crate::workers::WorkLost> for ApiError {
    fn from(_: crate::workers::WorkLost) -> Self {
        ApiError::internal()
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::internal()
    }
}

/// Best-effort field name from a serde error message (`missing field `x``, `unknown field `x``).
pub fn serde_field(msg: &str) -> String {
    msg.split('`').nth(1).unwrap_or("").to_string()
}

/// Maps query-string extraction failures to 400 with the offending parameter.
pub fn query_error(err: actix_web::error::QueryPayloadError) -> ApiError {
    let msg = err.to_string();
    let mut a = ApiError::validation(vec![FieldError::new(serde_field(&msg), "invalid_query", msg.clone())]);
    a.status = StatusCode::BAD_REQUEST;
    a.code = "invalid_query".into();
    a.detail = msg;
    a
}
