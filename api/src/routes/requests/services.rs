//! The service directory (便民服务目录) of a community: providers, social organisations and
//! volunteers, with contact and category, kept by community staff; private matters (私事) are
//! referred to its entries.

use super::{kept_community, readable_community};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::error::{optional_text, text, Validator};
use gongzhi_domain::request::ServiceKind;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::requests::services::{self, ServiceRow};
use gongzhi_persistence::{new_id, to_db};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceView {
    pub id: String,
    pub community_id: String,
    pub kind: ServiceKind,
    pub name: String,
    /// What the entry helps with, e.g. 家政, 维修, 助老, 法律援助.
    pub category: String,
    pub contact_name: Option<String>,
    pub phone: String,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ServiceRow> for ServiceView {
    fn from(r: ServiceRow) -> Self {
        ServiceView {
            kind: ServiceKind::parse(&r.kind).unwrap_or(ServiceKind::Provider),
            id: r.id,
            community_id: r.community_id,
            name: r.name,
            category: r.category,
            contact_name: r.contact_name,
            phone: r.phone,
            description: r.description,
            active: r.active,
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
        }
    }
}

page_type!(ServicePage, ServiceView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateService {
    pub kind: ServiceKind,
    pub name: String,
    pub category: String,
    pub contact_name: Option<String>,
    /// Mobile or landline, 5–20 of digits, spaces, `-` and a leading `+`.
    pub phone: String,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateService {
    pub name: Option<String>,
    pub category: Option<String>,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    /// Deactivated entries take no new referrals; past referrals keep pointing at them.
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceFilter {
    /// provider, organisation or volunteer.
    pub kind: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
}

fn phone(field: &str, s: &str) -> Result<String, DomainError> {
    let p = s.trim();
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let shape = p.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0));
    if shape && (5..=20).contains(&p.len()) && digits >= 5 {
        Ok(p.to_string())
    } else {
        Err(DomainError::field(field, "invalid_phone", "a phone number is 5–20 digits, spaces or '-', optionally after '+'"))
    }
}

/// Add an entry to a community's directory (community_staff of that community).
#[utoipa::path(
    tag = "service directory",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id")),
    request_body = CreateService,
    responses(
        (status = 201, description = "Created", body = ServiceView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not keep the directory", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/communities/{id}/services")]
pub async fn create(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<CreateService>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::CommunityStaff])?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let name = v.text("name", &b.name, 100);
    let category = v.text("category", &b.category, 50);
    let contact_name = v.check(optional_text("contact_name", b.contact_name.as_deref(), 50));
    let phone = v.check(phone("phone", &b.phone));
    let description = v.check(optional_text("description", b.description.as_deref(), 1000));
    v.finish()?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let community = kept_community(c, &caller, &id)?;
            let row = ServiceRow {
                id: new_id(),
                community_id: community.id,
                path: community.path,
                kind: b.kind.as_str().into(),
                name: name.unwrap_or_default(),
                category: category.unwrap_or_default(),
                contact_name: contact_name.flatten(),
                phone: phone.unwrap_or_default(),
                description: description.flatten(),
                active: true,
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            services::insert(c, &row)?;
            audit(c, &caller, now, "service.create", ("service", &row.id), &row.path, serde_json::json!({"kind": row.kind, "name": row.name, "category": row.category}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(ServiceView::from(row)))
}

/// A community's directory, readable by its residents, grid workers and staff in scope.
#[utoipa::path(
    tag = "service directory",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id"), ServiceFilter, PageParams),
    responses(
        (status = 200, description = "A page of entries", body = ServicePage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in reach", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown kind", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/communities/{id}/services")]
pub async fn list(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, f: web::Query<ServiceFilter>, page: web::Query<PageParams>) -> ApiResult<web::Json<ServicePage>> {
    let (limit, cursor) = page.parse()?;
    let f = f.into_inner();
    if let Some(k) = &f.kind {
        ServiceKind::parse(k)?;
    }
    let filter = services::Filter { kind: f.kind, category: f.category, active: f.active };
    let rows = state
        .read(move |c| {
            let community = readable_community(c, &caller, &id)?;
            services::list(c, &community.id, &filter, cursor.as_deref(), limit)
        })
        .await?;
    Ok(web::Json(ServicePage::from_rows(rows, limit, |r| r.id.clone(), ServiceView::from)))
}

/// Edit or (de)activate a directory entry (community_staff of its community).
#[utoipa::path(
    tag = "service directory",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Service id")),
    request_body = UpdateService,
    responses(
        (status = 200, description = "Updated", body = ServiceView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not keep the directory", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/services/{id}")]
pub async fn update(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<UpdateService>) -> ApiResult<web::Json<ServiceView>> {
    caller.require(&[Role::CommunityStaff])?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let name = b.name.as_deref().and_then(|n| v.check(text("name", n, 100)));
    let category = b.category.as_deref().and_then(|n| v.check(text("category", n, 50)));
    let contact_name = b.contact_name.as_deref().map(|n| v.check(optional_text("contact_name", Some(n), 50)).flatten());
    let phone = b.phone.as_deref().and_then(|p| v.check(phone("phone", p)));
    let description = b.description.as_deref().map(|d| v.check(optional_text("description", Some(d), 1000)).flatten());
    v.finish()?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = services::get(c, &id)?;
            caller.scope.check_covers(&row.path, "service")?;
            row.name = name.unwrap_or(row.name);
            row.category = category.unwrap_or(row.category);
            row.contact_name = contact_name.unwrap_or(row.contact_name);
            row.phone = phone.unwrap_or(row.phone);
            row.description = description.unwrap_or(row.description);
            row.active = b.active.unwrap_or(row.active);
            row.updated_at = to_db(now);
            services::update(c, &row)?;
            audit(c, &caller, now, "service.update", ("service", &row.id), &row.path, serde_json::json!({"name": row.name, "active": row.active}))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}
