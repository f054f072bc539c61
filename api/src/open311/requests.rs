//! Service requests (诉求) through Open311: filing on a resident's behalf by a service account
//! (e.g. the 12345 hotline), the public anonymised search, one request, and tokens.
//!
//! Privacy (信息公开, as `/api/v1/public/...`): without an api_key no names, phones, descriptions,
//! exact addresses or staff-written texts (`status_notes`, which may name people) are shown, and
//! private matters (私事) are left out; `address` is the community's name and `lat`/`long` are
//! rounded to 3 decimals (about 100 m). With the api_key of a service account covering the
//! community, `description`, `status_notes`, `address` and exact coordinates are shown, and
//! private matters listed (never the resident's name or phone).

use super::format::{list as render_list, opt_text, text, Field, Open311Error, Record};
use super::services::entries;
use super::{check_covers, community, required_jurisdiction, service_caller, ErrorItem, Ext};
use crate::auth::Caller;
use crate::routes::requests::handling::{check_submission, create as create_request, stored_suggestion, SubmitRequest};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use gongzhi_domain::request::{RequestClass, Status};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::jurisdictions::JurisdictionRow;
use gongzhi_persistence::requests::{self as store, Full, Search};
use gongzhi_persistence::{accounts, departments, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// Most requests one search returns (the specification's limit).
const MAX_RESULTS: i64 = 1000;
/// Widest date range of a search, and the default range back from now.
const MAX_RANGE_DAYS: i64 = 90;

/// A trimmed, non-empty form or query value.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn time(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `open` or `closed`: resolved, closed and withdrawn requests are closed.
fn open311_status(status: Status) -> &'static str {
    if matches!(status, Status::Resolved | Status::Closed | Status::Withdrawn) {
        "closed"
    } else {
        "open"
    }
}

/// What happens next, from the class (三事分流) and the handling department.
fn notice(status: Status, class: Option<RequestClass>, department: Option<&str>, deadline: Option<NaiveDateTime>) -> String {
    match (status, class) {
        (Status::Submitted, Some(c)) => format!("Received (已受理), awaiting triage by the community (待分流); suggested class: {}", c.label_zh()),
        (Status::Submitted, None) => "Received (已受理), awaiting triage by the community (待分流)".into(),
        (_, Some(RequestClass::Major)) => {
            let due = deadline.map(|d| format!(", due {} (限时办结)", time(d))).unwrap_or_default();
            format!("{}: handled by {}{due}", RequestClass::Major.label_zh(), department.unwrap_or("a government department"))
        }
        (_, Some(RequestClass::Minor)) => format!("{}: settled by the community with the residents (共商共议)", RequestClass::Minor.label_zh()),
        (_, Some(RequestClass::Private)) => format!("{}: self-help or mutual help, with referral to services (自助互助)", RequestClass::Private.label_zh()),
        (_, None) => "Being handled (办理中)".into(),
    }
}

/// The form of `POST requests` (application/x-www-form-urlencoded).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PostRequestForm {
    /// `<client_id>:<client_secret>` of a service account (服务账号), e.g. the 12345 hotline's.
    pub api_key: Option<String>,
    /// The community's id.
    pub jurisdiction_id: Option<String>,
    /// A category code of the community's responsibility list.
    pub service_code: Option<String>,
    /// WGS-84 latitude and longitude: both, or an address_string / address_id.
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    /// Used as the address when no address_string is given.
    pub address_id: Option<String>,
    /// Accepted, not stored (data minimisation).
    #[allow(dead_code)]
    pub email: Option<String>,
    /// Accepted, not stored.
    #[allow(dead_code)]
    pub device_id: Option<String>,
    /// Accepted, not stored: the resident's account here is found by phone.
    #[allow(dead_code)]
    pub account_id: Option<String>,
    /// The resident's name: first_name and last_name (at least one).
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The resident's mainland mobile number (required by the platform's rules).
    pub phone: Option<String>,
    /// What is wrong (诉求内容), required.
    pub description: Option<String>,
    /// A photo's URL, kept at the end of the description.
    pub media_url: Option<String>,
}

