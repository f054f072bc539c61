//! Results (评议结果): residents' satisfaction per community and departments' scores per aspect,
//! ranked only above a minimum sample; public once published (三挂钩一公开), before that visible to
//! civil affairs and auditors in scope only; history across campaigns.

use super::campaigns::{CampaignPage, CampaignView};
use super::{communities_in, load_visible, EVALUATION_READERS};
use crate::auth::Caller;
use crate::common::PageParams;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use actix_web::{get, web};
use gongzhi_domain::authz::Scope;
use gongzhi_domain::evaluation::{rank, summarize, summarize_department, AgreementSide, Aspect, AspectScore, CampaignKind, CampaignState, ItemSummary, MinSample, ScaleSummary};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::DomainError;
use gongzhi_persistence::evaluation::{self, CampaignFilter, CampaignRow};
use gongzhi_persistence::clearance::{self, AgreementFilter};
use gongzhi_persistence::{departments, jurisdictions, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use crate::common::ts;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};

/// Residents' satisfaction with one community (群众满意度).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommunityResult {
    pub community_id: String,
    pub name: String,
    pub code: Option<String>,
    /// Households that answered: the sample size.
    pub respondents: u64,
    /// Answers bearing on satisfaction: scale answers, and choice answers of items with options
    /// flagged satisfied.
    pub rated_answers: u64,
    /// Of those, scale answers 4–5 and choices of options flagged satisfied (满意/基本满意).
    pub satisfied_answers: u64,
    /// satisfied_answers / rated_answers, 4 decimals (满意率).
    pub satisfaction_rate: Option<f64>,
    /// Rank by satisfaction rate (1 = best; ties share a rank); absent below the minimum sample.
    pub rank: Option<u32>,
    /// Per-item figures; empty when `suppressed`.
    pub items: Vec<ItemSummary>,
    /// True when fewer than [`MIN_DISCLOSED_RESPONDENTS`] households answered: the rate, answer
    /// counts and items are withheld, since they would show a single household's answers.
    pub suppressed: bool,
}

/// Fewest households whose answers are shown as figures of a community (anonymity towards
/// community staff and the public); fixed by the server, not by the caller.
pub const MIN_DISCLOSED_RESPONDENTS: u64 = 3;

/// Aggregate of one aspect of a department.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AspectResult {
    pub aspect: Aspect,
    pub count: u64,
    pub mean: Option<f64>,
    /// Number of scores 1, 2, 3, 4 and 5.
    pub distribution: Vec<u64>,
}

impl AspectResult {
    fn new(aspect: Aspect, s: &ScaleSummary) -> Self {
        AspectResult { aspect, count: s.count, mean: s.mean, distribution: s.distribution.to_vec() }
    }
}

/// Communities' rating of one department (社区评议部门).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentResult {
    pub department_id: String,
    pub name: String,
    pub code: String,
    /// Communities that scored it: the sample size.
    pub submissions: u64,
    /// Mean of every aspect score, 4 decimals.
    pub overall_mean: Option<f64>,
    /// Rank by overall mean (1 = best; ties share a rank); absent below the minimum sample.
    pub rank: Option<u32>,
    pub aspects: Vec<AspectResult>,
    /// Assignments of the department to communities in the campaign's area that the community
    /// refused (拒绝承接) during the campaign period.
    pub assignments_refused: u64,
    /// Refused attempts of the department to impose something without an admitted item
    /// (未准入事项) on communities in the campaign's area during the campaign period.
    pub unadmitted_attempts: u64,
}

/// One side's rating of an entrustment agreement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SideRating {
    /// Mean of the four aspect scores, 4 decimals.
    pub mean: Option<f64>,
    /// Aspect (funds_paid, task_clarity, cooperation, delivery_quality) → {score, comment}.
    #[schema(value_type = Object)]
    pub scores: BTreeMap<String, AspectScore>,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

/// Two-way evaluation of one entrustment agreement (双向评估), with promised and paid funding.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementResult {
    pub agreement_id: String,
    pub title: String,
    pub community_id: String,
    /// The entrusting department; absent when the street entrusts.
    pub principal_department_id: Option<String>,
    pub principal_jurisdiction_id: String,
    /// Promised funding (应拨), cents.
    pub promised_cents: i64,
    /// Sum of payments recorded so far (已拨), cents.
    pub paid_cents: i64,
    /// The government side's rating (政府方评价); absent until given.
    pub government: Option<SideRating>,
    /// The community side's rating (社区方评价); absent until given.
    pub community: Option<SideRating>,
}

