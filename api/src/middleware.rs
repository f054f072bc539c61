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

/// A request id (UUIDv7) for a request that brought none. Its random bits come from the thread's
/// generator (`rand::thread_rng`, a CSPRNG seeded from the operating system and reseeded by
/// itself) instead of the `getrandom` system call `Uuid::now_v7` makes each time: one system call
/// fewer on every request (BENCHMARKS.md, thirteenth round).
fn fresh_request_id() -> String {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let random: [u8; 10] = rand::random();
    uuid::Builder::from_unix_timestamp_millis(since_epoch.as_millis() as u64, &random).into_uuid().to_string()
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
        .unwrap_or_else(fresh_request_id);
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
    let (status, micros) = (res.status().as_u16(), started.elapsed().as_micros() as u64);
    if tracing::enabled!(tracing::Level::INFO, request_id, method, path, status, micros) {
        match crate::log_writer::stdout_if_started() {
            Some(log) => log.append(&access_line(chrono::Utc::now(), &id, &method, &path, status, micros)),
            None => tracing::info!(request_id = %id, method = %method, path = %path, status, micros, "request"),
        }
    }
    Ok(res)
}

/// The access-log line, exactly as the JSON formatter of `tracing-subscriber` writes the
/// `tracing::info!` event above (so log tooling sees one format), but written directly: the
/// formatter's field visitors and per-write escaping were ≈6% of a single read's CPU, spent
/// before the response leaves. `GONGZHI_LOG` still decides whether it is written.
pub fn access_line(at: chrono::DateTime<chrono::Utc>, id: &str, method: &str, path: &str, status: u16, micros: u64) -> Vec<u8> {
    use std::io::Write;
    let mut line = Vec::with_capacity(320 + path.len());
    let mut ts = [0; crate::common::rfc3339::MAX_LEN];
    line.extend_from_slice(b"{\"timestamp\":\"");
    line.extend_from_slice(crate::common::rfc3339::format(&at, Some(6), &mut ts).as_bytes());
    line.extend_from_slice(b"\",\"level\":\"INFO\",\"fields\":{\"message\":\"request\",\"request_id\":");
    for (value, next) in [(id, &b",\"method\":"[..]), (method, b",\"path\":"), (path, b",\"status\":")] {
        // Writing JSON text into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut line, value);
        line.extend_from_slice(next);
    }
    // As above: writing into a Vec cannot fail.
    let _ = writeln!(line, "{status},\"micros\":{micros}}},\"target\":\"{}\"}}", module_path!());
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A generated request id is a UUIDv7 of the current millisecond, and no two are alike.
    #[test]
    fn fresh_request_ids_are_current_v7_uuids() {
        let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as u64;
        let ids: Vec<String> = (0..1000).map(|_| fresh_request_id()).collect();
        let after = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as u64;
        for id in &ids {
            let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
            assert_eq!(uuid.get_version_num(), 7, "{id}");
            let (secs, nanos) = uuid.get_timestamp().expect("a v7 timestamp").to_unix();
            let millis = secs * 1000 + u64::from(nanos) / 1_000_000;
            assert!((before..=after).contains(&millis), "{id}: {millis} not in {before}..={after}");
        }
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }

    /// The hand-written line is byte for byte what `tracing-subscriber`'s JSON formatter writes for
    /// the same event (its timestamp aside, which is taken inside the formatter).
    #[test]
    fn the_access_line_is_the_json_formatters_line() {
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().expect("sink").extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt().json().with_writer(move || writer.clone()).finish();
        let (id, method, path) = ("req-1.a:b_c", "GET", "/api/v1/requests/\"quoted\"\\back/中文");
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "gongzhi_api::middleware", request_id = %id, method = %method, path = %path, status = 404u16, micros = 1234u64, "request");
        });
        let theirs = String::from_utf8(sink.0.lock().expect("sink").clone()).expect("utf-8");
        let at: serde_json::Value = serde_json::from_str(&theirs).expect("a JSON line");
        let at = chrono::DateTime::parse_from_rfc3339(at["timestamp"].as_str().expect("timestamp")).expect("RFC 3339").to_utc();
        let ours = String::from_utf8(access_line(at, id, method, path, 404, 1234)).expect("utf-8");
        assert_eq!(ours, theirs);
    }
}
