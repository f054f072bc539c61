//! Burden report (减负): how many admitted items apply at a node now, by kind, against recorded
//! baselines (e.g. Haishu: items 90 → 24, surveys 36 → 4), and what each department imposed.

use super::{day_str, today};
use crate::auth::Caller;
use crate::common::{audit, ts};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::clearance::{check_baseline, AssignmentStatus, ItemKind, Reduction};
use gongzhi_domain::error::optional_text;
use gongzhi_domain::role::Role;
use gongzhi_persistence::clearance::{self, BaselineRow};
use gongzhi_persistence::{departments, jurisdictions, new_id, to_db};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// Roles that read burden reports in their subtree.
const READERS: &[Role] = &[Role::CivilAffairsAdmin, Role::StreetAdmin, Role::CommunityStaff, Role::Auditor, Role::SystemAdmin];
/// Stored kind of a baseline over all items.
const ALL_KINDS: &str = "all";

/// A baseline to record (减负基数).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBaseline {
    /// The item kind counted; absent for all items together.
    pub kind: Option<ItemKind>,
    /// How many such items there were before the clearance system.
    pub count: i64,
    /// Where the figure comes from.
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineView {
    pub id: String,
    pub jurisdiction_id: String,
    /// Absent for all items together.
    pub kind: Option<ItemKind>,
    pub count: i32,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<BaselineRow> for BaselineView {
    fn from(r: BaselineRow) -> Self {
        BaselineView {
            kind: ItemKind::parse(&r.kind).ok(),
            id: r.id,
            jurisdiction_id: r.jurisdiction_id,
            count: r.item_count,
            note: r.note,
            recorded_by: r.recorded_by,
            recorded_at: ts(r.recorded_at),
        }
    }
}

/// Baseline against now for one kind (or all items).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReductionView {
    /// Absent for all items together.
    pub kind: Option<ItemKind>,
    /// The last recorded baseline, if any.
    pub baseline: Option<u32>,
    /// Admitted items valid here today (negative list excluded).
    pub current: u32,
    /// baseline − current.
    pub cut: Option<i64>,
    /// Share of the baseline cut (0.75 = 75%).
    pub cut_ratio: Option<f64>,
}

/// What one department brought to this node.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentBurden {
    pub department_id: String,
    pub name: String,
    /// Its admitted items valid here today.
    pub items: u32,
    /// Its assignments to communities here.
    pub assignments: i64,
    /// Of those, refused by the community (拒绝).
    pub refusals: i64,
    /// Its refused attempts to impose unadmitted items (未准入事项), department-wide.
    pub unadmitted_attempts: i64,
}

/// The burden report (减负报告) of a node on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct BurdenReport {
    pub jurisdiction_id: String,
    pub day: NaiveDate,
    pub total: ReductionView,
    pub by_kind: Vec<ReductionView>,
    pub by_department: Vec<DepartmentBurden>,
}

fn reduction(kind: Option<ItemKind>, baseline: Option<u32>, current: u32) -> ReductionView {
    let r = baseline.map(|baseline| Reduction { baseline, current });
    ReductionView { kind, baseline, current, cut: r.map(Reduction::cut), cut_ratio: r.and_then(Reduction::cut_ratio) }
}

/// Record a baseline (减负基数) for a node: civil affairs within its subtree. Later records
/// replace earlier ones in the report; all are kept.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Jurisdiction id")),
    request_body = CreateBaseline,
    responses(
        (status = 201, description = "Recorded", body = BaselineView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only civil affairs records baselines", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such jurisdiction in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/jurisdictions/{id}/baselines")]
pub async fn add_baseline(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<CreateBaseline>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::CivilAffairsAdmin])?;
    let b = body.into_inner();
    let count = check_baseline(b.count)?;
    let note = optional_text("note", b.note.as_deref(), 500)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let node = jurisdictions::get_within(c, &id, &caller.scope.path)?;
            let row = BaselineRow {
                id: new_id(),
                jurisdiction_id: node.id,
                path: node.path,
                kind: b.kind.map_or(ALL_KINDS, ItemKind::as_str).into(),
                item_count: count as i32,
                note,
                recorded_by: caller.scope.account_id.clone(),
                recorded_at: to_db(now),
            };
            clearance::insert_baseline(c, &row)?;
            audit(c, &caller, now, "clearance.baseline.create", ("jurisdiction", &row.jurisdiction_id), &row.path, serde_json::json!({"kind": row.kind, "count": row.item_count}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(BaselineView::from(row)))
}

/// The burden report (减负报告) of a node today: admitted valid items by kind against baselines,
/// and per department its items, assignments, community refusals and unadmitted attempts.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Jurisdiction id")),
    responses(
        (status = 200, description = "The report", body = BurdenReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read reports", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such jurisdiction in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/jurisdictions/{id}/burden-report")]
pub async fn report(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<BurdenReport>> {
    caller.require(READERS)?;
    let day = today(&state);
    let report = state
        .read(move |c| {
            let node = jurisdictions::get_within(c, &id, &caller.scope.path)?;
            let path = node.path();
            let items: Vec<_> = clearance::valid_items(c, &path, &day_str(day), None)?.into_iter().filter(|i| !clearance::is_negative(i)).collect();
            // The last baseline recorded per kind is in force.
            let baselines: HashMap<String, u32> = clearance::baselines(c, &node.id)?.into_iter().map(|b| (b.kind, b.item_count.max(0) as u32)).collect();
            let count_kind = |k: ItemKind| items.iter().filter(|i| i.kind == k.as_str()).count() as u32;
            let by_kind = ItemKind::ALL.iter().map(|&k| reduction(Some(k), baselines.get(k.as_str()).copied(), count_kind(k))).collect();
            let total = reduction(None, baselines.get(ALL_KINDS).copied(), items.len() as u32);
            let depts = departments::list_visible(c, &path, None, 1000)?;
            let ids: Vec<String> = depts.iter().map(|d| d.id.clone()).collect();
            let assignments = clearance::assignment_counts(c, &path)?;
            let attempts: HashMap<String, i64> = clearance::attempt_counts(c, &ids)?.into_iter().collect();
            let by_department = depts
                .into_iter()
                .map(|d| {
                    let of = |status: Option<&str>| assignments.iter().filter(|(dep, s, _)| *dep == d.id && status.is_none_or(|x| x == s)).map(|(_, _, n)| n).sum();
                    DepartmentBurden {
                        items: items.iter().filter(|i| i.department_id == d.id).count() as u32,
                        assignments: of(None),
                        refusals: of(Some(AssignmentStatus::Refused.as_str())),
                        unadmitted_attempts: attempts.get(&d.id).copied().unwrap_or(0),
                        department_id: d.id,
                        name: d.name,
                    }
                })
                .collect();
            Ok(BurdenReport { jurisdiction_id: node.id, day, total, by_kind, by_department })
        })
        .await?;
    Ok(web::Json(report))
}
