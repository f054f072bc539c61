//! The registry of social organisations (社会组织名录): registration (登记) or filing (备案),
//! approval, versions (历史版本), profile change requests (资料变更申请), staff links, and the
//! public directory (公开名录).

use super::{node_in_scope, own_organisation, viewer, visible_organisation, ReadRefusals, WriteRefusals, ORG_ADMINS, ORG_READERS};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::account::Phone;
use gongzhi_domain::error::{optional_text, Validator};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::organisation::{check_registration, OrganisationKind, OrganisationStatus, RegistrationStatus, ReviewStatus, UnifiedSocialCreditCode};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::accounts;
use gongzhi_persistence::jurisdictions;
use gongzhi_persistence::organisations::{self as orgs, ChangeRequestRow, OrganisationFilter, OrganisationRow, OrganisationVersionRow, ServedCommunityRow, Viewer};
use gongzhi_persistence::{new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get_one)
        .service(update)
        .service(set_status)
        .service(versions)
        .service(link_staff)
        .service(request_change)
        .service(list_changes)
        .service(decide_change)
        .service(public_list);
}

/// A social organisation (社会组织) as staff see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganisationView {
    pub id: String,
    pub name: String,
    pub kind: OrganisationKind,
    /// Registered (登记) or merely filed (备案).
    pub registration_status: RegistrationStatus,
    /// Unified social credit code (统一社会信用代码); required when registered.
    pub credit_code: Option<String>,
    pub status: OrganisationStatus,
    /// Service areas (服务领域), e.g. elderly care (养老), children (儿童).
    pub service_areas: Vec<String>,
    /// Communities served (服务社区).
    pub community_ids: Vec<String>,
    /// Whether the organisation has a party branch (党组织).
    pub party_branch: bool,
    pub party_branch_name: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    /// The registering jurisdiction (登记管理机关所在地).
    pub jurisdiction_id: String,
    /// Profile version; every change adds one (历史版本).
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(r: OrganisationRow, communities: &[ServedCommunityRow]) -> OrganisationView {
    OrganisationView {
        kind: OrganisationKind::parse(&r.kind).expect("stored kind is valid"),
        registration_status: RegistrationStatus::parse(&r.registration_status).expect("stored registration status is valid"),
        status: OrganisationStatus::parse(&r.status).expect("stored status is valid"),
        service_areas: serde_json::from_str(&r.service_areas).unwrap_or_default(),
        community_ids: communities.iter().map(|s| s.jurisdiction_id.clone()).collect(),
        id: r.id,
        name: r.name,
        credit_code: r.credit_code,
        party_branch: r.party_branch,
        party_branch_name: r.party_branch_name,
        contact_name: r.contact_name,
        contact_phone: r.contact_phone,
        jurisdiction_id: r.jurisdiction_id,
        version: r.version,
        created_at: ts(r.created_at),
        updated_at: ts(r.updated_at),
    }
}

fn load_view(c: &mut DbConnection, row: OrganisationRow) -> StoreResult<OrganisationView> {
    let communities = orgs::served_communities(c, &row.id)?;
    Ok(view(row, &communities))
}

page_type!(OrganisationPage, OrganisationView);

/// Register (登记) or file (备案) an organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    pub name: String,
    pub kind: OrganisationKind,
    pub registration_status: RegistrationStatus,
    /// 18 characters, GB 32100-2015 check character verified.
    pub credit_code: Option<String>,
    /// The registering jurisdiction, in the caller's subtree.
    pub jurisdiction_id: String,
    pub service_areas: Vec<String>,
    /// Communities served; each a community in the caller's subtree.
    pub community_ids: Vec<String>,
    pub party_branch: bool,
    pub party_branch_name: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
}

/// A change of an organisation's profile: applied directly by civil affairs, or proposed by
/// the organisation's staff as a change request. Absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileChange {
    pub name: Option<String>,
    pub service_areas: Option<Vec<String>>,
    pub community_ids: Option<Vec<String>>,
    pub party_branch: Option<bool>,
    pub party_branch_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// The checked fields of a profile.
