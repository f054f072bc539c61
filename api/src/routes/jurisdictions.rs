//! Jurisdictions (行政区划 / 网格): the tree district → street → community → grid → micro-grid.
//! `system_admin` and `civil_affairs_admin` edit it within their subtree; everyone reads their
//! own subtree; the public tree (names only) lets residents pick their community.

use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::page_type;
use crate::json::Json;
use crate::state::AppState;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::authz::JURISDICTION_ADMINS;
use gongzhi_domain::error::{optional_text, text};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::DomainError;
use gongzhi_persistence::jurisdictions::{self, JurisdictionRow};
use gongzhi_persistence::{new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A node of the jurisdiction tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JurisdictionView {
    pub id: String,
    pub parent_id: Option<String>,
    pub level: Level,
    pub name: String,
    /// Administrative division code (行政区划代码) or local code.
    pub code: Option<String>,
    /// Ids from the root down to this node.
    pub ancestors: Vec<String>,
    pub households: Option<i32>,
    pub population: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<JurisdictionRow> for JurisdictionView {
    fn from(r: JurisdictionRow) -> Self {
        let mut ancestors: Vec<String> = r.path().ids().into_iter().map(str::to_string).collect();
        ancestors.pop();
        JurisdictionView {
            level: r.level(),
            ancestors,
            id: r.id,
            parent_id: r.parent_id,
            name: r.name,
            code: r.code,
            households: r.households,
            population: r.population,
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
        }
    }
}

page_type!(JurisdictionPage, JurisdictionView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateJurisdiction {
    /// Parent node; absent only for a district created by a platform-wide administrator.
    pub parent_id: Option<String>,
    pub level: Level,
    pub name: String,
    pub code: Option<String>,
    /// Households (户数); seed 001 suggests at most 3,000 per community.
    pub households: Option<i32>,
    pub population: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateJurisdiction {
    pub name: Option<String>,
    pub code: Option<String>,
    pub households: Option<i32>,
    pub population: Option<i32>,
    /// Move the node under another parent of the right level. Refused when the node has
    /// children or data.
    pub parent_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JurisdictionFilter {
    pub parent_id: Option<String>,
    /// district, street, community, grid or micro_grid.
    pub level: Option<String>,
    /// Substring of the name.
    pub name: Option<String>,
}

fn check_counts(households: Option<i32>, population: Option<i32>) -> Result<(), DomainError> {
    for (field, v) in [("households", households), ("population", population)] {
        if v.is_some_and(|n| !(0..=10_000_000).contains(&n)) {
            return Err(DomainError::field(field, "out_of_range", format!("{field} must be between 0 and 10,000,000")));
        }
    }
    Ok(())
}

/// Refuses moving or deleting a node that has children or attached data.
fn ensure_empty(c: &mut DbConnection, id: &str, what: &str) -> StoreResult<()> {
    let children = jurisdictions::count_children(c, id)?;
    let data = jurisdictions::attached_data(c, id)?;
    if children > 0 || !data.is_empty() {
        let mut parts = Vec::new();
        if children > 0 {
            parts.push(format!("{children} child nodes"));
        }
        parts.extend(data.iter().map(|(k, n)| format!("{n} {k}")));
        return Err(DomainError::conflict("jurisdiction_not_empty", format!("cannot {what} a node that has {}", parts.join(", "))).into());
    }
    Ok(())
}

/// Loads the parent for a new or moved node and checks level and scope; returns its path.
fn parent_path(c: &mut DbConnection, caller: &Caller, level: Level, parent_id: Option<&str>) -> StoreResult<JurisdictionPath> {
    match parent_id {
        None => {
            level.check_parent(None)?;
            if caller.scope.path != JurisdictionPath::root() {
                return Err(DomainError::field("parent_id", "required", "only a platform-wide administrator creates districts").into());
            }
            Ok(JurisdictionPath::root())
        }
        Some(p) => {
            let parent = jurisdictions::get_within(c, p, &caller.scope.path)
                .map_err(|_| DomainError::field("parent_id", "unknown", "no such parent in your scope"))?;
            level.check_parent(Some(parent.level()))?;
            Ok(parent.path())
        }
    }
}

/// Create a node (system_admin, civil_affairs_admin; under a parent in the caller's subtree).
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    request_body = CreateJurisdiction,
    responses(
        (status = 201, description = "Created", body = JurisdictionView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not edit the tree", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or parent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/jurisdictions")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateJurisdiction>) -> ApiResult<HttpResponse> {
    caller.require(JURISDICTION_ADMINS)?;
    let b = body.into_inner();
    let name = text("name", &b.name, 64)?;
    let code = optional_text("code", b.code.as_deref(), 32)?;
    check_counts(b.households, b.population)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let parent = parent_path(c, &caller, b.level, b.parent_id.as_deref())?;
            let id = new_id();
            let row = JurisdictionRow {
                path: parent.child(&id).as_str().to_string(),
                id,
                parent_id: b.parent_id,
                level: b.level.as_str().into(),
                name,
                code,
                households: b.households,
                population: b.population,
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            jurisdictions::insert(c, &row)?;
            audit(c, &caller, now, "jurisdiction.create", ("jurisdiction", &row.id), &row.path, serde_json::json!({"level": row.level, "name": row.name}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(JurisdictionView::from(row)))
}

/// List nodes of the caller's subtree.
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    params(PageParams, JurisdictionFilter),
    responses(
        (status = 200, description = "A page of nodes", body = JurisdictionPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/jurisdictions")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, f: web::Query<JurisdictionFilter>) -> ApiResult<web::Json<JurisdictionPage>> {
    let (limit, cursor) = page.parse()?;
    let f = f.into_inner();
    if let Some(l) = &f.level {
        Level::parse(l)?;
    }
    let filter = jurisdictions::Filter { parent_id: f.parent_id, level: f.level, name: f.name };
    let path = caller.scope.path.clone();
    let rows = state.read(move |c| jurisdictions::list(c, &path, &filter, cursor.as_deref(), limit)).await?;
    Ok(web::Json(JurisdictionPage::from_rows(rows, limit, |r| r.id.clone(), JurisdictionView::from)))
}

/// One node of the caller's subtree.
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Node id")),
    responses(
        (status = 200, description = "The node", body = JurisdictionView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such node in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/jurisdictions/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<JurisdictionView>> {
    let path = caller.scope.path.clone();
    let row = state.read(move |c| jurisdictions::get_within(c, &id, &path)).await?;
    Ok(web::Json(row.into()))
}

/// Edit a node: name, code, figures; or move it (only when it has no children and no data).
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Node id")),
    request_body = UpdateJurisdiction,
    responses(
        (status = 200, description = "Updated", body = JurisdictionView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not edit the tree", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such node in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Node has children or data and cannot move", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or parent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/jurisdictions/{id}")]
pub async fn update(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<UpdateJurisdiction>) -> ApiResult<web::Json<JurisdictionView>> {
    caller.require(JURISDICTION_ADMINS)?;
    let b = body.into_inner();
    let name = b.name.as_deref().map(|n| text("name", n, 64)).transpose()?;
    let code = optional_text("code", b.code.as_deref(), 32)?;
    check_counts(b.households, b.population)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = jurisdictions::get_within(c, &id, &caller.scope.path)?;
            let mut changed = serde_json::Map::new();
            if let Some(new_parent) = b.parent_id.filter(|p| Some(p) != row.parent_id.as_ref()) {
                if caller.scope.jurisdiction_id.as_deref() == Some(row.id.as_str()) {
                    return Err(DomainError::conflict("cannot_move_own_scope", "an administrator cannot move their own scope node").into());
                }
                ensure_empty(c, &row.id, "move")?;
                let parent = parent_path(c, &caller, row.level(), Some(&new_parent))?;
                if parent.contains(&row.path) {
                    return Err(DomainError::field("parent_id", "cycle", "a node cannot move under itself").into());
                }
                changed.insert("parent_id".into(), serde_json::json!({"from": row.parent_id, "to": new_parent}));
                row.path = parent.child(&row.id).as_str().to_string();
                row.parent_id = Some(new_parent);
            }
            if let Some(n) = name {
                changed.insert("name".into(), serde_json::json!({"from": row.name, "to": n}));
                row.name = n;
            }
            if code.is_some() {
                row.code = code;
                changed.insert("code".into(), serde_json::json!(row.code));
            }
            if b.households.is_some() {
                row.households = b.households;
                changed.insert("households".into(), serde_json::json!(row.households));
            }
            if b.population.is_some() {
                row.population = b.population;
                changed.insert("population".into(), serde_json::json!(row.population));
            }
            row.updated_at = to_db(now);
            jurisdictions::update(c, &row)?;
            audit(c, &caller, now, "jurisdiction.update", ("jurisdiction", &row.id), &row.path, serde_json::Value::Object(changed))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Delete a node that was created by mistake: refused when it has children or any data.
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Node id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not edit the tree", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such node in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Node has children or data", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/jurisdictions/{id}")]
pub async fn remove(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<HttpResponse> {
    caller.require(JURISDICTION_ADMINS)?;
    let now = state.clock.now();
    state
        .write(move |c| {
            let row = jurisdictions::get_within(c, &id, &caller.scope.path)?;
            ensure_empty(c, &row.id, "delete")?;
            jurisdictions::delete(c, &row.id)?;
            audit(c, &caller, now, "jurisdiction.delete", ("jurisdiction", &row.id), &row.path, serde_json::json!({"name": row.name, "level": row.level, "parent_id": row.parent_id}))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A node of the public tree: what a resident needs to choose a community.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicJurisdiction {
    pub id: String,
    pub parent_id: Option<String>,
    pub level: Level,
    pub name: String,
}

page_type!(PublicJurisdictionPage, PublicJurisdiction);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicFilter {
    /// Children of this node; absent: the districts.
    pub parent_id: Option<String>,
}

/// The public jurisdiction tree, one level at a time (no authentication).
#[utoipa::path(
    tag = "public",
    params(PageParams, PublicFilter),
    responses(
        (status = 200, description = "A page of nodes", body = PublicJurisdictionPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/jurisdictions")]
pub async fn public_list(state: web::Data<AppState>, page: web::Query<PageParams>, f: web::Query<PublicFilter>) -> ApiResult<web::Json<PublicJurisdictionPage>> {
    let (limit, cursor) = page.parse()?;
    let parent = f.into_inner().parent_id;
    let filter = jurisdictions::Filter { level: parent.is_none().then(|| Level::District.as_str().to_string()), parent_id: parent, name: None };
    let rows = state.read(move |c| jurisdictions::list(c, &JurisdictionPath::root(), &filter, cursor.as_deref(), limit)).await?;
    Ok(web::Json(PublicJurisdictionPage::from_rows(rows, limit, |r| r.id.clone(), |r| PublicJurisdiction {
        level: r.level(),
        id: r.id,
        parent_id: r.parent_id,
        name: r.name,
    })))
}
