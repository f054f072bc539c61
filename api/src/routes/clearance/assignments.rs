//! Enforcement (凡进必审): a department imposes work, surveys, seals, signboards, creation
//! projects or ledgers on communities only under an admitted, valid catalogue item. Refused
//! attempts are recorded for evaluation (未准入事项); communities accept or refuse (承接/拒绝).

use super::{check_item, community_field, day_str, not_in_catalogue, own_department, stored, stored_day, today};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::clearance::{AssignmentAction, AssignmentStatus, ItemKind};
use gongzhi_domain::error::{optional_text, text};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::clearance::{self, AssignmentFilter, AssignmentRow, AttemptRow};
use gongzhi_persistence::{new_id, to_db, DbConnection, StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Roles that read assignments (a department its own; the others those in their subtree).
const READERS: &[Role] = &[Role::DepartmentStaff, Role::CommunityStaff, Role::StreetAdmin, Role::CivilAffairsAdmin, Role::Auditor, Role::SystemAdmin];
/// Roles that read refused attempts.
const ATTEMPT_READERS: &[Role] = &[Role::DepartmentStaff, Role::CivilAffairsAdmin, Role::Auditor, Role::SystemAdmin];
/// Most communities one request may target.
const MAX_TARGETS: usize = 200;

/// Something a department wants communities to do (派发事项).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssignment {
    /// The admitted catalogue item (准入事项) this rests on. Without one the attempt is refused
    /// (`item_not_in_catalogue`) and recorded.
    pub item_id: Option<String>,
    /// What is imposed: must match the item's kind.
    pub kind: ItemKind,
    pub title: String,
    pub description: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// Target communities (one assignment each).
    pub community_ids: Vec<String>,
}

/// A community's answer when refusing (拒绝理由).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseBody {
    pub reason: String,
}

/// An assignment to one community.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: String,
    /// Shared by the assignments one request created.
    pub batch_id: String,
    pub item_id: String,
    pub department_id: String,
    pub community_id: String,
    pub kind: ItemKind,
    pub title: String,
    pub description: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: AssignmentStatus,
    /// The community's reason when refused.
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl From<AssignmentRow> for AssignmentView {
    fn from(r: AssignmentRow) -> Self {
        AssignmentView {
            kind: stored(ItemKind::parse(&r.kind)),
            status: stored(AssignmentStatus::parse(&r.status)),
            due_on: r.due_on.as_deref().map(stored_day),
            id: r.id,
            batch_id: r.batch_id,
            item_id: r.application_id,
            department_id: r.department_id,
            community_id: r.community_id,
            title: r.title,
            description: r.description,
            reason: r.reason,
            created_by: r.created_by,
            created_at: ts(r.created_at),
            answered_by: r.answered_by,
            answered_at: r.answered_at.map(ts),
        }
    }
}

page_type!(AssignmentPage, AssignmentView);

/// The assignments one request created.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentBatch {
    pub batch_id: String,
    pub assignments: Vec<AssignmentView>,
}

/// A refused attempt to impose something without an admitted, valid item (未准入事项).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptView {
    pub id: String,
    pub department_id: String,
    /// The item the attempt cited, when it named one.
    pub item_id: Option<String>,
    pub kind: ItemKind,
    pub title: String,
    pub community_ids: Vec<String>,
    /// The refusal's code, e.g. `item_not_admitted`, `item_unfunded`.
    pub code: String,
    pub message: String,
    pub actor_id: String,
    pub at: DateTime<Utc>,
}

impl From<AttemptRow> for AttemptView {
    fn from(r: AttemptRow) -> Self {
        AttemptView {
            kind: stored(ItemKind::parse(&r.kind)),
            community_ids: serde_json::from_str(&r.community_ids).unwrap_or_default(),
            id: r.id,
            department_id: r.department_id,
            item_id: r.application_id,
            title: r.title,
            code: r.code,
            message: r.message,
            actor_id: r.actor_id,
            at: ts(r.at),
        }
    }
}

page_type!(AttemptPage, AttemptView);

/// Checks every target against the cited item; the first refusal (a domain rule) is returned.
fn refusal(c: &mut DbConnection, department_id: &str, item_id: Option<&str>, targets: &[gongzhi_persistence::jurisdictions::JurisdictionRow], kind: ItemKind, day: NaiveDate) -> StoreResult<Option<DomainError>> {
    let item = match item_id {
        Some(id) => clearance::find_application(c, id)?.filter(|a| a.department_id == department_id),
        None => None,
    };
    let Some(item) = item else { return Ok(Some(not_in_catalogue())) };
    for community in targets {
        match check_item(c, &item, community, kind, day) {
            Ok(()) => {}
            Err(StoreError::Domain(e @ DomainError::Rule { .. })) => return Ok(Some(e)),
            Err(other) => return Err(other),
        }
    }
    Ok(None)
}

