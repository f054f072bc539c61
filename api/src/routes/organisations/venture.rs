//! Venture philanthropy (公益创投): calls with a budget, organisations' project applications,
//! reviewers' scores (评审), awards that never exceed the budget, and funded projects with
//! milestones, progress reports and beneficiaries counted by group (受益人群).

use super::{complete_milestone, milestone_row, own_organisation, reaches, viewer, MilestoneView, NewMilestone, ReadRefusals, WriteRefusals, ORG_ADMINS, ORG_READERS};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::ApiResult;
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::error::{optional_text, text, Validator};
use gongzhi_domain::organisation::{check_award, CallStatus, OrganisationStatus, ProjectApplicationStatus, Score};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::organisations::{self as orgs, ApplicationRow, BeneficiaryRow, CallRow, ProjectRow, ReportRow, ScoreRow};
use gongzhi_persistence::{new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_call)
        .service(list_calls)
        .service(get_call)
        .service(set_call_status)
        .service(apply)
        .service(list_applications)
        .service(get_application)
        .service(score)
        .service(set_application_status)
        .service(award)
        .service(list_projects)
        .service(get_project)
        .service(add_milestone)
        .service(complete_project_milestone)
        .service(report);
}

/// A venture-philanthropy call (公益创投大赛).
#[derive(Debug, Serialize, ToSchema)]
pub struct CallView {
    pub id: String,
    pub title: String,
    /// Who may apply (申报条件).
    pub eligibility: String,
    pub budget_cents: i64,
    /// Sum of awards so far; never above the budget.
    pub awarded_cents: i64,
    pub remaining_cents: i64,
    /// Applications are received until this instant.
    pub deadline: DateTime<Utc>,
    pub status: CallStatus,
    pub jurisdiction_id: String,
    pub created_at: DateTime<Utc>,
}

impl From<CallRow> for CallView {
    fn from(r: CallRow) -> Self {
        CallView {
            status: CallStatus::parse(&r.status).expect("stored status is valid"),
            remaining_cents: r.budget_cents - r.awarded_cents,
            id: r.id,
            title: r.title,
            eligibility: r.eligibility,
            budget_cents: r.budget_cents,
            awarded_cents: r.awarded_cents,
            deadline: ts(r.deadline),
            jurisdiction_id: r.jurisdiction_id,
            created_at: ts(r.created_at),
        }
    }
}

page_type!(CallPage, CallView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCall {
    pub title: String,
    pub eligibility: String,
    /// Total budget in cents (分), more than zero.
    pub budget_cents: i64,
    pub deadline: DateTime<Utc>,
    /// The district or street running the call, in the caller's subtree.
    pub jurisdiction_id: String,
}

/// Open a call in draft (civil_affairs_admin).
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), request_body = CreateCall,
    responses((status = 201, description = "Created in draft", body = CallView), WriteRefusals))]
#[post("/venture-calls")]
pub async fn create_call(state: web::Data<AppState>, caller: Caller, body: Json<CreateCall>) -> ApiResult<HttpResponse> {
    caller.require(ORG_ADMINS)?;
    let b = body.into_inner();
    let now = state.clock.now();
    let mut v = Validator::new();
    let title = v.text("title", &b.title, 128);
    let eligibility = v.text("eligibility", &b.eligibility, 2000);
    if b.budget_cents <= 0 {
        v.push("budget_cents", "must_be_positive", "a budget is more than zero");
    }
    if b.deadline <= now {
        v.push("deadline", "in_past", "the deadline must be in the future");
    }
    v.finish()?;
    let row = state
        .write(move |c| {
            let node = super::node_in_scope(c, &caller, "jurisdiction_id", &b.jurisdiction_id, None)?;
            let row = CallRow {
                id: new_id(),
                title: title.unwrap_or_default(),
                eligibility: eligibility.unwrap_or_default(),
                budget_cents: b.budget_cents,
                awarded_cents: 0,
                deadline: to_db(b.deadline),
                status: CallStatus::Draft.as_str().into(),
                jurisdiction_id: node.id,
                path: node.path,
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            orgs::insert_call(c, &row)?;
            audit(c, &caller, now, "venture_call.create", ("venture_call", &row.id), &row.path, serde_json::json!({"title": row.title, "budget_cents": row.budget_cents}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(CallView::from(row)))
}

/// A call the caller may see: in its subtree, or (org_staff) a published call seated at or
/// above the caller's node.
fn visible_call(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<CallRow> {
    let row = orgs::get_call(c, id)?;
    let ok = if caller.scope.is(Role::OrgStaff) {
        row.status != CallStatus::Draft.as_str() && caller.scope.path.as_str().starts_with(&row.path)
    } else {
        caller.scope.covers(&row.path)
    };
    if ok {
        Ok(row)
    } else {
        Err(DomainError::NotFound("call").into())
    }
}

/// Calls the caller may see.
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "A page of calls", body = CallPage), ReadRefusals))]
#[get("/venture-calls")]
pub async fn list_calls(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>) -> ApiResult<web::Json<CallPage>> {
    caller.require(ORG_READERS)?;
    let (limit, cursor) = page.parse()?;
    let org_staff = caller.scope.is(Role::OrgStaff);
    let path = caller.scope.path.clone();
    let rows = state.read(move |c| orgs::list_calls(c, &path, org_staff, cursor.as_deref(), limit)).await?;
    Ok(web::Json(CallPage::from_rows(rows, limit, |r| r.id.clone(), CallView::from)))
}

/// One call.
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Call id")),
    responses((status = 200, description = "The call", body = CallView), ReadRefusals))]
