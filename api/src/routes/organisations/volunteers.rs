//! Volunteers (志愿者): registration, activities, service hours approved by the organisation,
//! the points scheme (积分制, 三治积分) with rules per jurisdiction, the append-only points
//! ledger and redemptions (积分兑换).

use super::{own_organisation, reaches, stored_day, viewer, ReadRefusals, WriteRefusals, ORG_ADMINS, ORG_READERS};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::ApiResult;
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::account::{mask_phone, Phone};
use gongzhi_domain::error::{text, Validator};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::ledger::EntryKind;
use gongzhi_domain::organisation::{redeem, ApprovedActivity, PointsBasis, PointsRule, ReviewStatus};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::ledgers;
use gongzhi_persistence::organisations::{self as orgs, ActivityRow, HoursRow, PointsEntryRow, PointsRuleRow, VolunteerRow};
use gongzhi_persistence::{jurisdictions, new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(list)
        .service(get_one)
        .service(create_activity)
        .service(list_activities)
        .service(submit_hours)
        .service(list_hours)
        .service(decide_hours)
        .service(create_rule)
        .service(list_rules)
        .service(retire_rule)
        .service(points_balance)
        .service(redeem_points);
}

/// Roles that see a volunteer's full phone number; others get it masked (138****8000).
const PHONE_READERS: &[Role] = &[Role::CivilAffairsAdmin, Role::CommunityStaff, Role::OrgStaff];

/// A registered volunteer (注册志愿者).
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerView {
    pub id: String,
    pub name: String,
    /// Masked for roles that do not need it.
    pub phone: String,
    pub community_id: String,
    /// The organisation that registered the volunteer, if any.
    pub organisation_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// How far back an activity may be recorded.
const MAX_BACKDATE_DAYS: u64 = 90;

fn volunteer_view(caller: &Caller, r: VolunteerRow) -> VolunteerView {
    let full = PHONE_READERS.contains(&caller.scope.role);
    VolunteerView {
        phone: if full { r.phone } else { mask_phone(&r.phone) },
        id: r.id,
        name: if full { r.name } else { gongzhi_domain::household::mask_name(&r.name) },
        community_id: r.jurisdiction_id,
        organisation_id: r.organisation_id,
        created_at: ts(r.created_at),
    }
}

page_type!(VolunteerPage, VolunteerView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterVolunteer {
    pub name: String,
    pub phone: String,
    /// The volunteer's community.
    pub community_id: String,
}

/// Register a volunteer (org_staff for its organisation; community_staff and
/// civil_affairs_admin in their subtree).
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), request_body = RegisterVolunteer,
    responses((status = 201, description = "Registered", body = VolunteerView), WriteRefusals))]
#[post("/volunteers")]
pub async fn register(state: web::Data<AppState>, caller: Caller, body: Json<RegisterVolunteer>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::OrgStaff, Role::CommunityStaff, Role::CivilAffairsAdmin])?;
    let org = if caller.scope.is(Role::OrgStaff) { Some(own_organisation(&caller)?) } else { None };
    let b = body.into_inner();
    let mut v = Validator::new();
    let name = v.text("name", &b.name, 64);
    let phone = v.check(Phone::parse("phone", &b.phone));
    v.finish()?;
    let now = state.clock.now();
    let viewer_caller = caller.clone();
    let row = state
        .write(move |c| {
            let node = community(c, &caller, org.as_deref(), &b.community_id)?;
            let row = VolunteerRow {
                id: new_id(),
                name: name.unwrap_or_default(),
                phone: phone.map(|p| p.as_str().to_string()).unwrap_or_default(),
                jurisdiction_id: node.id,
                path: node.path,
                organisation_id: org,
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            orgs::insert_volunteer(c, &row)?;
            audit(c, &caller, now, "volunteer.register", ("volunteer", &row.id), &row.path, serde_json::json!({"organisation_id": row.organisation_id}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(volunteer_view(&viewer_caller, row)))
}

/// A community where the caller may act: in its subtree, or for `org_staff` one its
/// organisation serves (field error `community_id`).
fn community(c: &mut DbConnection, caller: &Caller, org: Option<&str>, id: &str) -> StoreResult<gongzhi_persistence::jurisdictions::JurisdictionRow> {
    let unknown = || DomainError::field("community_id", "unknown", "no such community where you may act");
    let node = jurisdictions::get(c, id).map_err(|_| unknown())?;
    if node.level() != Level::Community {
        return Err(DomainError::field("community_id", "invalid_level", "this must be a community").into());
    }
    let served = match org {
        Some(o) => orgs::served_communities(c, o)?.iter().any(|s| s.jurisdiction_id == node.id),
        None => false,
    };
    if served || caller.scope.covers(&node.path) {
        Ok(node)
    } else {
        Err(unknown().into())
    }
}

/// Volunteers the caller may see (org_staff: those its organisation registered).
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "A page of volunteers", body = VolunteerPage), ReadRefusals))]
#[get("/volunteers")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>) -> ApiResult<web::Json<VolunteerPage>> {
    caller.require(ORG_READERS)?;
    let (limit, cursor) = page.parse()?;
    let who = viewer(&caller)?;
    let rows = state.read(move |c| orgs::list_volunteers(c, &who, cursor.as_deref(), limit)).await?;
    Ok(web::Json(VolunteerPage::from_rows(rows, limit, |r| r.id.clone(), |r| volunteer_view(&caller, r))))
}

