//! Hotline measures (12345 口径) of requests received in a period inside a jurisdiction: received,
//! response rate (响应率), closure rate (办结率), on-time rate (按时办结率), satisfaction rate (满意率)
//! and average handling hours, grouped, with rankings of communities, streets and departments.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use gongzhi_domain::error::Validator;
use gongzhi_domain::request::measures::{rank, Counts, Metric, Rates};
use gongzhi_domain::role::Role;
use gongzhi_persistence::requests::measures::{self as store, Cell, GroupBy, Window};
use gongzhi_persistence::{departments, jurisdictions, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// Roles that read measures over their subtree.
pub const MEASURE_READERS: &[Role] = &[Role::CommunityStaff, Role::StreetAdmin, Role::CivilAffairsAdmin, Role::Auditor, Role::SystemAdmin];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasureParams {
    /// The jurisdiction to measure (default: the caller's node).
    pub jurisdiction_id: Option<String>,
    /// Requests received at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Requests received before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// class (default), department, community or street.
    pub group_by: Option<String>,
    /// Metric of the rankings: response_rate, closure_rate, on_time_rate, satisfaction_rate (default) or average_handling_hours.
    pub metric: Option<String>,
    /// Smallest sample (the metric's denominator) to be ranked; default 10.
    pub min_sample: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountsView {
    pub received: u64,
    pub responded: u64,
    pub resolved: u64,
    pub resolved_on_time: u64,
    pub rated: u64,
    pub satisfied: u64,
    pub total_handling_seconds: u64,
}

/// Fractions in 0..=1 (`null` when the denominator is 0).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatesView {
    pub response_rate: Option<f64>,
    pub closure_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub average_handling_hours: Option<f64>,
}

fn counts_view(c: &Counts) -> CountsView {
    CountsView {
        received: c.received,
        responded: c.responded,
        resolved: c.resolved,
        resolved_on_time: c.resolved_on_time,
        rated: c.rated,
        satisfied: c.satisfied,
        total_handling_seconds: c.total_handling_seconds,
    }
}

fn rates_view(r: &Rates) -> RatesView {
    RatesView {
        response_rate: r.response_rate,
        closure_rate: r.closure_rate,
        on_time_rate: r.on_time_rate,
        satisfaction_rate: r.satisfaction_rate,
        average_handling_hours: r.average_handling_hours,
    }
}

/// Measures of one group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupMeasures {
    /// The class, department, community or street; `null` for unclassified / undispatched.
    pub key: Option<String>,
    /// Name of the department, community or street.
    pub name: Option<String>,
    pub counts: CountsView,
    pub rates: RatesView,
}

