//! Admission applications (准入申请) and the published catalogue (准入目录): departments apply,
//! civil affairs reviews (凡进必审), every version and every decision is kept.

use super::{day_str, own_department, stored, stored_day, today, valid_on};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::clearance::{
    check_funding, check_validity, Actor, Admission, AdmissionAction, AdmissionStatus, Funding, FundingUnit, ItemKind, LegalBasis, LegalBasisKind, ListKind,
};
use gongzhi_domain::error::{optional_text, Validator};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::clearance::{self, ApplicationFilter, ApplicationRow, EventRow, VersionRow};
use gongzhi_persistence::{departments, jurisdictions, new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Roles that read applications: the owning department, civil affairs, street, auditors, platform.
const READERS: &[Role] = &[Role::DepartmentStaff, Role::CivilAffairsAdmin, Role::StreetAdmin, Role::Auditor, Role::SystemAdmin];
/// Roles that act on applications (the domain then decides which action each may take).
const ACTORS: &[Role] = &[Role::DepartmentStaff, Role::CivilAffairsAdmin];

/// Legal basis (准入依据) of an item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalBasisBody {
    pub kind: LegalBasisKind,
    /// Cited law, regulation or document (title, article, document number).
    pub reference: String,
}

/// Funding that follows the item (经费, 费随事转).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingBody {
    /// Amount in cents (分).
    pub amount_cents: i64,
    pub unit: FundingUnit,
}

/// The content of an application (准入申请): also the body of a resubmission.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    /// District or street whose catalogue will hold the item; it applies in that subtree.
    pub jurisdiction_id: String,
    pub title: String,
    pub description: Option<String>,
    pub kind: ItemKind,
    pub list: ListKind,
    pub legal_basis: LegalBasisBody,
    /// How often communities do it (频次), e.g. "每年一次".
    pub frequency: String,
    /// Required above zero for the assistance list (`funding_required`).
    pub funding: Option<FundingBody>,
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_until: NaiveDate,
}

/// A validated application content.
struct Content {
    jurisdiction_id: String,
    title: String,
    description: Option<String>,
    kind: ItemKind,
    list: ListKind,
    legal_basis: LegalBasis,
    frequency: String,
    funding: Option<Funding>,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
}

fn parse_content(b: ApplicationBody) -> Result<Content, DomainError> {
    let mut v = Validator::new();
    let title = v.text("title", &b.title, 200);
    let description = v.check(optional_text("description", b.description.as_deref(), 4000));
    let legal_basis = v.check(LegalBasis::new(b.legal_basis.kind, &b.legal_basis.reference));
    let frequency = v.text("frequency", &b.frequency, 64);
    let funding = b.funding.map(|f| v.check(Funding::new(f.amount_cents, f.unit)));
    v.check(check_validity(b.valid_from, b.valid_until));
    v.finish()?;
    let (Some(title), Some(legal_basis), Some(frequency)) = (title, legal_basis, frequency) else {
        return Err(DomainError::field("", "invalid", "incomplete application"));
    };
    let funding = funding.flatten();
    check_funding(b.list, funding)?;
    Ok(Content {
        jurisdiction_id: b.jurisdiction_id,
        title,
        description: description.flatten(),
        kind: b.kind,
        list: b.list,
        legal_basis,
        frequency,
        funding,
        valid_from: b.valid_from,
        valid_until: b.valid_until,
    })
}

/// Body of a rejection or change request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

/// A catalogue item or application, as of its current version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    /// The owning department.
    pub department_id: String,
    /// The district or street whose catalogue holds it.
    pub jurisdiction_id: String,
    pub status: AdmissionStatus,
    /// Current version (1 + resubmissions).
    pub version: i32,
    pub title: String,
    pub description: Option<String>,
    pub kind: ItemKind,
    pub list: ListKind,
    pub legal_basis: LegalBasisBody,
    pub frequency: String,
    pub funding: Option<FundingBody>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Approved and inside its validity window today (lazy expiry).
    pub valid_now: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One submitted version of an application.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i32,
    pub jurisdiction_id: String,
    pub title: String,
    pub description: Option<String>,
    pub kind: ItemKind,
    pub list: ListKind,
    pub legal_basis: LegalBasisBody,
    pub frequency: String,
    pub funding: Option<FundingBody>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
}

