//! The JSON body extractor. Like `web::Json`, but a body of the wrong shape is reported with the
//! exact path of the offending field (`items[2].amount`), so clients get real field errors. And
//! [`SizedJson`], a JSON response written into a buffer reserved for its expected size.

use crate::error::{ApiError, ApiResult};
use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, Responder, ResponseError};
use futures_util::future::LocalBoxFuture;
use gongzhi_domain::FieldError;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Parses a JSON document, mapping syntax errors to 400 and shape errors to 422 with the path.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    // JSON can carry NUL only escaped; no field of this API accepts it (PostgreSQL text cannot).
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        let mut err = ApiError::validation(vec![FieldError::new("", "invalid_characters", "strings must not contain NUL characters")]);
        err.code = "invalid_body".into();
        return Err(err);
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // serde_json reports some shape errors (an enum given a number) as syntax errors: the
        // body is malformed only when it is not JSON at all.
        if !inner.is_data() && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() {
            return ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {inner}"));
        }
        let msg = inner.to_string();
        // The path of an unknown field already ends with its name; a missing field's path is
        // that of the object lacking it.
        let (code, field) = if msg.starts_with("unknown field") {
            ("unknown_field", path)
        } else if msg.starts_with("missing field") {
            let name = crate::error::serde_field(&msg);
            ("required", if path == "." { name } else { format!("{path}.{name}") })
        } else {
            ("invalid_type", if path == "." { String::new() } else { path })
        };
        let mut err = ApiError::validation(vec![FieldError::new(field, code, msg)]);
        err.code = "invalid_body".into();
        err
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
        let limit = req.app_data::<web::Data<crate::AppState>>().map(|s| s.config.max_body_bytes).unwrap_or(64 * 1024);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json_type {
                return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "expected Content-Type: application/json"));
            }
            let too_large = || ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("request body exceeds {limit} bytes"));
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let bytes = bytes.await.map_err(|e| match e.as_response_error().status_code() {
                StatusCode::PAYLOAD_TOO_LARGE => too_large(),
                _ => ApiError::bad_request("invalid_body", e.to_string()),
            })?;
            if bytes.len() > limit {
                return Err(too_large());
            }
            parse(&bytes).map(Json)
        })
    }
}

/// A 200 JSON response written into a buffer reserved up front. `web::Json` serialises into
/// serde_json's 128-byte start and doubles it: four copies for a request's ≈1.3 KB view, ten for a
/// list page's ≈75 KB (BENCHMARKS.md, tenth round). Where the size is known roughly, reserve it.
pub struct SizedJson<T> {
    value: T,
    capacity: usize,
}

impl<T: Serialize> SizedJson<T> {
    /// `value`, expected to take about `capacity` bytes (more costs a reallocation).
    pub fn new(value: T, capacity: usize) -> Self {
        SizedJson { value, capacity }
    }
}

impl<T: Serialize> Responder for SizedJson<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        let mut body = Vec::with_capacity(self.capacity);
        match serde_json::to_writer(&mut body, &self.value) {
            Ok(()) => HttpResponse::Ok().content_type(mime::APPLICATION_JSON).body(body),
            Err(e) => {
                tracing::error!(error = %e, "serialising a response");
                ApiError::internal().error_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        amount: i64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<Item>,
    }

    fn err(json: &str) -> ApiError {
        parse::<Body>(json.as_bytes()).unwrap_err()
    }

    /// The same status, content type and bytes as actix's `web::Json`.
    #[actix_web::test]
    async fn a_sized_body_is_what_web_json_writes() {
        let value = serde_json::json!({"id": "a", "text": "小区绿化 \"quoted\"", "n": [1, 2.5, null]});
        let req = actix_web::test::TestRequest::default().to_http_request();
        let sized = SizedJson::new(value.clone(), 8).respond_to(&req);
        let plain = web::Json(value).respond_to(&req);
        assert_eq!(sized.status(), plain.status());
        assert_eq!(sized.headers().get(header::CONTENT_TYPE), plain.headers().get(header::CONTENT_TYPE));
        let (sized, plain) = (actix_web::body::to_bytes(sized.into_body()).await, actix_web::body::to_bytes(plain.into_body()).await);
        assert_eq!(sized.ok(), plain.ok());
    }

    #[test]
    fn paths_of_bad_fields() {
        let e = err(r#"{"name":"a","items":[{"amount":1},{"amount":"x"}]}"#);
        assert_eq!((e.status.as_u16(), e.errors[0].field.as_str(), e.errors[0].code.as_str()), (422, "items[1].amount", "invalid_type"));
        let e = err(r#"{"name":"a"}"#);
        assert_eq!((e.errors[0].field.as_str(), e.errors[0].code.as_str()), ("items", "required"));
        let e = err(r#"{"name":"a","items":[],"x":1}"#);
        assert_eq!((e.errors[0].field.as_str(), e.errors[0].code.as_str()), ("x", "unknown_field"));
        let e = err(r#"{"name":"a","items":[{"amount":1,"y":2}]}"#);
        assert_eq!(e.errors[0].field.as_str(), "items[0].y");
        let e = err(r#"{"name": "#);
        assert_eq!((e.status.as_u16(), e.code.as_str()), (400, "malformed_json"));
    }
}