/// One row of a ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankedView {
    pub key: String,
    pub name: Option<String>,
    /// 1-based, ties share a rank; `null` when the sample is below `min_sample` or there is no value.
    pub rank: Option<usize>,
    /// The metric's value.
    pub value: Option<f64>,
    /// The metric's denominator.
    pub sample: u64,
    pub counts: CountsView,
    pub rates: RatesView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rankings {
    pub communities: Vec<RankedView>,
    pub streets: Vec<RankedView>,
    pub departments: Vec<RankedView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasuresView {
    pub jurisdiction_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub group_by: String,
    pub metric: String,
    pub min_sample: u64,
    pub totals: GroupMeasures,
    pub groups: Vec<GroupMeasures>,
    pub rankings: Rankings,
}

/// Names of the departments, communities and streets of a window's cells, fetched in two queries.
struct Names {
    jurisdictions: HashMap<String, String>,
    departments: HashMap<String, String>,
}

impl Names {
    fn load(c: &mut DbConnection, cells: &[Cell]) -> StoreResult<Names> {
        let mut places: Vec<&str> = cells.iter().flat_map(|x| [x.street_id.as_str(), x.community_id.as_str()]).collect();
        places.sort_unstable();
        places.dedup();
        let mut depts: Vec<&str> = cells.iter().filter_map(|x| x.department_id.as_deref()).collect();
        depts.sort_unstable();
        depts.dedup();
        Ok(Names {
            jurisdictions: jurisdictions::by_ids(c, &places)?.into_iter().map(|(k, v)| (k, v.name)).collect(),
            departments: departments::by_ids(c, &depts)?.into_iter().map(|(k, v)| (k, v.name)).collect(),
        })
    }

    fn of(&self, by: GroupBy, key: Option<&str>) -> Option<String> {
        let key = key?;
        match by {
            GroupBy::Class => None,
            GroupBy::Department => self.departments.get(key).cloned(),
            GroupBy::Community | GroupBy::Street => self.jurisdictions.get(key).cloned(),
        }
    }
}

fn group(names: &Names, by: GroupBy, key: Option<String>, counts: &Counts) -> GroupMeasures {
    GroupMeasures { name: names.of(by, key.as_deref()), key, counts: counts_view(counts), rates: rates_view(&counts.rates()) }
}

fn ranking(cells: &[Cell], names: &Names, by: GroupBy, metric: Metric, min_sample: u64) -> Vec<RankedView> {
    rank(store::keyed(cells, by), metric, min_sample)
        .into_iter()
        .map(|r| RankedView {
            name: names.of(by, Some(&r.key)),
            counts: counts_view(&r.counts),
            rates: rates_view(&r.rates),
            key: r.key,
            rank: r.rank,
            value: r.value,
            sample: r.sample,
        })
        .collect()
}

/// Measures of requests received in `[from, to)` in a jurisdiction (community_staff, street_admin,
/// civil_affairs_admin, auditor, system_admin; in scope). Counts come from SQL aggregates over the
/// requests table; rates and rankings from the domain's formulas. A request counts as responded
/// when handling started within 24 hours; on time when resolved by its deadline; satisfied when
/// rated satisfied or basically satisfied; a reopened request counts as resolved only once
/// resolved again.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(MeasureParams),
    responses(
        (status = 200, description = "Measures", body = MeasuresView),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read measures", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such jurisdiction in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown group_by or metric, negative min_sample, from not before to", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/measures/requests")]
pub async fn get(state: web::Data<AppState>, caller: Caller, q: web::Query<MeasureParams>) -> ApiResult<web::Json<MeasuresView>> {
    caller.require(MEASURE_READERS)?;
    let q = q.into_inner();
    let mut v = Validator::new();
    let by = match q.group_by.as_deref().unwrap_or("class") {
        "class" => Some(GroupBy::Class),
        "department" => Some(GroupBy::Department),
        "community" => Some(GroupBy::Community),
        "street" => Some(GroupBy::Street),
        _ => {
            v.push("group_by", "invalid_value", "group_by must be one of class, department, community, street");
            None
        }
    };
    let metric = v.check(Metric::parse(q.metric.as_deref().unwrap_or("satisfaction_rate")));
    let min_sample = match q.min_sample {
        None => Some(10),
        Some(n) => u64::try_from(n).ok().or_else(|| {
            v.push("min_sample", "out_of_range", "min_sample must not be negative");
            None
        }),
    };
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f >= t {
            v.push("from", "invalid_range", "from must be before to");
        }
    }
    v.finish()?;
    let (by, metric, min_sample) = (by.expect("checked"), metric.expect("checked"), min_sample.expect("checked"));
    let group_name = q.group_by.clone().unwrap_or_else(|| "class".into());
    let view = state
        .read(move |c| {
            let within = match q.jurisdiction_id.as_deref() {
                Some(id) => jurisdictions::get_within(c, id, &caller.scope.path)?.path(),
                None => caller.scope.path.clone(),
            };
            let w = Window { within, from: q.from.map(to_db), to: q.to.map(to_db) };
            let cells = store::cube(c, &w)?;
            let names = Names::load(c, &cells)?;
            let totals = store::totals(&cells);
            let groups = store::grouped(&cells, by).into_iter().map(|(k, n)| group(&names, by, k, &n)).collect();
            Ok(MeasuresView {
                jurisdiction_id: q.jurisdiction_id.or(caller.scope.jurisdiction_id.clone()),
                from: q.from,
                to: q.to,
                group_by: group_name,
                metric: metric.as_str().into(),
                min_sample,
                totals: GroupMeasures { key: None, name: None, counts: counts_view(&totals), rates: rates_view(&totals.rates()) },
                groups,
                rankings: Rankings {
                    communities: ranking(&cells, &names, GroupBy::Community, metric, min_sample),
                    streets: ranking(&cells, &names, GroupBy::Street, metric, min_sample),
                    departments: ranking(&cells, &names, GroupBy::Department, metric, min_sample),
                },
            })
        })
        .await?;
    Ok(web::Json(view))
}
