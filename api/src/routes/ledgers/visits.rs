//! Visits (入户走访, 民情走访日记): a grid worker logs each visit to an assigned household; the
//! visit is sealed in the community ledger as a `visit_made` entry in the same transaction.
//! Measures per worker and month: visits against the target, coverage, satisfaction.

use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::error::{optional_text, text, Validator};
use gongzhi_domain::household::{check_visit_date, parse_satisfaction, sees_personal_data, visit_payload, Month, VisitFact, VisitMeasures, HOUSEHOLD_READERS, VISIT_LOGGERS};
use gongzhi_domain::ledger::EntryKind;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::accounts;
use gongzhi_persistence::ledgers::households;
use gongzhi_persistence::ledgers::visits::{self, VisitRow};
use gongzhi_persistence::ledgers::{self, NewEntry};
use gongzhi_persistence::{new_id, to_db};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};

/// A visit (走访记录).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitView {
    pub id: String,
    pub household_id: String,
    pub worker_id: String,
    pub community_id: String,
    pub visited_on: NaiveDate,
    /// The diary text; null for readers who see personal data masked.
    pub notes: Option<String>,
    /// Problems found (发现问题); null for readers who see personal data masked.
    pub problems: Option<Vec<String>>,
    pub problems_found: usize,
    /// 1–5 when asked.
    pub satisfaction: Option<i32>,
    /// A follow-up request filed from the visit.
    pub request_id: Option<String>,
    /// Seq of the visit's `visit_made` entry in the community ledger.
    pub ledger_seq: i64,
    pub created_at: DateTime<Utc>,
}

impl VisitView {
    fn for_caller(r: VisitRow, caller: &Caller) -> Self {
        let full = sees_personal_data(caller.scope.role, &caller.scope.account_id, Some(&r.worker_id));
        let problems: Vec<String> = serde_json::from_str(&r.problems).unwrap_or_default();
        VisitView {
            visited_on: NaiveDate::parse_from_str(&r.visited_on, "%Y-%m-%d").unwrap_or_default(),
            notes: full.then_some(r.notes),
            problems_found: problems.len(),
            problems: full.then_some(problems),
            id: r.id,
            household_id: r.household_id,
            worker_id: r.worker_id,
            community_id: r.community_id,
            satisfaction: r.satisfaction,
            request_id: r.request_id,
            ledger_seq: r.ledger_seq,
            created_at: ts(r.created_at),
        }
    }
}

