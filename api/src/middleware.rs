//! Request ids and access logs.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use std::time::Instant;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the current request: the client's `X-Request-Id` when it is sane, else a new one.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn sane(v: &str) -> bool {
    (1..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// True when the path or query carries an encoded NUL, which no id or filter may contain (and
/// which PostgreSQL text refuses).
fn has_nul(req: &ServiceRequest) -> bool {
    // `%00` has no letters, so no case folding (and no allocation on this per-request path).
    let raw = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("");
    raw.contains("%00")
}

/// Assigns the request id, echoes it on the response and writes one structured log line.
/// Refuses URLs carrying NUL characters with a 400 problem before any handler runs.
pub async fn request_id(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let path = req.path().to_string();
    let started = Instant::now();
    let mut res = if has_nul(&req) {
        let problem = crate::error::ApiError::bad_request("invalid_query", "the URL contains a NUL character");
        req.into_response(actix_web::ResponseError::error_response(&problem))
    } else {
        next.call(req).await?.map_into_boxed_body()
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    Ok(res)
}