/// The results of a campaign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignResults {
    pub campaign: CampaignView,
    /// Rows with a smaller sample are listed unranked.
    pub min_sample: u64,
    /// Ranked rows first (best first), then unranked ones; empty unless the campaign evaluates
    /// resident_to_community.
    pub communities: Vec<CommunityResult>,
    /// Likewise; empty unless the campaign evaluates community_to_department.
    pub departments: Vec<DepartmentResult>,
    /// Entrustment agreements with communities in the area, by id; empty unless the campaign
    /// evaluates agreement.
    pub agreements: Vec<AgreementResult>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Minimum sample (households for a community, communities for a department) to be ranked; 1–100000, default 5.
    pub min_sample: Option<i64>,
}

/// Orders ranked rows by rank (stable within a shared rank), unranked rows after them.
fn ranked_first<T>(rows: &mut [T], rank_of: impl Fn(&T) -> Option<u32>) {
    rows.sort_by_key(|r| (rank_of(r).is_none(), rank_of(r)));
}

/// Computes the results of a campaign over all of its data.
pub fn build(c: &mut DbConnection, campaign: &CampaignRow, min: MinSample) -> StoreResult<CampaignResults> {
    let mut communities = Vec::new();
    if campaign.has_kind(CampaignKind::ResidentToCommunity) {
        let q = campaign.questionnaire();
        let mut by_community: HashMap<String, Vec<_>> = HashMap::new();
        for (community, answers) in evaluation::campaign_answers(c, &campaign.id)? {
            by_community.entry(community).or_default().push(answers);
        }
        for j in communities_in(c, &campaign.area())? {
            let s = summarize(&q, by_community.get(&j.id).map(Vec::as_slice).unwrap_or_default());
            let suppressed = (1..MIN_DISCLOSED_RESPONDENTS).contains(&s.respondents);
            communities.push(CommunityResult {
                community_id: j.id,
                name: j.name,
                code: j.code,
                respondents: s.respondents,
                rated_answers: if suppressed { 0 } else { s.rated_answers },
                satisfied_answers: if suppressed { 0 } else { s.satisfied_answers },
                satisfaction_rate: s.satisfaction_rate.filter(|_| !suppressed),
                rank: None,
                items: if suppressed { Vec::new() } else { s.items },
                suppressed,
            });
        }
        let ranks = rank(&communities.iter().map(|r| (r.satisfaction_rate, r.respondents)).collect::<Vec<_>>(), min);
        communities.iter_mut().zip(ranks).for_each(|(r, k)| r.rank = k);
        ranked_first(&mut communities, |r| r.rank);
    }
    let mut depts = Vec::new();
    if campaign.has_kind(CampaignKind::CommunityToDepartment) {
        let mut by_department: HashMap<String, Vec<_>> = HashMap::new();
        for (department, scoring) in evaluation::campaign_scorings(c, &campaign.id)? {
            by_department.entry(department).or_default().push(scoring);
        }
        let listed: Vec<_> = departments::list_visible(c, &campaign.area(), None, i64::from(i32::MAX))?
            .into_iter()
            .filter(|d| d.active || by_department.contains_key(&d.id))
            .collect();
        let ids: Vec<String> = listed.iter().map(|d| d.id.clone()).collect();
        let (refused, attempts) = clearance_counts(c, campaign, &ids)?;
        for d in listed {
            let scored = by_department.remove(&d.id).unwrap_or_default();
            let s = summarize_department(&scored);
            depts.push(DepartmentResult {
                assignments_refused: refused.get(&d.id).copied().unwrap_or_default(),
                unadmitted_attempts: attempts.get(&d.id).copied().unwrap_or_default(),
                department_id: d.id,
                name: d.name,
                code: d.code,
                submissions: s.submissions,
                overall_mean: s.overall.mean,
                rank: None,
                aspects: s.aspects.iter().map(|(a, x)| AspectResult::new(*a, x)).collect(),
            });
        }
        let ranks = rank(&depts.iter().map(|r| (r.overall_mean, r.submissions)).collect::<Vec<_>>(), min);
        depts.iter_mut().zip(ranks).for_each(|(r, k)| r.rank = k);
        ranked_first(&mut depts, |r| r.rank);
    }
    let agreements = if campaign.has_kind(CampaignKind::Agreement) { agreement_results(c, campaign)? } else { Vec::new() };
    Ok(CampaignResults { campaign: campaign.clone().into(), min_sample: min.get(), communities, departments: depts, agreements })
}

