//! Submission, triage and handling of requests (诉求受理, 分流, 办理, 评价) through the domain's
//! state machine; each change updates the request row and appends a timeline event in one
//! transaction. Also the overdue escalation (超时督办升级) and auto-close jobs.

use super::lists::{colour_of, stored_entries};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiError, ApiResult, Problem};
use crate::json::{Json, SizedJson};
use crate::page_type;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, TimeDelta, Utc};
use gongzhi_domain::account::{mask_phone, Phone};
use gongzhi_domain::household::{mask_address, mask_name};
use gongzhi_domain::error::{optional_text, Validator};
use gongzhi_domain::jurisdiction::Level;
use gongzhi_domain::ledger::EntryKind;
use gongzhi_domain::request::list::{suggest, CategoryCode, Suggestion};
use gongzhi_domain::request::machine::{apply, Action, Actor, EventKind, RequestState};
use gongzhi_domain::request::measures::responded_in_time;
use gongzhi_domain::request::{closed_on_time, is_overdue, DeadlineHours, Rating, RequestClass, Status, Text};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::ledgers::{self, households, visits};
use gongzhi_persistence::requests::lists::{self as list_store, KIND_COMMUNITY};
use gongzhi_persistence::requests::{self as store, services, DetailRow, EventRow, Full, RequestRow, Visibility};
use gongzhi_persistence::{accounts, departments, from_db, idempotency, jurisdictions, new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

/// Roles that may see requests at all (each within its own reach); org_staff may not.
pub const READERS: &[Role] = &[
    Role::Resident,
    Role::GridWorker,
    Role::CommunityStaff,
    Role::StreetAdmin,
    Role::DepartmentStaff,
    Role::CivilAffairsAdmin,
    Role::Auditor,
    Role::SystemAdmin,
];
/// Roles that run the escalation and auto-close jobs over their subtree.
pub const JOB_RUNNERS: &[Role] = &[Role::SystemAdmin, Role::StreetAdmin];

/// The state machine's flags, stored as JSON on the request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Flags {
    replied: bool,
    has_resolution_record: bool,
    has_referral: bool,
    deliberation: bool,
    hardship: bool,
    reopen_count: u8,
    escalated: bool,
}

fn flags(d: &DetailRow) -> Flags {
    serde_json::from_str(&d.flags).unwrap_or_default()
}

/// What the machine knows of a stored request.
fn machine_state((r, d): &Full) -> RequestState {
    let f = flags(d);
    RequestState {
        status: Status::parse(&r.status).unwrap_or(Status::Submitted),
        class: r.class.as_deref().and_then(|c| RequestClass::parse(c).ok()),
        department_id: r.department_id.clone(),
        deadline: r.deadline.map(from_db),
        replied: f.replied,
        has_resolution_record: f.has_resolution_record,
        has_referral: f.has_referral,
        deliberation: f.deliberation,
        hardship: f.hardship,
        reopen_count: f.reopen_count,
        escalated: f.escalated,
    }
}

/// The list's suggestion stored at submission (`None` when the category was not listed).
pub(crate) fn stored_suggestion(d: &DetailRow) -> Option<SuggestionView> {
    serde_json::from_str::<Option<SuggestionView>>(&d.listing).ok().flatten()
}

/// What the community's responsibility list suggests for the category (分流建议).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SuggestionView {
    pub category_name: String,
    pub class: String,
    pub colour: String,
    pub department_id: Option<String>,
    pub deadline_hours: Option<u32>,
}

impl SuggestionView {
    fn domain(&self, code: &str) -> Option<Suggestion> {
        Some(Suggestion {
            code: CategoryCode::parse("category_code", code).ok()?,
            class: RequestClass::parse(&self.class).ok()?,
            department_id: self.department_id.clone(),
            deadline_hours: match self.deadline_hours {
                Some(h) => Some(DeadlineHours::parse("deadline_hours", i64::from(h)).ok()?),
                None => None,
            },
        })
    }
}

