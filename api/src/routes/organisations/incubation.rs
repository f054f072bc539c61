//! Incubation bases (孵化基地/孵化园) and the residencies (入驻) of organisations in them:
//! entry date, support given (扶持), graduation (出壳). Managed by civil_affairs_admin.

use super::{node_in_scope, stored_day, ReadRefusals, WriteRefusals, ORG_ADMINS};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::ApiResult;
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::error::{optional_text, Validator};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::organisations::{self as orgs, IncubationBaseRow, ResidencyRow};
use gongzhi_persistence::{new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_base).service(list_bases).service(enter).service(residencies).service(graduate);
}

/// Roles that read incubation data in their subtree.
const INCUBATION_READERS: &[Role] = &[Role::CivilAffairsAdmin, Role::StreetAdmin, Role::Auditor, Role::SystemAdmin];

/// An incubation base (孵化基地).
#[derive(Debug, Serialize, ToSchema)]
pub struct BaseView {
    pub id: String,
    pub name: String,
    pub address: String,
    /// Places for resident organisations.
    pub capacity: Option<i32>,
    pub jurisdiction_id: String,
    pub created_at: DateTime<Utc>,
}

impl From<IncubationBaseRow> for BaseView {
    fn from(r: IncubationBaseRow) -> Self {
        BaseView { id: r.id, name: r.name, address: r.address, capacity: r.capacity, jurisdiction_id: r.jurisdiction_id, created_at: ts(r.created_at) }
    }
}

page_type!(BasePage, BaseView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBase {
    pub name: String,
    pub address: String,
    pub capacity: Option<i32>,
    pub jurisdiction_id: String,
}

/// Open an incubation base (civil_affairs_admin).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = NewBase,
    responses((status = 201, description = "Created", body = BaseView), WriteRefusals))]
#[post("/incubation-bases")]
pub async fn create_base(state: web::Data<AppState>, caller: Caller, body: Json<NewBase>) -> ApiResult<HttpResponse> {
    caller.require(ORG_ADMINS)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let name = v.text("name", &b.name, 128);
    let address = v.text("address", &b.address, 256);
    if b.capacity.is_some_and(|c| c <= 0) {
        v.push("capacity", "must_be_positive", "a capacity is at least one place");
    }
    v.finish()?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let node = node_in_scope(c, &caller, "jurisdiction_id", &b.jurisdiction_id, None)?;
            let row = IncubationBaseRow { id: new_id(), name: name.unwrap_or_default(), address: address.unwrap_or_default(), capacity: b.capacity, jurisdiction_id: node.id, path: node.path, created_at: to_db(now) };
            orgs::insert_base(c, &row)?;
            audit(c, &caller, now, "incubation_base.create", ("incubation_base", &row.id), &row.path, serde_json::json!({"name": row.name}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(BaseView::from(row)))
}

/// Incubation bases in the caller's subtree.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "A page of bases", body = BasePage), ReadRefusals))]
#[get("/incubation-bases")]
pub async fn list_bases(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>) -> ApiResult<web::Json<BasePage>> {
    caller.require(INCUBATION_READERS)?;
    let (limit, cursor) = page.parse()?;
    let path = caller.scope.path.clone();
    let rows = state.read(move |c| orgs::list_bases(c, &path, cursor.as_deref(), limit)).await?;
    Ok(web::Json(BasePage::from_rows(rows, limit, |r| r.id.clone(), BaseView::from)))
}

/// An organisation's residency (入驻) in a base.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidencyView {
    pub id: String,
    pub base_id: String,
    pub organisation_id: String,
    pub entered_on: NaiveDate,
    /// Support given (扶持): space, training, seed funding…
    pub support: String,
    /// Graduation (出壳); absent while resident.
    pub graduated_on: Option<NaiveDate>,
    pub graduation_note: Option<String>,
}