fn visible_volunteer(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<VolunteerRow> {
    let row = orgs::get_volunteer(c, id)?;
    let ok = if caller.scope.is(Role::OrgStaff) {
        row.organisation_id.is_some() && row.organisation_id == caller.scope.organisation_id
    } else {
        caller.scope.covers(&row.path)
    };
    if ok {
        Ok(row)
    } else {
        Err(DomainError::NotFound("volunteer").into())
    }
}

/// One volunteer.
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path, description = "Volunteer id")),
    responses((status = 200, description = "The volunteer", body = VolunteerView), ReadRefusals))]
#[get("/volunteers/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<VolunteerView>> {
    caller.require(ORG_READERS)?;
    let c2 = caller.clone();
    let row = state.read(move |c| visible_volunteer(c, &c2, &id)).await?;
    Ok(web::Json(volunteer_view(&caller, row)))
}

/// A volunteer activity (志愿服务活动) run by an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    pub id: String,
    pub organisation_id: String,
    pub community_id: String,
    pub title: String,
    /// The kind points rules refer to, e.g. `elderly_visits`.
    pub activity_kind: String,
    pub held_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<ActivityRow> for ActivityView {
    fn from(r: ActivityRow) -> Self {
        ActivityView { held_on: stored_day(&r.held_on), id: r.id, organisation_id: r.organisation_id, community_id: r.jurisdiction_id, title: r.title, activity_kind: r.activity_kind, created_at: ts(r.created_at) }
    }
}

page_type!(ActivityPage, ActivityView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    pub title: String,
    pub activity_kind: String,
    pub held_on: NaiveDate,
    /// Where it is held: a community the organisation serves or in the caller's scope.
    pub community_id: String,
}

/// Record an activity of the caller's organisation (org_staff).
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), request_body = NewActivity,
    responses((status = 201, description = "Created", body = ActivityView), WriteRefusals))]
#[post("/volunteer-activities")]
pub async fn create_activity(state: web::Data<AppState>, caller: Caller, body: Json<NewActivity>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::OrgStaff])?;
    let org = own_organisation(&caller)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let title = v.text("title", &b.title, 128);
    let kind = v.check(activity_kind(&b.activity_kind));
    // Activities are recorded as they happen: not in the future, not backdated by months
    // (hours, and so points, hang on the activity's day).
    let today = gongzhi_domain::clearance::local_day(state.clock.now());
    if b.held_on > today || b.held_on < today - chrono::Days::new(MAX_BACKDATE_DAYS) {
        v.push("held_on", "out_of_range", format!("an activity is held today or in the last {MAX_BACKDATE_DAYS} days"));
    }
    v.finish()?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let node = community(c, &caller, Some(&org), &b.community_id)?;
            let row = ActivityRow {
                id: new_id(),
                organisation_id: org,
                jurisdiction_id: node.id,
                path: node.path,
                title: title.unwrap_or_default(),
                activity_kind: kind.unwrap_or_default(),
                held_on: b.held_on.to_string(),
                created_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
            };
            orgs::insert_activity(c, &row)?;
            audit(c, &caller, now, "volunteer_activity.create", ("volunteer_activity", &row.id), &row.path, serde_json::json!({"title": row.title, "activity_kind": row.activity_kind}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(ActivityView::from(row)))
}