struct Profile {
    name: String,
    service_areas: Vec<String>,
    party_branch: bool,
    party_branch_name: Option<String>,
    contact_name: String,
    contact_phone: String,
}

fn check_profile(v: &mut Validator, p: &ProfileChange) -> Option<Profile> {
    let name = v.text("name", p.name.as_deref().unwrap_or_default(), 128);
    let areas = p.service_areas.clone().unwrap_or_default();
    if areas.is_empty() || areas.len() > 20 {
        v.push("service_areas", "invalid_count", "name 1 to 20 service areas");
    }
    let areas: Vec<Option<String>> = areas.iter().enumerate().map(|(i, a)| v.text(&format!("service_areas[{i}]"), a, 32)).collect();
    let party_branch = p.party_branch.unwrap_or(false);
    let branch_name = v.check(optional_text("party_branch_name", p.party_branch_name.as_deref(), 128)).flatten();
    if party_branch && branch_name.is_none() {
        v.push("party_branch_name", "required", "name the party branch (党组织)");
    }
    let contact_name = v.text("contact_name", p.contact_name.as_deref().unwrap_or_default(), 64);
    let phone = v.check(Phone::parse("contact_phone", p.contact_phone.as_deref().unwrap_or_default()));
    Some(Profile {
        name: name?,
        service_areas: areas.into_iter().collect::<Option<Vec<_>>>()?,
        party_branch,
        party_branch_name: if party_branch { branch_name } else { None },
        contact_name: contact_name?,
        contact_phone: phone?.as_str().to_string(),
    })
}

/// Resolves served communities: each a community inside `within` (field `community_ids[i]`).
fn served(c: &mut DbConnection, organisation_id: &str, ids: &[String], within: &JurisdictionPath) -> StoreResult<Vec<ServedCommunityRow>> {
    let mut out: Vec<ServedCommunityRow> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("community_ids[{i}]");
        let node = jurisdictions::get_within(c, id, within).map_err(|_| DomainError::field(&field, "unknown", "no such community in your scope"))?;
        if node.level() != Level::Community {
            return Err(DomainError::field(&field, "invalid_level", "this must be a community").into());
        }
        if !out.iter().any(|s| s.jurisdiction_id == node.id) {
            out.push(ServedCommunityRow { id: new_id(), organisation_id: organisation_id.into(), jurisdiction_id: node.id, path: node.path });
        }
    }
    Ok(out)
}

/// Current profile of a row merged with a change (for validation of the result).
fn merged(row: &OrganisationRow, ch: &ProfileChange) -> ProfileChange {
    ProfileChange {
        name: ch.name.clone().or_else(|| Some(row.name.clone())),
        service_areas: ch.service_areas.clone().or_else(|| serde_json::from_str(&row.service_areas).ok()),
        community_ids: None,
        party_branch: ch.party_branch.or(Some(row.party_branch)),
        party_branch_name: ch.party_branch_name.clone().or_else(|| row.party_branch_name.clone()),
        contact_name: ch.contact_name.clone().or_else(|| Some(row.contact_name.clone())),
        contact_phone: ch.contact_phone.clone().or_else(|| Some(row.contact_phone.clone())),
    }
}

fn check_change(row: &OrganisationRow, ch: &ProfileChange) -> Result<Profile, DomainError> {
    let mut v = Validator::new();
    let p = check_profile(&mut v, &merged(row, ch));
    v.finish()?;
    Ok(p.expect("a profile without field errors is complete"))
}