/// A request as staff, the department and the resident see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    pub id: String,
    /// The community, grid or micro-grid the request belongs to.
    pub jurisdiction_id: String,
    pub community_id: String,
    pub street_id: String,
    pub category_code: String,
    pub description: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    /// The resident's name and phone, exact address and account: in full only for those who
    /// handle requests (residents, grid workers, community, street and department staff); masked
    /// (`王**`, `138****1111`, `东洲小区***`, coordinates to 0.01°, no account) for auditors and
    /// administrators.
    pub resident_name: String,
    pub resident_phone: Option<String>,
    pub resident_account_id: Option<String>,
    /// Who filed it: the resident, or a worker on the resident's behalf (代办).
    pub filed_by: String,
    /// submitted, dispatched, returned, in_progress, resolved, closed or withdrawn.
    pub status: String,
    /// major (大事), minor (小事) or private (私事), once triaged.
    pub class: Option<String>,
    /// red, orange or yellow: the class's colour, or before triage the suggested class's.
    pub colour: Option<String>,
    /// The list's suggestion (class, department, deadline) recorded at submission.
    pub suggestion: Option<SuggestionView>,
    /// The handling department of a major matter.
    pub department_id: Option<String>,
    /// 限时办结: when it must be resolved.
    #[serde(serialize_with = "crate::common::rfc3339::serialize_opt")]
    pub deadline: Option<DateTime<Utc>>,
    /// True when the deadline passed before resolution (or, unresolved, before now).
    pub overdue: bool,
    pub replied: bool,
    pub has_resolution_record: bool,
    pub has_referral: bool,
    /// Minor: taken to a deliberation meeting (议事协商).
    pub deliberation: bool,
    /// Private: hardship case (困难帮扶).
    pub hardship: bool,
    pub reopen_count: u8,
    pub escalated: bool,
    #[serde(serialize_with = "crate::common::rfc3339::serialize")]
    pub received_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::common::rfc3339::serialize_opt")]
    pub responded_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::common::rfc3339::serialize_opt")]
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_on_time: Option<bool>,
    /// Outcome given at resolution (办结结果).
    pub result: Option<String>,
    pub rating: Option<String>,
    pub rating_comment: Option<String>,
    #[serde(serialize_with = "crate::common::rfc3339::serialize_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::common::rfc3339::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Roles that handle requests and so see residents' personal data in full.
const HANDLERS_SEEING_PII: &[Role] = &[Role::Resident, Role::GridWorker, Role::CommunityStaff, Role::StreetAdmin, Role::DepartmentStaff];

/// The bytes reserved for a request's JSON view (≈1.3 KB with a short description).
const VIEW_BYTES: usize = 2048;

pub fn view(caller: &Caller, now: DateTime<Utc>, full: Full) -> RequestView {
    let state = machine_state(&full);
    let (r, d) = full;
    let suggestion = stored_suggestion(&d);
    let full_pii = HANDLERS_SEEING_PII.contains(&caller.scope.role);
    let coarse = |v: Option<f64>| if full_pii { v } else { v.map(|x| (x * 100.0).round() / 100.0) };
    RequestView {
        overdue: is_overdue(state.deadline, r.resolved_at.map(from_db), now),
        colour: colour_of(r.class.as_deref()).or_else(|| suggestion.as_ref().map(|s| s.colour.clone())),
        suggestion,
        id: r.id,
        jurisdiction_id: d.jurisdiction_id,
        community_id: r.community_id,
        street_id: r.street_id,
        category_code: r.category_code,
        description: d.description,
        latitude: coarse(d.latitude),
        longitude: coarse(d.longitude),
        address: d.address.map(|a| if full_pii { a } else { mask_address(&a) }),
        resident_name: if full_pii { d.resident_name } else { mask_name(&d.resident_name) },
        resident_phone: d.resident_phone.map(|p| if full_pii { p } else { mask_phone(&p) }),
        resident_account_id: r.resident_account_id.filter(|_| full_pii),
        filed_by: d.filed_by,
        status: r.status,
        class: r.class,
        department_id: r.department_id,
        deadline: r.deadline.map(ts),
        replied: state.replied,
        has_resolution_record: state.has_resolution_record,
        has_referral: state.has_referral,
        deliberation: state.deliberation,
        hardship: state.hardship,
        reopen_count: state.reopen_count,
        escalated: state.escalated,
        received_at: ts(r.received_at),
        responded_at: d.responded_at.map(ts),
        resolved_at: r.resolved_at.map(ts),
        resolved_on_time: r.resolved_on_time,
        result: d.result,
        rating: r.rating,
        rating_comment: d.rating_comment,
        closed_at: d.closed_at.map(ts),
        updated_at: ts(d.updated_at),
    }
}

page_type!(RequestPage, RequestView);