/// An activity kind: 1–64 lowercase letters, digits or `_`.
fn activity_kind(s: &str) -> Result<String, DomainError> {
    let k = s.trim();
    if (1..=64).contains(&k.len()) && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        Ok(k.to_string())
    } else {
        Err(DomainError::field("activity_kind", "invalid_format", "an activity kind is 1–64 lowercase letters, digits or '_'"))
    }
}

/// Activities the caller may see (org_staff: its organisation's).
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "A page of activities", body = ActivityPage), ReadRefusals))]
#[get("/volunteer-activities")]
pub async fn list_activities(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>) -> ApiResult<web::Json<ActivityPage>> {
    caller.require(ORG_READERS)?;
    let (limit, cursor) = page.parse()?;
    let who = viewer(&caller)?;
    let rows = state.read(move |c| orgs::list_activities(c, &who, cursor.as_deref(), limit)).await?;
    Ok(web::Json(ActivityPage::from_rows(rows, limit, |r| r.id.clone(), ActivityView::from)))
}

fn visible_activity(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<ActivityRow> {
    let row = orgs::get_activity(c, id)?;
    if reaches(caller, &row.organisation_id, &row.path) {
        Ok(row)
    } else {
        Err(DomainError::NotFound("activity").into())
    }
}

/// Service hours (服务时长) of one volunteer at one activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoursView {
    pub id: String,
    pub activity_id: String,
    pub volunteer_id: String,
    pub organisation_id: String,
    pub day: NaiveDate,
    pub minutes: i32,
    pub status: ReviewStatus,
    /// Points credited at approval (after the daily cap).
    pub points: Option<i64>,
    pub submitted_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<HoursRow> for HoursView {
    fn from(r: HoursRow) -> Self {
        HoursView {
            day: stored_day(&r.day),
            status: ReviewStatus::parse(&r.status).expect("stored status is valid"),
            id: r.id,
            activity_id: r.activity_id,
            volunteer_id: r.volunteer_id,
            organisation_id: r.organisation_id,
            minutes: r.minutes,
            points: r.points,
            submitted_by: r.submitted_by,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(ts),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHours {
    pub volunteer_id: String,
    /// 1–1440 minutes.
    pub minutes: i64,
}

/// Submit a volunteer's hours at an activity (org_staff of the organisation running it, or
/// community_staff where it was held); the organisation approves them.
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path, description = "Activity id")), request_body = NewHours,
    responses((status = 201, description = "Submitted", body = HoursView), WriteRefusals))]
#[post("/volunteer-activities/{id}/hours")]
pub async fn submit_hours(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<NewHours>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::OrgStaff, Role::CommunityStaff])?;
    let b = body.into_inner();
    let minutes = i32::try_from(b.minutes).ok().filter(|m| (1..=1440).contains(m)).ok_or_else(|| DomainError::field("minutes", "out_of_range", "minutes are between 1 and 1440"))?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let act = visible_activity(c, &caller, &id)?;
            let vol = orgs::get_volunteer(c, &b.volunteer_id).map_err(|_| DomainError::field("volunteer_id", "unknown", "no such volunteer"))?;
            // An organisation credits only its own volunteers; community staff those of their community.
            let vol_ok = match caller.scope.role {
                Role::OrgStaff => vol.organisation_id.as_deref() == Some(act.organisation_id.as_str()),
                _ => caller.scope.covers(&vol.path),
            };
            if !vol_ok {
                return Err(DomainError::field("volunteer_id", "unknown", "no such volunteer").into());
            }
            let row = HoursRow {
                id: new_id(),
                activity_id: act.id,
                volunteer_id: vol.id,
                organisation_id: act.organisation_id,
                path: act.path,
                activity_kind: act.activity_kind,
                day: act.held_on,
                minutes,
                status: ReviewStatus::Submitted.as_str().into(),
                points: None,
                submitted_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
                decided_by: None,
                decided_at: None,
            };
            orgs::insert_hours(c, &row)?;
            audit(c, &caller, now, "volunteer_hours.submit", ("volunteer_hours", &row.id), &row.path, serde_json::json!({"volunteer_id": row.volunteer_id, "minutes": minutes}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(HoursView::from(row)))
}