/// Chinese names are family name first, without a space; others `first last`.
fn resident_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let cjk = |s: &str| s.chars().all(|c| ('\u{3400}'..='\u{9fff}').contains(&c) || c == '·');
    match (first, last) {
        (Some(f), Some(l)) if cjk(f) && cjk(l) => Some(format!("{l}{f}")),
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (a, b) => a.or(b).map(str::to_string),
    }
}

/// The Open311 name of a field of the platform's submission.
fn open311_field(field: &str) -> &str {
    match field {
        "category_code" => "service_code",
        "latitude" => "lat",
        "longitude" => "long",
        "address" => "address_string",
        "resident_name" => "first_name/last_name",
        "resident_phone" => "phone",
        other => other,
    }
}

fn coordinate(field: &str, value: Option<&str>) -> Result<Option<f64>, Open311Error> {
    value
        .map(|v| v.parse::<f64>().map_err(|_| Open311Error::new(400, format!("{field}: must be a decimal number (WGS-84 degrees)"))))
        .transpose()
}

/// The platform's submission for the form, and the resident's phone.
fn submission(f: &PostRequestForm, jurisdiction_id: String) -> Result<SubmitRequest, Open311Error> {
    let address = given(&f.address_string).or(given(&f.address_id)).map(str::to_string);
    let description = match (given(&f.description), given(&f.media_url)) {
        (Some(d), Some(m)) => format!("{d}\n\nmedia_url: {m}"),
        (d, _) => d.unwrap_or("").to_string(),
    };
    Ok(SubmitRequest {
        category_code: given(&f.service_code).unwrap_or("").to_string(),
        description,
        latitude: coordinate("lat", given(&f.lat))?,
        longitude: coordinate("long", given(&f.long))?,
        address,
        jurisdiction_id: Some(jurisdiction_id),
        resident_name: resident_name(given(&f.first_name), given(&f.last_name)),
        resident_phone: given(&f.phone).map(str::to_string),
        resident_account_id: None,
        visit_id: None,
    })
}

/// The answer to `POST requests`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub service_request_id: String,
    pub service_notice: String,
    /// The resident's account here, when one has the given phone.
    pub account_id: Option<String>,
}

impl Created {
    fn record(self) -> Record {
        vec![("service_request_id", text(self.service_request_id)), ("service_notice", text(self.service_notice)), ("account_id", opt_text(self.account_id))]
    }
}

/// The resident's own account (by phone), so the resident can follow and rate the request.
fn resident_account(c: &mut DbConnection, caller: &Caller, phone: &str) -> StoreResult<Option<String>> {
    Ok(accounts::find_by_login(c, phone)?
        .filter(|a| a.role == Role::Resident.as_str() && a.is_active() && caller.scope.covers(&a.path))
        .map(|a| a.id))
}

async fn file(state: &AppState, req: &HttpRequest, f: PostRequestForm) -> Result<Created, Open311Error> {
    let api_key = given(&f.api_key).ok_or_else(|| Open311Error::new(403, "api_key is required"))?;
    let caller = service_caller(state, req, api_key).await?;
    let jurisdiction_id = required_jurisdiction(f.jurisdiction_id.as_deref())?;
    let mut body = submission(&f, jurisdiction_id.clone())?;
    let checked = check_submission(&caller, &body).map_err(|e| match e {
        DomainError::Validation(errors) => {
            Open311Error::new(400, errors.iter().map(|e| format!("{}: {}", open311_field(&e.field), e.message)).collect::<Vec<_>>().join("; "))
        }
        other => crate::error::ApiError::from(other).into(),
    })?;
    let now = state.clock.now();
    Ok(state
        .write(move |c| {
            let node = community(c, &jurisdiction_id)?;
            if !caller.scope.covers(&node.path) {
                return Err(DomainError::Forbidden("this api_key is not valid for this jurisdiction_id".into()).into());
            }
            if !entries(c, &node.id)?.iter().any(|e| e.code.as_str() == body.category_code.trim().to_ascii_uppercase()) {
                return Err(DomainError::rule("unknown_service", "service_code: not a service of this jurisdiction (see GET services)").into());
            }
            body.resident_account_id = match &body.resident_phone {
                Some(p) => resident_account(c, &caller, p)?,
                None => None,
            };
            let (r, d) = create_request(c, &caller, &body, checked, now)?;
            let class = stored_suggestion(&d).and_then(|s| RequestClass::parse(&s.class).ok());
            Ok(Created { service_notice: notice(Status::Submitted, class, None, None), service_request_id: r.id, account_id: r.resident_account_id })
        })
        .await?)
}

