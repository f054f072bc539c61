//! Hotline measures (12345 style) counted in SQL. The counts per (street, community, class,
//! department) — the "cube"'s cells — come from two sources that agree: the daily roll-up
//! `request_measure_days` (日汇总, one row per China day and cell, kept in step with `requests` by
//! triggers in the same transaction as every change) for a window's whole days, and one grouped
//! pass of COUNT / SUM(CASE …) over `requests` for its partial first and last days ([`scan`]).
//! Totals, groups and rankings are folds of the cells in memory. A street-month reads a few
//! thousand roll-up rows instead of every request received in it.
//!
//! The scan narrows the subtree by [`narrow!`]: a street or a community is an equality, so
//! `(street_id, received_at, …)` / `(community_id, received_at, …)` serve the window; both carry
//! the aggregated columns, so the pass reads the index only.

use super::schema::requests;
use crate::error::StoreResult;
use crate::schema::jurisdictions;
use crate::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{case_when, count, count_star, sql, sum};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use gongzhi_domain::clock::{china_day_start, whole_china_days};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::request::measures::Counts;
use std::collections::BTreeMap;
use std::ops::Range;

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

/// The window's cells. Its whole China days (北京时间) come from the daily roll-up
/// `request_measure_days` (a few cells a day instead of every request), its partial first and last
/// days from [`scan`]; a grid, which the roll-up does not distinguish, is scanned whole.
pub fn cube(conn: &mut DbConnection, w: &Window) -> StoreResult<Vec<Cell>> {
    let (from, to) = (w.from.unwrap_or_else(earliest), w.to.unwrap_or_else(latest));
    let subtree = Subtree::of(conn, &w.within)?;
    let days = match whole_china_days(from, to) {
        Some(days) if w.within.ids().len() <= 3 => days,
        _ => return scan_in(conn, &subtree, from, to),
    };
    let (start, end) = (china_day_start(days.start), china_day_start(days.end));
    let mut parts = rolled(conn, &subtree, days)?;
    if from < start {
        parts.extend(scan_in(conn, &subtree, from, start)?);
    }
    if end < to {
        parts.extend(scan_in(conn, &subtree, end, to)?);
    }
    let mut cells: BTreeMap<CellKey, Counts> = BTreeMap::new();
    for c in parts {
        *cells.entry((c.street_id, c.community_id, c.class, c.department_id)).or_default() += &c.counts;
    }
    Ok(cells.into_iter().map(|((street_id, community_id, class, department_id), counts)| Cell { street_id, community_id, class, department_id, counts }).collect())
}

/// A subtree as the measures' queries select it, resolved once per call: the platform holds
/// everything; a district is its streets, each a range of `(street_id, …)` (its path prefix would
/// use no index on PostgreSQL); a street, community or grid is narrowed by its ids ([`narrow!`]).
enum Subtree<'a> {
    All,
    Streets(Vec<String>),
    Node(&'a JurisdictionPath),
}

impl<'a> Subtree<'a> {
    fn of(conn: &mut DbConnection, within: &'a JurisdictionPath) -> StoreResult<Subtree<'a>> {
        Ok(match within.ids().len() {
            0 => Subtree::All,
            1 => Subtree::Streets(
                jurisdictions::table
                    .filter(jurisdictions::path.like(within.like_pattern()))
                    .filter(jurisdictions::level.eq(Level::Street.as_str()))
                    .select(jurisdictions::id)
                    .load(conn)?,
            ),
            _ => Subtree::Node(within),
        })
    }
}

/// The cells of the requests received in `[from, to)` inside `within`: one grouped pass over
/// `requests` (the roll-up's reference: [`cube`] must agree with it on every window).
pub fn scan(conn: &mut DbConnection, within: &JurisdictionPath, from: NaiveDateTime, to: NaiveDateTime) -> StoreResult<Vec<Cell>> {
    let subtree = Subtree::of(conn, within)?;
    scan_in(conn, &subtree, from, to)
}

fn scan_in(conn: &mut DbConnection, subtree: &Subtree, from: NaiveDateTime, to: NaiveDateTime) -> StoreResult<Vec<Cell>> {
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
        .filter(requests::received_at.ge(from))
        .filter(requests::received_at.lt(to))
        .into_boxed();
    let q = match subtree {
        Subtree::All => q,
        Subtree::Streets(ids) => q.filter(requests::street_id.eq_any(ids)),
        Subtree::Node(within) => super::narrow!(q, within),
    };
    let rows: Vec<(CellKey, Row)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|((street_id, community_id, class, department_id), r)| Cell { street_id, community_id, class, department_id, counts: counts(r) })
        .collect())
}

/// The roll-up's cells of the China days `days` inside `subtree` (the platform, a district, a
/// street or a community: the roll-up has no grids). Sums are cast to BIGINT: PostgreSQL's
/// SUM(bigint) is numeric.
fn rolled(conn: &mut DbConnection, subtree: &Subtree, days: Range<NaiveDate>) -> StoreResult<Vec<Cell>> {
    use super::schema::request_measure_days as d;
    let total = |column: &str| sql::<BigInt>(&format!("CAST(SUM({column}) AS BIGINT)"));
    let q = d::table
        .group_by((d::street_id, d::community_id, d::class, d::department_id))
        .select((
            (d::street_id, d::community_id, d::class, d::department_id),
            (total("received"), total("responded"), total("resolved"), total("resolved_on_time"), total("rated"), total("satisfied"), total("handling_seconds")),
        ))
        .filter(d::day.ge(days.start))
        .filter(d::day.lt(days.end))
        // Cells whose requests all moved elsewhere stay behind with zero counts.
        .filter(d::received.gt(0))
        .into_boxed();
    let q = match subtree {
        Subtree::All => q,
        Subtree::Streets(ids) => q.filter(d::street_id.eq_any(ids)),
        Subtree::Node(within) => match within.ids()[..] {
            [_, street] => q.filter(d::street_id.eq(street.to_string())),
            [_, _, community, ..] => q.filter(d::community_id.eq(community.to_string())),
            _ => unreachable!("Subtree::Node is a street or below"),
        },
    };
    type Sums = (i64, i64, i64, i64, i64, i64, i64);
    let rows: Vec<((String, String, String, String), Sums)> = q.load(conn)?;
    let some = |s: String| (!s.is_empty()).then_some(s);
    Ok(rows
        .into_iter()
        .map(|((street_id, community_id, class, department_id), r)| Cell {
            street_id,
            community_id,
            class: some(class),
            department_id: some(department_id),
            counts: counts((r.0, r.1, r.2, Some(r.3), r.4, Some(r.5), Some(r.6))),
        })
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