/// Per department: assignments refused by communities in the campaign's area, and unadmitted
/// attempts targeting at least one of those communities, both within the campaign period.
fn clearance_counts(c: &mut DbConnection, campaign: &CampaignRow, department_ids: &[String]) -> StoreResult<(HashMap<String, u64>, HashMap<String, u64>)> {
    let (from, to) = campaign.period().utc_bounds();
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    let refused = clearance::refusal_counts(c, &campaign.area(), from, to)?.into_iter().map(|(d, n)| (d, count(n))).collect();
    let in_area: HashSet<String> = communities_in(c, &campaign.area())?.into_iter().map(|j| j.id).collect();
    let mut attempts = HashMap::new();
    for (d, targets) in clearance::attempt_targets(c, department_ids, from, to)? {
        if targets.iter().any(|t| in_area.contains(t)) {
            *attempts.entry(d).or_insert(0) += 1;
        }
    }
    Ok((refused, attempts))
}

/// Every entrustment agreement with a community in the campaign's area, with both sides'
/// ratings in this campaign and the promised and paid totals.
fn agreement_results(c: &mut DbConnection, campaign: &CampaignRow) -> StoreResult<Vec<AgreementResult>> {
    let rows = clearance::list_agreements(c, &campaign.area(), &AgreementFilter::default(), None, i64::from(i32::MAX))?;
    let ids: Vec<String> = rows.iter().map(|a| a.id.clone()).collect();
    let paid = clearance::paid_totals(c, &ids)?;
    let mut ratings: HashMap<(String, AgreementSide), SideRating> = HashMap::new();
    for r in evaluation::campaign_ratings(c, &campaign.id)? {
        let scoring = r.scoring();
        let side = SideRating { mean: scoring.mean(), scores: scoring.0, comment: r.comment.clone(), rated_at: ts(r.created_at) };
        ratings.insert((r.agreement_id.clone(), r.side()), side);
    }
    Ok(rows
        .into_iter()
        .map(|a| AgreementResult {
            paid_cents: paid.get(&a.id).copied().unwrap_or_default(),
            government: ratings.remove(&(a.id.clone(), AgreementSide::Government)),
            community: ratings.remove(&(a.id.clone(), AgreementSide::Community)),
            agreement_id: a.id,
            title: a.title,
            community_id: a.community_id,
            principal_department_id: a.principal_department_id,
            principal_jurisdiction_id: a.principal_jurisdiction_id,
            promised_cents: a.amount_cents,
        })
        .collect())
}

/// True when the caller may read the campaign's results: published, or civil affairs / an
/// auditor whose subtree holds the campaign.
pub fn may_read(scope: &Scope, campaign: &CampaignRow) -> bool {
    campaign.state() == CampaignState::Published || (EVALUATION_READERS.contains(&scope.role) && scope.covers(&campaign.path))
}

/// Results of a campaign: after publication for everyone who sees the campaign; before, for
/// civil affairs and auditors whose subtree holds it.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id"), ResultsQuery),
    responses(
        (status = 200, description = "The results", body = CampaignResults),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yet published (results_not_published)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "min_sample out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evaluation/campaigns/{id}/results")]
pub async fn campaign_results(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, q: web::Query<ResultsQuery>) -> ApiResult<web::Json<CampaignResults>> {
    let min = MinSample::parse(q.min_sample)?;
    let results = state
        .read(move |c| {
            let row = load_visible(c, &caller.scope, &id)?;
            if !may_read(&caller.scope, &row) {
                return Ok(None);
            }
            build(c, &row, min).map(Some)
        })
        .await?;
    results.map(web::Json).ok_or_else(|| ApiError::forbidden("results_not_published", "the results of this campaign are not published yet"))
}

/// Published campaigns (已公开的评议活动), newest first by id order of creation.
#[utoipa::path(
    tag = "public",
    params(PageParams),
    responses(
        (status = 200, description = "A page of published campaigns", body = CampaignPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/evaluation/campaigns")]
pub async fn public_list(state: web::Data<AppState>, page: web::Query<PageParams>) -> ApiResult<web::Json<CampaignPage>> {
    let (limit, cursor) = page.parse()?;
    let filter = CampaignFilter { state: Some(CampaignState::Published), kind: None };
    let rows = state.read(move |c| evaluation::list_campaigns(c, &JurisdictionPath::root(), &filter, cursor.as_deref(), limit)).await?;
    Ok(web::Json(CampaignPage::from_rows(rows, limit, |r| r.id.clone(), CampaignView::from)))
}

/// Published results of a campaign (评议结果公开), without login; 404 until published.
#[utoipa::path(
    tag = "public",
    params(("id" = String, Path, description = "Campaign id"), ResultsQuery),
    responses(
        (status = 200, description = "The published results", body = CampaignResults),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published campaign", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "min_sample out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/evaluation/campaigns/{id}/results")]
pub async fn public_campaign(state: web::Data<AppState>, id: web::Path<String>, q: web::Query<ResultsQuery>) -> ApiResult<web::Json<CampaignResults>> {
    let min = MinSample::parse(q.min_sample)?;
    let results = state
        .read(move |c| {
            let row = evaluation::get_campaign(c, &id)?;
            if row.state() != CampaignState::Published {
                return Err(DomainError::NotFound("evaluation campaign").into());
            }
            build(c, &row, min)
        })
        .await?;
    Ok(web::Json(results))
}

/// One community's result in one campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityHistoryEntry {
    pub campaign: CampaignView,
    pub min_sample: u64,
    /// Communities ranked or listed in the campaign.
    pub communities_in_campaign: u64,
    pub result: CommunityResult,
}

/// A community's results across campaigns, oldest period first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityHistory {
    pub community_id: String,
    pub name: String,
    pub entries: Vec<CommunityHistoryEntry>,
}

/// One department's result in one campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentHistoryEntry {
    pub campaign: CampaignView,
    pub min_sample: u64,
    pub departments_in_campaign: u64,
    pub result: DepartmentResult,
}