/// One review step (submit, approve, reject, request_changes, resubmit, withdraw, expire).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub version: i32,
    pub action: String,
    pub from_status: Option<AdmissionStatus>,
    pub to_status: AdmissionStatus,
    pub reason: Option<String>,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub at: DateTime<Utc>,
}

/// An application with every version and its whole review history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationDetail {
    #[serde(flatten)]
    pub application: ApplicationView,
    pub versions: Vec<VersionView>,
    pub events: Vec<EventView>,
}

page_type!(ApplicationPage, ApplicationView);

fn funding_view(amount: Option<i64>, unit: Option<&str>) -> Option<FundingBody> {
    match (amount, unit) {
        (Some(amount_cents), Some(u)) => Some(FundingBody { amount_cents, unit: stored(FundingUnit::parse(u)) }),
        _ => None,
    }
}

fn version_view(v: VersionRow) -> VersionView {
    VersionView {
        version: v.version,
        kind: stored(ItemKind::parse(&v.kind)),
        list: stored(ListKind::parse(&v.list)),
        legal_basis: LegalBasisBody { kind: stored(LegalBasisKind::parse(&v.legal_basis_kind)), reference: v.legal_basis_reference },
        funding: funding_view(v.funding_amount_cents, v.funding_unit.as_deref()),
        valid_from: stored_day(&v.valid_from),
        valid_until: stored_day(&v.valid_until),
        jurisdiction_id: v.jurisdiction_id,
        title: v.title,
        description: v.description,
        frequency: v.frequency,
        submitted_by: v.submitted_by,
        submitted_at: ts(v.submitted_at),
    }
}

fn view(a: ApplicationRow, v: VersionRow, day: NaiveDate) -> ApplicationView {
    let valid_now = valid_on(&a, day);
    let v = version_view(v);
    ApplicationView {
        id: a.id,
        department_id: a.department_id,
        jurisdiction_id: a.jurisdiction_id,
        status: stored(AdmissionStatus::parse(&a.status)),
        version: a.version,
        title: v.title,
        description: v.description,
        kind: v.kind,
        list: v.list,
        legal_basis: v.legal_basis,
        frequency: v.frequency,
        funding: v.funding,
        valid_from: v.valid_from,
        valid_until: v.valid_until,
        valid_now,
        created_at: ts(a.created_at),
        updated_at: ts(a.updated_at),
    }
}

fn event_view(e: EventRow) -> EventView {
    EventView {
        version: e.version,
        from_status: e.from_status.as_deref().map(|s| stored(AdmissionStatus::parse(s))),
        to_status: stored(AdmissionStatus::parse(&e.to_status)),
        action: e.action,
        reason: e.reason,
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        at: ts(e.at),
    }
}

/// Views of rows with their current content.
fn views(c: &mut DbConnection, rows: Vec<ApplicationRow>, day: NaiveDate) -> StoreResult<Vec<ApplicationView>> {
    Ok(clearance::current_versions(c, rows)?.into_iter().map(|(a, v)| view(a, v, day)).collect())
}

fn detail(c: &mut DbConnection, row: ApplicationRow, day: NaiveDate) -> StoreResult<ApplicationDetail> {
    let versions = clearance::versions(c, &row.id)?;
    let events = clearance::events(c, &row.id)?.into_iter().map(event_view).collect();
    let current = versions
        .iter()
        .find(|v| v.version == row.version)
        .cloned()
        .ok_or(DomainError::NotFound("clearance application version"))?;
    Ok(ApplicationDetail { application: view(row, current, day), versions: versions.into_iter().map(version_view).collect(), events })
}

/// True when the caller may see the application: its own department's, or (civil affairs,
/// street, auditors, platform) one held in the caller's subtree.
fn visible(caller: &Caller, row: &ApplicationRow) -> bool {
    match caller.scope.role {
        Role::DepartmentStaff => caller.scope.department_id.as_deref() == Some(row.department_id.as_str()),
        Role::CivilAffairsAdmin | Role::StreetAdmin | Role::Auditor | Role::SystemAdmin => caller.scope.covers(&row.path),
        _ => false,
    }
}

