//! Certified social workers (持证社工) with their level, and figures per 10,000 residents
//! (每万人持证社工数) per jurisdiction.

use super::{node_in_scope, stored_day, ReadRefusals, WriteRefusals, ORG_ADMINS};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::ApiResult;
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::error::Validator;
use gongzhi_domain::organisation::{per_10k, SocialWorkerLevel};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::organisations::{self as orgs, SocialWorkerRow};
use gongzhi_persistence::{jurisdictions, new_id, to_db};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(list).service(figures);
}

/// Roles that read social-worker data in their subtree.
const READERS: &[Role] = &[Role::CivilAffairsAdmin, Role::StreetAdmin, Role::CommunityStaff, Role::Auditor, Role::SystemAdmin];

/// A certified social worker (持证社工).
#[derive(Debug, Serialize, ToSchema)]
pub struct SocialWorkerView {
    pub id: String,
    pub name: String,
    pub level: SocialWorkerLevel,
    pub certificate_no: String,
    /// Where the worker serves.
    pub jurisdiction_id: String,
    pub organisation_id: Option<String>,
    pub certified_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<SocialWorkerRow> for SocialWorkerView {
    fn from(r: SocialWorkerRow) -> Self {
        SocialWorkerView {
            level: SocialWorkerLevel::parse(&r.level).expect("stored level is valid"),
            certified_on: stored_day(&r.certified_on),
            id: r.id,
            name: r.name,
            certificate_no: r.certificate_no,
            jurisdiction_id: r.jurisdiction_id,
            organisation_id: r.organisation_id,
            created_at: ts(r.created_at),
        }
    }
}

page_type!(SocialWorkerPage, SocialWorkerView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSocialWorker {
    pub name: String,
    pub level: SocialWorkerLevel,
    /// Certificate number (证书编号), unique.
    pub certificate_no: String,
    pub jurisdiction_id: String,
    pub organisation_id: Option<String>,
    pub certified_on: NaiveDate,
}

/// Register a certified social worker (civil_affairs_admin).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = NewSocialWorker,
    responses((status = 201, description = "Registered", body = SocialWorkerView), WriteRefusals))]
#[post("/social-workers")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<NewSocialWorker>) -> ApiResult<HttpResponse> {
    caller.require(ORG_ADMINS)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let name = v.text("name", &b.name, 64);
    let cert = v.text("certificate_no", &b.certificate_no, 64);
    v.finish()?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let node = node_in_scope(c, &caller, "jurisdiction_id", &b.jurisdiction_id, None)?;
            if let Some(o) = &b.organisation_id {
                super::visible_organisation(c, &caller, o).map_err(|_| DomainError::field("organisation_id", "unknown", "no such organisation in your scope"))?;
            }
            let row = SocialWorkerRow {
                id: new_id(),
                name: name.unwrap_or_default(),
                level: b.level.as_str().into(),
                certificate_no: cert.unwrap_or_default(),
                jurisdiction_id: node.id,
                path: node.path,
                organisation_id: b.organisation_id,
                certified_on: b.certified_on.to_string(),
                created_at: to_db(now),
            };
            orgs::insert_social_worker(c, &row)?;
            audit(c, &caller, now, "social_worker.create", ("social_worker", &row.id), &row.path, serde_json::json!({"level": row.level}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(SocialWorkerView::from(row)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SocialWorkerQuery {
    pub level: Option<SocialWorkerLevel>,
}

/// Social workers in the caller's subtree.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(PageParams, SocialWorkerQuery),
    responses((status = 200, description = "A page of social workers", body = SocialWorkerPage), ReadRefusals))]
#[get("/social-workers")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, q: web::Query<SocialWorkerQuery>) -> ApiResult<web::Json<SocialWorkerPage>> {
    caller.require(READERS)?;
    let (limit, cursor) = page.parse()?;
    let path = caller.scope.path.clone();
    let level = q.level.map(|l| l.as_str());
    let rows = state.read(move |c| orgs::list_social_workers(c, &path, level, cursor.as_deref(), limit)).await?;
    Ok(web::Json(SocialWorkerPage::from_rows(rows, limit, |r| r.id.clone(), SocialWorkerView::from)))
}

/// Social-worker figures of one jurisdiction.
#[derive(Debug, Serialize, ToSchema)]
pub struct SocialWorkerFigures {
    pub jurisdiction_id: String,
    pub name: String,
    /// Residents: the node's own figure, else the sum over its communities.
    pub population: i64,
    pub total: i64,
    /// Count per level (assistant, intermediate, senior).
    pub by_level: BTreeMap<String, i64>,
    /// Certified social workers per 10,000 residents; absent without a population.
    pub per_10k: Option<f64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// The node; default the caller's own scope node.
    pub jurisdiction_id: Option<String>,
}

/// Social workers per 10,000 residents (每万人持证社工数) for a node and each of its children.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(FiguresQuery),
    responses((status = 200, description = "The node first, then its children", body = [SocialWorkerFigures]), ReadRefusals))]
#[get("/social-workers/figures")]
pub async fn figures(state: web::Data<AppState>, caller: Caller, q: web::Query<FiguresQuery>) -> ApiResult<web::Json<Vec<SocialWorkerFigures>>> {
    caller.require(READERS)?;
    let id = q.into_inner().jurisdiction_id.or_else(|| caller.scope.jurisdiction_id.clone()).ok_or(DomainError::field("jurisdiction_id", "required", "name a jurisdiction"))?;
    let out = state
        .read(move |c| {
            let node = node_in_scope(c, &caller, "jurisdiction_id", &id, None).map_err(|_| DomainError::NotFound("jurisdiction"))?;
            let children = jurisdictions::list(c, &node.path(), &jurisdictions::Filter { parent_id: Some(node.id.clone()), ..Default::default() }, None, 1000)?;
            let mut out = Vec::new();
            for n in std::iter::once(node).chain(children) {
                let population = orgs::population(c, &n)?;
                let mut by_level: BTreeMap<String, i64> = SocialWorkerLevel::ALL.iter().map(|l| (l.as_str().to_string(), 0)).collect();
                for l in orgs::social_worker_levels(c, &n.path())? {
                    *by_level.entry(l).or_insert(0) += 1;
                }
                let total: i64 = by_level.values().sum();
                out.push(SocialWorkerFigures {
                    per_10k: per_10k(u64::try_from(total).unwrap_or(0), u64::try_from(population).unwrap_or(0)),
                    jurisdiction_id: n.id,
                    name: n.name,
                    population,
                    total,
                    by_level,
                });
            }
            Ok(out)
        })
        .await?;
    Ok(web::Json(out))
}
