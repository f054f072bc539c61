//! Communities rate the departments (社区评议部门): each community scores each department it deals
//! with on ten aspects, 1–5 with comments, once per campaign.

use super::{community_of, load_visible, require_kind, require_open};
use crate::auth::Caller;
use crate::common::{audit, ts};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::state::AppState;
use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::evaluation::{AspectScore, CampaignKind, DepartmentScoring};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::evaluation::{self, ScoreRow};
use gongzhi_persistence::{departments, new_id, to_db};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The score of one aspect.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AspectScoreInput {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    pub score: i64,
    /// At most 500 characters.
    pub comment: Option<String>,
}

/// A community's scoring of one department on all ten aspects.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitScores {
    pub department_id: String,
    /// Aspect → score, for exactly the ten aspects: tasks_pushed_down (任务下派), creation_projects
    /// (创建评比), funding_follows_task (费随事转), work_style (工作作风), service_attitude
    /// (服务态度), efficiency (办事效率), coordination (协调配合), information_sharing (信息共享),
    /// respect_for_autonomy (尊重自治), burden_reduction (减负成效).
    pub scores: BTreeMap<String, AspectScoreInput>,
}

/// The stored scoring, as its community sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoresView {
    pub id: String,
    pub campaign_id: String,
    pub community_id: String,
    pub department_id: String,
    #[schema(value_type = Object)]
    pub scores: BTreeMap<String, AspectScore>,
    pub created_at: DateTime<Utc>,
}

/// Score a department on the ten aspects (community_staff), once per campaign.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = SubmitScores,
    responses(
        (status = 201, description = "Recorded", body = ScoresView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not community staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign or department visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Campaign not open (campaign_not_open) or department already scored (already_scored)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid scores, inactive department, or no department rating in this campaign (kind_not_evaluated)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/evaluation/campaigns/{id}/department-scores")]
pub async fn submit(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<SubmitScores>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::CommunityStaff])?;
    let b = body.into_inner();
    let raw = b.scores.into_iter().map(|(k, v)| (k, (v.score, v.comment))).collect();
    let scoring = DepartmentScoring::new(&raw)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let campaign = load_visible(c, &caller.scope, &id)?;
            require_kind(&campaign, CampaignKind::CommunityToDepartment)?;
            let department = departments::get(c, &b.department_id)?;
            if !departments::is_visible(&department, &caller.scope.path) {
                return Err(DomainError::NotFound("department").into());
            }
            require_open(&campaign)?;
            if !department.active {
                return Err(DomainError::rule("department_inactive", "this department is no longer active").into());
            }
            let community = community_of(c, &caller.scope.path)?;
            if evaluation::score_exists(c, &campaign.id, &community.id, &department.id)? {
                return Err(DomainError::conflict("already_scored", "your community has already scored this department in this campaign").into());
            }
            let row = ScoreRow {
                id: new_id(),
                campaign_id: campaign.id.clone(),
                jurisdiction_id: community.id,
                path: community.path,
                department_id: department.id.clone(),
                scored_by: caller.scope.account_id.clone(),
                scores: serde_json::to_string(&scoring).expect("scores serialize"),
                created_at: to_db(now),
            };
            evaluation::insert_score(c, &row)?;
            let detail = serde_json::json!({"campaign_id": campaign.id, "department_id": department.id});
            audit(c, &caller, now, "evaluation.department_scores.create", ("evaluation_department_score", &row.id), &row.path, detail)?;
            Ok(row)
        })
        .await?;
    let view = ScoresView {
        scores: row.scoring().0,
        id: row.id,
        campaign_id: row.campaign_id,
        community_id: row.jurisdiction_id,
        department_id: row.department_id,
        created_at: ts(row.created_at),
    };
    Ok(HttpResponse::Created().json(view))
}