#[get("/venture-calls/{id}")]
pub async fn get_call(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<CallView>> {
    caller.require(ORG_READERS)?;
    let row = state.read(move |c| visible_call(c, &caller, &id)).await?;
    Ok(web::Json(row.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallStatusChange {
    /// draft → open → reviewing → awarded → closed (any but closed may be closed).
    pub status: CallStatus,
}

/// Move a call along draft → open → reviewing → awarded → closed (civil_affairs_admin).
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Call id")), request_body = CallStatusChange,
    responses((status = 200, description = "Moved", body = CallView), WriteRefusals))]
#[post("/venture-calls/{id}/status")]
pub async fn set_call_status(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<CallStatusChange>) -> ApiResult<web::Json<CallView>> {
    caller.require(ORG_ADMINS)?;
    let to = body.into_inner().status;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = orgs::get_call(c, &id)?;
            caller.scope.check_covers(&row.path, "call")?;
            let from = CallStatus::parse(&row.status)?;
            row.status = from.move_to(to)?.as_str().into();
            row.updated_at = to_db(now);
            orgs::update_call(c, &row)?;
            audit(c, &caller, now, "venture_call.status", ("venture_call", &row.id), &row.path, serde_json::json!({"from": from, "to": to}))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// An organisation's project application (项目申报) with its reviewers' scores.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    pub call_id: String,
    pub organisation_id: String,
    pub title: String,
    pub summary: String,
    pub requested_cents: i64,
    pub status: ProjectApplicationStatus,
    pub scores: Vec<ScoreView>,
    /// Mean of the scores; absent before the first.
    pub average_score: Option<f64>,
    pub created_at: DateTime<Utc>,
}

/// One reviewer's score (评审得分), 0–100.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreView {
    pub reviewer_id: String,
    pub score: i32,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn application_view(r: ApplicationRow, scores: Vec<ScoreRow>) -> ApplicationView {
    let average_score = (!scores.is_empty()).then(|| scores.iter().map(|s| f64::from(s.score)).sum::<f64>() / scores.len() as f64);
    ApplicationView {
        status: ProjectApplicationStatus::parse(&r.status).expect("stored status is valid"),
        scores: scores.into_iter().map(|s| ScoreView { reviewer_id: s.reviewer_id, score: s.score, comment: s.comment, created_at: ts(s.created_at) }).collect(),
        average_score,
        id: r.id,
        call_id: r.call_id,
        organisation_id: r.organisation_id,
        title: r.title,
        summary: r.summary,
        requested_cents: r.requested_cents,
        created_at: ts(r.created_at),
    }
}

page_type!(ApplicationPage, ApplicationView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Apply {
    pub title: String,
    pub summary: String,
    /// Funding asked for, in cents.
    pub requested_cents: i64,
}

/// Apply to an open call for the caller's own organisation (org_staff), before the deadline.
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Call id")), request_body = Apply,
    responses((status = 201, description = "Submitted", body = ApplicationView), WriteRefusals))]
#[post("/venture-calls/{id}/applications")]
pub async fn apply(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<Apply>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::OrgStaff])?;
    let org_id = own_organisation(&caller)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let title = v.text("title", &b.title, 128);
    let summary = v.text("summary", &b.summary, 4000);
    if b.requested_cents <= 0 {
        v.push("requested_cents", "must_be_positive", "ask for more than zero");
    }
    v.finish()?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let call = visible_call(c, &caller, &id)?;
            CallStatus::parse(&call.status)?.check_accepts_applications()?;
            if to_db(now) >= call.deadline {
                return Err(DomainError::conflict("deadline_passed", "the call's deadline has passed").into());
            }
            let org = orgs::get_organisation(c, &org_id)?;
            OrganisationStatus::parse(&org.status)?.check_active()?;
            let row = ApplicationRow {
                id: new_id(),
                call_id: call.id,
                organisation_id: org.id,
                path: call.path,
                title: title.unwrap_or_default(),
                summary: summary.unwrap_or_default(),
                requested_cents: b.requested_cents,
                status: ProjectApplicationStatus::Submitted.as_str().into(),
                submitted_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            orgs::insert_application(c, &row)?;
            audit(c, &caller, now, "venture_application.submit", ("venture_application", &row.id), &row.path, serde_json::json!({"call_id": row.call_id, "organisation_id": row.organisation_id, "requested_cents": row.requested_cents}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(application_view(row, Vec::new())))
}

/// Applications to a call: all of them for reviewers and auditors in scope, the caller's own
/// organisation's for org_staff.
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Call id"), PageParams),
    responses((status = 200, description = "A page of applications", body = ApplicationPage), ReadRefusals))]
