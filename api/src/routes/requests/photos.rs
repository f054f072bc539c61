//! Photos of a request (现场照片). Uploaded one at a time as JSON `{"content_base64": "…"}` (no
//! multipart) to `POST /requests/{id}/photos`; this endpoint alone accepts bodies beyond the
//! general limit, up to a 5 MiB photo. The type is recognised from the magic bytes (JPEG, PNG,
//! WebP); files live under `<data_dir>/photos/<photo id>` with their SHA-256 in the database.

use super::handling::load_visible;
use crate::auth::Caller;
use crate::common::{audit, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use gongzhi_domain::request::photo::{PhotoType, MAX_PHOTOS_PER_REQUEST, MAX_PHOTO_BYTES};
use gongzhi_domain::request::Status;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::requests::{self as store, PhotoRow};
use gongzhi_persistence::{new_id, to_db, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoUpload {
    /// The image, base64 (standard alphabet, padded); JPEG, PNG or WebP, at most 5 MiB decoded.
    pub content_base64: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PhotoView {
    pub id: String,
    pub request_id: String,
    /// image/jpeg, image/png or image/webp (from the magic bytes).
    pub content_type: String,
    pub size_bytes: i32,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<PhotoRow> for PhotoView {
    fn from(r: PhotoRow) -> Self {
        PhotoView {
            id: r.id,
            request_id: r.request_id,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by,
            created_at: ts(r.created_at),
        }
    }
}

/// The photos of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoList {
    pub items: Vec<PhotoView>,
}

/// Largest accepted JSON body: a 5 MiB photo in base64 and the JSON around it.
const MAX_UPLOAD_BODY: usize = MAX_PHOTO_BYTES / 3 * 4 + 4 + 1024;

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "photo_too_large", format!("a photo has at most {MAX_PHOTO_BYTES} bytes"))
}

/// Reads the JSON body up to [`MAX_UPLOAD_BODY`] and decodes the photo.
async fn read_photo(req: &HttpRequest, mut payload: web::Payload) -> ApiResult<Vec<u8>> {
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.subtype() == mime::JSON);
    if !json {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "expected Content-Type: application/json"));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
        if body.len() + chunk.len() > MAX_UPLOAD_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let body: PhotoUpload = crate::json::parse(&body)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.content_base64.trim())
        .map_err(|_| DomainError::field("content_base64", "invalid_base64", "content_base64 is not valid base64"))?;
    if bytes.is_empty() {
        return Err(DomainError::field("content_base64", "required", "the photo is empty").into());
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Add a photo to a request (the resident who owns it, or grid workers and community staff in
/// scope) while it is open; at most 9 per request.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    request_body = PhotoUpload,
    responses(
        (status = 201, description = "Stored", body = PhotoView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not add photos", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request in reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is closed or withdrawn (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Photo over 5 MiB (`photo_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON, or not a JPEG, PNG or WebP image (`unsupported_photo_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid base64, or already 9 photos (`too_many_photos`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/{id}/photos")]
pub async fn upload(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, req: HttpRequest, payload: web::Payload) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Resident, Role::GridWorker, Role::CommunityStaff])?;
    let bytes = read_photo(&req, payload).await?;
    let kind = PhotoType::sniff(&bytes)
        .ok_or_else(|| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_photo_type", "the file is not a JPEG, PNG or WebP image"))?;
    let dir = state.config.data_dir.join("photos");
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let (r, _) = load_visible(c, &caller, &id)?;
            let status = Status::parse(&r.status)?;
            if status.is_final() {
                return Err(DomainError::transition(status.as_str(), "add_photo").into());
            }
            gongzhi_persistence::locks::request(c, &r.id)?;
            if store::photos(c, &r.id)?.len() >= MAX_PHOTOS_PER_REQUEST {
                return Err(DomainError::rule("too_many_photos", format!("a request has at most {MAX_PHOTOS_PER_REQUEST} photos")).into());
            }
            let row = PhotoRow {
                id: new_id(),
                request_id: r.id.clone(),
                sha256: hex::encode(Sha256::digest(&bytes)),
                content_type: kind.content_type().into(),
                size_bytes: i32::try_from(bytes.len()).unwrap_or(i32::MAX),
                uploaded_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
            };
            store::insert_photo(c, &row)?;
            audit(c, &caller, now, "request.add_photo", ("request", &r.id), &r.path, serde_json::json!({"photo_id": row.id, "sha256": row.sha256, "size_bytes": row.size_bytes}))?;
            std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(dir.join(&row.id), &bytes))
                .map_err(|e| StoreError::Unavailable(format!("cannot store the photo: {e}")))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(PhotoView::from(row)))
}

/// The photos of a request in the caller's reach.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, description = "The photos, oldest first", body = PhotoList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request in reach", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests/{id}/photos")]
pub async fn list(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<PhotoList>> {
    let rows = state
        .read(move |c| {
            load_visible(c, &caller, &id)?;
            store::photos(c, &id)
        })
        .await?;
    Ok(web::Json(PhotoList { items: rows.into_iter().map(PhotoView::from).collect() }))
}

/// Download one photo of a request in the caller's reach.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id"), ("photo_id" = String, Path, description = "Photo id")),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request or photo in reach", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests/{id}/photos/{photo_id}")]
pub async fn download(state: web::Data<AppState>, caller: Caller, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (id, photo_id) = path.into_inner();
    let dir = state.config.data_dir.join("photos");
    let (row, bytes) = state
        .read(move |c| {
            load_visible(c, &caller, &id)?;
            let row = store::photos(c, &id)?.into_iter().find(|p| p.id == photo_id).ok_or(DomainError::NotFound("photo"))?;
            let bytes = std::fs::read(dir.join(&row.id)).map_err(|e| StoreError::Unavailable(format!("cannot read the photo: {e}")))?;
            Ok((row, bytes))
        })
        .await?;
    Ok(HttpResponse::Ok().content_type(row.content_type).insert_header(("ETag", format!("\"{}\"", row.sha256))).body(bytes))
}