/// File a request (提交诉求) on a resident's behalf (代办), as a department's system such as the
/// 12345 hotline: `api_key` is `<client_id>:<client_secret>` of a service account (create one with
/// `POST /api/v1/service-accounts`); the community must be inside the account's subtree. The
/// request goes through the same submission as `POST /api/v1/requests` (list suggestion, timeline
/// event, audit entry). The resident's phone is required; a resident account with that phone is
/// linked. Rate limited like logins.
#[utoipa::path(
    tag = "open311",
    params(("format" = String, Path, description = "`json` or `xml`")),
    request_body(content = PostRequestForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 201, description = "Created (XML: `<service_requests><request>…</request></service_requests>`)", content(
            (Vec<Created> = "application/json"),
            (Vec<Created> = "application/xml"),
        )),
        (status = 400, description = "jurisdiction_id or a required field missing or invalid (phone, description, service_code, a location or address), service_code not on the community's list, or a malformed form", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 403, description = "Invalid api_key, or the api_key's service account does not cover jurisdiction_id", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 404, description = "Unknown format or jurisdiction_id", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 413, description = "Form too large", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 429, description = "Too many api_key attempts", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
    )
)]
#[post("/requests.{format}")]
pub async fn create(state: web::Data<AppState>, ext: Ext, req: HttpRequest, form: web::Form<PostRequestForm>) -> HttpResponse {
    let body = file(&state, &req, form.into_inner()).await.map(|c| render_list(ext.0, "service_requests", "request", &[c.record()]));
    ext.reply(StatusCode::CREATED, body)
}

/// A request as Open311 shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRequest {
    pub service_request_id: String,
    /// `open` or `closed` (resolved, closed and withdrawn requests are closed).
    pub status: String,
    /// The official reply (逐一回复) or the result given at resolution (办结结果); only with the
    /// api_key of a service account covering the community.
    pub status_notes: Option<String>,
    pub service_name: Option<String>,
    pub service_code: String,
    /// Only with the api_key of a service account covering the community.
    pub description: Option<String>,
    /// The handling department of a major matter, else the community.
    pub agency_responsible: String,
    pub service_notice: String,
    pub requested_datetime: String,
    pub updated_datetime: String,
    /// The deadline (限时办结).
    pub expected_datetime: Option<String>,
    /// The community's name; the address given only with an api_key.
    pub address: String,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    /// Rounded to 3 decimals without an api_key.
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
}

impl ServiceRequest {
    fn record(self) -> Record {
        let float = |v: Option<f64>| v.map(Field::Float).unwrap_or(Field::Null);
        vec![
            ("service_request_id", text(self.service_request_id)),
            ("status", text(self.status)),
            ("status_notes", opt_text(self.status_notes)),
            ("service_name", opt_text(self.service_name)),
            ("service_code", text(self.service_code)),
            ("description", opt_text(self.description)),
            ("agency_responsible", text(self.agency_responsible)),
            ("service_notice", text(self.service_notice)),
            ("requested_datetime", text(self.requested_datetime)),
            ("updated_datetime", text(self.updated_datetime)),
            ("expected_datetime", opt_text(self.expected_datetime)),
            ("address", text(self.address)),
            ("address_id", opt_text(self.address_id)),
            ("zipcode", opt_text(self.zipcode)),
            ("lat", float(self.lat)),
            ("long", float(self.long)),
            ("media_url", opt_text(self.media_url)),
        ]
    }
}