/// A request the caller may see, or 404: residents their own, departments those they handle or
/// handled, everyone else those in their subtree.
pub fn load_visible(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<Full> {
    caller.scope.require(READERS)?;
    let full = store::get(c, id)?;
    let visible = match reach_of_row(caller, &full.0) {
        Some(visible) => visible,
        None => match caller.scope.department_id.as_deref() {
            Some(d) => store::handled_by(c, id, d)?,
            None => false,
        },
    };
    if visible {
        Ok(full)
    } else {
        Err(DomainError::NotFound("request").into())
    }
}

/// Whether `row` is in the caller's reach, where the row alone decides; `None` for department
/// staff, whose reach (the requests their department handles or handled) is a table of its own.
fn reach_of_row(caller: &Caller, row: &RequestRow) -> Option<bool> {
    match caller.scope.role {
        Role::Resident => Some(row.resident_account_id.as_deref() == Some(caller.scope.account_id.as_str())),
        Role::DepartmentStaff => None,
        _ => Some(caller.scope.covers(&row.path)),
    }
}

fn event(request_id: &str, now: DateTime<Utc>, actor_id: Option<&str>, actor_role: &str, kind: EventKind, data: serde_json::Value) -> EventRow {
    EventRow {
        id: new_id(),
        request_id: request_id.into(),
        at: to_db(now),
        actor_id: actor_id.map(str::to_string),
        actor_role: actor_role.into(),
        kind: kind.as_str().into(),
        data: data.to_string(),
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// A category code of the community's responsibility list (others are accepted without a suggestion).
    pub category_code: String,
    /// What is wrong (诉求内容), at most 2000 characters.
    pub description: String,
    /// WGS-84 latitude and longitude: both or neither.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Address (at most 200 characters); a location or an address is required.
    pub address: Option<String>,
    /// Staff filing on a resident's behalf: the community, grid or micro-grid (default: own node).
    pub jurisdiction_id: Option<String>,
    /// Staff filing on a resident's behalf (代办): the resident's name and mobile phone.
    pub resident_name: Option<String>,
    pub resident_phone: Option<String>,
    /// Staff filing on a resident's behalf: the resident's own account, if any.
    pub resident_account_id: Option<String>,
    /// A grid worker filing from one of their own visits (入户走访): the visit. The request is
    /// placed at the visit's household grid and the visit is linked to it (once).
    pub visit_id: Option<String>,
}

/// Checked submission fields.
pub(crate) struct Submission {
    code: CategoryCode,
    description: Text,
    latitude: Option<f64>,
    longitude: Option<f64>,
    address: Option<String>,
    on_behalf: Option<(String, Phone)>,
}

pub(crate) fn check_submission(caller: &Caller, b: &SubmitRequest) -> Result<Submission, DomainError> {
    let mut v = Validator::new();
    let code = v.check(CategoryCode::parse("category_code", &b.category_code));
    let description = v.check(Text::parse("description", &b.description));
    let address = v.check(optional_text("address", b.address.as_deref(), 200)).flatten();
    match (b.latitude, b.longitude) {
        (Some(la), Some(lo)) => {
            if !(-90.0..=90.0).contains(&la) {
                v.push("latitude", "out_of_range", "latitude must be between -90 and 90");
            }
            if !(-180.0..=180.0).contains(&lo) {
                v.push("longitude", "out_of_range", "longitude must be between -180 and 180");
            }
        }
        (None, None) if address.is_none() => v.push("address", "required", "give a location (latitude and longitude) or an address"),
        (None, None) => {}
        (Some(_), None) => v.push("longitude", "required", "latitude and longitude go together"),
        (None, Some(_)) => v.push("latitude", "required", "latitude and longitude go together"),
    }
    let on_behalf = if caller.scope.is(Role::Resident) {
        for (field, given) in [
            ("jurisdiction_id", b.jurisdiction_id.is_some()),
            ("resident_name", b.resident_name.is_some()),
            ("resident_phone", b.resident_phone.is_some()),
            ("resident_account_id", b.resident_account_id.is_some()),
            ("visit_id", b.visit_id.is_some()),
        ] {
            if given {
                v.push(field, "not_allowed", "residents file their own requests");
            }
        }
        None
    } else {
        if b.visit_id.is_some() && !caller.scope.is(Role::GridWorker) {
            v.push("visit_id", "not_allowed", "only the grid worker who made the visit files from it");
        }
        if b.visit_id.is_some() && b.jurisdiction_id.is_some() {
            v.push("jurisdiction_id", "not_allowed", "a request filed from a visit lies at the visit's household");
        }
        let name = v.text("resident_name", b.resident_name.as_deref().unwrap_or(""), 50);
        let phone = match b.resident_phone.as_deref() {
            Some(p) => v.check(Phone::parse("resident_phone", p)),
            None => {
                v.push("resident_phone", "required", "the resident's phone is required when filing on their behalf");
                None
            }
        };
        name.zip(phone)
    };
    v.finish()?;
    Ok(Submission {
        code: code.expect("checked"),
        description: description.expect("checked"),
        latitude: b.latitude,
        longitude: b.longitude,
        address,
        on_behalf,
    })
}

/// A stored idempotent response.
struct Replay {
    status: u16,
    body: String,
}

fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(v) = req.headers().get("Idempotency-Key") else { return Ok(None) };
    let k = v.to_str().unwrap_or("").trim();
    if k.is_empty() || k.len() > 255 || !k.chars().all(|c| c.is_ascii_graphic()) {
        let mut e = ApiError::validation(vec![gongzhi_domain::FieldError::new("Idempotency-Key", "invalid_value", "1–255 visible ASCII characters")]);
        e.status = StatusCode::BAD_REQUEST;
        e.code = "invalid_header".into();
        return Err(e);
    }
    Ok(Some(k.to_string()))
}

/// Submit a request (提交诉求): residents for themselves; grid workers and community staff on a
/// resident's behalf (代办). Honors `Idempotency-Key`: a retry with the same key and body returns
/// the first response; the same key with another body is refused (`idempotency_key_reused`, 422).
/// Photos are added afterwards with `POST /requests/{id}/photos`. A grid worker may file from
/// one of their own visits (`visit_id`, 入户走访): the request lies at the visit's household and
/// the visit shows it as `request_id`.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key making retries safe (1–255 visible ASCII)")),
    request_body = SubmitRequest,
    responses(
        (status = 201, description = "Submitted (or the replay of the first response for this key)", body = RequestView),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not submit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`visit_already_linked`: a request was already filed from the visit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`visit_id` not the caller's own visit), jurisdiction outside scope or not a community or below, or idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests")]
pub async fn submit(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: Json<SubmitRequest>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Resident, Role::GridWorker, Role::CommunityStaff])?;
    let key = idempotency_key(&req)?;
    let b = body.into_inner();
    let fingerprint = hex::encode(Sha256::digest(format!("POST /requests {}", serde_json::to_value(&b).unwrap_or_default()).as_bytes()));
    let s = check_submission(&caller, &b)?;
    let now = state.clock.now();
    let replay = state
        .write(move |c| {
            if let Some(k) = &key {
                if let Some(prev) = idempotency::find(c, &caller.scope.account_id, k)? {
                    if prev.fingerprint != fingerprint {
                        return Err(DomainError::rule("idempotency_key_reused", "this Idempotency-Key was used with a different request").into());
                    }
                    return Ok(Replay { status: u16::try_from(prev.status).unwrap_or(201), body: prev.body });
                }
            }
            let full = create(c, &caller, &b, s, now)?;
            let body = serde_json::to_string(&view(&caller, now, full)).unwrap_or_default();
            if let Some(k) = key {
                idempotency::insert(
                    c,
                    &idempotency::IdempotencyRow { account_id: caller.scope.account_id.clone(), idem_key: k, fingerprint, status: 201, body: body.clone(), created_at: to_db(now) },
                )?;
            }
            Ok(Replay { status: 201, body })
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::from_u16(replay.status).unwrap_or(StatusCode::CREATED)).content_type("application/json").body(replay.body))
}