/// Applies a checked change as a new version, recording the snapshot (历史版本) and the audit row.
fn apply_change(c: &mut DbConnection, caller: &Caller, now: DateTime<Utc>, mut row: OrganisationRow, ch: &ProfileChange, reason: &str) -> StoreResult<OrganisationView> {
    let p = check_change(&row, ch)?;
    if let Some(ids) = &ch.community_ids {
        let rows = served(c, &row.id, ids, &caller.scope.path)?;
        orgs::set_served_communities(c, &row.id, &rows)?;
    }
    row.name = p.name;
    row.service_areas = serde_json::to_string(&p.service_areas).expect("strings serialize");
    row.party_branch = p.party_branch;
    row.party_branch_name = p.party_branch_name;
    row.contact_name = p.contact_name;
    row.contact_phone = p.contact_phone;
    row.version += 1;
    row.updated_at = to_db(now);
    orgs::update_organisation(c, &row)?;
    let path = row.path.clone();
    let v = record_version(c, caller, now, row, reason)?;
    audit(c, caller, now, "organisation.update", ("organisation", &v.id), &path, serde_json::json!({"version": v.version, "reason": reason}))?;
    Ok(v)
}

fn record_version(c: &mut DbConnection, caller: &Caller, now: DateTime<Utc>, row: OrganisationRow, reason: &str) -> StoreResult<OrganisationView> {
    let v = load_view(c, row)?;
    orgs::insert_version(
        c,
        &OrganisationVersionRow {
            id: new_id(),
            organisation_id: v.id.clone(),
            version: v.version,
            snapshot: serde_json::to_string(&v).expect("views serialize"),
            actor_id: caller.scope.account_id.clone(),
            reason: reason.into(),
            created_at: to_db(now),
        },
    )?;
    Ok(v)
}

/// Register (登记) or file (备案) a social organisation (civil_affairs_admin). It starts
/// `pending` until approved.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = CreateOrganisation,
    responses((status = 201, description = "Created, pending approval", body = OrganisationView), WriteRefusals))]
#[post("/organisations")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateOrganisation>) -> ApiResult<HttpResponse> {
    caller.require(ORG_ADMINS)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let profile = check_profile(
        &mut v,
        &ProfileChange {
            name: Some(b.name.clone()),
            service_areas: Some(b.service_areas.clone()),
            community_ids: None,
            party_branch: Some(b.party_branch),
            party_branch_name: b.party_branch_name.clone(),
            contact_name: Some(b.contact_name.clone()),
            contact_phone: Some(b.contact_phone.clone()),
        },
    );
    let code = b.credit_code.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| v.check(UnifiedSocialCreditCode::parse("credit_code", s)));
    v.finish()?;
    check_registration(b.kind, b.registration_status, code.as_ref())?;
    let p = profile.expect("a profile without field errors is complete");
    let now = state.clock.now();
    let out = state
        .write(move |c| {
            let node = node_in_scope(c, &caller, "jurisdiction_id", &b.jurisdiction_id, None)?;
            if let Some(code) = &code {
                if orgs::credit_code_taken(c, code.as_str())? {
                    return Err(DomainError::conflict("credit_code_taken", "an organisation with this credit code is already registered").into());
                }
            }
            let id = new_id();
            let communities = served(c, &id, &b.community_ids, &caller.scope.path)?;
            let row = OrganisationRow {
                id,
                name: p.name,
                kind: b.kind.as_str().into(),
                registration_status: b.registration_status.as_str().into(),
                credit_code: code.map(|c| c.as_str().to_string()),
                status: OrganisationStatus::Pending.as_str().into(),
                service_areas: serde_json::to_string(&p.service_areas).expect("strings serialize"),
                party_branch: p.party_branch,
                party_branch_name: p.party_branch_name,
                contact_name: p.contact_name,
                contact_phone: p.contact_phone,
                jurisdiction_id: node.id,
                path: node.path,
                version: 1,
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            orgs::insert_organisation(c, &row)?;
            orgs::set_served_communities(c, &row.id, &communities)?;
            let path = row.path.clone();
            let v = record_version(c, &caller, now, row, "created")?;
            audit(c, &caller, now, "organisation.create", ("organisation", &v.id), &path, serde_json::json!({"name": v.name, "kind": v.kind, "credit_code": v.credit_code}))?;
            Ok(v)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    pub kind: Option<OrganisationKind>,
    pub status: Option<OrganisationStatus>,
    /// Only organisations serving this community.
    pub community_id: Option<String>,
}

/// Organisations the caller may see: registered in its subtree or serving a community in it;
/// `org_staff` sees its own organisation only.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(PageParams, OrganisationQuery),
    responses((status = 200, description = "A page of organisations", body = OrganisationPage), ReadRefusals))]
