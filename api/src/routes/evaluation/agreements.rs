//! Two-way evaluation of entrustment agreements (双向评估): in a campaign of kind `agreement`, the
//! government side (the entrusting department's staff, or the admin of the street that signed)
//! and the community side (the entrusted community's staff) each rate each agreement in the
//! campaign's area once, 1–5 on four aspects with comments.

use super::{community_of, load_visible, require_kind, require_open};
use crate::auth::Caller;
use crate::common::{audit, ts};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::routes::clearance::agreements::is_principal;
use crate::state::AppState;
use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::error::optional_text;
use gongzhi_domain::evaluation::{AgreementScoring, AgreementSide, AspectScore, CampaignKind};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::clearance::{self, AgreementRow};
use gongzhi_persistence::evaluation::{self, RatingRow};
use gongzhi_persistence::{new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Roles that rate agreements: the government side and the community side.
const RATERS: &[Role] = &[Role::DepartmentStaff, Role::StreetAdmin, Role::CommunityStaff];

/// One side's rating of one agreement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRating {
    pub agreement_id: String,
    /// Aspect → score, for exactly the four aspects: funds_paid (经费到位), task_clarity (任务明确),
    /// cooperation (配合), delivery_quality (完成质量).
    pub scores: BTreeMap<String, super::scores::AspectScoreInput>,
    /// Overall comment (总体评价), at most 1000 characters.
    pub comment: Option<String>,
}

/// The stored rating, as its side sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingView {
    pub id: String,
    pub campaign_id: String,
    pub agreement_id: String,
    pub side: AgreementSide,
    #[schema(value_type = Object)]
    pub scores: BTreeMap<String, AspectScore>,
    pub mean: Option<f64>,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The side the caller rates the agreement for, or 404 when the caller is neither party.
fn side_of(c: &mut DbConnection, caller: &Caller, a: &AgreementRow) -> StoreResult<AgreementSide> {
    let side = match caller.scope.role {
        Role::DepartmentStaff | Role::StreetAdmin if is_principal(caller, a) => Some(AgreementSide::Government),
        Role::CommunityStaff if community_of(c, &caller.scope.path)?.id == a.community_id => Some(AgreementSide::Community),
        _ => None,
    };
    side.ok_or_else(|| DomainError::NotFound("agreement").into())
}

/// Rate an entrustment agreement (双向评估) once per side and campaign: the entrusting department
/// or street (government side) or the entrusted community's staff (community side).
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = SubmitRating,
    responses(
        (status = 201, description = "Recorded", body = RatingView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a department, street or community", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign visible, or no agreement the caller is a party to", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Campaign not open (campaign_not_open) or already rated by this side (already_rated)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid scores, agreement outside the campaign's area (agreement_not_in_campaign), or no agreement evaluation in this campaign (kind_not_evaluated)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/evaluation/campaigns/{id}/agreement-ratings")]
pub async fn submit(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<SubmitRating>) -> ApiResult<HttpResponse> {
    caller.require(RATERS)?;
    let b = body.into_inner();
    let raw = b.scores.into_iter().map(|(k, v)| (k, (v.score, v.comment))).collect();
    let scoring = AgreementScoring::new(&raw)?;
    let comment = optional_text("comment", b.comment.as_deref(), 1000)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let campaign = load_visible(c, &caller.scope, &id)?;
            require_kind(&campaign, CampaignKind::Agreement)?;
            let agreement = clearance::get_agreement(c, &b.agreement_id)?;
            let side = side_of(c, &caller, &agreement)?;
            if !campaign.area().contains(&agreement.path) {
                return Err(DomainError::rule("agreement_not_in_campaign", "the agreement's community is outside the campaign's area").into());
            }
            require_open(&campaign)?;
            if evaluation::rating_exists(c, &campaign.id, &agreement.id, side)? {
                return Err(DomainError::conflict("already_rated", format!("the {} side has already rated this agreement in this campaign", side.as_str())).into());
            }
            let row = RatingRow {
                id: new_id(),
                campaign_id: campaign.id.clone(),
                agreement_id: agreement.id.clone(),
                side: side.as_str().into(),
                jurisdiction_id: agreement.community_id,
                path: agreement.path,
                rated_by: caller.scope.account_id.clone(),
                scores: serde_json::to_string(&scoring).expect("scores serialize"),
                comment,
                created_at: to_db(now),
            };
            evaluation::insert_rating(c, &row)?;
            let detail = serde_json::json!({"campaign_id": campaign.id, "agreement_id": agreement.id, "side": side.as_str()});
            audit(c, &caller, now, "evaluation.agreement_rating.create", ("evaluation_agreement_rating", &row.id), &row.path, detail)?;
            Ok(row)
        })
        .await?;
    let scoring = row.scoring();
    let view = RatingView {
        side: row.side(),
        mean: scoring.mean(),
        scores: scoring.0,
        id: row.id,
        campaign_id: row.campaign_id,
        agreement_id: row.agreement_id,
        comment: row.comment,
        created_at: ts(row.created_at),
    };
    Ok(HttpResponse::Created().json(view))
}