/// The caller's own visit a request is filed from, not yet linked to another request.
fn own_visit(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<visits::VisitRow> {
    let unknown = || DomainError::field("visit_id", "unknown", "no such visit of yours");
    let visit = visits::get(c, id).map_err(|_| unknown())?;
    if visit.worker_id != caller.scope.account_id {
        return Err(unknown().into());
    }
    if visit.request_id.is_some() {
        return Err(DomainError::conflict("visit_already_linked", "a request was already filed from this visit").into());
    }
    Ok(visit)
}

/// Stores a checked submission with its list suggestion, the `submitted` timeline event and the
/// audit entry (one transaction, the caller's).
pub(crate) fn create(c: &mut DbConnection, caller: &Caller, b: &SubmitRequest, s: Submission, now: DateTime<Utc>) -> StoreResult<Full> {
    let outside = || DomainError::field("jurisdiction_id", "unknown", "no such community, grid or micro-grid in your scope");
    let visit = b.visit_id.as_deref().map(|id| own_visit(c, caller, id)).transpose()?;
    let (node_id, name, phone, resident_account) = match s.on_behalf {
        None => {
            let me = accounts::get(c, &caller.scope.account_id)?;
            let node = me.jurisdiction_id.clone().ok_or_else(outside)?;
            (node, me.display_name, me.phone, Some(me.id))
        }
        Some((name, phone)) => {
            let node = match &visit {
                Some(v) => Some(households::get(c, &v.household_id)?.jurisdiction_id),
                None => b.jurisdiction_id.clone().or_else(|| caller.scope.jurisdiction_id.clone()),
            };
            let node = node.ok_or_else(outside)?;
            let account = match &b.resident_account_id {
                None => None,
                Some(a) => {
                    let ok = accounts::get(c, a).ok().filter(|r| r.role == Role::Resident.as_str() && caller.scope.covers(&r.path));
                    Some(ok.ok_or_else(|| DomainError::field("resident_account_id", "unknown", "no such resident in your scope"))?.id)
                }
            };
            (node, name, Some(phone.as_str().to_string()), account)
        }
    };
    let node = jurisdictions::get(c, &node_id).map_err(|_| outside())?;
    let ids: Vec<String> = node.path().ids().into_iter().map(str::to_string).collect();
    if !caller.scope.covers(&node.path) && !caller.scope.is(Role::Resident) || node.level() < Level::Community || ids.len() < 3 {
        return Err(outside().into());
    }
    let listing = match list_store::current(c, KIND_COMMUNITY, &ids[2])? {
        Some(version) => {
            let entries = stored_entries(&version)?;
            let entry = entries.iter().find(|e| e.code == s.code).cloned();
            suggest(&entries, &s.code).zip(entry).map(|(sg, e)| SuggestionView {
                category_name: e.name,
                class: sg.class.as_str().into(),
                colour: sg.class.colour().into(),
                department_id: sg.department_id,
                deadline_hours: sg.deadline_hours.map(DeadlineHours::get),
            })
        }
        None => None,
    };
    let id = new_id();
    let row = RequestRow::submitted(id.clone(), node.path.clone(), ids[2].clone(), ids[1].clone(), s.code.as_str().into(), resident_account, to_db(now));
    let detail = DetailRow {
        id: id.clone(),
        jurisdiction_id: node.id.clone(),
        description: s.description.as_str().into(),
        latitude: s.latitude,
        longitude: s.longitude,
        address: s.address,
        resident_name: name,
        resident_phone: phone,
        filed_by: caller.scope.account_id.clone(),
        listing: serde_json::to_string(&listing).unwrap_or_else(|_| "null".into()),
        flags: serde_json::to_string(&Flags::default()).unwrap_or_default(),
        responded_at: None,
        result: None,
        rating_comment: None,
        closed_at: None,
        updated_at: to_db(now),
    };
    store::insert(c, &row, &detail)?;
    if let Some(v) = &visit {
        visits::set_request(c, &v.id, &id)?;
    }
    let data = serde_json::json!({"status": row.status, "category_code": row.category_code, "on_behalf": !caller.scope.is(Role::Resident), "suggestion": listing, "visit_id": b.visit_id});
    store::insert_event(c, &event(&id, now, Some(&caller.scope.account_id), caller.scope.role.as_str(), EventKind::Submitted, data.clone()))?;
    audit(c, caller, now, "request.submit", ("request", &id), &row.path, data)?;
    Ok((row, detail))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    /// submitted, dispatched, returned, in_progress, resolved, closed or withdrawn.
    pub status: Option<String>,
    /// major, minor or private.
    pub class: Option<String>,
    pub community_id: Option<String>,
    /// Current handling department.
    pub department_id: Option<String>,
    pub category_code: Option<String>,
    /// true: only unresolved requests past their deadline now (超时).
    pub overdue: Option<bool>,
}

/// Requests the caller may see (residents: their own; departments: those they handle or
/// handled; staff and auditors: their subtree), with filters, in id order.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(RequestFilter, PageParams),
    responses(
        (status = 200, description = "A page of requests", body = RequestPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read requests", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown status or class", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests")]
pub async fn list(state: web::Data<AppState>, caller: Caller, f: web::Query<RequestFilter>, page: web::Query<PageParams>) -> ApiResult<SizedJson<RequestPage>> {
    caller.require(READERS)?;
    let (limit, cursor) = page.parse()?;
    let f = f.into_inner();
    if let Some(s) = &f.status {
        Status::parse(s)?;
    }
    if let Some(c) = &f.class {
        RequestClass::parse(c)?;
    }
    let now = state.clock.now();
    let who = match caller.scope.role {
        Role::Resident => Visibility::Resident(caller.scope.account_id.clone()),
        Role::DepartmentStaff => Visibility::Department(caller.scope.department_id.clone().unwrap_or_default()),
        _ => Visibility::Subtree(caller.scope.path.clone()),
    };
    let filter = store::Filter {
        status: f.status,
        class: f.class,
        community_id: f.community_id,
        department_id: f.department_id,
        category_code: f.category_code.map(|c| c.trim().to_ascii_uppercase()),
        overdue_at: f.overdue.filter(|o| *o).map(|_| to_db(now)),
    };
    let rows = state.read(move |c| store::list(c, &who, &filter, cursor.as_deref(), limit)).await?;
    let page = RequestPage::from_rows(rows, limit, |r| r.0.id.clone(), |r| view(&caller, now, r));
    let size = page.items.len() * VIEW_BYTES + 128;
    Ok(SizedJson::new(page, size))
}

/// One request in the caller's reach, with its colour, suggestion and overdue flag.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request in reach", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<SizedJson<RequestView>> {
    let now = state.clock.now();
    caller.scope.require(READERS)?;
    // Ids are UUIDs; anything else is no request (and must not reach a statement shared with other
    // callers' lookups, workers.rs: PostgreSQL refuses a NUL character in text, for instance).
    if uuid::Uuid::try_parse(&id).is_err() {
        return Err(DomainError::NotFound("request").into());
    }
    let full = if caller.scope.role == Role::DepartmentStaff {
        let c2 = caller.clone();
        state.read(move |c| load_visible(c, &c2, &id)).await?
    } else {
        // The row decides the reach.
        let full = state.look_up_request(id.into_inner()).await?;
        if reach_of_row(&caller, &full.0) != Some(true) {
            return Err(DomainError::NotFound("request").into());
        }
        full
    };
    Ok(SizedJson::new(view(&caller, now, full), VIEW_BYTES))
}

/// An action on a request; `action` names it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionBody {
    /// 分流 (community_staff): class; major needs department_id and deadline_hours; overriding the
    /// list's suggestion needs a reason.
    Triage { class: String, department_id: Option<String>, deadline_hours: Option<i64>, reason: Option<String> },
    /// 接单 (the assigned department).
    Accept,
    /// 退单 (the assigned department), with a reason.
    Return { reason: String },
    /// 街道裁定 (street_admin): re-dispatch a returned matter.
    StreetDecide { department_id: String, deadline_hours: i64, reason: String },
    /// 办理进展: a progress note.
    AddNote { text: String },
    /// 逐一回复: reply to the resident (required before resolving a major matter).
    Reply { text: String },
    /// Minor: how the matter was settled (协商结果).
    RecordResolution { text: String },
    /// Minor: taken to a deliberation meeting (一事一议).
    MarkDeliberation { text: String },
    /// Private: referral to an entry of the community's service directory.
    Refer { service_id: String, note: Option<String> },
    /// Private: hardship case (困难帮扶).
    FlagHardship { reason: String },
    /// 办结 / 销号 with the result.
    Resolve { result: String },
    /// 督办: a reminder (street_admin, community_staff).
    Remind { text: Option<String> },
    /// Escalate an overdue request (street_admin).
    Escalate { reason: Option<String> },
    /// 评价 (the resident): satisfied, basically_satisfied or dissatisfied; the first dissatisfied
    /// rating reopens the request once.
    Rate { rating: String, comment: Option<String> },
    /// 撤回 (the resident).
    Withdraw { reason: Option<String> },
}

fn to_action(b: &ActionBody, suggestion: Option<Suggestion>) -> Result<Action, DomainError> {
    let t = |field: &str, s: &str| Text::parse(field, s);
    let opt = |field: &str, s: &Option<String>| Text::parse_optional(field, s.as_deref());
    Ok(match b {
        ActionBody::Triage { class, department_id, deadline_hours, reason } => {
            let mut v = Validator::new();
            let class = v.check(RequestClass::parse(class));
            let hours = deadline_hours.and_then(|h| v.check(DeadlineHours::parse("deadline_hours", h)));
            let reason = v.check(opt("reason", reason)).flatten();
            v.finish()?;
            Action::Triage { class: class.expect("checked"), department_id: department_id.clone(), deadline_hours: hours, reason, suggestion }
        }
        ActionBody::Accept => Action::Accept,
        ActionBody::Return { reason } => Action::Return { reason: t("reason", reason)? },
        ActionBody::StreetDecide { department_id, deadline_hours, reason } => {
            let mut v = Validator::new();
            let hours = v.check(DeadlineHours::parse("deadline_hours", *deadline_hours));
            let reason = v.check(t("reason", reason));
            v.finish()?;
            Action::StreetDecide { department_id: department_id.clone(), deadline_hours: hours.expect("checked"), reason: reason.expect("checked") }
        }
        ActionBody::AddNote { text } => Action::AddNote { text: t("text", text)? },
        ActionBody::Reply { text } => Action::Reply { text: t("text", text)? },
        ActionBody::RecordResolution { text } => Action::RecordResolution { text: t("text", text)? },
        ActionBody::MarkDeliberation { text } => Action::MarkDeliberation { text: t("text", text)? },
        ActionBody::Refer { service_id, note } => Action::Refer { service_id: service_id.clone(), note: opt("note", note)? },
        ActionBody::FlagHardship { reason } => Action::FlagHardship { reason: t("reason", reason)? },
        ActionBody::Resolve { result } => Action::Resolve { result: t("result", result)? },
        ActionBody::Remind { text } => Action::Remind { text: opt("text", text)? },
        ActionBody::Escalate { reason } => Action::Escalate { reason: opt("reason", reason)? },
        ActionBody::Rate { rating, comment } => {
            let mut v = Validator::new();
            let rating = v.check(Rating::parse(rating));
            let comment = v.check(Text::parse_comment(comment.as_deref())).flatten();
            v.finish()?;
            Action::Rate { rating: rating.expect("checked"), comment }
        }
        ActionBody::Withdraw { reason } => Action::Withdraw { reason: opt("reason", reason)? },
    })
}

/// Referenced departments and directory entries must exist, be active and be in reach.
fn check_references(c: &mut DbConnection, r: &RequestRow, action: &Action) -> StoreResult<()> {
    let department = match action {
        Action::Triage { department_id: Some(d), .. } => Some(d.trim()),
        Action::StreetDecide { department_id, .. } => Some(department_id.trim()),
        _ => None,
    };
    if let Some(d) = department.filter(|d| !d.is_empty()) {
        let ok = departments::get(c, d).ok().is_some_and(|row| row.active && departments::is_visible(&row, &gongzhi_domain::jurisdiction::JurisdictionPath::from_stored(r.path.clone())));
        if !ok {
            return Err(DomainError::field("department_id", "unknown_department", "no such active department for this request").into());
        }
    }
    if let Action::Refer { service_id, .. } = action {
        let ok = services::get(c, service_id.trim()).ok().is_some_and(|s| s.active && s.community_id == r.community_id);
        if !ok {
            return Err(DomainError::field("service_id", "unknown_service", "no such active entry in the community's service directory").into());
        }
    }
    Ok(())
}

/// Who acts, for the timeline.
struct ActorInfo<'a> {
    caller: &'a Caller,
    /// The scheduler acting (on the caller's command) rather than the caller.
    system: bool,
}

