//! Households (户) and grid workers' visits (包片联户, 民情走访日记).
//!
//! Each grid worker (网格员 / 社工) covers about [`RECOMMENDED_HOUSEHOLDS_PER_WORKER`] households
//! and visits at least [`DEFAULT_VISITS_PER_MONTH`] a month (seeds 000, 002); visit count,
//! coverage of the assigned households and satisfaction are the worker's core indicators.
//! Personal data of a household (head's name and phone, exact address) is masked for readers
//! who do not need it.

use crate::role::Role;
use crate::DomainError;
use crate::clock::china_date;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// Households a worker should cover (seed 002: 每名社工联系约 250 户).
pub const RECOMMENDED_HOUSEHOLDS_PER_WORKER: usize = 250;
/// Default hard maximum of households assigned to one worker.
pub const DEFAULT_MAX_HOUSEHOLDS_PER_WORKER: usize = 300;
/// Default monthly visit target (每月走访不少于 30 户).
pub const DEFAULT_VISITS_PER_MONTH: u32 = 30;

/// Roles that read households and visits in their scope.
pub const HOUSEHOLD_READERS: &[Role] = &[Role::CommunityStaff, Role::GridWorker, Role::StreetAdmin, Role::CivilAffairsAdmin, Role::Auditor];
/// Roles that create households and assign them to grid workers.
pub const HOUSEHOLD_MANAGERS: &[Role] = &[Role::CommunityStaff];
/// Roles that edit households (a grid worker only those assigned to them).
pub const HOUSEHOLD_EDITORS: &[Role] = &[Role::CommunityStaff, Role::GridWorker];
/// Roles that log visits (to households assigned to them).
pub const VISIT_LOGGERS: &[Role] = &[Role::GridWorker];

/// Whether a reader sees a household's personal data (head's name and phone, exact address,
/// visit notes) in full: community staff and the household's assigned grid worker do;
/// auditors, street and civil-affairs staff and other grid workers see masked values.
pub fn sees_personal_data(role: Role, caller_id: &str, assigned_worker: Option<&str>) -> bool {
    match role {
        Role::CommunityStaff => true,
        Role::GridWorker => assigned_worker == Some(caller_id),
        _ => false,
    }
}

named_enum! {
    /// Tags that mark a household needing attention (重点人群标签).
    pub enum HouseholdTag in "tags" {
        /// 独居老人: an elderly person living alone.
        ElderlyAlone = "elderly_alone",
        /// 残疾: a member with a disability.
        Disability = "disability",
        /// 困难: hardship (低保, 特困).
        Hardship = "hardship",
        /// 留守儿童: a child left behind by migrant parents.
        LeftBehindChild = "left_behind_child",
        /// 退役军人: a veteran.
        Veteran = "veteran",
        /// 出租户: a rented home.
        Rental = "rental",
    }
}

/// Parses a tag list: known tags, no duplicates, stable order (as given).
pub fn parse_tags(tags: &[String]) -> Result<Vec<HouseholdTag>, DomainError> {
    let mut out: Vec<HouseholdTag> = Vec::new();
    for (i, t) in tags.iter().enumerate() {
        let tag = HouseholdTag::parse(t).map_err(|_| {
            let names: Vec<&str> = HouseholdTag::ALL.iter().map(|v| v.as_str()).collect();
            DomainError::field(format!("tags[{i}]"), "invalid_value", format!("tags must be among: {}", names.join(", ")))
        })?;
        if out.contains(&tag) {
            return Err(DomainError::field(format!("tags[{i}]"), "duplicate", "each tag at most once"));
        }
        out.push(tag);
    }
    Ok(out)
}

/// Household size (户人口数): 1 to 30 people.
pub fn parse_size(size: i32) -> Result<i32, DomainError> {
    if (1..=30).contains(&size) {
        Ok(size)
    } else {
        Err(DomainError::field("size", "out_of_range", "size must be between 1 and 30"))
    }
}

/// A mainland mobile number: 11 digits starting with 1.
pub fn parse_phone(field: &str, phone: &str) -> Result<String, DomainError> {
    let p = phone.trim();
    if p.len() == 11 && p.starts_with('1') && p.chars().all(|c| c.is_ascii_digit()) {
        Ok(p.to_string())
    } else {
        Err(DomainError::field(field, "invalid_format", "a phone number is 11 digits starting with 1"))
    }
}

/// `张三丰` → `张**`: the family name only.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

pub use crate::account::mask_phone;