/// Renders requests of `node`: with `full`, description, address and exact coordinates.
fn shown(c: &mut DbConnection, node: &JurisdictionRow, rows: Vec<Full>, full: bool) -> StoreResult<Vec<ServiceRequest>> {
    let ids: Vec<String> = rows.iter().map(|r| r.0.id.clone()).collect();
    let replies = store::latest_texts(c, &ids, gongzhi_domain::request::machine::EventKind::Replied.as_str())?;
    let names: HashMap<String, String> = entries(c, &node.id)?.into_iter().map(|e| (e.code.as_str().to_string(), e.name)).collect();
    let mut departments_by_id: HashMap<String, String> = HashMap::new();
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let mut out = Vec::with_capacity(rows.len());
    for (r, d) in rows {
        let status = Status::parse(&r.status).unwrap_or(Status::Submitted);
        let class = r.class.as_deref().and_then(|k| RequestClass::parse(k).ok());
        if !full && class == Some(RequestClass::Private) {
            continue;
        }
        let department = match (&r.department_id, class) {
            (Some(id), Some(RequestClass::Major)) => {
                if !departments_by_id.contains_key(id) {
                    let name = departments::get(c, id)?.name;
                    departments_by_id.insert(id.clone(), name);
                }
                departments_by_id.get(id).cloned()
            }
            _ => None,
        };
        let suggestion = stored_suggestion(&d);
        let class_or_suggested = class.or_else(|| suggestion.as_ref().and_then(|s| RequestClass::parse(&s.class).ok()));
        out.push(ServiceRequest {
            status: open311_status(status).into(),
            status_notes: d.result.clone().or_else(|| replies.get(&r.id).cloned()).filter(|_| full),
            service_name: suggestion.map(|s| s.category_name).or_else(|| names.get(&r.category_code).cloned()),
            description: full.then(|| d.description.clone()),
            agency_responsible: department.clone().unwrap_or_else(|| node.name.clone()),
            service_notice: notice(status, class_or_suggested, department.as_deref(), r.deadline),
            requested_datetime: time(r.received_at),
            updated_datetime: time(d.updated_at),
            expected_datetime: r.deadline.map(time),
            address: d.address.clone().filter(|_| full).unwrap_or_else(|| node.name.clone()),
            address_id: None,
            zipcode: None,
            lat: d.latitude.map(|v| if full { v } else { round(v) }),
            long: d.longitude.map(|v| if full { v } else { round(v) }),
            media_url: None,
            service_code: r.category_code,
            service_request_id: r.id,
        });
    }
    Ok(out)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The community's id (required).
    pub jurisdiction_id: Option<String>,
    /// Comma-separated request ids; when given, the other filters are ignored.
    pub service_request_id: Option<String>,
    /// Comma-separated service codes.
    pub service_code: Option<String>,
    /// Earliest requested_datetime (ISO 8601 with zone); default: end_date − 90 days.
    pub start_date: Option<String>,
    /// Latest requested_datetime; default: start_date + 90 days, or now. At most 90 days after start_date.
    pub end_date: Option<String>,
    /// `open` and/or `closed`, comma-separated.
    pub status: Option<String>,
    /// Optional: `<client_id>:<client_secret>` of a service account covering the community, to see descriptions, addresses and exact coordinates.
    pub api_key: Option<String>,
}

fn date(field: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, Open311Error> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| Open311Error::new(400, format!("{field}: expected an ISO 8601 date-time with a zone, e.g. 2026-03-01T00:00:00Z")))
        })
        .transpose()
}

fn comma_list(value: Option<&str>) -> Vec<String> {
    value.map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()).unwrap_or_default()
}