/// Applies an action: checks it with the machine, writes the new state, the timeline event and
/// the audit entry. Returns the updated request.
fn perform(c: &mut DbConnection, who: ActorInfo, full: Full, action: &Action, data: serde_json::Value, now: DateTime<Utc>) -> StoreResult<Full> {
    let state = machine_state(&full);
    let actor = if who.system { Actor::System } else { Actor::from_scope(&who.caller.scope) };
    let tr = apply(&state, actor, action, now)?;
    let (mut r, mut d) = full;
    check_references(c, &r, action)?;
    let next = &tr.state;
    r.status = next.status.as_str().into();
    r.class = next.class.map(|k| k.as_str().to_string());
    r.department_id = next.department_id.clone();
    r.deadline = next.deadline.map(to_db);
    if let Some(dep) = &next.department_id {
        store::add_handler(c, &r.id, dep, to_db(now))?;
    }
    if d.responded_at.is_none() && next.status == Status::InProgress {
        d.responded_at = Some(to_db(now));
        r.responded_in_time = Some(responded_in_time(from_db(r.received_at), now));
    }
    match (action, tr.event) {
        (Action::Resolve { result }, _) => {
            r.resolved_at = Some(to_db(now));
            r.resolved_on_time = Some(closed_on_time(next.deadline, now));
            r.handling_seconds = Some(i32::try_from((now - from_db(r.received_at)).num_seconds()).unwrap_or(i32::MAX));
            d.result = Some(result.as_str().into());
        }
        (Action::Rate { .. }, EventKind::Reopened) => {
            r.resolved_at = None;
            r.resolved_on_time = None;
            r.handling_seconds = None;
            r.rating = None;
            d.rating_comment = None;
            d.result = None;
        }
        (Action::Rate { rating, comment }, _) => {
            r.rating = Some(rating.as_str().into());
            d.rating_comment = comment.as_ref().map(|t| t.as_str().to_string());
        }
        _ => {}
    }
    if next.status.is_final() {
        d.closed_at = Some(to_db(now));
    }
    d.flags = serde_json::to_string(&Flags {
        replied: next.replied,
        has_resolution_record: next.has_resolution_record,
        has_referral: next.has_referral,
        deliberation: next.deliberation,
        hardship: next.hardship,
        reopen_count: next.reopen_count,
        escalated: next.escalated,
    })
    .unwrap_or_default();
    d.updated_at = to_db(now);
    store::update(c, &r, &d)?;
    let mut data = data;
    if let Some(o) = data.as_object_mut() {
        o.insert("status".into(), r.status.clone().into());
    }
    let role = if who.system { "system" } else { who.caller.scope.role.as_str() };
    store::insert_event(c, &event(&r.id, now, Some(&who.caller.scope.account_id), role, tr.event, data.clone()))?;
    audit(c, who.caller, now, &format!("request.{}", action.name()), ("request", &r.id), &r.path, data)?;
    if matches!(action, Action::Resolve { .. }) {
        let payload = serde_json::json!({
            "request_id": r.id,
            "category_code": r.category_code,
            "class": r.class,
            "on_time": r.resolved_on_time,
            "handling_hours": r.handling_seconds.map(|s| s / 3600),
        });
        ledgers::record(c, &r.path, EntryKind::RequestClosed, ("request", &r.id), payload, now)?;
    }
    Ok((r, d))
}