/// A department's results across campaigns, oldest period first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentHistory {
    pub department_id: String,
    pub name: String,
    pub entries: Vec<DepartmentHistoryEntry>,
}

/// Campaigns visible from `area` evaluating `kind` whose results the caller may read, by period.
fn readable_campaigns(c: &mut DbConnection, scope: &Scope, area: &JurisdictionPath, kind: CampaignKind) -> StoreResult<Vec<CampaignRow>> {
    let filter = CampaignFilter { state: None, kind: Some(kind) };
    let mut rows: Vec<CampaignRow> = evaluation::list_campaigns(c, area, &filter, None, i64::from(i32::MAX))?.into_iter().filter(|r| may_read(scope, r)).collect();
    rows.sort_by(|a, b| (&a.period_start, &a.id).cmp(&(&b.period_start, &b.id)));
    Ok(rows)
}

/// A community's satisfaction across campaigns (历次评议): published campaigns, and for civil
/// affairs and auditors in scope also unpublished ones.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id"), ResultsQuery),
    responses(
        (status = 200, description = "The history", body = CommunityHistory),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "min_sample out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evaluation/communities/{id}/results")]
pub async fn community_history(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, q: web::Query<ResultsQuery>) -> ApiResult<web::Json<CommunityHistory>> {
    let min = MinSample::parse(q.min_sample)?;
    let history = state
        .read(move |c| {
            let community = jurisdictions::get_within(c, &id, &caller.scope.path).map_err(|_| DomainError::NotFound("community"))?;
            if community.level() != Level::Community {
                return Err(DomainError::NotFound("community").into());
            }
            let mut entries = Vec::new();
            for campaign in readable_campaigns(c, &caller.scope, &community.path(), CampaignKind::ResidentToCommunity)? {
                let results = build(c, &campaign, min)?;
                let total = results.communities.len() as u64;
                if let Some(result) = results.communities.into_iter().find(|r| r.community_id == community.id) {
                    entries.push(CommunityHistoryEntry { campaign: results.campaign, min_sample: results.min_sample, communities_in_campaign: total, result });
                }
            }
            Ok(CommunityHistory { community_id: community.id, name: community.name, entries })
        })
        .await?;
    Ok(web::Json(history))
}

/// A department's scores across campaigns (历次评议): published campaigns, and for civil
/// affairs and auditors in scope also unpublished ones. A department sees its own scores only
/// once they are published.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Department id"), ResultsQuery),
    responses(
        (status = 200, description = "The history", body = DepartmentHistory),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "min_sample out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evaluation/departments/{id}/results")]
pub async fn department_history(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, q: web::Query<ResultsQuery>) -> ApiResult<web::Json<DepartmentHistory>> {
    let min = MinSample::parse(q.min_sample)?;
    let history = state
        .read(move |c| {
            let department = departments::get(c, &id)?;
            if !departments::is_visible(&department, &caller.scope.path) {
                return Err(DomainError::NotFound("department").into());
            }
            let seat = JurisdictionPath::from_stored(department.path.clone());
            let mut entries = Vec::new();
            for campaign in readable_campaigns(c, &caller.scope, &seat, CampaignKind::CommunityToDepartment)? {
                let results = build(c, &campaign, min)?;
                let total = results.departments.len() as u64;
                if let Some(result) = results.departments.into_iter().find(|r| r.department_id == department.id) {
                    entries.push(DepartmentHistoryEntry { campaign: results.campaign, min_sample: results.min_sample, departments_in_campaign: total, result });
                }
            }
            Ok(DepartmentHistory { department_id: department.id, name: department.name, entries })
        })
        .await?;
    Ok(web::Json(history))
}