fn load_visible(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<ApplicationRow> {
    let row = clearance::get_application(c, id)?;
    if visible(caller, &row) {
        Ok(row)
    } else {
        Err(DomainError::NotFound("clearance application").into())
    }
}

/// The district or street an item is applied for: in the department's subtree (422 otherwise).
fn item_jurisdiction(c: &mut DbConnection, department_path: &str, id: &str) -> StoreResult<jurisdictions::JurisdictionRow> {
    let node = jurisdictions::get_within(c, id, &JurisdictionPath::from_stored(department_path))
        .map_err(|_| DomainError::field("jurisdiction_id", "unknown", "no such district or street in your department's area"))?;
    if !matches!(node.level(), Level::District | Level::Street) {
        return Err(DomainError::field("jurisdiction_id", "invalid_level", "a catalogue belongs to a district or a street").into());
    }
    Ok(node)
}

/// Sets the row's searchable fields from new content (the jurisdiction must lie in the owning
/// department's area) and returns the version row holding the whole content.
fn apply_content(c: &mut DbConnection, caller: &Caller, row: &mut ApplicationRow, content: Content, now: DateTime<Utc>) -> StoreResult<VersionRow> {
    let department = departments::get(c, &row.department_id)?;
    let node = item_jurisdiction(c, &department.path, &content.jurisdiction_id)?;
    row.jurisdiction_id = node.id.clone();
    row.path = node.path;
    row.title = content.title.clone();
    row.kind = content.kind.as_str().into();
    row.list = content.list.as_str().into();
    row.valid_from = day_str(content.valid_from);
    row.valid_until = day_str(content.valid_until);
    row.updated_at = to_db(now);
    Ok(VersionRow {
        application_id: row.id.clone(),
        version: row.version,
        jurisdiction_id: node.id,
        title: content.title,
        description: content.description,
        kind: row.kind.clone(),
        list: row.list.clone(),
        legal_basis_kind: content.legal_basis.kind().as_str().into(),
        legal_basis_reference: content.legal_basis.reference().into(),
        frequency: content.frequency,
        funding_amount_cents: content.funding.map(|f| f.amount_cents()),
        funding_unit: content.funding.map(|f| f.unit().as_str().to_string()),
        valid_from: row.valid_from.clone(),
        valid_until: row.valid_until.clone(),
        submitted_by: caller.scope.account_id.clone(),
        submitted_at: to_db(now),
    })
}

fn event(row: &ApplicationRow, caller: &Caller, action: &str, from: Option<&str>, reason: Option<&str>, now: DateTime<Utc>) -> EventRow {
    EventRow {
        id: new_id(),
        application_id: row.id.clone(),
        version: row.version,
        action: action.into(),
        from_status: from.map(str::to_string),
        to_status: row.status.clone(),
        reason: reason.map(str::to_string),
        actor_id: Some(caller.scope.account_id.clone()),
        actor_role: Some(caller.scope.role.as_str().into()),
        at: to_db(now),
    }
}

/// Apply for a catalogue item (准入申请, 凡进必审): department_staff for its own department.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    request_body = ApplicationBody,
    responses(
        (status = 201, description = "Submitted (version 1)", body = ApplicationDetail),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only department staff apply", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or `funding_required` for an assistance item without funding", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/applications")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<ApplicationBody>) -> ApiResult<HttpResponse> {
    let admission = Admission::submit(caller.scope.role)?;
    let department_id = own_department(&caller)?;
    let content = parse_content(body.into_inner())?;
    let now = state.clock.now();
    let day = today(&state);
    let detail = state
        .write(move |c| {
            let mut row = ApplicationRow {
                id: new_id(),
                department_id,
                jurisdiction_id: String::new(),
                path: String::new(),
                status: admission.status.as_str().into(),
                version: admission.version as i32,
                title: String::new(),
                kind: String::new(),
                list: String::new(),
                valid_from: String::new(),
                valid_until: String::new(),
                created_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            let version = apply_content(c, &caller, &mut row, content, now)?;
            clearance::insert_application(c, &row)?;
            clearance::insert_version(c, &version)?;
            clearance::insert_event(c, &event(&row, &caller, "submit", None, None, now))?;
            audit(c, &caller, now, "clearance.application.submit", ("clearance_application", &row.id), &row.path, serde_json::json!({"title": row.title, "kind": row.kind, "list": row.list}))?;
            detail(c, row, day)
        })
        .await?;
    Ok(HttpResponse::Created().json(detail))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// submitted, changes_requested, approved, rejected, withdrawn or expired.
    pub status: Option<String>,
    /// Only items held by this district or street.
    pub jurisdiction_id: Option<String>,
    /// Only this department's (civil affairs, street, auditors).
    pub department_id: Option<String>,
}

/// Applications and items the caller may see: a department its own; civil affairs, street,
/// auditors those held in their subtree (准入申请列表).
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(PageParams, ApplicationQuery),
    responses(
        (status = 200, description = "A page of applications", body = ApplicationPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read applications", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/applications")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, q: web::Query<ApplicationQuery>) -> ApiResult<web::Json<ApplicationPage>> {
    caller.require(READERS)?;
    let (limit, cursor) = page.parse()?;
    let q = q.into_inner();
    let department_id = if caller.scope.is(Role::DepartmentStaff) { Some(own_department(&caller)?) } else { q.department_id };
    let filter = ApplicationFilter { department_id, status: q.status.as_deref().map(AdmissionStatus::parse).transpose()?, jurisdiction_id: q.jurisdiction_id };
    let within = caller.scope.path.clone();
    let day = today(&state);
    let page = state
        .read(move |c| {
            let rows = clearance::list_applications(c, &within, &filter, cursor.as_deref(), limit)?;
            let next = gongzhi_persistence::Page::from_rows(rows, limit, |r| r.id.clone());
            Ok((views(c, next.items, day)?, next.next))
        })
        .await?;
    Ok(web::Json(ApplicationPage { items: page.0, next_cursor: page.1.as_deref().map(crate::common::encode_cursor) }))
}

/// One application with all its versions and review history.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses(
        (status = 200, description = "The application", body = ApplicationDetail),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read applications", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/applications/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<ApplicationDetail>> {
    caller.require(READERS)?;
    let day = today(&state);
    let d = state
        .read(move |c| {
            let row = load_visible(c, &caller, &id)?;
            detail(c, row, day)
        })
        .await?;
    Ok(web::Json(d))
}

/// Runs one admission action for the caller; `content` is the resubmitted version.
async fn act(state: web::Data<AppState>, caller: Caller, id: String, action: AdmissionAction, content: Option<ApplicationBody>) -> ApiResult<web::Json<ApplicationDetail>> {
    caller.require(ACTORS)?;
    let content = content.map(parse_content).transpose()?;
    let now = state.clock.now();
    let day = today(&state);
    let d = state
        .write(move |c| {
            let mut row = load_visible(c, &caller, &id)?;
            let from = stored(AdmissionStatus::parse(&row.status));
            let next = Admission { status: from, version: row.version as u32 }.apply(Actor::of(&caller.scope, &row.department_id), &action)?;
            row.status = next.status.as_str().into();
            row.version = next.version as i32;
            row.updated_at = to_db(now);
            if let Some(content) = content {
                let version = apply_content(c, &caller, &mut row, content, now)?;
                clearance::insert_version(c, &version)?;
            }
            clearance::update_application(c, &row)?;
            let reason = match &action {
                AdmissionAction::Reject { reason } | AdmissionAction::RequestChanges { reason } => Some(reason.trim()),
                _ => None,
            };
            clearance::insert_event(c, &event(&row, &caller, action.as_str(), Some(from.as_str()), reason, now))?;
            audit(
                c,
                &caller,
                now,
                &format!("clearance.application.{}", action.as_str()),
                ("clearance_application", &row.id),
                &row.path,
                serde_json::json!({"from": from.as_str(), "to": row.status, "version": row.version, "reason": reason}),
            )?;
            detail(c, row, day)
        })
        .await?;
    Ok(web::Json(d))
}

/// Approve (准入): civil affairs admits a submitted item to the catalogue of its jurisdiction.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses(
        (status = 200, description = "Approved: in the published catalogue", body = ApplicationDetail),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only civil affairs approves", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/applications/{id}/approve")]