/// Hours submitted for an activity.
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path, description = "Activity id")),
    responses((status = 200, description = "The hours", body = [HoursView]), ReadRefusals))]
#[get("/volunteer-activities/{id}/hours")]
pub async fn list_hours(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<Vec<HoursView>>> {
    caller.require(ORG_READERS)?;
    let rows = state
        .read(move |c| {
            let act = visible_activity(c, &caller, &id)?;
            orgs::hours_of_activity(c, &act.id)
        })
        .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursDecision {
    /// `approved` or `rejected`.
    pub decision: ReviewStatus,
}

fn domain_rule(r: &PointsRuleRow) -> PointsRule {
    let points = u32::try_from(r.points).unwrap_or(0);
    let basis = if r.basis == "per_hour" { PointsBasis::PerHour(points) } else { PointsBasis::PerEvent(points) };
    PointsRule::new(&r.activity_kind, basis, r.daily_cap.and_then(|c| u32::try_from(c).ok())).expect("stored rules are valid")
}

fn approved(rows: &[HoursRow]) -> Vec<ApprovedActivity> {
    rows.iter().map(|h| ApprovedActivity { day: stored_day(&h.day), minutes: u32::try_from(h.minutes).unwrap_or(0) }).collect()
}

/// Approve or reject submitted hours (org_staff of the organisation that ran the activity).
/// Approval credits points by the deepest active rule for the activity kind at the activity's
/// place, within the rule's daily cap, as one entry of the points ledger; when the activity lies in
/// a community it also appends a `service_delivered` entry (服务记录) to that community's ledger.
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path, description = "Hours id")), request_body = HoursDecision,
    responses((status = 200, description = "Decided", body = HoursView), WriteRefusals))]
#[post("/volunteer-hours/{id}/decision")]
pub async fn decide_hours(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<HoursDecision>) -> ApiResult<web::Json<HoursView>> {
    caller.require(&[Role::OrgStaff])?;
    let org = own_organisation(&caller)?;
    let decision = body.into_inner().decision;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut h = orgs::get_hours(c, &id)?;
            if h.organisation_id != org {
                return Err(DomainError::NotFound("hours").into());
            }
            let to = ReviewStatus::parse(&h.status)?.decide(decision)?;
            let mut credited = 0;
            if to == ReviewStatus::Approved {
                let vol = orgs::get_volunteer(c, &h.volunteer_id)?;
                orgs::lock_volunteer(c, &vol.id, to_db(now))?;
                if let Some(rule) = orgs::rules_for(c, &JurisdictionPath::from_stored(h.path.clone()), &h.activity_kind)?.first() {
                    let rule = domain_rule(rule);
                    let mut same_day = orgs::approved_hours_on(c, &h.volunteer_id, &h.activity_kind, &h.day)?;
                    let before = rule.points(&approved(&same_day));
                    same_day.push(h.clone());
                    credited = rule.points(&approved(&same_day)) - before;
                }
                if credited > 0 {
                    orgs::insert_points_entry(
                        c,
                        &PointsEntryRow {
                            id: new_id(),
                            volunteer_id: vol.id,
                            path: vol.path,
                            delta: credited,
                            reason: "service".into(),
                            hours_id: Some(h.id.clone()),
                            note: None,
                            actor_id: caller.scope.account_id.clone(),
                            created_at: to_db(now),
                        },
                    )?;
                }
                h.points = Some(credited);
            }
            h.status = to.as_str().into();
            h.decided_by = Some(caller.scope.account_id.clone());
            h.decided_at = Some(to_db(now));
            orgs::update_hours(c, &h)?;
            audit(c, &caller, now, "volunteer_hours.decide", ("volunteer_hours", &h.id), &h.path, serde_json::json!({"decision": to, "points": credited}))?;
            if to == ReviewStatus::Approved {
                let payload = serde_json::json!({"hours_id": h.id, "activity_id": h.activity_id, "organisation_id": h.organisation_id, "minutes": h.minutes});
                ledgers::record(c, &h.path, EntryKind::ServiceDelivered, ("volunteer_hours", &h.id), payload, now)?;
            }
            Ok(h)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// A points rule (积分规则) of a jurisdiction's points scheme.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsRuleView {
    pub id: String,
    pub jurisdiction_id: String,
    pub activity_kind: String,
    /// `per_hour` (pro rata per minute) or `per_event`.
    pub basis: String,
    pub points: i32,
    /// At most this many points per volunteer and day for this kind.
    pub daily_cap: Option<i32>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<PointsRuleRow> for PointsRuleView {
    fn from(r: PointsRuleRow) -> Self {
        PointsRuleView { id: r.id, jurisdiction_id: r.jurisdiction_id, activity_kind: r.activity_kind, basis: r.basis, points: r.points, daily_cap: r.daily_cap, active: r.active, created_at: ts(r.created_at) }
    }
}

page_type!(PointsRulePage, PointsRuleView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPointsRule {
    pub jurisdiction_id: String,
    pub activity_kind: String,
    /// `per_hour` or `per_event`.
    pub basis: String,
    pub points: i64,
    pub daily_cap: Option<i64>,
}

/// Add a points rule for a jurisdiction (civil_affairs_admin). One active rule per kind and
/// jurisdiction; the deepest rule covering an activity's place applies.
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), request_body = NewPointsRule,
    responses((status = 201, description = "Created", body = PointsRuleView), WriteRefusals))]