/// The store's search for the parameters (the specification's defaults and limits).
fn search_of(p: &SearchParams, now: DateTime<Utc>) -> Result<Search, Open311Error> {
    let ids = comma_list(given(&p.service_request_id));
    if ids.len() > MAX_RESULTS as usize {
        return Err(Open311Error::new(400, format!("service_request_id: at most {MAX_RESULTS} ids")));
    }
    if !ids.is_empty() {
        return Ok(Search { ids: Some(ids), ..Search::default() });
    }
    let range = TimeDelta::days(MAX_RANGE_DAYS);
    let (start, end) = match (date("start_date", given(&p.start_date))?, date("end_date", given(&p.end_date))?) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s + range),
        (None, Some(e)) => (e - range, e),
        (None, None) => (now - range, now),
    };
    if end < start {
        return Err(Open311Error::new(400, "end_date is before start_date"));
    }
    if end - start > range {
        return Err(Open311Error::new(400, format!("the date range may not span more than {MAX_RANGE_DAYS} days")));
    }
    let mut statuses = Vec::new();
    for s in comma_list(given(&p.status)) {
        let closed = match s.as_str() {
            "open" => false,
            "closed" => true,
            _ => return Err(Open311Error::new(400, "status: use open or closed")),
        };
        statuses.extend(Status::ALL.iter().filter(|st| (open311_status(**st) == "closed") == closed).map(|st| st.as_str().to_string()));
    }
    Ok(Search {
        ids: None,
        category_codes: comma_list(given(&p.service_code)).into_iter().map(|c| c.to_ascii_uppercase()).collect(),
        statuses,
        received_from: Some(to_db(start)),
        received_to: Some(to_db(end)),
    })
}

/// True when a valid api_key covering the community was given (403 for a wrong one).
async fn full_view(state: &AppState, req: &HttpRequest, api_key: Option<&str>, node: &JurisdictionRow) -> Result<bool, Open311Error> {
    match api_key {
        None => Ok(false),
        Some(k) => check_covers(&service_caller(state, req, k).await?, node).map(|_| true),
    }
}

async fn search(state: &AppState, req: &HttpRequest, p: SearchParams) -> Result<Vec<ServiceRequest>, Open311Error> {
    let id = required_jurisdiction(p.jurisdiction_id.as_deref())?;
    let filter = search_of(&p, state.clock.now())?;
    let node = state.read(move |c| community(c, &id)).await?;
    let full = full_view(state, req, given(&p.api_key), &node).await?;
    Ok(state
        .read(move |c| {
            let rows = store::search(c, &node.id, &filter, MAX_RESULTS)?;
            shown(c, &node, rows, full)
        })
        .await?)
}