pub async fn approve(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<ApplicationDetail>> {
    act(state, caller, id.into_inner(), AdmissionAction::Approve, None).await
}

/// Reject (不予准入) with a reason: civil affairs.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Rejected", body = ApplicationDetail),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only civil affairs rejects", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/applications/{id}/reject")]
pub async fn reject(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<ReasonBody>) -> ApiResult<web::Json<ApplicationDetail>> {
    act(state, caller, id.into_inner(), AdmissionAction::Reject { reason: body.into_inner().reason }, None).await
}

/// Send back for changes (退回修改) with a reason: civil affairs.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Changes requested", body = ApplicationDetail),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only civil affairs requests changes", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/applications/{id}/request-changes")]
pub async fn request_changes(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<ReasonBody>) -> ApiResult<web::Json<ApplicationDetail>> {
    act(state, caller, id.into_inner(), AdmissionAction::RequestChanges { reason: body.into_inner().reason }, None).await
}

/// Resubmit a changed version (重新提交): the owning department; the previous versions stay.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    request_body = ApplicationBody,
    responses(
        (status = 200, description = "Submitted as the next version", body = ApplicationDetail),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the owning department resubmits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No changes were requested", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or `funding_required`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/applications/{id}/resubmit")]
pub async fn resubmit(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<ApplicationBody>) -> ApiResult<web::Json<ApplicationDetail>> {
    act(state, caller, id.into_inner(), AdmissionAction::Resubmit, Some(body.into_inner())).await
}