#[get("/venture-calls/{id}/applications")]
pub async fn list_applications(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, page: web::Query<PageParams>) -> ApiResult<web::Json<ApplicationPage>> {
    caller.require(ORG_READERS)?;
    let (limit, cursor) = page.parse()?;
    let only = if caller.scope.is(Role::OrgStaff) { Some(own_organisation(&caller)?) } else { None };
    let rows = state
        .read(move |c| {
            visible_call(c, &caller, &id)?;
            let rows = orgs::list_applications(c, &id, only.as_deref(), cursor.as_deref(), limit)?;
            rows.into_iter().map(|r| Ok((orgs::scores_of(c, &r.id)?, r))).collect::<StoreResult<Vec<_>>>()
        })
        .await?;
    Ok(web::Json(ApplicationPage::from_rows(rows, limit, |(_, r)| r.id.clone(), |(s, r)| application_view(r, s))))
}

fn visible_application(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<ApplicationRow> {
    let row = orgs::get_application(c, id)?;
    if reaches(caller, &row.organisation_id, &row.path) {
        Ok(row)
    } else {
        Err(DomainError::NotFound("application").into())
    }
}

/// One application with its scores.
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Application id")),
    responses((status = 200, description = "The application", body = ApplicationView), ReadRefusals))]
#[get("/venture-applications/{id}")]
pub async fn get_application(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<ApplicationView>> {
    caller.require(ORG_READERS)?;
    let (row, scores) = state
        .read(move |c| {
            let row = visible_application(c, &caller, &id)?;
            let scores = orgs::scores_of(c, &row.id)?;
            Ok((row, scores))
        })
        .await?;
    Ok(web::Json(application_view(row, scores)))
}

/// Loads an application in the caller's subtree with its call.
fn managed_application(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<(ApplicationRow, CallRow)> {
    let row = orgs::get_application(c, id)?;
    caller.scope.check_covers(&row.path, "application")?;
    let call = orgs::get_call(c, &row.call_id)?;
    Ok((row, call))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScore {
    /// 0–100.
    pub score: i64,
    pub comment: Option<String>,
}

/// Score an application (评审打分; civil_affairs_admin as reviewer), once per reviewer, while the
/// call is reviewing.
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Application id")), request_body = NewScore,
    responses((status = 200, description = "Scored", body = ApplicationView), WriteRefusals))]
#[post("/venture-applications/{id}/scores")]
pub async fn score(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<NewScore>) -> ApiResult<web::Json<ApplicationView>> {
    caller.require(ORG_ADMINS)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let score = v.check(Score::parse("score", b.score));
    let comment = v.check(optional_text("comment", b.comment.as_deref(), 2000)).flatten();
    v.finish()?;
    let score = score.expect("checked above");
    let now = state.clock.now();
    let (row, scores) = state
        .write(move |c| {
            let (row, call) = managed_application(c, &caller, &id)?;
            if call.status != CallStatus::Reviewing.as_str() {
                return Err(DomainError::conflict("call_not_reviewing", format!("the call is {}, not reviewing", call.status)).into());
            }
            if !matches!(ProjectApplicationStatus::parse(&row.status)?, ProjectApplicationStatus::Submitted | ProjectApplicationStatus::Shortlisted) {
                return Err(DomainError::transition(row.status.clone(), "score").into());
            }
            if orgs::scores_of(c, &row.id)?.iter().any(|s| s.reviewer_id == caller.scope.account_id) {
                return Err(DomainError::conflict("already_scored", "you have already scored this application").into());
            }
            orgs::insert_score(
                c,
                &ScoreRow { id: new_id(), application_id: row.id.clone(), reviewer_id: caller.scope.account_id.clone(), score: i32::from(score.value()), comment, created_at: to_db(now) },
            )?;
            audit(c, &caller, now, "venture_application.score", ("venture_application", &row.id), &row.path, serde_json::json!({"score": score.value()}))?;
            let scores = orgs::scores_of(c, &row.id)?;
            Ok((row, scores))
        })
        .await?;
    Ok(web::Json(application_view(row, scores)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationStatusChange {
    /// `shortlisted` (入围) or `rejected` (未入选); awards go through `/award`.
    pub status: ProjectApplicationStatus,
}

/// Shortlist or reject an application while the call is reviewing (civil_affairs_admin).
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Application id")), request_body = ApplicationStatusChange,
    responses((status = 200, description = "Moved", body = ApplicationView), WriteRefusals))]
#[post("/venture-applications/{id}/status")]
pub async fn set_application_status(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<ApplicationStatusChange>) -> ApiResult<web::Json<ApplicationView>> {
    caller.require(ORG_ADMINS)?;
    let to = body.into_inner().status;
    if to == ProjectApplicationStatus::Awarded {
        return Err(DomainError::field("status", "use_award", "award an application with POST /venture-applications/{id}/award").into());
    }
    let now = state.clock.now();
    let (row, scores) = state
        .write(move |c| {
            let (mut row, call) = managed_application(c, &caller, &id)?;
            let from = ProjectApplicationStatus::parse(&row.status)?;
            row.status = from.move_to(to, CallStatus::parse(&call.status)?)?.as_str().into();
            row.updated_at = to_db(now);
            orgs::update_application(c, &row)?;
            audit(c, &caller, now, "venture_application.status", ("venture_application", &row.id), &row.path, serde_json::json!({"from": from, "to": to}))?;
            let scores = orgs::scores_of(c, &row.id)?;
            Ok((row, scores))
        })
        .await?;
    Ok(web::Json(application_view(row, scores)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAward {
    /// Funding awarded, in cents; the call's awards never exceed its budget.
    pub amount_cents: i64,
}

/// A funded project (资助项目).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectView {
    pub id: String,
    pub call_id: String,
    pub application_id: String,
    pub organisation_id: String,
    pub title: String,
    pub amount_cents: i64,
    pub milestones: Vec<MilestoneView>,
    pub reports: Vec<ReportView>,
    /// People reached so far, summed over all reports, by beneficiary group.
    pub beneficiaries: BTreeMap<String, i64>,
    pub created_at: DateTime<Utc>,
}

/// A progress report (进展报告) of a funded project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: String,
    pub summary: String,
    /// People reached in this period by beneficiary group (受益人群), e.g. `elderly`: 120.
    pub beneficiaries: BTreeMap<String, i64>,
    pub submitted_by: String,
    pub created_at: DateTime<Utc>,
}

fn project_view(c: &mut DbConnection, r: ProjectRow) -> StoreResult<ProjectView> {
    let milestones = orgs::milestones_of(c, &r.id)?.into_iter().map(Into::into).collect();
    let counts = orgs::beneficiaries_of(c, &r.id)?;
    let mut total = BTreeMap::new();
    for b in &counts {
        *total.entry(b.beneficiary_group.clone()).or_insert(0) += i64::from(b.people);
    }
    let reports = orgs::reports_of(c, &r.id)?
        .into_iter()
        .map(|rep: ReportRow| ReportView {
            beneficiaries: counts.iter().filter(|b| b.report_id == rep.id).map(|b| (b.beneficiary_group.clone(), i64::from(b.people))).collect(),
            id: rep.id,
            summary: rep.summary,
            submitted_by: rep.submitted_by,
            created_at: ts(rep.created_at),
        })
        .collect();
    Ok(ProjectView {
        id: r.id,
        call_id: r.call_id,
        application_id: r.application_id,
        organisation_id: r.organisation_id,
        title: r.title,
        amount_cents: r.amount_cents,
        milestones,
        reports,
        beneficiaries: total,
        created_at: ts(r.created_at),
    })
}

page_type!(ProjectPage, ProjectView);

/// Award a shortlisted application (资助) while the call is reviewing (civil_affairs_admin).
/// The call's awards never exceed its budget (422 `budget_exceeded`), also under concurrent
/// awards: the check and the running total change in one write transaction.
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Application id")), request_body = NewAward,
    responses((status = 201, description = "Awarded; the funded project", body = ProjectView), WriteRefusals))]
#[post("/venture-applications/{id}/award")]
pub async fn award(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<NewAward>) -> ApiResult<HttpResponse> {
    caller.require(ORG_ADMINS)?;
    let amount = body.into_inner().amount_cents;
    let now = state.clock.now();
    let view = state
        .write(move |c| {
            let (mut row, call) = managed_application(c, &caller, &id)?;
            let from = ProjectApplicationStatus::parse(&row.status)?;
            row.status = from.move_to(ProjectApplicationStatus::Awarded, CallStatus::parse(&call.status)?)?.as_str().into();
            check_award(call.budget_cents, call.awarded_cents, amount)?;
            if !orgs::add_award(c, &call.id, amount, to_db(now))? {
                let call = orgs::get_call(c, &call.id)?;
                check_award(call.budget_cents, call.awarded_cents, amount)?;
                return Err(DomainError::rule("budget_exceeded", "this award would exceed the budget").into());
            }
            row.updated_at = to_db(now);
            orgs::update_application(c, &row)?;
            let project = ProjectRow {
                id: new_id(),
                call_id: call.id,
                application_id: row.id.clone(),
                organisation_id: row.organisation_id.clone(),
                path: row.path.clone(),
                title: row.title.clone(),
                amount_cents: amount,
                created_at: to_db(now),
            };
            orgs::insert_project(c, &project)?;
            audit(c, &caller, now, "venture_application.award", ("venture_application", &row.id), &row.path, serde_json::json!({"amount_cents": amount, "project_id": project.id}))?;
            project_view(c, project)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    pub call_id: Option<String>,
}

/// Funded projects the caller may see (org_staff: its own organisation's).
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(PageParams, ProjectQuery),
    responses((status = 200, description = "A page of projects", body = ProjectPage), ReadRefusals))]
#[get("/venture-projects")]
pub async fn list_projects(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, q: web::Query<ProjectQuery>) -> ApiResult<web::Json<ProjectPage>> {
    caller.require(ORG_READERS)?;
    let (limit, cursor) = page.parse()?;
    let who = viewer(&caller)?;
    let call_id = q.into_inner().call_id;
    let rows = state
        .read(move |c| {
            let rows = orgs::list_projects(c, &who, call_id.as_deref(), cursor.as_deref(), limit)?;
            rows.into_iter().map(|r| Ok((r.id.clone(), project_view(c, r)?))).collect::<StoreResult<Vec<_>>>()
        })
        .await?;
    Ok(web::Json(ProjectPage::from_rows(rows, limit, |(id, _)| id.clone(), |(_, v)| v)))
}

fn visible_project(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<ProjectRow> {
    let row = orgs::get_project(c, id)?;
    if reaches(caller, &row.organisation_id, &row.path) {
        Ok(row)
    } else {
        Err(DomainError::NotFound("project").into())
    }
}

/// A project the caller's organisation runs (org_staff) or that lies in its subtree (civil affairs).
fn worked_project(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<ProjectRow> {
    let row = visible_project(c, caller, id)?;
    if caller.scope.is(Role::OrgStaff) || caller.scope.is(Role::CivilAffairsAdmin) {
        Ok(row)
    } else {
        Err(DomainError::Forbidden("only the organisation or civil affairs work on a project".into()).into())
    }
}

/// One funded project with milestones, reports and beneficiaries by group.
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectView), ReadRefusals))]
#[get("/venture-projects/{id}")]
pub async fn get_project(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<ProjectView>> {
    caller.require(ORG_READERS)?;
    let v = state
        .read(move |c| {
            let row = visible_project(c, &caller, &id)?;
            project_view(c, row)
        })
        .await?;
    Ok(web::Json(v))
}

/// Plan a milestone of a project (org_staff of its organisation, civil_affairs_admin).
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Project id")), request_body = NewMilestone,
    responses((status = 201, description = "Added", body = ProjectView), WriteRefusals))]
