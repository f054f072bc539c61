//! Hotline measures (12345 style) counted in SQL: one pass of COUNT / SUM(CASE …) over the
//! requests received in a period inside a subtree, optionally grouped. The filter
//! `path LIKE 'prefix%' AND received_at >= from AND received_at < to` uses the
//! `(path, received_at)` index.

use super::schema::requests;
use crate::error::StoreResult;
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::dsl::{case_when, count, count_star, sum};
use diesel::prelude::*;
use diesel::sql_types::Integer;
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_domain::request::measures::Counts;

/// What to group the counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Class,
    Department,
    Community,
    Street,
}

/// The period and subtree to count.
#[derive(Debug, Clone)]
pub struct Window {
    pub within: JurisdictionPath,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

type Row = (i64, i64, i64, Option<i64>, i64, Option<i64>, Option<i64>);

fn counts(r: Row) -> Counts {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Counts {
        received: n(r.0),
        responded: n(r.1),
        resolved: n(r.2),
        resolved_on_time: n(r.3.unwrap_or(0)),
        rated: n(r.4),
        satisfied: n(r.5.unwrap_or(0)),
        total_handling_seconds: n(r.6.unwrap_or(0)),
    }
}

/// Open bounds of a window, inside both databases' timestamp ranges.
fn earliest() -> NaiveDateTime {
    chrono::DateTime::UNIX_EPOCH.naive_utc()
}
fn latest() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_else(earliest)
}

/// The seven aggregates of [`Counts`], in [`Row`] order.
macro_rules! aggregates {
    () => {{
        let one = || 1.into_sql::<Integer>();
        let zero = || 0.into_sql::<Integer>();
        let satisfied = requests::rating.eq_any(["satisfied", "basically_satisfied"]);
        (
            count_star(),
            count(requests::responded_in_time),
            count(requests::resolved_at),
            sum(case_when(requests::resolved_on_time.eq(true), one()).otherwise(zero())),
            count(requests::rating),
            sum(case_when(satisfied, one()).otherwise(zero())),
            sum(requests::handling_seconds),
        )
    }};
}

/// Requests of the window: `path LIKE prefix% AND received_at >= from AND received_at < to`.
macro_rules! in_window {
    ($q:expr, $w:expr) => {
        $q.filter(requests::path.like($w.within.like_pattern()))
            .filter(requests::received_at.ge($w.from.unwrap_or_else(earliest)))
            .filter(requests::received_at.lt($w.to.unwrap_or_else(latest)))
    };
}

/// Counts over the whole window.
pub fn totals(conn: &mut DbConnection, w: &Window) -> StoreResult<Counts> {
    let r: Row = in_window!(requests::table, w).select(aggregates!()).first(conn)?;
    Ok(counts(r))
}

/// Counts per group; the key is `None` for unclassified or undispatched requests.
pub fn grouped(conn: &mut DbConnection, w: &Window, by: GroupBy) -> StoreResult<Vec<(Option<String>, Counts)>> {
    let rows: Vec<(Option<String>, Row)> = match by {
        GroupBy::Class => in_window!(requests::table.group_by(requests::class), w).select((requests::class, aggregates!())).load(conn)?,
        GroupBy::Department => {
            in_window!(requests::table.group_by(requests::department_id), w).select((requests::department_id, aggregates!())).load(conn)?
        }
        GroupBy::Community => in_window!(requests::table.group_by(requests::community_id), w)
            .select((requests::community_id.nullable(), aggregates!()))
            .load(conn)?,
        GroupBy::Street => {
            in_window!(requests::table.group_by(requests::street_id), w).select((requests::street_id.nullable(), aggregates!())).load(conn)?
        }
    };
    Ok(rows.into_iter().map(|(k, r)| (k, counts(r))).collect())
}
