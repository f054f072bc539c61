//! Hotline measures (12345 style) counted in SQL. One grouped pass of COUNT / SUM(CASE …) over the
//! requests received in a period inside a subtree gives the counts per (street, community, class,
//! department) — the "cube"; totals, groups and rankings are folds of it in memory (a window
//! holds at most a few hundred such cells). The subtree is narrowed by [`narrow!`]: a street or a
//! community is an equality, so `(street_id, received_at, …)` / `(community_id, received_at, …)`
//! serve the window; both carry the aggregated columns, so the pass reads the index only (an
//! index-only scan on PostgreSQL, a covering index on SQLite) and its cost follows the window's
//! size, not the table's.

use super::schema::requests;
use crate::error::StoreResult;
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::dsl::{case_when, count, count_star, sum};
use diesel::prelude::*;
use diesel::sql_types::Integer;
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_domain::request::measures::Counts;
use std::collections::BTreeMap;

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

/// Counts of one cell: requests of one community with one class and one (current) department.
#[derive(Debug, Clone)]
pub struct Cell {
    pub street_id: String,
    pub community_id: String,
    pub class: Option<String>,
    pub department_id: Option<String>,
    pub counts: Counts,
}

impl Cell {
    fn key(&self, by: GroupBy) -> Option<&str> {
        match by {
            GroupBy::Class => self.class.as_deref(),
            GroupBy::Department => self.department_id.as_deref(),
            GroupBy::Community => Some(&self.community_id),
            GroupBy::Street => Some(&self.street_id),
        }
    }
}

type Row = (i64, i64, i64, Option<i64>, i64, Option<i64>, Option<i64>);
/// (street_id, community_id, class, department_id) of a cell.
type CellKey = (String, String, Option<String>, Option<String>);

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

/// The window's cells: one grouped pass over the requests received in it.
pub fn cube(conn: &mut DbConnection, w: &Window) -> StoreResult<Vec<Cell>> {
    let one = || 1.into_sql::<Integer>();
    let zero = || 0.into_sql::<Integer>();
    let satisfied = requests::rating.eq_any(["satisfied", "basically_satisfied"]);
    let q = requests::table
        .group_by((requests::street_id, requests::community_id, requests::class, requests::department_id))
        .select((
            (requests::street_id, requests::community_id, requests::class, requests::department_id),
            (
                count_star(),
                count(requests::responded_in_time),
                count(requests::resolved_at),
                sum(case_when(requests::resolved_on_time.eq(true), one()).otherwise(zero())),
                count(requests::rating),
                sum(case_when(satisfied, one()).otherwise(zero())),
                sum(requests::handling_seconds),
            ),
        ))
        .filter(requests::received_at.ge(w.from.unwrap_or_else(earliest)))
        .filter(requests::received_at.lt(w.to.unwrap_or_else(latest)))
        .into_boxed();
    let rows: Vec<(CellKey, Row)> = super::narrow!(q, &w.within).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|((street_id, community_id, class, department_id), r)| Cell { street_id, community_id, class, department_id, counts: counts(r) })
        .collect())
}

/// Counts over all cells.
pub fn totals(cells: &[Cell]) -> Counts {
    let mut t = Counts::default();
    for c in cells {
        t += &c.counts;
    }
    t
}

/// Counts per group, ordered by key; the key is `None` for unclassified or undispatched requests.
pub fn grouped(cells: &[Cell], by: GroupBy) -> Vec<(Option<String>, Counts)> {
    let mut groups: BTreeMap<Option<&str>, Counts> = BTreeMap::new();
    for c in cells {
        *groups.entry(c.key(by)).or_default() += &c.counts;
    }
    groups.into_iter().map(|(k, n)| (k.map(str::to_string), n)).collect()
}

/// Counts per group, only the groups with a key (the rankings' and exports' rows), ordered by key.
pub fn keyed(cells: &[Cell], by: GroupBy) -> Vec<(String, Counts)> {
    grouped(cells, by).into_iter().filter_map(|(k, n)| k.map(|k| (k, n))).collect()
}
