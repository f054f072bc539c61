//! Evaluation campaigns (评议活动): period, area, kinds and questionnaire; draft → open → closed
//! → published, run by civil affairs (民政局) in its subtree.

use super::{load_covered, load_visible, CAMPAIGN_ADMINS};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::error::text;
use gongzhi_domain::evaluation::{parse_kinds, CampaignAction, CampaignKind, CampaignState, Item, Period, Questionnaire};
use gongzhi_domain::jurisdiction::Level;
use gongzhi_domain::DomainError;
use gongzhi_persistence::evaluation::{self, CampaignFilter, CampaignRow};
use gongzhi_persistence::{jurisdictions, new_id, to_db};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An evaluation campaign (评议活动).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: String,
    pub name: String,
    /// The district or street whose communities (and the departments they deal with) are evaluated.
    pub jurisdiction_id: String,
    pub kinds: Vec<CampaignKind>,
    /// First day of the evaluation period (评议期), inclusive.
    pub period_start: NaiveDate,
    /// Last day of the evaluation period, inclusive.
    pub period_end: NaiveDate,
    pub state: CampaignState,
    /// Items residents answer (问卷), for `resident_to_community`.
    pub questionnaire: Vec<Item>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

impl From<CampaignRow> for CampaignView {
    fn from(r: CampaignRow) -> Self {
        let period = r.period();
        CampaignView {
            kinds: r.kinds(),
            state: r.state(),
            questionnaire: r.questionnaire().items().to_vec(),
            period_start: period.start,
            period_end: period.end,
            id: r.id,
            name: r.name,
            jurisdiction_id: r.jurisdiction_id,
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            opened_at: r.opened_at.map(ts),
            closed_at: r.closed_at.map(ts),
            published_at: r.published_at.map(ts),
        }
    }
}

page_type!(CampaignPage, CampaignView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaign {
    pub name: String,
    /// A district or street in the caller's subtree.
    pub jurisdiction_id: String,
    pub kinds: Vec<CampaignKind>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Required before opening a campaign that evaluates `resident_to_community`.
    #[serde(default)]
    pub questionnaire: Vec<Item>,
}

/// Changes to a draft campaign; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCampaign {
    pub name: Option<String>,
    pub kinds: Option<Vec<CampaignKind>>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    /// Replaces the whole questionnaire.
    pub questionnaire: Option<Vec<Item>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignQuery {
    /// draft, open, closed or published.
    pub state: Option<String>,
    /// resident_to_community, community_to_department or agreement.
    pub kind: Option<String>,
}

/// Create a draft campaign (civil_affairs_admin) for a district or street in scope.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    request_body = CreateCampaign,
    responses(
        (status = 201, description = "Created in state draft", body = CampaignView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not civil affairs", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, questionnaire or jurisdiction", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/evaluation/campaigns")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateCampaign>) -> ApiResult<HttpResponse> {
    caller.require(CAMPAIGN_ADMINS)?;
    let b = body.into_inner();
    let name = text("name", &b.name, 100)?;
    let kinds = parse_kinds(&b.kinds)?;
    let period = Period::new(b.period_start, b.period_end)?;
    let questionnaire = Questionnaire::new(b.questionnaire)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let node = jurisdictions::get_within(c, &b.jurisdiction_id, &caller.scope.path)
                .map_err(|_| DomainError::field("jurisdiction_id", "unknown", "no such jurisdiction in your scope"))?;
            if !matches!(node.level(), Level::District | Level::Street) {
                return Err(DomainError::field("jurisdiction_id", "invalid_level", "a campaign covers a district or a street").into());
            }
            let mut row = CampaignRow {
                id: new_id(),
                name,
                jurisdiction_id: node.id,
                path: node.path,
                kinds: String::new(),
                period_start: String::new(),
                period_end: String::new(),
                state: CampaignState::Draft.as_str().into(),
                questionnaire: String::new(),
                created_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
                updated_at: to_db(now),
                opened_at: None,
                closed_at: None,
                published_at: None,
            };
            row.set_kinds(&kinds);
            row.set_period(period);
            row.set_questionnaire(&questionnaire);
            evaluation::insert_campaign(c, &row)?;
            let detail = serde_json::json!({"name": row.name, "kinds": kinds, "items": questionnaire.items().len()});
            audit(c, &caller, now, "evaluation.campaign.create", ("evaluation_campaign", &row.id), &row.path, detail)?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(CampaignView::from(row)))
}

/// Campaigns the caller can see: those in its subtree and those whose area contains it.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(PageParams, CampaignQuery),
    responses(
        (status = 200, description = "A page of campaigns", body = CampaignPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown state or kind", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evaluation/campaigns")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, q: web::Query<CampaignQuery>) -> ApiResult<web::Json<CampaignPage>> {
    let (limit, cursor) = page.parse()?;
    let filter = CampaignFilter {
        state: q.state.as_deref().map(CampaignState::parse).transpose()?,
        kind: q.kind.as_deref().map(CampaignKind::parse).transpose()?,
    };
    let path = caller.scope.path.clone();
    let rows = state.read(move |c| evaluation::list_campaigns(c, &path, &filter, cursor.as_deref(), limit)).await?;
    Ok(web::Json(CampaignPage::from_rows(rows, limit, |r| r.id.clone(), CampaignView::from)))
}

/// One campaign with its questionnaire.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "The campaign", body = CampaignView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evaluation/campaigns/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<CampaignView>> {
    let row = state.read(move |c| load_visible(c, &caller.scope, &id)).await?;
    Ok(web::Json(row.into()))
}