#[get("/organisations")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, q: web::Query<OrganisationQuery>) -> ApiResult<web::Json<OrganisationPage>> {
    caller.require(ORG_READERS)?;
    let (limit, cursor) = page.parse()?;
    let who = viewer(&caller)?;
    let f = OrganisationFilter { kind: q.kind.map(|k| k.as_str().into()), status: q.status.map(|s| s.as_str().into()), community_id: q.community_id.clone() };
    let (rows, views) = state
        .read(move |c| {
            let rows = orgs::list_organisations(c, &who, &f, cursor.as_deref(), limit)?;
            let views = rows.iter().map(|r| load_view(c, r.clone())).collect::<StoreResult<Vec<_>>>()?;
            Ok((rows, views))
        })
        .await?;
    let page = gongzhi_persistence::Page::from_rows(rows, limit, |r| r.id.clone());
    let n = page.items.len();
    Ok(web::Json(OrganisationPage { items: views.into_iter().take(n).collect(), next_cursor: page.next.as_deref().map(crate::common::encode_cursor) }))
}

/// One organisation the caller may see.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation", body = OrganisationView), ReadRefusals))]
#[get("/organisations/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<OrganisationView>> {
    caller.require(ORG_READERS)?;
    let v = state
        .read(move |c| {
            let row = visible_organisation(c, &caller, &id)?;
            load_view(c, row)
        })
        .await?;
    Ok(web::Json(v))
}

fn managed(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<OrganisationRow> {
    let row = orgs::get_organisation(c, id)?;
    caller.scope.check_covers(&row.path, "organisation")?;
    Ok(row)
}

/// Change an organisation's profile directly (civil_affairs_admin); adds a version.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Organisation id")), request_body = ProfileChange,
    responses((status = 200, description = "Updated; a new version", body = OrganisationView), WriteRefusals))]
#[patch("/organisations/{id}")]
pub async fn update(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<ProfileChange>) -> ApiResult<web::Json<OrganisationView>> {
    caller.require(ORG_ADMINS)?;
    let ch = body.into_inner();
    let now = state.clock.now();
    let v = state
        .write(move |c| {
            let row = managed(c, &caller, &id)?;
            apply_change(c, &caller, now, row, &ch, "edited by civil affairs")
        })
        .await?;
    Ok(web::Json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `active` approves (审核通过) a pending organisation; `deregistered` (注销) ends it.
    pub status: OrganisationStatus,
}

/// Approve (审核通过) or deregister (注销) an organisation (civil_affairs_admin).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Organisation id")), request_body = StatusChange,
    responses((status = 200, description = "Status changed; a new version", body = OrganisationView), WriteRefusals))]
#[post("/organisations/{id}/status")]
pub async fn set_status(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<StatusChange>) -> ApiResult<web::Json<OrganisationView>> {
    caller.require(ORG_ADMINS)?;
    let to = body.into_inner().status;
    let now = state.clock.now();
    let v = state
        .write(move |c| {
            let mut row = managed(c, &caller, &id)?;
            let from = OrganisationStatus::parse(&row.status)?;
            row.status = from.move_to(to)?.as_str().into();
            row.version += 1;
            row.updated_at = to_db(now);
            orgs::update_organisation(c, &row)?;
            let path = row.path.clone();
            let v = record_version(c, &caller, now, row, &format!("status {}", to.as_str()))?;
            audit(c, &caller, now, "organisation.status", ("organisation", &v.id), &path, serde_json::json!({"from": from, "to": to}))?;
            Ok(v)
        })
        .await?;
    Ok(web::Json(v))
}

/// One recorded version of an organisation's profile (历史版本).
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i32,
    pub profile: OrganisationView,
    pub actor_id: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// Every version of an organisation's profile, oldest first.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The versions", body = [VersionView]), ReadRefusals))]
