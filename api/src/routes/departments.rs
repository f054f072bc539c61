//! Government departments (职能部门) seated at a district or street node. Departments handle
//! major matters, apply for clearance items and sign agreements; their staff and service
//! accounts act for one department.

use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::page_type;
use crate::json::Json;
use crate::state::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::authz::JURISDICTION_ADMINS;
use gongzhi_domain::error::text;
use gongzhi_domain::jurisdiction::Level;
use gongzhi_domain::DomainError;
use gongzhi_persistence::departments::{self, DepartmentRow};
use gongzhi_persistence::{jurisdictions, new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentView {
    pub id: String,
    /// The district or street the department belongs to.
    pub jurisdiction_id: String,
    pub name: String,
    /// Short code, unique within the jurisdiction (e.g. `CGJ` for 城管局).
    pub code: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<DepartmentRow> for DepartmentView {
    fn from(r: DepartmentRow) -> Self {
        DepartmentView {
            id: r.id,
            jurisdiction_id: r.jurisdiction_id,
            name: r.name,
            code: r.code,
            active: r.active,
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
        }
    }
}

page_type!(DepartmentPage, DepartmentView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDepartment {
    pub jurisdiction_id: String,
    pub name: String,
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDepartment {
    pub name: Option<String>,
    /// Deactivated departments receive no new work; their history stays.
    pub active: Option<bool>,
}

fn parse_code(code: &str) -> Result<String, DomainError> {
    let c = code.trim().to_ascii_uppercase();
    if (2..=16).contains(&c.len()) && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
        Ok(c)
    } else {
        Err(DomainError::field("code", "invalid_format", "a department code is 2–16 letters, digits, '-' or '_'"))
    }
}

/// Create a department (system_admin, civil_affairs_admin) at a district or street in scope.
#[utoipa::path(
    tag = "departments",
    security(("bearer" = [])),
    request_body = CreateDepartment,
    responses(
        (status = 201, description = "Created", body = DepartmentView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not create departments", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code already used in this jurisdiction", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/departments")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateDepartment>) -> ApiResult<HttpResponse> {
    caller.require(JURISDICTION_ADMINS)?;
    let b = body.into_inner();
    let name = text("name", &b.name, 64)?;
    let code = parse_code(&b.code)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let node = jurisdictions::get_within(c, &b.jurisdiction_id, &caller.scope.path)
                .map_err(|_| DomainError::field("jurisdiction_id", "unknown", "no such jurisdiction in your scope"))?;
            if !matches!(node.level(), Level::District | Level::Street) {
                return Err(DomainError::field("jurisdiction_id", "invalid_level", "departments belong to a district or a street").into());
            }
            if departments::exists_code(c, &node.id, &code)? {
                return Err(DomainError::conflict("code_taken", "this code is already used in the jurisdiction").into());
            }
            let row = DepartmentRow {
                id: new_id(),
                jurisdiction_id: node.id,
                path: node.path,
                name,
                code,
                active: true,
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            departments::insert(c, &row)?;
            audit(c, &caller, now, "department.create", ("department", &row.id), &row.path, serde_json::json!({"name": row.name, "code": row.code}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(DepartmentView::from(row)))
}

/// Departments visible to the caller: seated in its subtree or at one of its ancestors.
#[utoipa::path(
    tag = "departments",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of departments", body = DepartmentPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/departments")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>) -> ApiResult<web::Json<DepartmentPage>> {
    let (limit, cursor) = page.parse()?;
    let path = caller.scope.path.clone();
    let rows = state.read(move |c| departments::list_visible(c, &path, cursor.as_deref(), limit)).await?;
    Ok(web::Json(DepartmentPage::from_rows(rows, limit, |r| r.id.clone(), DepartmentView::from)))
}

fn load_visible(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<DepartmentRow> {
    let row = departments::get(c, id)?;
    if departments::is_visible(&row, &caller.scope.path) {
        Ok(row)
    } else {
        Err(DomainError::NotFound("department").into())
    }
}

/// One department visible to the caller.
#[utoipa::path(
    tag = "departments",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Department id")),
    responses(
        (status = 200, description = "The department", body = DepartmentView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/departments/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<DepartmentView>> {
    let row = state.read(move |c| load_visible(c, &caller, &id)).await?;
    Ok(web::Json(row.into()))
}

/// Rename or (de)activate a department in the caller's subtree.
#[utoipa::path(
    tag = "departments",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Department id")),
    request_body = UpdateDepartment,
    responses(
        (status = 200, description = "Updated", body = DepartmentView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not edit departments", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/departments/{id}")]
pub async fn update(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<UpdateDepartment>) -> ApiResult<web::Json<DepartmentView>> {
    caller.require(JURISDICTION_ADMINS)?;
    let b = body.into_inner();
    let name = b.name.as_deref().map(|n| text("name", n, 64)).transpose()?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = departments::get(c, &id)?;
            caller.scope.check_covers(&row.path, "department")?;
            if let Some(n) = name {
                row.name = n;
            }
            if let Some(a) = b.active {
                row.active = a;
            }
            row.updated_at = to_db(now);
            departments::update(c, &row)?;
            audit(c, &caller, now, "department.update", ("department", &row.id), &row.path, serde_json::json!({"name": row.name, "active": row.active}))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}