/// Change a draft campaign: name, kinds, period, questionnaire (civil_affairs_admin).
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = UpdateCampaign,
    responses(
        (status = 200, description = "Updated", body = CampaignView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not civil affairs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The campaign is no longer a draft", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/evaluation/campaigns/{id}")]
pub async fn update(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<UpdateCampaign>) -> ApiResult<web::Json<CampaignView>> {
    caller.require(CAMPAIGN_ADMINS)?;
    let b = body.into_inner();
    let name = b.name.as_deref().map(|n| text("name", n, 100)).transpose()?;
    let kinds = b.kinds.as_deref().map(parse_kinds).transpose()?;
    let questionnaire = b.questionnaire.map(Questionnaire::new).transpose()?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = load_covered(c, &caller, &id)?;
            if row.state() != CampaignState::Draft {
                return Err(DomainError::transition(row.state().as_str(), "edit").into());
            }
            let old = row.period();
            row.set_period(Period::new(b.period_start.unwrap_or(old.start), b.period_end.unwrap_or(old.end))?);
            if let Some(n) = name {
                row.name = n;
            }
            if let Some(k) = &kinds {
                row.set_kinds(k);
            }
            if let Some(q) = &questionnaire {
                row.set_questionnaire(q);
            }
            row.updated_at = to_db(now);
            evaluation::update_campaign(c, &row)?;
            let detail = serde_json::json!({"name": row.name, "kinds": row.kinds(), "items": row.questionnaire().items().len()});
            audit(c, &caller, now, "evaluation.campaign.update", ("evaluation_campaign", &row.id), &row.path, detail)?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

async fn transition(state: web::Data<AppState>, caller: Caller, id: String, action: CampaignAction) -> ApiResult<web::Json<CampaignView>> {
    caller.require(CAMPAIGN_ADMINS)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = load_covered(c, &caller, &id)?;
            let from = row.state();
            let to = from.apply(action)?;
            if action == CampaignAction::Open && row.has_kind(CampaignKind::ResidentToCommunity) && row.questionnaire().is_empty() {
                return Err(DomainError::rule("questionnaire_required", "a campaign in which residents rate their community needs a questionnaire").into());
            }
            let at = Some(to_db(now));
            match to {
                CampaignState::Open => row.opened_at = at,
                CampaignState::Closed => row.closed_at = at,
                CampaignState::Published => row.published_at = at,
                CampaignState::Draft => {}
            }
            row.state = to.as_str().into();
            row.updated_at = to_db(now);
            evaluation::update_campaign(c, &row)?;
            let detail = serde_json::json!({"from": from, "to": to});
            audit(c, &caller, now, &format!("evaluation.campaign.{}", action.as_str()), ("evaluation_campaign", &row.id), &row.path, detail)?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Open a draft campaign for responses and scores (civil_affairs_admin).
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "Now open", body = CampaignView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not civil affairs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (invalid_transition)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A resident survey without questionnaire (questionnaire_required)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/evaluation/campaigns/{id}/open")]
pub async fn open(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<CampaignView>> {
    transition(state, caller, id.into_inner(), CampaignAction::Open).await
}

/// Close an open campaign: no more responses or scores (civil_affairs_admin).
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "Now closed", body = CampaignView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not civil affairs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open (invalid_transition)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/evaluation/campaigns/{id}/close")]
pub async fn close(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<CampaignView>> {
    transition(state, caller, id.into_inner(), CampaignAction::Close).await
}

/// Publish the results of a closed campaign (一公开): they become public (civil_affairs_admin).
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "Now published", body = CampaignView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not civil affairs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not closed (invalid_transition)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/evaluation/campaigns/{id}/publish")]
pub async fn publish(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<CampaignView>> {
    transition(state, caller, id.into_inner(), CampaignAction::Publish).await
}