#[get("/organisations/{id}/versions")]
pub async fn versions(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<Vec<VersionView>>> {
    caller.require(ORG_READERS)?;
    let rows = state
        .read(move |c| {
            visible_organisation(c, &caller, &id)?;
            orgs::versions(c, &id)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| VersionView {
                version: r.version,
                profile: serde_json::from_str(&r.snapshot).expect("stored snapshots are organisation views"),
                actor_id: r.actor_id,
                reason: r.reason,
                created_at: ts(r.created_at),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkStaff {
    /// An `org_staff` account in the caller's subtree.
    pub account_id: String,
}

/// The accounts linked to an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffLinks {
    pub organisation_id: String,
    pub account_ids: Vec<String>,
}

/// Link an `org_staff` account to the organisation it works for (civil_affairs_admin,
/// system_admin). The account's next login carries the organisation (`org` claim).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Organisation id")), request_body = LinkStaff,
    responses((status = 200, description = "Linked", body = StaffLinks), WriteRefusals))]
#[post("/organisations/{id}/staff")]
pub async fn link_staff(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<LinkStaff>) -> ApiResult<web::Json<StaffLinks>> {
    caller.require(&[Role::CivilAffairsAdmin, Role::SystemAdmin])?;
    let account_id = body.into_inner().account_id;
    let now = state.clock.now();
    let out = state
        .write(move |c| {
            let org = managed(c, &caller, &id)?;
            let mut acc = accounts::get(c, &account_id).map_err(|_| DomainError::field("account_id", "unknown", "no such account in your scope"))?;
            if !caller.scope.covers(&acc.path) {
                return Err(DomainError::field("account_id", "unknown", "no such account in your scope").into());
            }
            if acc.role != Role::OrgStaff.as_str() {
                return Err(DomainError::field("account_id", "invalid_role", "only org_staff accounts work for an organisation").into());
            }
            acc.organisation_id = Some(org.id.clone());
            acc.updated_at = to_db(now);
            accounts::update(c, &acc)?;
            audit(c, &caller, now, "organisation.link_staff", ("organisation", &org.id), &org.path, serde_json::json!({"account_id": acc.id}))?;
            Ok(StaffLinks { account_ids: orgs::staff_of(c, &org.id)?, organisation_id: org.id })
        })
        .await?;
    Ok(web::Json(out))
}

/// A proposed profile change (资料变更申请) and its decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRequestView {
    pub id: String,
    pub organisation_id: String,
    pub proposed: ProfileChange,
    pub status: ReviewStatus,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

impl From<ChangeRequestRow> for ChangeRequestView {
    fn from(r: ChangeRequestRow) -> Self {
        ChangeRequestView {
            proposed: serde_json::from_str(&r.proposed).expect("stored proposals are profile changes"),
            status: ReviewStatus::parse(&r.status).expect("stored status is valid"),
            id: r.id,
            organisation_id: r.organisation_id,
            submitted_by: r.submitted_by,
            submitted_at: ts(r.submitted_at),
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(ts),
            note: r.note,
        }
    }
}

/// Propose a change of the caller's own organisation's profile (org_staff); civil affairs
/// decides it.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Organisation id")), request_body = ProfileChange,
    responses((status = 201, description = "Submitted", body = ChangeRequestView), WriteRefusals))]
#[post("/organisations/{id}/change-requests")]
pub async fn request_change(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<ProfileChange>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::OrgStaff])?;
    own_organisation(&caller)?;
    let ch = body.into_inner();
    let now = state.clock.now();
    let out = state
        .write(move |c| {
            let row = visible_organisation(c, &caller, &id)?;
            check_change(&row, &ch)?;
            if let Some(ids) = &ch.community_ids {
                served(c, &row.id, ids, &JurisdictionPath::root())?;
            }
            let req = ChangeRequestRow {
                id: new_id(),
                organisation_id: row.id.clone(),
                path: row.path.clone(),
                proposed: serde_json::to_string(&ch).expect("changes serialize"),
                status: ReviewStatus::Submitted.as_str().into(),
                submitted_by: caller.scope.account_id.clone(),
                submitted_at: to_db(now),
                decided_by: None,
                decided_at: None,
                note: None,
            };
            orgs::insert_change(c, &req)?;
            audit(c, &caller, now, "organisation.change_request", ("organisation_change", &req.id), &row.path, serde_json::json!({"organisation_id": row.id}))?;
            Ok(req)
        })
        .await?;
    Ok(HttpResponse::Created().json(ChangeRequestView::from(out)))
}