#[post("/venture-projects/{id}/milestones")]
pub async fn add_milestone(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<NewMilestone>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::OrgStaff, Role::CivilAffairsAdmin])?;
    let b = body.into_inner();
    let now = state.clock.now();
    let v = state
        .write(move |c| {
            let p = worked_project(c, &caller, &id)?;
            let m = milestone_row(&p.id, &b, "title", now)?;
            orgs::insert_milestone(c, &m)?;
            audit(c, &caller, now, "venture_project.milestone", ("venture_project", &p.id), &p.path, serde_json::json!({"milestone_id": m.id, "title": m.title}))?;
            project_view(c, p)
        })
        .await?;
    Ok(HttpResponse::Created().json(v))
}

/// Report a project milestone complete (org_staff of its organisation, civil_affairs_admin).
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])),
    params(("id" = String, Path, description = "Project id"), ("milestone_id" = String, Path, description = "Milestone id")),
    responses((status = 200, description = "Completed", body = ProjectView), WriteRefusals))]
#[post("/venture-projects/{id}/milestones/{milestone_id}/complete")]
pub async fn complete_project_milestone(state: web::Data<AppState>, caller: Caller, path: web::Path<(String, String)>) -> ApiResult<web::Json<ProjectView>> {
    caller.require(&[Role::OrgStaff, Role::CivilAffairsAdmin])?;
    let (id, milestone_id) = path.into_inner();
    let now = state.clock.now();
    let v = state
        .write(move |c| {
            let p = worked_project(c, &caller, &id)?;
            complete_milestone(c, &p.id, &milestone_id, now)?;
            audit(c, &caller, now, "venture_project.milestone_complete", ("venture_project", &p.id), &p.path, serde_json::json!({"milestone_id": milestone_id}))?;
            project_view(c, p)
        })
        .await?;
    Ok(web::Json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub summary: String,
    /// People reached in this period by beneficiary group (受益人群).
    pub beneficiaries: BTreeMap<String, i64>,
}

/// Submit a progress report with beneficiaries counted by group (org_staff of the project's
/// organisation).
#[utoipa::path(tag = "venture-philanthropy", security(("bearer" = [])), params(("id" = String, Path, description = "Project id")), request_body = NewReport,
    responses((status = 201, description = "Reported", body = ProjectView), WriteRefusals))]
