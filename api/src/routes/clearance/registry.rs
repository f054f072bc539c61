//! A community's registries of signboards (挂牌) and seal uses (用印), each resting on an admitted
//! catalogue item, and the outside-signboard limit a district or street sets (default 4, Ningbo).

use super::{check_item, community_path_param, day_str, not_in_catalogue, stored, stored_day, today};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::clearance::{check_signboard_limit, check_signboard_limit_setting, ItemKind, Placement, DEFAULT_OUTSIDE_SIGNBOARD_LIMIT};
use gongzhi_domain::error::{text, Validator};
use gongzhi_domain::jurisdiction::Level;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::clearance::{self, SealUseRow, SettingRow, SignboardRow};
use gongzhi_persistence::jurisdictions::{self, JurisdictionRow};
use gongzhi_persistence::{new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Roles that read a community's registries (in their subtree).
const READERS: &[Role] = &[Role::CommunityStaff, Role::StreetAdmin, Role::CivilAffairsAdmin, Role::Auditor, Role::SystemAdmin];
/// Roles that set the signboard limit.
const SETTERS: &[Role] = &[Role::CivilAffairsAdmin, Role::SystemAdmin];

/// A signboard to register (挂牌登记).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSignboard {
    pub placement: Placement,
    pub name: String,
    /// The admitted signboard item (挂牌事项) it hangs under.
    pub item_id: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignboardView {
    pub id: String,
    pub community_id: String,
    pub item_id: String,
    pub placement: Placement,
    pub name: String,
    /// False once taken down.
    pub hanging: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub removed_by: Option<String>,
    pub removed_at: Option<DateTime<Utc>>,
}

impl From<SignboardRow> for SignboardView {
    fn from(r: SignboardRow) -> Self {
        SignboardView {
            placement: stored(Placement::parse(&r.placement)),
            hanging: r.removed_at.is_none(),
            id: r.id,
            community_id: r.community_id,
            item_id: r.application_id,
            name: r.name,
            created_by: r.created_by,
            created_at: ts(r.created_at),
            removed_by: r.removed_by,
            removed_at: r.removed_at.map(ts),
        }
    }
}

page_type!(SignboardPage, SignboardView);

/// A use of the community's seal to record (用印登记).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSealUse {
    /// Not in the future.
    pub used_on: NaiveDate,
    pub purpose: String,
    /// The admitted seal item (盖章事项) it was used under, valid on `used_on`.
    pub item_id: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SealUseView {
    pub id: String,
    pub community_id: String,
    pub item_id: String,
    pub used_on: NaiveDate,
    pub purpose: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<SealUseRow> for SealUseView {
    fn from(r: SealUseRow) -> Self {
        SealUseView {
            used_on: stored_day(&r.used_on),
            id: r.id,
            community_id: r.community_id,
            item_id: r.application_id,
            purpose: r.purpose,
            created_by: r.created_by,
            created_at: ts(r.created_at),
        }
    }
}

page_type!(SealUsePage, SealUseView);

/// Clearance settings of a district or street.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// Signboards a community may hang outside (外挂牌子上限), 0–50.
    pub outside_signboard_limit: i64,
}

/// The settings in force at a node.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    pub jurisdiction_id: String,
    pub outside_signboard_limit: u32,
    /// The node whose setting applies (itself or an ancestor); absent for the default (4).
    pub set_at: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

fn settings_view(node: &JurisdictionRow, row: Option<SettingRow>) -> SettingsView {
    match row {
        Some(s) => SettingsView {
            jurisdiction_id: node.id.clone(),
            outside_signboard_limit: u32::try_from(s.outside_signboard_limit).unwrap_or(DEFAULT_OUTSIDE_SIGNBOARD_LIMIT),
            set_at: Some(s.jurisdiction_id),
            updated_at: Some(ts(s.updated_at)),
        },
        None => SettingsView { jurisdiction_id: node.id.clone(), outside_signboard_limit: DEFAULT_OUTSIDE_SIGNBOARD_LIMIT, set_at: None, updated_at: None },
    }
}

/// The item a community registry entry cites, checked by the enforcement rule for `kind` on `day`.
fn cited_item(c: &mut DbConnection, community: &JurisdictionRow, item_id: &str, kind: ItemKind, day: NaiveDate) -> StoreResult<String> {
    let item = clearance::find_application(c, item_id)?.ok_or_else(not_in_catalogue)?;
    check_item(c, &item, community, kind, day)?;
    Ok(item.id)
}

/// Register a signboard (挂牌登记): community staff, under an admitted signboard item; outside
/// signboards are limited per district or street (`signboard_limit_reached`).
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id")),
    request_body = CreateSignboard,
    responses(
        (status = 201, description = "Registered", body = SignboardView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only community staff register", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; the item refused (`item_not_in_catalogue`, `item_kind_mismatch`, …); `signboard_limit_reached`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/communities/{id}/signboards")]
pub async fn add_signboard(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<CreateSignboard>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::CommunityStaff])?;
    let b = body.into_inner();
    let name = text("name", &b.name, 200)?;
    let now = state.clock.now();
    let day = today(&state);
    let row = state
        .write(move |c| {
            let community = community_path_param(c, &caller, &id)?;
            let item_id = cited_item(c, &community, &b.item_id, ItemKind::Signboard, day)?;
            if b.placement == Placement::Outside {
                gongzhi_persistence::locks::jurisdiction(c, &community.id)?;
                let limit = clearance::effective_setting(c, &community.path())?
                    .and_then(|s| u32::try_from(s.outside_signboard_limit).ok())
                    .unwrap_or(DEFAULT_OUTSIDE_SIGNBOARD_LIMIT);
                let current = u32::try_from(clearance::count_outside(c, &community.id)?).unwrap_or(u32::MAX);
                check_signboard_limit(current, limit)?;
            }
            let row = SignboardRow {
                id: new_id(),
                community_id: community.id,
                path: community.path,
                application_id: item_id,
                placement: b.placement.as_str().into(),
                name,
                created_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
                removed_by: None,
                removed_at: None,
            };
            clearance::insert_signboard(c, &row)?;
            audit(c, &caller, now, "clearance.signboard.create", ("clearance_signboard", &row.id), &row.path, serde_json::json!({"placement": row.placement, "name": row.name}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(SignboardView::from(row)))
}

/// A community's signboards, hanging and removed (挂牌台账).
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id"), PageParams),
    responses(
        (status = 200, description = "A page of signboards", body = SignboardPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read registries", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/communities/{id}/signboards")]
pub async fn list_signboards(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, page: web::Query<PageParams>) -> ApiResult<web::Json<SignboardPage>> {
    caller.require(READERS)?;
    let (limit, cursor) = page.parse()?;
    let rows = state
        .read(move |c| {
            let community = community_path_param(c, &caller, &id)?;
            clearance::list_signboards(c, &community.id, cursor.as_deref(), limit)
        })
        .await?;
    Ok(web::Json(SignboardPage::from_rows(rows, limit, |r| r.id.clone(), SignboardView::from)))
}

/// Take a signboard down (摘牌): community staff; the record stays.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Signboard id")),
    responses(
        (status = 200, description = "Removed", body = SignboardView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only community staff remove", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such signboard in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already removed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/signboards/{id}/remove")]
pub async fn remove_signboard(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<SignboardView>> {
    caller.require(&[Role::CommunityStaff])?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = clearance::get_signboard(c, &id)?;
            caller.scope.check_covers(&row.path, "signboard")?;
            if row.removed_at.is_some() {
                return Err(DomainError::transition("removed", "remove").into());
            }
            row.removed_at = Some(to_db(now));
            row.removed_by = Some(caller.scope.account_id.clone());
            clearance::update_signboard(c, &row)?;
            audit(c, &caller, now, "clearance.signboard.remove", ("clearance_signboard", &row.id), &row.path, serde_json::json!({"name": row.name}))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Record a use of the community's seal (用印登记): community staff, under an admitted seal
/// item valid on the day of use.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id")),
    request_body = CreateSealUse,
    responses(
        (status = 201, description = "Recorded", body = SealUseView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only community staff record seal uses", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or the item refused (`item_not_in_catalogue`, `item_kind_mismatch`, …)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/communities/{id}/seal-uses")]
pub async fn add_seal_use(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<CreateSealUse>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::CommunityStaff])?;
    let b = body.into_inner();
    let day = today(&state);
    let mut v = Validator::new();
    let purpose = v.text("purpose", &b.purpose, 500);
    if b.used_on > day {
        v.push("used_on", "in_future", "a seal use is recorded after it happened");
    }
    v.finish()?;
    let purpose = purpose.unwrap_or_default();
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let community = community_path_param(c, &caller, &id)?;
            let item_id = cited_item(c, &community, &b.item_id, ItemKind::SealUse, b.used_on)?;
            let row = SealUseRow {
                id: new_id(),
                community_id: community.id,
                path: community.path,
                application_id: item_id,
                used_on: day_str(b.used_on),
                purpose,
                created_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
            };
            clearance::insert_seal_use(c, &row)?;
            audit(c, &caller, now, "clearance.seal_use.create", ("clearance_seal_use", &row.id), &row.path, serde_json::json!({"used_on": row.used_on, "item_id": row.application_id}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(SealUseView::from(row)))
}

/// A community's seal uses (用印台账).
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id"), PageParams),
    responses(
        (status = 200, description = "A page of seal uses", body = SealUsePage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read registries", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/communities/{id}/seal-uses")]
pub async fn list_seal_uses(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, page: web::Query<PageParams>) -> ApiResult<web::Json<SealUsePage>> {
    caller.require(READERS)?;
    let (limit, cursor) = page.parse()?;
    let rows = state
        .read(move |c| {
            let community = community_path_param(c, &caller, &id)?;
            clearance::list_seal_uses(c, &community.id, cursor.as_deref(), limit)
        })
        .await?;
    Ok(web::Json(SealUsePage::from_rows(rows, limit, |r| r.id.clone(), SealUseView::from)))
}

/// The clearance settings in force at a node (its own or the nearest ancestor's, else the default).
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Jurisdiction id")),
    responses(
        (status = 200, description = "Settings in force", body = SettingsView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such jurisdiction in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/jurisdictions/{id}/settings")]
pub async fn get_settings(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<SettingsView>> {
    let v = state
        .read(move |c| {
            let node = jurisdictions::get_within(c, &id, &caller.scope.path)?;
            let row = clearance::effective_setting(c, &node.path())?;
            Ok(settings_view(&node, row))
        })
        .await?;
    Ok(web::Json(v))
}

/// Set a district's or street's clearance settings (准入设置), e.g. the outside-signboard limit:
/// civil affairs within its subtree.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "District or street id")),
    request_body = SettingsBody,
    responses(
        (status = 200, description = "Settings in force", body = SettingsView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not set", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such jurisdiction in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Out of range, or not a district or street", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/clearance/jurisdictions/{id}/settings")]
pub async fn put_settings(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<SettingsBody>) -> ApiResult<web::Json<SettingsView>> {
    caller.require(SETTERS)?;
    let limit = check_signboard_limit_setting(body.outside_signboard_limit)?;
    let now = state.clock.now();
    let v = state
        .write(move |c| {
            let node = jurisdictions::get_within(c, &id, &caller.scope.path)?;
            if !matches!(node.level(), Level::District | Level::Street) {
                return Err(DomainError::rule("invalid_level", "settings belong to a district or a street").into());
            }
            let before = clearance::effective_setting(c, &node.path())?.map(|s| s.outside_signboard_limit);
            let row = SettingRow {
                jurisdiction_id: node.id.clone(),
                path: node.path.clone(),
                outside_signboard_limit: limit as i32,
                updated_by: caller.scope.account_id.clone(),
                updated_at: to_db(now),
            };
            clearance::save_setting(c, &row)?;
            audit(c, &caller, now, "clearance.settings.update", ("jurisdiction", &node.id), &node.path, serde_json::json!({"outside_signboard_limit": {"before": before, "after": limit}}))?;
            Ok(settings_view(&node, Some(row)))
        })
        .await?;
    Ok(web::Json(v))
}
