//! Households (户) and their assignment to grid workers (包片联户). Personal data (head's name
//! and phone, exact address) is shown in full to community staff and to the household's
//! assigned grid worker, masked to everyone else.

use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::household::{
    mask_address, mask_name, mask_phone, parse_phone, parse_size, parse_tags, sees_personal_data, HouseholdTag, HOUSEHOLD_EDITORS, HOUSEHOLD_MANAGERS, HOUSEHOLD_READERS,
    RECOMMENDED_HOUSEHOLDS_PER_WORKER,
};
use gongzhi_domain::jurisdiction::Level;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::accounts;
use gongzhi_persistence::jurisdictions;
use gongzhi_persistence::ledgers::households::{self, HouseholdRow};
use gongzhi_persistence::{new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A household (户). `masked` tells whether personal fields are masked for this reader.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: String,
    pub community_id: String,
    /// The grid (网格) the household lies in.
    pub grid_id: String,
    /// Exact address; masked to the estate (`东洲小区***`) for readers without access.
    pub address: String,
    /// People in the household (户人口数).
    pub size: i32,
    pub tags: Vec<HouseholdTag>,
    /// Head of household (户主); masked to the family name (`张**`).
    pub head_name: String,
    /// Masked as `138****5678`.
    pub head_phone: Option<String>,
    /// The assigned grid worker (包片网格员).
    pub worker_id: Option<String>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub masked: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl HouseholdView {
    /// The household as `caller` may see it.
    pub fn for_caller(r: HouseholdRow, caller: &Caller) -> Self {
        let full = sees_personal_data(caller.scope.role, &caller.scope.account_id, r.worker_id.as_deref());
        let tags = r.tag_names().iter().filter_map(|t| HouseholdTag::parse(t).ok()).collect();
        HouseholdView {
            address: if full { r.address } else { mask_address(&r.address) },
            head_name: if full { r.head_name } else { mask_name(&r.head_name) },
            head_phone: r.head_phone.map(|p| if full { p } else { mask_phone(&p) }),
            masked: !full,
            id: r.id,
            community_id: r.community_id,
            grid_id: r.jurisdiction_id,
            size: r.size,
            tags,
            worker_id: r.worker_id,
            assigned_at: r.assigned_at.map(ts),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
        }
    }
}

page_type!(HouseholdPage, HouseholdView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHousehold {
    /// A grid or micro-grid of the caller's community.
    pub grid_id: String,
    pub address: String,
    pub size: i32,
    /// elderly_alone (独居老人), disability (残疾), hardship (困难), left_behind_child (留守儿童),
    /// veteran (退役军人), rental (出租户).
    #[serde(default)]
    pub tags: Vec<String>,
    pub head_name: String,
    pub head_phone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateHousehold {
    pub address: Option<String>,
    pub size: Option<i32>,
    pub tags: Option<Vec<String>>,
    pub head_name: Option<String>,
    pub head_phone: Option<String>,
}

/// Create a household in a grid of the caller's community (community_staff).
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    request_body = CreateHousehold,
    responses(
        (status = 201, description = "Created", body = HouseholdView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not create households", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/households")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateHousehold>) -> ApiResult<HttpResponse> {
    caller.require(HOUSEHOLD_MANAGERS)?;
    let b = body.into_inner();
    let mut v = gongzhi_domain::error::Validator::new();
    let address = v.text("address", &b.address, 200);
    let size = v.check(parse_size(b.size));
    let tags = v.check(parse_tags(&b.tags));
    let head_name = v.text("head_name", &b.head_name, 32);
    let head_phone = b.head_phone.as_deref().map(|p| v.check(parse_phone("head_phone", p)));
    v.finish()?;
    let (address, size, tags, head_name) = (address.unwrap_or_default(), size.unwrap_or(1), tags.unwrap_or_default(), head_name.unwrap_or_default());
    let head_phone = head_phone.flatten();
    let now = state.clock.now();
    let viewer = caller.clone();
    let row = state
        .write(move |c| {
            let grid = jurisdictions::get_within(c, &b.grid_id, &caller.scope.path)
                .ok()
                .filter(|g| matches!(g.level(), Level::Grid | Level::MicroGrid))
                .ok_or_else(|| DomainError::field("grid_id", "unknown", "no such grid in your community"))?;
            let community_id = grid.path().ids().get(2).map(|s| s.to_string()).unwrap_or_default();
            let row = HouseholdRow {
                id: new_id(),
                jurisdiction_id: grid.id,
                path: grid.path,
                community_id,
                address,
                size,
                tags: serde_json::to_string(&tags).unwrap_or_default(),
                head_name,
                head_phone,
                worker_id: None,
                assigned_at: None,
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            households::insert(c, &row)?;
            audit(c, &caller, now, "household.create", ("household", &row.id), &row.path, serde_json::json!({"grid_id": row.jurisdiction_id, "size": row.size, "tags": tags}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(HouseholdView::for_caller(row, &viewer)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdFilter {
    /// Households assigned to this grid worker.
    pub worker_id: Option<String>,
    /// Households in this grid.
    pub grid_id: Option<String>,
    /// Households carrying this tag.
    pub tag: Option<HouseholdTag>,
    /// Only households not assigned to any worker.
    pub unassigned: Option<bool>,
}

/// Households in the caller's scope (community, street and civil-affairs staff, grid workers,
/// auditors), personal data masked where the caller has no need for it.
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    params(PageParams, HouseholdFilter),
    responses(
        (status = 200, description = "A page of households", body = HouseholdPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read households", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, f: web::Query<HouseholdFilter>) -> ApiResult<web::Json<HouseholdPage>> {
    caller.require(HOUSEHOLD_READERS)?;
    let (limit, cursor) = page.parse()?;
    let f = f.into_inner();
    let viewer = caller.clone();
    let rows = state
        .read(move |c| {
            let grid_path = f.grid_id.as_ref().map(|g| jurisdictions::get(c, g).map(|n| n.path).unwrap_or_else(|_| format!("/{g}/")));
            let filter = households::Filter { worker_id: f.worker_id, grid_path, tag: f.tag.map(|t| t.as_str().to_string()), unassigned: f.unassigned.unwrap_or(false) };
            households::list(c, &caller.scope.path, &filter, cursor.as_deref(), limit)
        })
        .await?;
    Ok(web::Json(HouseholdPage::from_rows(rows, limit, |r| r.id.clone(), |r| HouseholdView::for_caller(r, &viewer))))
}

fn load_in_scope(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<HouseholdRow> {
    let row = households::get(c, id)?;
    caller.scope.check_covers(&row.path, "household")?;
    Ok(row)
}

/// One household in the caller's scope.
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Household id")),
    responses(
        (status = 200, description = "The household", body = HouseholdView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read households", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<HouseholdView>> {
    caller.require(HOUSEHOLD_READERS)?;
    let viewer = caller.clone();
    let row = state.read(move |c| load_in_scope(c, &caller, &id)).await?;
    Ok(web::Json(HouseholdView::for_caller(row, &viewer)))
}

/// Correct a household (community_staff; a grid worker for households assigned to them).
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Household id")),
    request_body = UpdateHousehold,
    responses(
        (status = 200, description = "Updated", body = HouseholdView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not edit households, or not this one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/households/{id}")]
pub async fn update(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<UpdateHousehold>) -> ApiResult<web::Json<HouseholdView>> {
    caller.require(HOUSEHOLD_EDITORS)?;
    let b = body.into_inner();
    let mut v = gongzhi_domain::error::Validator::new();
    let address = b.address.as_deref().map(|a| v.text("address", a, 200));
    let size = b.size.map(|s| v.check(parse_size(s)));
    let tags = b.tags.as_deref().map(|t| v.check(parse_tags(t)));
    let head_name = b.head_name.as_deref().map(|n| v.text("head_name", n, 32));
    let head_phone = b.head_phone.as_deref().map(|p| v.check(parse_phone("head_phone", p)));
    v.finish()?;
    let now = state.clock.now();
    let viewer = caller.clone();
    let row = state
        .write(move |c| {
            let mut row = load_in_scope(c, &caller, &id)?;
            if caller.scope.is(Role::GridWorker) && row.worker_id.as_deref() != Some(caller.scope.account_id.as_str()) {
                return Err(DomainError::Forbidden("a grid worker edits only the households assigned to them".into()).into());
            }
            let mut changed: Vec<&str> = Vec::new();
            if let Some(Some(a)) = address {
                row.address = a;
                changed.push("address");
            }
            if let Some(Some(s)) = size {
                row.size = s;
                changed.push("size");
            }
            if let Some(Some(t)) = tags {
                row.tags = serde_json::to_string(&t).unwrap_or_default();
                changed.push("tags");
            }
            if let Some(Some(n)) = head_name {
                row.head_name = n;
                changed.push("head_name");
            }
            if let Some(Some(p)) = head_phone {
                row.head_phone = Some(p);
                changed.push("head_phone");
            }
            row.updated_at = to_db(now);
            households::update(c, &row)?;
            // Field names only: the audit log is read by roles that see personal data masked.
            audit(c, &caller, now, "household.update", ("household", &row.id), &row.path, serde_json::json!({"changed": changed}))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(HouseholdView::for_caller(row, &viewer)))
}

/// Assigns households to a grid worker, or releases them (`worker_id` null).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// A grid worker whose grid contains the households; null releases them.
    pub worker_id: Option<String>,
    /// 1–500 households of the caller's community.
    pub household_ids: Vec<String>,
}

/// The worker's load after an assignment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentResult {
    pub worker_id: Option<String>,
    /// Households changed by this call.
    pub changed: usize,
    /// Households now assigned to the worker.
    pub assigned_households: usize,
    /// About 250 per worker (包片联户).
    pub recommended: usize,
    /// The configured maximum; assignments beyond it are refused.
    pub maximum: usize,
    /// Set when the worker now has more than the recommended number.
    pub warning: Option<String>,
}

/// Assign households to a grid worker (包片联户), or release them (community_staff). Refused
/// beyond the configured maximum per worker (`too_many_households`, default 300); above about
/// 250 the result carries a warning.
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    request_body = Assignment,
    responses(
        (status = 200, description = "Assigned", body = AssignmentResult),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not assign households", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown worker or households; `too_many_households`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/households/assignments")]
pub async fn assign(state: web::Data<AppState>, caller: Caller, body: Json<Assignment>) -> ApiResult<web::Json<AssignmentResult>> {
    caller.require(HOUSEHOLD_MANAGERS)?;
    let b = body.into_inner();
    if b.household_ids.is_empty() || b.household_ids.len() > 500 {
        return Err(DomainError::field("household_ids", "out_of_range", "assign 1 to 500 households at a time").into());
    }
    let maximum = state.config.max_households_per_worker;
    let now = state.clock.now();
    let result = state
        .write(move |c| {
            let worker = match &b.worker_id {
                Some(w) => Some(
                    accounts::get(c, w)
                        .ok()
                        .filter(|a| a.role == Role::GridWorker.as_str() && a.is_active() && caller.scope.covers(&a.path))
                        .ok_or_else(|| DomainError::field("worker_id", "unknown", "no such active grid worker in your community"))?,
                ),
                None => None,
            };
            let mut rows = Vec::new();
            for (i, id) in b.household_ids.iter().enumerate() {
                let field = format!("household_ids[{i}]");
                let row = households::get(c, id).ok().filter(|h| caller.scope.covers(&h.path)).ok_or_else(|| DomainError::field(field.clone(), "unknown", "no such household in your community"))?;
                if worker.as_ref().is_some_and(|w| !row.path.starts_with(&w.path)) {
                    return Err(DomainError::field(field, "outside_worker_grid", "the household is outside the worker's grid").into());
                }
                if rows.iter().any(|r: &HouseholdRow| r.id == row.id) {
                    return Err(DomainError::field(field, "duplicate", "each household at most once").into());
                }
                rows.push(row);
            }
            let worker_id = worker.map(|w| w.id);
            if let Some(w) = &worker_id {
                gongzhi_persistence::locks::account(c, w)?;
            }
            let mut changed = 0;
            for mut row in rows.into_iter().filter(|r| r.worker_id != worker_id) {
                row.worker_id = worker_id.clone();
                row.assigned_at = worker_id.as_ref().map(|_| to_db(now));
                row.updated_at = to_db(now);
                households::update(c, &row)?;
                changed += 1;
            }
            let assigned = match &worker_id {
                Some(w) => households::assigned_to(c, w)?.len(),
                None => 0,
            };
            if assigned > maximum {
                return Err(DomainError::rule("too_many_households", format!("a grid worker may have at most {maximum} households; this would make {assigned}")).into());
            }
            let target = match &worker_id {
                Some(w) => ("account", w.as_str()),
                None => ("household", b.household_ids[0].as_str()),
            };
            audit(c, &caller, now, "household.assign", target, caller.scope.path.as_str(), serde_json::json!({"worker_id": worker_id, "household_ids": b.household_ids, "changed": changed}))?;
            Ok(AssignmentResult {
                warning: (assigned > RECOMMENDED_HOUSEHOLDS_PER_WORKER).then(|| format!("the worker now has {assigned} households, more than the recommended {RECOMMENDED_HOUSEHOLDS_PER_WORKER}")),
                worker_id,
                changed,
                assigned_households: assigned,
                recommended: RECOMMENDED_HOUSEHOLDS_PER_WORKER,
                maximum,
            })
        })
        .await?;
    Ok(web::Json(result))
}