/// Search a community's requests (诉求查询), newest first, at most 1000: by ids, or by service
/// codes, status and a date range of at most 90 days (default: the last 90 days). Public and
/// anonymised (no names, phones, descriptions or exact addresses; coordinates rounded to about
/// 100 m) unless the api_key of a service account covering the community is given.
#[utoipa::path(
    tag = "open311",
    params(("format" = String, Path, description = "`json` or `xml`"), SearchParams),
    responses(
        (status = 200, description = "The requests (XML: `<service_requests><request>…</request></service_requests>`)", content(
            (Vec<ServiceRequest> = "application/json"),
            (Vec<ServiceRequest> = "application/xml"),
        )),
        (status = 400, description = "jurisdiction_id missing, bad date, status or range over 90 days", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 403, description = "Invalid api_key, or not valid for jurisdiction_id", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 404, description = "Unknown format or jurisdiction_id", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 429, description = "Too many api_key attempts", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
    )
)]
#[get("/requests.{format}")]
pub async fn list(state: web::Data<AppState>, ext: Ext, req: HttpRequest, q: web::Query<SearchParams>) -> HttpResponse {
    let body = search(&state, &req, q.into_inner())
        .await
        .map(|rows| render_list(ext.0, "service_requests", "request", &rows.into_iter().map(ServiceRequest::record).collect::<Vec<_>>()));
    ext.reply(StatusCode::OK, body)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OneParams {
    /// The community's id (required).
    pub jurisdiction_id: Option<String>,
    /// Optional, as for the search.
    pub api_key: Option<String>,
}

/// The request `id` of the community, or 404.
fn of_community(c: &mut DbConnection, node: &JurisdictionRow, id: &str) -> StoreResult<Full> {
    match store::get(c, id) {
        Ok(full) if full.0.community_id == node.id => Ok(full),
        Ok(_) | Err(gongzhi_persistence::StoreError::Domain(DomainError::NotFound(_))) => Err(DomainError::NotFound("service_request_id").into()),
        Err(e) => Err(e),
    }
}

async fn one(state: &AppState, req: &HttpRequest, id: String, p: OneParams) -> Result<Vec<ServiceRequest>, Open311Error> {
    let jid = required_jurisdiction(p.jurisdiction_id.as_deref())?;
    let node = state.read(move |c| community(c, &jid)).await?;
    let full = full_view(state, req, given(&p.api_key), &node).await?;
    Ok(state
        .read(move |c| {
            let row = of_community(c, &node, &id)?;
            shown(c, &node, vec![row], full)
        })
        .await?)
}

/// One request of a community (诉求详情), in the search's shape and list wrapper.
#[utoipa::path(
    tag = "open311",
    params(("id" = String, Path, description = "service_request_id"), ("format" = String, Path, description = "`json` or `xml`"), OneParams),
    responses(
        (status = 200, description = "A list holding the request", content(
            (Vec<ServiceRequest> = "application/json"),
            (Vec<ServiceRequest> = "application/xml"),
        )),
        (status = 400, description = "jurisdiction_id missing", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 403, description = "Invalid api_key, or not valid for jurisdiction_id", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 404, description = "Unknown format, jurisdiction_id or request", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 429, description = "Too many api_key attempts", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
    )
)]
#[get("/requests/{id}.{format}")]
pub async fn get_one(state: web::Data<AppState>, ext: Ext, req: HttpRequest, path: web::Path<(String, String)>, q: web::Query<OneParams>) -> HttpResponse {
    let body = one(&state, &req, path.into_inner().0, q.into_inner())
        .await
        .map(|rows| render_list(ext.0, "service_requests", "request", &rows.into_iter().map(ServiceRequest::record).collect::<Vec<_>>()));
    ext.reply(StatusCode::OK, body)
}

/// A token's request.
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    pub service_request_id: String,
    pub token: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenParams {
    /// The community's id (required).
    pub jurisdiction_id: Option<String>,
}

/// The request of a token (受理回执). Requests are created in real time, so the token is the
/// service_request_id itself.
#[utoipa::path(
    tag = "open311",
    params(("token" = String, Path, description = "The token (= service_request_id)"), ("format" = String, Path, description = "`json` or `xml`"), TokenParams),
    responses(
        (status = 200, description = "XML: `<service_requests><request><service_request_id/><token/></request></service_requests>`", content(
            (Vec<Token> = "application/json"),
            (Vec<Token> = "application/xml"),
        )),
        (status = 400, description = "jurisdiction_id missing", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 404, description = "Unknown format, jurisdiction_id or token", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
    )
)]
#[get("/tokens/{token}.{format}")]
pub async fn token(state: web::Data<AppState>, ext: Ext, path: web::Path<(String, String)>, q: web::Query<TokenParams>) -> HttpResponse {
    let token = path.into_inner().0;
    let found = match required_jurisdiction(q.jurisdiction_id.as_deref()) {
        Ok(jid) => state
            .read(move |c| {
                let node = community(c, &jid)?;
                of_community(c, &node, &token).map(|(r, _)| Token { token: r.id.clone(), service_request_id: r.id })
            })
            .await
            .map_err(Open311Error::from),
        Err(e) => Err(e),
    };
    let body = found.map(|t| render_list(ext.0, "service_requests", "request", &[vec![("service_request_id", text(t.service_request_id)), ("token", text(t.token))]]));
    ext.reply(StatusCode::OK, body)
}