#[post("/venture-projects/{id}/reports")]
pub async fn report(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<NewReport>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::OrgStaff])?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let summary = v.text("summary", &b.summary, 4000);
    let mut groups = Vec::new();
    for (g, n) in &b.beneficiaries {
        let field = format!("beneficiaries.{g}");
        let name = v.check(text(&field, g, 32));
        match i32::try_from(*n) {
            Ok(n) if n >= 0 => groups.extend(name.map(|g| (g, n))),
            _ => v.push(field, "out_of_range", "a count is a whole number of people, zero or more"),
        }
    }
    v.finish()?;
    let now = state.clock.now();
    let out = state
        .write(move |c| {
            let p = worked_project(c, &caller, &id)?;
            let rep = ReportRow { id: new_id(), project_id: p.id.clone(), summary: summary.unwrap_or_default(), submitted_by: caller.scope.account_id.clone(), created_at: to_db(now) };
            orgs::insert_report(c, &rep)?;
            for (group, people) in groups {
                orgs::insert_beneficiary(c, &BeneficiaryRow { id: new_id(), report_id: rep.id.clone(), project_id: p.id.clone(), beneficiary_group: group, people })?;
            }
            audit(c, &caller, now, "venture_project.report", ("venture_project", &p.id), &p.path, serde_json::json!({"report_id": rep.id}))?;
            project_view(c, p)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}