/// Act on a request (分流, 接单, 退单, 街道裁定, 进展, 回复, 协商, 转介, 帮扶, 办结, 督办, 升级, 评价, 撤回).
/// The domain state machine decides: wrong role or not the handler → 403; not allowed from the
/// current status → 409 `invalid_transition`; conflicts (`already_escalated`, `already_marked`,
/// `already_flagged`, `unclassified`) → 409; rules (`wrong_class`, `reply_required`,
/// `resolution_required`, `follow_up_required`, `not_overdue`) and bad data → 422. Resolving
/// (办结销号) appends a `request_closed` entry to the community ledger in the same transaction.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    request_body = ActionBody,
    responses(
        (status = 200, description = "The request after the action", body = RequestView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not take this action on this request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request in reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status, or a conflict", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid data or a rule refuses", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/{id}/actions")]
pub async fn act(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<ActionBody>) -> ApiResult<web::Json<RequestView>> {
    caller.require(READERS)?;
    let b = body.into_inner();
    let now = state.clock.now();
    let c2 = caller.clone();
    let full = state
        .write(move |c| {
            let full = load_visible(c, &c2, &id)?;
            let suggestion = stored_suggestion(&full.1).and_then(|s| s.domain(&full.0.category_code));
            let action = to_action(&b, suggestion)?;
            let data = serde_json::to_value(&b).unwrap_or_default();
            perform(c, ActorInfo { caller: &c2, system: false }, full, &action, data, now)
        })
        .await?;
    Ok(web::Json(view(&caller, now, full)))
}

/// A timeline entry (append-only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    /// The actor's role, or `system` for the scheduler's actions.
    pub actor_role: String,
    /// submitted, triaged, accepted, returned, street_decided, note_added, replied, …
    pub kind: String,
    /// The event's facts (reason, text, department, deadline, rating…) and the resulting status.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

page_type!(EventPage, EventView);

/// The request's timeline (办理过程): every state change, note, reply, reassignment and rating.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id"), PageParams),
    responses(
        (status = 200, description = "A page of events, oldest first", body = EventPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request in reach", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests/{id}/timeline")]
pub async fn timeline(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, page: web::Query<PageParams>) -> ApiResult<web::Json<EventPage>> {
    let (limit, cursor) = page.parse()?;
    let rows = state
        .read(move |c| {
            load_visible(c, &caller, &id)?;
            store::events(c, &id, cursor.as_deref(), limit)
        })
        .await?;
    Ok(web::Json(EventPage::from_rows(rows, limit, |e| e.id.clone(), |e| EventView {
        data: serde_json::from_str(&e.data).unwrap_or_default(),
        id: e.id,
        at: ts(e.at),
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        kind: e.kind,
    })))
}

/// What a job did.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobResult {
    /// The instant the job ran at (the clock's now).
    pub at: DateTime<Utc>,
    /// Ids of the requests changed, in id order.
    pub request_ids: Vec<String>,
}

/// Runs `action` as the scheduler on every candidate the machine accepts; others are skipped.
fn run_job(c: &mut DbConnection, caller: &Caller, ids: Vec<String>, action: impl Fn(&Full) -> Action, job: &str, now: DateTime<Utc>) -> StoreResult<Vec<String>> {
    let mut done = Vec::new();
    for id in ids {
        let full = store::get(c, &id)?;
        let a = action(&full);
        if apply(&machine_state(&full), Actor::System, &a, now).is_err() {
            continue;
        }
        let data = serde_json::json!({"action": a.name(), "job": job, "triggered_by": caller.scope.role.as_str()});
        perform(c, ActorInfo { caller, system: true }, full, &a, data, now)?;
        done.push(id);
    }
    Ok(done)
}

/// Escalate every overdue request in the caller's subtree (超时升级督办), at the clock's now:
/// dispatched or in-progress requests past their deadline and not yet escalated. Each gets an
/// `escalated` timeline event by `system`, and an audit entry naming the caller who ran the job.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The requests escalated", body = JobResult),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only system_admin and street_admin run this job", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/escalate-overdue")]
pub async fn escalate_overdue(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<JobResult>> {
    caller.require(JOB_RUNNERS)?;
    let now = state.clock.now();
    let ids = state
        .write(move |c| {
            let ids = store::due(c, &caller.scope.path, &["dispatched", "in_progress"], true, to_db(now))?;
            run_job(c, &caller, ids, |_| Action::Escalate { reason: None }, "escalate-overdue", now)
        })
        .await?;
    Ok(web::Json(JobResult { at: now, request_ids: ids }))
}

/// Close unrated resolved requests (自动办结) in the caller's subtree whose rating window
/// (`GONGZHI_AUTO_CLOSE_DAYS`, default 7 days after resolution) has passed at the clock's now.
/// Meant to run daily from a scheduler; each closure is an `auto_closed` timeline event by `system`.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The requests closed", body = JobResult),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only system_admin and street_admin run this job", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/auto-close")]
pub async fn auto_close(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<JobResult>> {
    caller.require(JOB_RUNNERS)?;
    let now = state.clock.now();
    let days = state.config.auto_close_days;
    let ids = state
        .write(move |c| {
            let cutoff = now - TimeDelta::days(i64::from(days));
            let ids = store::due(c, &caller.scope.path, &["resolved"], false, to_db(cutoff))?;
            let action = |full: &Full| Action::AutoClose { resolved_at: full.0.resolved_at.map(from_db).unwrap_or(now), rating_days: days };
            run_job(c, &caller, ids, action, "auto-close", now)
        })
        .await?;
    Ok(web::Json(JobResult { at: now, request_ids: ids }))
}