/// Change requests of an organisation, oldest first.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The change requests", body = [ChangeRequestView]), ReadRefusals))]
#[get("/organisations/{id}/change-requests")]
pub async fn list_changes(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<Vec<ChangeRequestView>>> {
    caller.require(ORG_READERS)?;
    let rows = state
        .read(move |c| {
            visible_organisation(c, &caller, &id)?;
            orgs::changes(c, &id)
        })
        .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `approved` or `rejected`.
    pub decision: ReviewStatus,
    pub note: Option<String>,
}

/// Approve (the change becomes a new version) or reject a change request (civil_affairs_admin).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Change request id")), request_body = Decision,
    responses((status = 200, description = "Decided", body = ChangeRequestView), WriteRefusals))]
#[post("/organisation-change-requests/{id}/decision")]
pub async fn decide_change(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<Decision>) -> ApiResult<web::Json<ChangeRequestView>> {
    caller.require(ORG_ADMINS)?;
    let b = body.into_inner();
    let note = optional_text("note", b.note.as_deref(), 500)?;
    let now = state.clock.now();
    let out = state
        .write(move |c| {
            let mut req = orgs::get_change(c, &id)?;
            caller.scope.check_covers(&req.path, "change request")?;
            let to = ReviewStatus::parse(&req.status)?.decide(b.decision)?;
            if to == ReviewStatus::Approved {
                let row = orgs::get_organisation(c, &req.organisation_id)?;
                let ch: ProfileChange = serde_json::from_str(&req.proposed).expect("stored proposals are profile changes");
                apply_change(c, &caller, now, row, &ch, "change request approved")?;
            }
            req.status = to.as_str().into();
            req.decided_by = Some(caller.scope.account_id.clone());
            req.decided_at = Some(to_db(now));
            req.note = note;
            orgs::update_change(c, &req)?;
            audit(c, &caller, now, "organisation.change_decision", ("organisation_change", &req.id), &req.path, serde_json::json!({"decision": to}))?;
            Ok(req)
        })
        .await?;
    Ok(web::Json(out.into()))
}

/// An organisation in the public directory (公开名录): name, kind and service areas only.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicOrganisation {
    pub id: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub service_areas: Vec<String>,
}

page_type!(PublicOrganisationPage, PublicOrganisation);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicOrganisationQuery {
    /// Only organisations serving this community.
    pub community_id: Option<String>,
}

/// The public directory of active social organisations (社会组织公开名录; no authentication).
#[utoipa::path(tag = "public", params(PageParams, PublicOrganisationQuery),
    responses((status = 200, description = "A page of organisations", body = PublicOrganisationPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json")))]
#[get("/public/organisations")]
pub async fn public_list(state: web::Data<AppState>, page: web::Query<PageParams>, q: web::Query<PublicOrganisationQuery>) -> ApiResult<web::Json<PublicOrganisationPage>> {
    let (limit, cursor) = page.parse()?;
    let f = OrganisationFilter { status: Some(OrganisationStatus::Active.as_str().into()), community_id: q.community_id.clone(), ..Default::default() };
    let rows = state.read(move |c| orgs::list_organisations(c, &Viewer::Within(JurisdictionPath::root()), &f, cursor.as_deref(), limit)).await?;
    Ok(web::Json(PublicOrganisationPage::from_rows(rows, limit, |r| r.id.clone(), |r| PublicOrganisation {
        kind: OrganisationKind::parse(&r.kind).expect("stored kind is valid"),
        service_areas: serde_json::from_str(&r.service_areas).unwrap_or_default(),
        id: r.id,
        name: r.name,
    })))
}