/// Withdraw (撤回): the owning department withdraws its application or item; civil affairs
/// withdraws an approved item from the catalogue.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses(
        (status = 200, description = "Withdrawn", body = ApplicationDetail),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not withdraw", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/applications/{id}/withdraw")]
pub async fn withdraw(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<ApplicationDetail>> {
    act(state, caller, id.into_inner(), AdmissionAction::Withdraw, None).await
}

/// What an expiry run did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiryRun {
    /// The local day the run counted validity against.
    pub day: NaiveDate,
    /// Ids of the items marked expired.
    pub expired: Vec<String>,
}

/// Expire items past their validity (到期): the scheduled job, run on demand by civil affairs or
/// the platform over its subtree. Catalogue reads already ignore such items (lazy expiry).
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Items expired by this run", body = ExpiryRun),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not run expiry", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/applications/expire")]
pub async fn expire(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<ExpiryRun>> {
    caller.require(&[Role::CivilAffairsAdmin, Role::SystemAdmin])?;
    let now = state.clock.now();
    let day = today(&state);
    let expired = state
        .write(move |c| {
            let mut done = Vec::new();
            for mut row in clearance::due_to_expire(c, &caller.scope.path, &day_str(day))? {
                let from = stored(AdmissionStatus::parse(&row.status));
                let next = Admission { status: from, version: row.version as u32 }.apply(Actor::Scheduler, &AdmissionAction::Expire)?;
                row.status = next.status.as_str().into();
                row.updated_at = to_db(now);
                clearance::update_application(c, &row)?;
                clearance::insert_event(c, &event(&row, &caller, "expire", Some(from.as_str()), None, now))?;
                audit(c, &caller, now, "clearance.application.expire", ("clearance_application", &row.id), &row.path, serde_json::json!({"valid_until": row.valid_until}))?;
                done.push(row.id);
            }
            Ok(done)
        })
        .await?;
    Ok(web::Json(ExpiryRun { day, expired }))
}

/// The published clearance catalogue (准入目录) valid at a node today: admitted items held by the
/// node or its ancestors, inside their validity window. Public; includes the negative list.
#[utoipa::path(
    tag = "public",
    params(("id" = String, Path, description = "Jurisdiction id (e.g. a community)"), PageParams),
    responses(
        (status = 200, description = "A page of catalogue items", body = ApplicationPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such jurisdiction", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/jurisdictions/{id}/clearance-catalogue")]
pub async fn public_catalogue(state: web::Data<AppState>, id: web::Path<String>, page: web::Query<PageParams>) -> ApiResult<web::Json<ApplicationPage>> {
    let (limit, cursor) = page.parse()?;
    let day = today(&state);
    let page = state
        .read(move |c| {
            let node = jurisdictions::get(c, &id)?;
            let rows = clearance::valid_items(c, &node.path(), &day_str(day), Some((cursor.as_deref(), limit)))?;
            let next = gongzhi_persistence::Page::from_rows(rows, limit, |r| r.id.clone());
            Ok((views(c, next.items, day)?, next.next))
        })
        .await?;
    Ok(web::Json(ApplicationPage { items: page.0, next_cursor: page.1.as_deref().map(crate::common::encode_cursor) }))
}