impl From<ResidencyRow> for ResidencyView {
    fn from(r: ResidencyRow) -> Self {
        ResidencyView {
            entered_on: stored_day(&r.entered_on),
            graduated_on: r.graduated_on.as_deref().map(stored_day),
            id: r.id,
            base_id: r.base_id,
            organisation_id: r.organisation_id,
            support: r.support,
            graduation_note: r.graduation_note,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResidency {
    pub organisation_id: String,
    pub entered_on: NaiveDate,
    pub support: String,
}

fn managed_base(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<IncubationBaseRow> {
    let base = orgs::get_base(c, id)?;
    caller.scope.check_covers(&base.path, "incubation base")?;
    Ok(base)
}

/// Admit an organisation into a base (civil_affairs_admin); one open residency at a time
/// (409 `already_resident`).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Base id")), request_body = NewResidency,
    responses((status = 201, description = "Admitted", body = ResidencyView), WriteRefusals))]
#[post("/incubation-bases/{id}/residencies")]
pub async fn enter(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<NewResidency>) -> ApiResult<HttpResponse> {
    caller.require(ORG_ADMINS)?;
    let b = body.into_inner();
    let support = gongzhi_domain::error::text("support", &b.support, 2000)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let base = managed_base(c, &caller, &id)?;
            let org = super::visible_organisation(c, &caller, &b.organisation_id).map_err(|_| DomainError::field("organisation_id", "unknown", "no such organisation in your scope"))?;
            if orgs::is_resident(c, &org.id)? {
                return Err(DomainError::conflict("already_resident", "the organisation is already resident in a base").into());
            }
            let occupied = orgs::residencies_of_base(c, &base.id)?.iter().filter(|r| r.graduated_on.is_none()).count();
            if base.capacity.is_some_and(|cap| occupied >= usize::try_from(cap).unwrap_or(0)) {
                return Err(DomainError::conflict("base_full", "the base has no free place").into());
            }
            let row = ResidencyRow {
                id: new_id(),
                base_id: base.id,
                organisation_id: org.id,
                path: base.path,
                entered_on: b.entered_on.to_string(),
                support,
                graduated_on: None,
                graduation_note: None,
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            orgs::insert_residency(c, &row)?;
            audit(c, &caller, now, "residency.enter", ("residency", &row.id), &row.path, serde_json::json!({"organisation_id": row.organisation_id}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(ResidencyView::from(row)))
}

/// Residencies of a base, current and past.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Base id")),
    responses((status = 200, description = "The residencies", body = [ResidencyView]), ReadRefusals))]
#[get("/incubation-bases/{id}/residencies")]
pub async fn residencies(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<Vec<ResidencyView>>> {
    caller.require(INCUBATION_READERS)?;
    let rows = state
        .read(move |c| {
            let base = managed_base(c, &caller, &id)?;
            orgs::residencies_of_base(c, &base.id)
        })
        .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Graduation {
    pub graduated_on: NaiveDate,
    pub note: Option<String>,
}

/// Graduate a resident organisation (出壳; civil_affairs_admin).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Residency id")), request_body = Graduation,
    responses((status = 200, description = "Graduated", body = ResidencyView), WriteRefusals))]
#[post("/residencies/{id}/graduation")]
pub async fn graduate(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<Graduation>) -> ApiResult<web::Json<ResidencyView>> {
    caller.require(ORG_ADMINS)?;
    let b = body.into_inner();
    let note = optional_text("note", b.note.as_deref(), 2000)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = orgs::get_residency(c, &id)?;
            caller.scope.check_covers(&row.path, "residency")?;
            if row.graduated_on.is_some() {
                return Err(DomainError::transition("graduated", "graduate").into());
            }
            if b.graduated_on < stored_day(&row.entered_on) {
                return Err(DomainError::field("graduated_on", "before_entry", "graduation comes on or after entry").into());
            }
            row.graduated_on = Some(b.graduated_on.to_string());
            row.graduation_note = note;
            row.updated_at = to_db(now);
            orgs::update_residency(c, &row)?;
            audit(c, &caller, now, "residency.graduate", ("residency", &row.id), &row.path, serde_json::json!({"graduated_on": row.graduated_on}))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}