#[post("/points-rules")]
pub async fn create_rule(state: web::Data<AppState>, caller: Caller, body: Json<NewPointsRule>) -> ApiResult<HttpResponse> {
    caller.require(ORG_ADMINS)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let kind = v.check(activity_kind(&b.activity_kind));
    let points = u32::try_from(b.points).ok().filter(|p| *p <= 10_000);
    if points.is_none() {
        v.push("points", "out_of_range", "points are between 1 and 10000");
    }
    let cap = match b.daily_cap.map(u32::try_from) {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(_)) => {
            v.push("daily_cap", "out_of_range", "a daily cap is a positive number");
            None
        }
    };
    let basis = match (b.basis.as_str(), points) {
        ("per_hour", Some(p)) => Some(PointsBasis::PerHour(p)),
        ("per_event", Some(p)) => Some(PointsBasis::PerEvent(p)),
        ("per_hour" | "per_event", None) => None,
        _ => {
            v.push("basis", "invalid_value", "basis must be one of: per_hour, per_event");
            None
        }
    };
    if let (Some(k), Some(basis)) = (&kind, basis) {
        v.check(PointsRule::new(k, basis, cap));
    }
    v.finish()?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let node = super::node_in_scope(c, &caller, "jurisdiction_id", &b.jurisdiction_id, None)?;
            let kind = kind.unwrap_or_default();
            if orgs::rules_for(c, &node.path(), &kind)?.iter().any(|r| r.jurisdiction_id == node.id) {
                return Err(DomainError::conflict("rule_exists", "an active rule for this kind exists here; retire it first").into());
            }
            let row = PointsRuleRow {
                id: new_id(),
                jurisdiction_id: node.id,
                path: node.path,
                activity_kind: kind,
                basis: b.basis,
                points: i32::try_from(b.points).unwrap_or(0),
                daily_cap: cap.and_then(|c| i32::try_from(c).ok()),
                active: true,
                created_at: to_db(now),
                retired_at: None,
            };
            orgs::insert_rule(c, &row)?;
            audit(c, &caller, now, "points_rule.create", ("points_rule", &row.id), &row.path, serde_json::json!({"activity_kind": row.activity_kind, "basis": row.basis, "points": row.points, "daily_cap": row.daily_cap}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(PointsRuleView::from(row)))
}