/// Impose something on communities (派发): department_staff, only under an admitted item valid
/// for every target (`check_assignment`). A refusal (422 naming the rule) is recorded as an
/// unadmitted attempt against the department.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    request_body = CreateAssignment,
    responses(
        (status = 201, description = "One assignment per target community", body = AssignmentBatch),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only department staff assign", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or refused and recorded: `item_not_in_catalogue`, `item_on_negative_list`, `item_not_admitted`, `item_expired`, `item_not_yet_valid`, `item_out_of_jurisdiction`, `item_kind_mismatch`, `item_unfunded`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/assignments")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateAssignment>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::DepartmentStaff])?;
    let department_id = own_department(&caller)?;
    let b = body.into_inner();
    let title = text("title", &b.title, 200)?;
    let description = optional_text("description", b.description.as_deref(), 4000)?;
    if b.community_ids.is_empty() || b.community_ids.len() > MAX_TARGETS {
        return Err(DomainError::field("community_ids", "invalid_length", format!("name 1–{MAX_TARGETS} communities")).into());
    }
    let mut community_ids = b.community_ids;
    community_ids.sort();
    community_ids.dedup();
    let now = state.clock.now();
    let day = today(&state);
    let outcome = state
        .write(move |c| {
            let mut targets = Vec::new();
            for (i, id) in community_ids.iter().enumerate() {
                targets.push(community_field(c, &caller, id, &format!("community_ids[{i}]"))?);
            }
            let department = gongzhi_persistence::departments::get(c, &department_id)?;
            if let Some(refused) = refusal(c, &department_id, b.item_id.as_deref(), &targets, b.kind, day)? {
                let code = match &refused {
                    DomainError::Rule { code, .. } => *code,
                    _ => "refused",
                };
                let row = AttemptRow {
                    id: new_id(),
                    department_id,
                    path: department.path,
                    application_id: b.item_id,
                    kind: b.kind.as_str().into(),
                    title,
                    community_ids: serde_json::to_string(&community_ids).unwrap_or_default(),
                    code: code.into(),
                    message: refused.to_string(),
                    actor_id: caller.scope.account_id.clone(),
                    at: to_db(now),
                };
                clearance::insert_attempt(c, &row)?;
                audit(c, &caller, now, "clearance.assignment.refused", ("clearance_attempt", &row.id), &row.path, serde_json::json!({"code": code, "item_id": row.application_id}))?;
                // The record must commit although the request fails: the refusal is returned
                // from the transaction as a value, not as its error.
                return Ok(Err(refused));
            }
            let batch_id = new_id();
            let mut rows = Vec::new();
            for community in targets {
                let row = AssignmentRow {
                    id: new_id(),
                    batch_id: batch_id.clone(),
                    application_id: b.item_id.clone().unwrap_or_default(),
                    department_id: department_id.clone(),
                    community_id: community.id,
                    path: community.path,
                    kind: b.kind.as_str().into(),
                    title: title.clone(),
                    description: description.clone(),
                    due_on: b.due_on.map(day_str),
                    status: AssignmentStatus::Pending.as_str().into(),
                    reason: None,
                    created_by: caller.scope.account_id.clone(),
                    created_at: to_db(now),
                    answered_by: None,
                    answered_at: None,
                };
                clearance::insert_assignment(c, &row)?;
                audit(c, &caller, now, "clearance.assignment.create", ("clearance_assignment", &row.id), &row.path, serde_json::json!({"item_id": row.application_id, "kind": row.kind}))?;
                rows.push(row);
            }
            Ok(Ok(AssignmentBatch { batch_id, assignments: rows.into_iter().map(Into::into).collect() }))
        })
        .await?;
    Ok(HttpResponse::Created().json(outcome?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    /// pending, accepted or refused.
    pub status: Option<String>,
    pub community_id: Option<String>,
    /// Only this department's (not for department staff, who see their own).
    pub department_id: Option<String>,
}

/// Assignments: a department's own (outgoing), a community's incoming, and those in the
/// subtree of street, civil affairs and auditors (派发事项列表).
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(PageParams, AssignmentQuery),
    responses(
        (status = 200, description = "A page of assignments", body = AssignmentPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read assignments", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/assignments")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, q: web::Query<AssignmentQuery>) -> ApiResult<web::Json<AssignmentPage>> {
    caller.require(READERS)?;
    let (limit, cursor) = page.parse()?;
    let q = q.into_inner();
    let department_id = if caller.scope.is(Role::DepartmentStaff) { Some(own_department(&caller)?) } else { q.department_id };
    let filter = AssignmentFilter { department_id, community_id: q.community_id, status: q.status.as_deref().map(AssignmentStatus::parse).transpose()? };
    let within = caller.scope.path.clone();
    let rows = state.read(move |c| clearance::list_assignments(c, &within, &filter, cursor.as_deref(), limit)).await?;
    Ok(web::Json(AssignmentPage::from_rows(rows, limit, |r| r.id.clone(), AssignmentView::from)))
}

fn load_visible(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<AssignmentRow> {
    let row = clearance::get_assignment(c, id)?;
    let visible = match caller.scope.role {
        Role::DepartmentStaff => caller.scope.department_id.as_deref() == Some(row.department_id.as_str()),
        _ => caller.scope.covers(&row.path),
    };
    if visible {
        Ok(row)
    } else {
        Err(DomainError::NotFound("assignment").into())
    }
}

/// One assignment.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Assignment id")),
    responses(
        (status = 200, description = "The assignment", body = AssignmentView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read assignments", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assignment in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/assignments/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<AssignmentView>> {
    caller.require(READERS)?;
    let row = state.read(move |c| load_visible(c, &caller, &id)).await?;
    Ok(web::Json(row.into()))
}

async fn answer(state: web::Data<AppState>, caller: Caller, id: String, action: AssignmentAction) -> ApiResult<web::Json<AssignmentView>> {
    caller.require(&[Role::CommunityStaff])?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = load_visible(c, &caller, &id)?;
            let from = stored(AssignmentStatus::parse(&row.status));
            let to = from.apply(caller.scope.role, &action)?;
            row.status = to.as_str().into();
            row.reason = match &action {
                AssignmentAction::Refuse { reason } => Some(reason.trim().to_string()),
                AssignmentAction::Accept => None,
            };
            row.answered_by = Some(caller.scope.account_id.clone());
            row.answered_at = Some(to_db(now));
            clearance::update_assignment(c, &row)?;
            audit(c, &caller, now, &format!("clearance.assignment.{}", to.as_str()), ("clearance_assignment", &row.id), &row.path, serde_json::json!({"reason": row.reason, "department_id": row.department_id}))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Accept a pending assignment (承接): community staff of the target community.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Assignment id")),
    responses(
        (status = 200, description = "Accepted", body = AssignmentView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only community staff answer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assignment for your community", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already answered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/assignments/{id}/accept")]
pub async fn accept(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<AssignmentView>> {
    answer(state, caller, id.into_inner(), AssignmentAction::Accept).await
}

/// Refuse a pending assignment with a reason (拒绝): community staff; recorded against the department.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Assignment id")),
    request_body = RefuseBody,
    responses(
        (status = 200, description = "Refused", body = AssignmentView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only community staff answer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assignment for your community", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already answered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/assignments/{id}/refuse")]
pub async fn refuse(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<RefuseBody>) -> ApiResult<web::Json<AssignmentView>> {
    answer(state, caller, id.into_inner(), AssignmentAction::Refuse { reason: body.into_inner().reason }).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttemptQuery {
    /// Only this department's (civil affairs, auditors).
    pub department_id: Option<String>,
}

/// Refused attempts to impose unadmitted items (未准入事项记录), for evaluating departments:
/// a department sees its own; civil affairs and auditors those of departments in their subtree.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(PageParams, AttemptQuery),
    responses(
        (status = 200, description = "A page of refused attempts", body = AttemptPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/unadmitted-attempts")]
pub async fn attempts(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, q: web::Query<AttemptQuery>) -> ApiResult<web::Json<AttemptPage>> {
    caller.require(ATTEMPT_READERS)?;
    let (limit, cursor) = page.parse()?;
    let department_id = if caller.scope.is(Role::DepartmentStaff) { Some(own_department(&caller)?) } else { q.into_inner().department_id };
    let within = caller.scope.path.clone();
    let rows = state.read(move |c| clearance::list_attempts(c, &within, department_id.as_deref(), cursor.as_deref(), limit)).await?;
    Ok(web::Json(AttemptPage::from_rows(rows, limit, |r| r.id.clone(), AttemptView::from)))
}