/// `东洲小区3幢2单元501室` → `东洲小区***`: the estate only, no building, unit or room (the text
/// before the first digit; half the text when it has no digit).
pub fn mask_address(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    let keep = chars.iter().position(|c| c.is_ascii_digit() || ('０'..='９').contains(c)).unwrap_or(chars.len() / 2);
    format!("{}***", chars[..keep].iter().collect::<String>())
}

/// Satisfaction with a visit, 1 (very dissatisfied) to 5 (very satisfied).
pub fn parse_satisfaction(v: i32) -> Result<i32, DomainError> {
    if (1..=5).contains(&v) {
        Ok(v)
    } else {
        Err(DomainError::field("satisfaction", "out_of_range", "satisfaction must be between 1 and 5"))
    }
}

/// A visit's date: not in the future (China time) and at most a year back.
pub fn check_visit_date(date: NaiveDate, now: DateTime<Utc>) -> Result<NaiveDate, DomainError> {
    let today = china_date(now);
    if date > today {
        return Err(DomainError::field("visited_on", "in_future", "a visit cannot be dated after today"));
    }
    if date < today - chrono::Days::new(366) {
        return Err(DomainError::field("visited_on", "too_old", "a visit must be logged within a year"));
    }
    Ok(date)
}

/// A calendar month `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub first: NaiveDate,
}

impl Month {
    pub fn parse(s: &str) -> Result<Month, DomainError> {
        let bad = || DomainError::field("month", "invalid_format", "month must be YYYY-MM");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let (y, m) = (y.parse::<i32>().map_err(|_| bad())?, m.parse::<u32>().map_err(|_| bad())?);
        NaiveDate::from_ymd_opt(y, m, 1).map(|first| Month { first }).ok_or_else(bad)
    }
    /// First day of the following month (exclusive end).
    pub fn next_first(self) -> NaiveDate {
        let (y, m) = if self.first.month() == 12 { (self.first.year() + 1, 1) } else { (self.first.year(), self.first.month() + 1) };
        NaiveDate::from_ymd_opt(y, m, 1).expect("first of a month exists")
    }
    pub fn label(self) -> String {
        self.first.format("%Y-%m").to_string()
    }
}

/// One visit as the measures see it.
#[derive(Debug, Clone)]
pub struct VisitFact {
    pub household_id: String,
    pub satisfaction: Option<i32>,
}

/// A worker's indicators for one month (走访率, 覆盖率, 满意度).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VisitMeasures {
    /// Visits dated in the month.
    pub visits: u32,
    /// Monthly target (configured, default 30).
    pub target: u32,
    pub target_met: bool,
    /// Households currently assigned to the worker.
    pub assigned_households: u32,
    /// Distinct currently assigned households visited in the month.
    pub households_visited: u32,
    /// `households_visited / assigned_households`, two decimals; `None` with no assigned households.
    pub coverage: Option<f64>,
    /// Visits where satisfaction was asked.
    pub satisfaction_responses: u32,
    /// Mean of the answers (1–5), rounded to two decimals; `None` when never asked.
    pub average_satisfaction: Option<f64>,
}

impl VisitMeasures {
    pub fn compute(visits: &[VisitFact], assigned: &HashSet<String>, target: u32) -> VisitMeasures {
        let visited: HashSet<&str> = visits.iter().map(|v| v.household_id.as_str()).filter(|h| assigned.contains(*h)).collect();
        let answers: Vec<i32> = visits.iter().filter_map(|v| v.satisfaction).collect();
        let round2 = |x: f64| (x * 100.0).round() / 100.0;
        let count = visits.len() as u32;
        VisitMeasures {
            visits: count,
            target,
            target_met: count >= target,
            assigned_households: assigned.len() as u32,
            households_visited: visited.len() as u32,
            coverage: (!assigned.is_empty()).then(|| round2(visited.len() as f64 / assigned.len() as f64)),
            satisfaction_responses: answers.len() as u32,
            average_satisfaction: (!answers.is_empty()).then(|| round2(answers.iter().sum::<i32>() as f64 / answers.len() as f64)),
        }
    }
}

/// The ledger payload of a visit (`visit_made`). It names the household and worker by id and
/// carries no personal text: the diary's notes and problems stay in the visit record, which the
/// payload seals with `content_sha256` (SHA-256 of the canonical JSON `{"notes":…,"problems":[…]}`).
pub fn visit_payload(visit_id: &str, household_id: &str, worker_id: &str, visited_on: NaiveDate, notes: &str, problems: &[String], satisfaction: Option<i32>) -> Value {
    json!({
        "visit_id": visit_id,
        "household_id": household_id,
        "worker_id": worker_id,
        "visited_on": visited_on.format("%Y-%m-%d").to_string(),
        "problems_found": problems.len(),
        "satisfaction": satisfaction,
        "content_sha256": visit_content_hash(notes, problems),
    })
}