/// Points rules seated in the caller's subtree or above it.
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "A page of rules", body = PointsRulePage), ReadRefusals))]
#[get("/points-rules")]
pub async fn list_rules(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>) -> ApiResult<web::Json<PointsRulePage>> {
    caller.require(ORG_READERS)?;
    let (limit, cursor) = page.parse()?;
    let path = caller.scope.path.clone();
    let rows = state.read(move |c| orgs::list_rules(c, &path, cursor.as_deref(), limit)).await?;
    Ok(web::Json(PointsRulePage::from_rows(rows, limit, |r| r.id.clone(), PointsRuleView::from)))
}

/// Retire a points rule (civil_affairs_admin); points already credited stay.
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path, description = "Rule id")),
    responses((status = 200, description = "Retired", body = PointsRuleView), WriteRefusals))]
#[post("/points-rules/{id}/retire")]
pub async fn retire_rule(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<PointsRuleView>> {
    caller.require(ORG_ADMINS)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = orgs::get_rule(c, &id)?;
            caller.scope.check_covers(&row.path, "points rule")?;
            if !row.active {
                return Err(DomainError::transition("retired", "retire").into());
            }
            row.active = false;
            row.retired_at = Some(to_db(now));
            orgs::update_rule(c, &row)?;
            audit(c, &caller, now, "points_rule.retire", ("points_rule", &row.id), &row.path, serde_json::json!({}))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// One entry of the append-only points ledger (积分台账).
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsEntryView {
    pub id: String,
    /// Positive for service, negative for redemptions.
    pub delta: i64,
    /// `service` or `redemption`.
    pub reason: String,
    pub hours_id: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A volunteer's balance and ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsAccount {
    pub volunteer_id: String,
    /// Sum of the ledger.
    pub balance: i64,
    pub entries: Vec<PointsEntryView>,
}

fn points_account(c: &mut DbConnection, volunteer_id: &str) -> StoreResult<PointsAccount> {
    let entries = orgs::ledger_of(c, volunteer_id)?;
    Ok(PointsAccount {
        volunteer_id: volunteer_id.into(),
        balance: entries.iter().map(|e| e.delta).sum(),
        entries: entries.into_iter().map(|e| PointsEntryView { id: e.id, delta: e.delta, reason: e.reason, hours_id: e.hours_id, note: e.note, created_at: ts(e.created_at) }).collect(),
    })
}

/// A volunteer's points balance and ledger.
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path, description = "Volunteer id")),
    responses((status = 200, description = "Balance and ledger", body = PointsAccount), ReadRefusals))]
#[get("/volunteers/{id}/points")]
pub async fn points_balance(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<PointsAccount>> {
    caller.require(ORG_READERS)?;
    let out = state
        .read(move |c| {
            let v = visible_volunteer(c, &caller, &id)?;
            points_account(c, &v.id)
        })
        .await?;
    Ok(web::Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redemption {
    /// Points spent, more than zero.
    pub cost: i64,
    /// What the points buy (积分超市 item).
    pub item: String,
}

/// Redeem points (积分兑换; community_staff of the volunteer's community, civil_affairs_admin).
/// Refused with 422 `insufficient_points` when the balance is too low.
#[utoipa::path(tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path, description = "Volunteer id")), request_body = Redemption,
    responses((status = 201, description = "Redeemed; the new balance", body = PointsAccount), WriteRefusals))]
#[post("/volunteers/{id}/redemptions")]
pub async fn redeem_points(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<Redemption>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::CommunityStaff, Role::CivilAffairsAdmin])?;
    let b = body.into_inner();
    let item = text("item", &b.item, 128)?;
    let now = state.clock.now();
    let out = state
        .write(move |c| {
            let vol = visible_volunteer(c, &caller, &id)?;
            orgs::lock_volunteer(c, &vol.id, to_db(now))?;
            redeem(orgs::balance(c, &vol.id)?, b.cost)?;
            let entry = PointsEntryRow {
                id: new_id(),
                volunteer_id: vol.id.clone(),
                path: vol.path.clone(),
                delta: -b.cost,
                reason: "redemption".into(),
                hours_id: None,
                note: Some(item),
                actor_id: caller.scope.account_id.clone(),
                created_at: to_db(now),
            };
            orgs::insert_points_entry(c, &entry)?;
            audit(c, &caller, now, "points.redeem", ("volunteer", &vol.id), &vol.path, serde_json::json!({"cost": b.cost, "item": entry.note}))?;
            points_account(c, &vol.id)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}