page_type!(VisitPage, VisitView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVisit {
    pub household_id: String,
    /// Day of the visit (`YYYY-MM-DD`, China time); not in the future, within a year.
    pub visited_on: NaiveDate,
    /// The diary (民情走访日记), at most 2,000 characters.
    pub notes: String,
    /// Problems found, at most 20 of 200 characters each.
    #[serde(default)]
    pub problems: Vec<String>,
    /// Satisfaction 1–5, when asked.
    pub satisfaction: Option<i32>,
}

/// Log a visit to a household assigned to the caller (grid_worker). Appends a `visit_made`
/// entry to the community ledger in the same transaction.
#[utoipa::path(
    tag = "visits",
    security(("bearer" = [])),
    request_body = CreateVisit,
    responses(
        (status = 201, description = "Logged", body = VisitView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not log visits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Concurrent ledger append (`ledger_busy`); retry", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; `household_not_assigned`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/visits")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateVisit>) -> ApiResult<HttpResponse> {
    caller.require(VISIT_LOGGERS)?;
    let b = body.into_inner();
    let now = state.clock.now();
    let mut v = Validator::new();
    let visited_on = v.check(check_visit_date(b.visited_on, now));
    let notes = v.check(optional_text("notes", Some(&b.notes), 2000)).flatten().unwrap_or_default();
    if b.problems.len() > 20 {
        v.push("problems", "too_many", "at most 20 problems per visit");
    }
    let problems: Vec<String> = b.problems.iter().enumerate().filter_map(|(i, p)| v.check(text(&format!("problems[{i}]"), p, 200))).collect();
    let satisfaction = b.satisfaction.and_then(|s| v.check(parse_satisfaction(s)));
    v.finish()?;
    let visited_on = visited_on.unwrap_or(b.visited_on);
    let viewer = caller.clone();
    let row = state
        .write(move |c| {
            let household = households::get(c, &b.household_id)?;
            caller.scope.check_covers(&household.path, "household")?;
            if household.worker_id.as_deref() != Some(caller.scope.account_id.as_str()) {
                return Err(DomainError::rule("household_not_assigned", "log visits to the households assigned to you").into());
            }
            let id = new_id();
            let entry = ledgers::append(
                c,
                &NewEntry {
                    community_id: household.community_id.clone(),
                    community_path: household.community_path(),
                    kind: EntryKind::VisitMade,
                    source_type: "visit".into(),
                    source_id: id.clone(),
                    occurred_at: now,
                    payload: visit_payload(&id, &household.id, &caller.scope.account_id, visited_on, &notes, &problems, satisfaction),
                    manual: false,
                    recorded_at: now,
                },
            )?;
            let row = VisitRow {
                id,
                household_id: household.id,
                worker_id: caller.scope.account_id.clone(),
                community_id: household.community_id,
                path: household.path,
                visited_on: visited_on.format("%Y-%m-%d").to_string(),
                notes,
                problems: serde_json::to_string(&problems).unwrap_or_default(),
                satisfaction,
                request_id: None,
                ledger_seq: entry.seq,
                created_at: to_db(now),
            };
            visits::insert(c, &row)?;
            audit(c, &caller, now, "visit.create", ("visit", &row.id), &row.path, serde_json::json!({"household_id": row.household_id, "visited_on": row.visited_on, "ledger_seq": row.ledger_seq}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(VisitView::for_caller(row, &viewer)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitFilter {
    /// Visits by this worker (a grid worker always sees only their own).
    pub worker_id: Option<String>,
    pub household_id: Option<String>,
    /// `YYYY-MM`: visits dated in that month.
    pub month: Option<String>,
}

/// Visits in the caller's scope, oldest first; a grid worker sees their own.
#[utoipa::path(
    tag = "visits",
    security(("bearer" = [])),
    params(PageParams, VisitFilter),
    responses(
        (status = 200, description = "A page of visits", body = VisitPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read visits", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad month", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/visits")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, f: web::Query<VisitFilter>) -> ApiResult<web::Json<VisitPage>> {
    caller.require(HOUSEHOLD_READERS)?;
    let (limit, cursor) = page.parse()?;
    let f = f.into_inner();
    let month = f.month.as_deref().map(Month::parse).transpose()?;
    let worker_id = if caller.scope.is(Role::GridWorker) { Some(caller.scope.account_id.clone()) } else { f.worker_id };
    let filter = visits::Filter {
        worker_id,
        household_id: f.household_id,
        from: month.map(|m| m.first.format("%Y-%m-%d").to_string()),
        to: month.map(|m| m.next_first().format("%Y-%m-%d").to_string()),
    };
    let viewer = caller.clone();
    let rows = state.read(move |c| visits::list(c, &caller.scope.path, &filter, cursor.as_deref(), limit)).await?;
    Ok(web::Json(VisitPage::from_rows(rows, limit, |r| r.id.clone(), |r| VisitView::for_caller(r, &viewer))))
}

/// One visit in the caller's scope (a grid worker: their own).
#[utoipa::path(
    tag = "visits",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Visit id")),
    responses(
        (status = 200, description = "The visit", body = VisitView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read visits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/visits/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<VisitView>> {
    caller.require(HOUSEHOLD_READERS)?;
    let viewer = caller.clone();
    let row = state
        .read(move |c| {
            let row = visits::get(c, &id)?;
            let own = !caller.scope.is(Role::GridWorker) || row.worker_id == caller.scope.account_id;
            if !(own && caller.scope.covers(&row.path)) {
                return Err(DomainError::NotFound("visit").into());
            }
            Ok(row)
        })
        .await?;
    Ok(web::Json(VisitView::for_caller(row, &viewer)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasuresQuery {
    /// The grid worker; defaults to the caller when the caller is a grid worker.
    pub worker_id: Option<String>,
    /// `YYYY-MM`.
    pub month: String,
}

/// A grid worker's indicators for a month (走访率, 覆盖率, 满意度).
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitMeasuresView {
    pub worker_id: String,
    /// `YYYY-MM`.
    pub month: String,
    #[serde(flatten)]
    pub measures: VisitMeasures,
}

/// Visit measures of a grid worker for one month (community, street and civil-affairs staff and
/// auditors in scope; a grid worker for themself).
#[utoipa::path(
    tag = "visits",
    security(("bearer" = [])),
    params(MeasuresQuery),
    responses(
        (status = 200, description = "The measures", body = VisitMeasuresView),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read visits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such grid worker in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad month or missing worker", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/visits/measures")]
pub async fn measures(state: web::Data<AppState>, caller: Caller, q: web::Query<MeasuresQuery>) -> ApiResult<web::Json<VisitMeasuresView>> {
    caller.require(HOUSEHOLD_READERS)?;
    let q = q.into_inner();
    let month = Month::parse(&q.month)?;
    let worker_id = match (q.worker_id, caller.scope.is(Role::GridWorker)) {
        (Some(w), _) => w,
        (None, true) => caller.scope.account_id.clone(),
        (None, false) => return Err(DomainError::field("worker_id", "required", "name the grid worker").into()),
    };
    let target = state.config.visits_per_month_target;
    let m = state
        .read(move |c| {
            let worker = accounts::get(c, &worker_id).ok();
            let visible = worker.as_ref().is_some_and(|w| {
                w.role == Role::GridWorker.as_str() && caller.scope.covers(&w.path) && (!caller.scope.is(Role::GridWorker) || w.id == caller.scope.account_id)
            });
            if !visible {
                return Err(DomainError::NotFound("grid worker").into());
            }
            let facts = visits::facts(c, &worker_id, &month.first.format("%Y-%m-%d").to_string(), &month.next_first().format("%Y-%m-%d").to_string())?;
            let assigned: HashSet<String> = households::assigned_to(c, &worker_id)?.into_iter().collect();
            let facts: Vec<VisitFact> = facts.into_iter().map(|(household_id, satisfaction)| VisitFact { household_id, satisfaction }).collect();
            Ok((worker_id, VisitMeasures::compute(&facts, &assigned, target)))
        })
        .await?;
    let (worker_id, measures) = m;
    Ok(web::Json(VisitMeasuresView { worker_id, month: month.label(), measures }))
}