/// SHA-256 (lowercase hex) of the canonical JSON of a visit's notes and problems.
pub fn visit_content_hash(notes: &str, problems: &[String]) -> String {
    let content = crate::ledger::canonical_json(&json!({"notes": notes, "problems": problems}));
    hex::encode(Sha256::digest(content.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn who_sees_personal_data() {
        assert!(sees_personal_data(Role::CommunityStaff, "s", None));
        assert!(sees_personal_data(Role::GridWorker, "w", Some("w")));
        assert!(!sees_personal_data(Role::GridWorker, "w", Some("x")));
        assert!(!sees_personal_data(Role::GridWorker, "w", None));
        assert!(!sees_personal_data(Role::Auditor, "a", Some("a")));
        assert!(!sees_personal_data(Role::StreetAdmin, "s", None));
    }

    #[test]
    fn masking() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "1***3");
        assert_eq!(mask_address("东洲小区3幢2单元501室"), "东洲小区***");
        assert_eq!(mask_address("江滨新村东区"), "江滨新***");
    }

    #[test]
    fn tags_sizes_phones() {
        let t = parse_tags(&["elderly_alone".into(), "hardship".into()]).unwrap();
        assert_eq!(t, vec![HouseholdTag::ElderlyAlone, HouseholdTag::Hardship]);
        assert!(matches!(parse_tags(&["rich".into()]), Err(DomainError::Validation(e)) if e[0].field == "tags[0]"));
        assert!(matches!(parse_tags(&["veteran".into(), "veteran".into()]), Err(DomainError::Validation(e)) if e[0].code == "duplicate"));
        assert!(parse_size(0).is_err() && parse_size(31).is_err() && parse_size(4).is_ok());
        assert_eq!(parse_phone("phone", " 13800138000 ").unwrap(), "13800138000");
        assert!(parse_phone("phone", "23800138000").is_err());
        assert!(parse_phone("phone", "1380013800").is_err());
        assert!(parse_satisfaction(0).is_err() && parse_satisfaction(6).is_err() && parse_satisfaction(5).is_ok());
    }

    #[test]
    fn dates_and_months() {
        // 2026-03-01 20:00 UTC is already 2 March in China.
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap();
        assert_eq!(china_date(now), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert!(check_visit_date(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), now).is_ok());
        assert!(check_visit_date(NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(), now).is_err());
        assert!(check_visit_date(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(), now).is_err());
        let m = Month::parse("2026-12").unwrap();
        assert_eq!(m.next_first(), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(m.label(), "2026-12");
        for bad in ["2026-13", "2026-1", "26-01", "2026/01", "", "2026-00"] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn measures() {
        let assigned: HashSet<String> = ["a", "b", "c", "d"].into_iter().map(String::from).collect();
        let v = |h: &str, s: Option<i32>| VisitFact { household_id: h.into(), satisfaction: s };
        let m = VisitMeasures::compute(&[v("a", Some(5)), v("a", Some(4)), v("b", None), v("z", Some(3))], &assigned, 30);
        assert_eq!(
            m,
            VisitMeasures {
                visits: 4,
                target: 30,
                target_met: false,
                assigned_households: 4,
                households_visited: 2,
                coverage: Some(0.5),
                satisfaction_responses: 3,
                average_satisfaction: Some(4.0),
            }
        );
        let empty = VisitMeasures::compute(&[], &HashSet::new(), 0);
        assert_eq!((empty.coverage, empty.average_satisfaction, empty.target_met), (None, None, true));
    }

    #[test]
    fn visit_payload_seals_the_diary() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let p = visit_payload("v", "h", "w", d, "独居老人，需助餐", &["漏水".into()], Some(5));
        assert_eq!(p["visited_on"], "2026-03-02");
        assert_eq!(p["problems_found"], 1);
        assert_eq!(p["content_sha256"].as_str().unwrap().len(), 64);
        assert_ne!(p["content_sha256"], visit_payload("v", "h", "w", d, "独居老人", &["漏水".into()], Some(5))["content_sha256"]);
        assert!(!p.to_string().contains("独居"), "no diary text in the ledger");
    }
}
