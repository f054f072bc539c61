//! Social organisations (社会组织): registry values, social workers (社工), venture philanthropy
//! (公益创投) and points schemes (积分制).

use crate::error::Validator;
use crate::DomainError;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::fmt;

/// The 31 characters of a credit code, in value order (no I, O, Z, S, V).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 (3^i mod 31).
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters.
///
/// Position 1 is the registration authority (登记管理部门, e.g. `5` civil affairs), 2 the
/// organisation category (机构类别), 3–8 the administrative division code (登记管理机关行政区划码,
/// digits), 9–17 the organisation code body (主体标识码), 18 the check character (校验码):
/// `31 - (Σ value(cᵢ)·wᵢ mod 31)`, where 31 becomes 0.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnifiedSocialCreditCode(String);

impl UnifiedSocialCreditCode {
    /// Parses a code; surrounding space is trimmed and lowercase letters are accepted.
    /// Field error codes: `invalid_length`, `invalid_character`, `invalid_check_character`.
    pub fn parse(field: &str, s: &str) -> Result<Self, DomainError> {
        let code = s.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(DomainError::field(field, "invalid_length", "a unified social credit code has 18 characters"));
        }
        let mut sum = 0;
        for (i, c) in code.chars().enumerate() {
            let value = CHARSET.iter().position(|&b| char::from(b) == c).filter(|&v| !(2..8).contains(&i) || v < 10);
            let Some(value) = value else {
                return Err(DomainError::field(
                    field,
                    "invalid_character",
                    format!("character {} ('{c}') is not allowed at that position of a unified social credit code", i + 1),
                ));
            };
            if let Some(w) = WEIGHTS.get(i) {
                sum += value as u32 * w;
            }
        }
        let check = char::from(CHARSET[((31 - sum % 31) % 31) as usize]);
        if !code.ends_with(check) {
            return Err(DomainError::field(
                field,
                "invalid_check_character",
                "the check character of this unified social credit code does not match",
            ));
        }
        Ok(UnifiedSocialCreditCode(code))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Registration authority code (登记管理部门代码), position 1.
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }
    /// Organisation category code (机构类别代码), position 2.
    pub fn category(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }
    /// Administrative division code of the registering authority (行政区划码), positions 3–8.
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }
    /// Organisation code body (主体标识码 / 组织机构代码), positions 9–17.
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }
}

impl fmt::Display for UnifiedSocialCreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

named_enum! {
    /// Kind of social organisation.
    pub enum OrganisationKind in "kind" {
        /// 社会团体.
        SocialGroup = "social_group",
        /// 民办非企业单位 (now 社会服务机构).
        PrivateNonEnterprise = "private_non_enterprise",
        /// 基金会.
        Foundation = "foundation",
        /// 社区社会组织.
        CommunitySocialOrganisation = "community_social_organisation",
    }
}

named_enum! {
    /// How an organisation is known to civil affairs.
    pub enum RegistrationStatus in "registration_status" {
        /// 登记: registered as a legal person; has a credit code.
        Registered = "registered",
        /// 备案: merely filed with the street or community; community social organisations only.
        Filed = "filed",
    }
}

/// Checks that kind, registration status and credit code fit together: a registered organisation
/// has a credit code (field error `credit_code`/`required`); only a community social organisation
/// may be merely filed (Rule `registration_required`).
pub fn check_registration(kind: OrganisationKind, status: RegistrationStatus, credit_code: Option<&UnifiedSocialCreditCode>) -> Result<(), DomainError> {
    match status {
        RegistrationStatus::Registered if credit_code.is_none() => Err(DomainError::field(
            "credit_code",
            "required",
            "a registered organisation has a unified social credit code",
        )),
        RegistrationStatus::Filed if kind != OrganisationKind::CommunitySocialOrganisation => Err(DomainError::rule(
            "registration_required",
            format!(
                "a {} must be registered; only community social organisations may be merely filed",
                kind.as_str()
            ),
        )),
        _ => Ok(()),
    }
}

named_enum! {
    /// Professional grade of a certified social worker (社会工作者职业水平).
    pub enum SocialWorkerLevel in "level" {
        /// 助理社会工作师.
        Assistant = "assistant",
        /// 社会工作师.
        Intermediate = "intermediate",
        /// 高级社会工作师.
        Senior = "senior",
    }
}

/// `count` per 10,000 people (e.g. social workers per 10,000 residents); `None` without population.
pub fn per_10k(count: u64, population: u64) -> Option<f64> {
    (population > 0).then(|| count as f64 * 10_000.0 / population as f64)
}

/// Venture philanthropy (公益创投): refuses an award that is not positive (field error
/// `amount_cents`/`must_be_positive`) or that would bring the call's awards above its budget
/// (Rule `budget_exceeded`).
pub fn check_award(budget_cents: i64, already_awarded_cents: i64, new_award_cents: i64) -> Result<(), DomainError> {
    if new_award_cents <= 0 {
        return Err(DomainError::field("amount_cents", "must_be_positive", "an award must be more than zero"));
    }
    match already_awarded_cents.checked_add(new_award_cents) {
        Some(total) if total <= budget_cents => Ok(()),
        _ => Err(DomainError::rule(
            "budget_exceeded",
            format!(
                "this award would exceed the budget: {} cents remain of {budget_cents}",
                budget_cents.saturating_sub(already_awarded_cents).max(0)
            ),
        )),
    }
}

named_enum! {
    /// Status of a venture-philanthropy call (公益创投大赛).
    pub enum CallStatus in "status" {
        /// 草稿: being prepared.
        Draft = "draft",
        /// 征集中: accepting project applications.
        Open = "open",
        /// 评审中: applications under review.
        Reviewing = "reviewing",
        /// 已公布: awards announced; projects running.
        Awarded = "awarded",
        /// 已结束: finished or cancelled.
        Closed = "closed",
    }
}

impl CallStatus {
    /// draft → open → reviewing → awarded → closed; a call not yet closed may be closed (cancelled).
    pub fn can_move_to(self, to: CallStatus) -> bool {
        use CallStatus::*;
        matches!(
            (self, to),
            (Draft, Open) | (Open, Reviewing) | (Reviewing, Awarded) | (Draft | Open | Reviewing | Awarded, Closed)
        )
    }
    pub fn move_to(self, to: CallStatus) -> Result<CallStatus, DomainError> {
        if self.can_move_to(to) {
            Ok(to)
        } else {
            Err(DomainError::transition(self.as_str(), format!("move to {}", to.as_str())))
        }
    }
    /// Project applications are received while the call is open (Conflict `call_not_open`).
    pub fn check_accepts_applications(self) -> Result<(), DomainError> {
        if self == CallStatus::Open {
            Ok(())
        } else {
            Err(DomainError::conflict("call_not_open", format!("the call is {}, not open", self.as_str())))
        }
    }
}

named_enum! {
    /// Status of an organisation's project application to a call (项目申报).
    pub enum ProjectApplicationStatus in "status" {
        /// 已申报.
        Submitted = "submitted",
        /// 入围.
        Shortlisted = "shortlisted",
        /// 获资助.
        Awarded = "awarded",
        /// 未入选.
        Rejected = "rejected",
    }
}

impl ProjectApplicationStatus {
    /// submitted → shortlisted → awarded; submitted or shortlisted → rejected; only while the call
    /// is reviewing (Conflict `call_not_reviewing`).
    pub fn move_to(self, to: ProjectApplicationStatus, call: CallStatus) -> Result<ProjectApplicationStatus, DomainError> {
        use ProjectApplicationStatus::*;
        if !matches!(
            (self, to),
            (Submitted, Shortlisted) | (Shortlisted, Awarded) | (Submitted | Shortlisted, Rejected)
        ) {
            return Err(DomainError::transition(self.as_str(), format!("move to {}", to.as_str())));
        }
        if call != CallStatus::Reviewing {
            return Err(DomainError::conflict(
                "call_not_reviewing",
                format!("the call is {}, not reviewing", call.as_str()),
            ));
        }
        Ok(to)
    }
}

/// A reviewer's score of a project application (评审得分), 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Score(u8);

impl Score {
    /// Field error `out_of_range` outside 0–100.
    pub fn parse(field: &str, value: i64) -> Result<Score, DomainError> {
        match u8::try_from(value) {
            Ok(v) if v <= 100 => Ok(Score(v)),
            _ => Err(DomainError::field(field, "out_of_range", "a score is between 0 and 100")),
        }
    }
    pub fn value(self) -> u8 {
        self.0
    }
}

/// How a points rule (积分规则) rewards an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsBasis {
    /// Points per hour of approved service, pro rata per minute.
    PerHour(u32),
    /// Points per approved activity record (每次).
    PerEvent(u32),
}

/// A points rule of a points scheme (积分制, 三治积分) for one kind of activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsRule {
    activity_kind: String,
    basis: PointsBasis,
    daily_cap: Option<u32>,
}

/// One approved volunteer record (志愿服务记录, approved by the organiser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovedActivity {
    pub day: NaiveDate,
    pub minutes: u32,
}

impl PointsRule {
    /// Field errors: `activity_kind` (`required`, `too_long`), `points` and `daily_cap`
    /// (`must_be_positive`).
    pub fn new(activity_kind: &str, basis: PointsBasis, daily_cap: Option<u32>) -> Result<PointsRule, DomainError> {
        let mut v = Validator::new();
        let activity_kind = v.text("activity_kind", activity_kind, 64);
        if let PointsBasis::PerHour(0) | PointsBasis::PerEvent(0) = basis {
            v.push("points", "must_be_positive", "a rule awards at least one point");
        }
        if daily_cap == Some(0) {
            v.push("daily_cap", "must_be_positive", "a daily cap is at least one point; leave it out for no cap");
        }
        v.finish()?;
        Ok(PointsRule {
            activity_kind: activity_kind.unwrap_or_default(),
            basis,
            daily_cap,
        })
    }
    pub fn activity_kind(&self) -> &str {
        &self.activity_kind
    }
    pub fn basis(&self) -> PointsBasis {
        self.basis
    }
    pub fn daily_cap(&self) -> Option<u32> {
        self.daily_cap
    }

    /// Points earned by approved records of this rule's activity kind. Per day: per-hour rules
    /// award `rate × total minutes / 60` rounded down, per-event rules `rate × records`; each
    /// day's points are then limited to the daily cap.
    pub fn points(&self, records: &[ApprovedActivity]) -> i64 {
        let mut days: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
        for r in records {
            let day = days.entry(r.day).or_default();
            day.0 += u64::from(r.minutes);
            day.1 += 1;
        }
        let cap = self.daily_cap.map_or(u64::MAX, u64::from);
        let total: u64 = days
            .values()
            .map(|&(minutes, events)| match self.basis {
                PointsBasis::PerHour(rate) => u64::from(rate) * minutes / 60,
                PointsBasis::PerEvent(rate) => u64::from(rate) * events,
            })
            .map(|p| p.min(cap))
            .fold(0, u64::saturating_add);
        i64::try_from(total).unwrap_or(i64::MAX)
    }
}

/// Redeems `cost` points (积分兑换) from `balance`, returning the new balance. Field error
/// `cost`/`must_be_positive`; Rule `insufficient_points` when the balance would go negative.
pub fn redeem(balance: i64, cost: i64) -> Result<i64, DomainError> {
    if cost <= 0 {
        return Err(DomainError::field("cost", "must_be_positive", "a redemption costs at least one point"));
    }
    if balance < cost {
        return Err(DomainError::rule(
            "insufficient_points",
            format!("{cost} points are needed; the balance is {balance}"),
        ));
    }
    Ok(balance - cost)
}

named_enum! {
    /// Status of an organisation in the registry (社会组织名录).
    pub enum OrganisationStatus in "status" {
        /// 待审核: entered by civil affairs, awaiting approval.
        Pending = "pending",
        /// 正常: approved; may apply for projects and contracts.
        Active = "active",
        /// 已注销: deregistered; the record and its history stay.
        Deregistered = "deregistered",
    }
}

impl OrganisationStatus {
    /// pending → active; pending or active → deregistered.
    pub fn move_to(self, to: OrganisationStatus) -> Result<OrganisationStatus, DomainError> {
        use OrganisationStatus::*;
        if matches!((self, to), (Pending, Active) | (Pending | Active, Deregistered)) {
            Ok(to)
        } else {
            Err(DomainError::transition(self.as_str(), format!("move to {}", to.as_str())))
        }
    }
    /// Only an active organisation applies for projects or takes contracts (Conflict
    /// `organisation_not_active`).
    pub fn check_active(self) -> Result<(), DomainError> {
        if self == OrganisationStatus::Active {
            Ok(())
        } else {
            Err(DomainError::conflict("organisation_not_active", format!("the organisation is {}, not active", self.as_str())))
        }
    }
}

named_enum! {
    /// Decision state of a reviewed submission: a profile change request (资料变更申请) or
    /// volunteer hours (志愿服务时长).
    pub enum ReviewStatus in "status" {
        /// 待审核.
        Submitted = "submitted",
        /// 已通过.
        Approved = "approved",
        /// 已驳回.
        Rejected = "rejected",
    }
}

impl ReviewStatus {
    /// A submission is decided once: submitted → approved or rejected.
    pub fn decide(self, to: ReviewStatus) -> Result<ReviewStatus, DomainError> {
        if self == ReviewStatus::Submitted && to != ReviewStatus::Submitted {
            Ok(to)
        } else {
            Err(DomainError::transition(self.as_str(), format!("move to {}", to.as_str())))
        }
    }
}

/// Government purchase of services (政府购买服务): refuses a payment that is not positive
/// (field error `amount_cents`/`must_be_positive`) or that would bring the payments above the
/// contract amount (Rule `payment_exceeds_contract`).
pub fn check_payment(contract_cents: i64, already_paid_cents: i64, new_payment_cents: i64) -> Result<(), DomainError> {
    if new_payment_cents <= 0 {
        return Err(DomainError::field("amount_cents", "must_be_positive", "a payment must be more than zero"));
    }
    match already_paid_cents.checked_add(new_payment_cents) {
        Some(total) if total <= contract_cents => Ok(()),
        _ => Err(DomainError::rule(
            "payment_exceeds_contract",
            format!(
                "this payment would exceed the contract amount: {} cents remain of {contract_cents}",
                contract_cents.saturating_sub(already_paid_cents).max(0)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_error(s: &str) -> Option<String> {
        match UnifiedSocialCreditCode::parse("credit_code", s) {
            Ok(_) => None,
            Err(DomainError::Validation(e)) => Some(e[0].code.clone()),
            Err(other) => panic!("{other:?}"),
        }
    }

    const REAL_CODES: [&str; 2] = ["91350100M000100Y43", "91110000802100433B"];

    #[test]
    fn real_credit_codes_parse() {
        for c in REAL_CODES {
            assert_eq!(code_error(c), None, "{c}");
        }
        let code = UnifiedSocialCreditCode::parse("credit_code", " 91110000802100433b ").unwrap();
        assert_eq!(code.as_str(), "91110000802100433B");
        assert_eq!(code.to_string(), "91110000802100433B");
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.category(), '1');
        assert_eq!(code.division_code(), "110000");
        assert_eq!(code.organisation_code(), "802100433");
    }

    #[test]
    fn malformed_credit_codes() {
        for (input, code) in [
            ("", "invalid_length"),
            ("91110000802100433", "invalid_length"),
            ("91110000802100433B0", "invalid_length"),
            ("91110000802100433I", "invalid_character"),
            ("9111000080210043-B", "invalid_character"),
            ("9111000080210043３B", "invalid_character"),
            ("9111A000802100433B", "invalid_character"),
            ("91110000802100433C", "invalid_check_character"),
        ] {
            assert_eq!(code_error(input).as_deref(), Some(code), "{input}");
        }
    }

    #[test]
    fn every_single_substitution_fails() {
        let candidates: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-*".chars().collect();
        for valid in REAL_CODES {
            for pos in 0..18 {
                for &c in &candidates {
                    let mut chars: Vec<char> = valid.chars().collect();
                    if chars[pos] == c {
                        continue;
                    }
                    chars[pos] = c;
                    let corrupted: String = chars.into_iter().collect();
                    assert!(code_error(&corrupted).is_some(), "{corrupted} must be refused");
                }
            }
        }
    }

    #[test]
    fn registration_rules() {
        use OrganisationKind::*;
        use RegistrationStatus::*;
        let code = UnifiedSocialCreditCode::parse("credit_code", REAL_CODES[0]).unwrap();
        for kind in OrganisationKind::ALL.iter().copied() {
            assert!(check_registration(kind, Registered, Some(&code)).is_ok());
            assert!(matches!(check_registration(kind, Registered, None), Err(DomainError::Validation(e)) if e[0].field == "credit_code"));
        }
        assert!(check_registration(CommunitySocialOrganisation, Filed, None).is_ok());
        assert!(check_registration(CommunitySocialOrganisation, Filed, Some(&code)).is_ok());
        for kind in [SocialGroup, PrivateNonEnterprise, Foundation] {
            assert!(matches!(
                check_registration(kind, Filed, None),
                Err(DomainError::Rule {
                    code: "registration_required",
                    ..
                })
            ));
        }
    }

    #[test]
    fn names_roundtrip() {
        for k in OrganisationKind::ALL.iter().copied() {
            assert_eq!(OrganisationKind::parse(k.as_str()).unwrap(), k);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
        }
        for l in SocialWorkerLevel::ALL.iter().copied() {
            assert_eq!(serde_json::from_str::<SocialWorkerLevel>(&format!("\"{}\"", l.as_str())).unwrap(), l);
        }
        assert!(matches!(OrganisationKind::parse("company"), Err(DomainError::Validation(e)) if e[0].code == "invalid_value" && e[0].field == "kind"));
        assert!(RegistrationStatus::parse("filed").is_ok());
    }

    #[test]
    fn ratio_per_10k() {
        assert_eq!(per_10k(5, 10_000), Some(5.0));
        assert_eq!(per_10k(3, 4_000), Some(7.5));
        assert_eq!(per_10k(0, 8_000), Some(0.0));
        assert_eq!(per_10k(2, 0), None);
    }

    #[test]
    fn awards_stay_within_budget() {
        // Haimen: 600,000 yuan for 18 projects.
        let budget = 600_000 * 100;
        for (already, new, ok) in [
            (0, budget, true),
            (budget - 50_000, 50_000, true),
            (budget - 50_000, 50_001, false),
            (budget, 1, false),
            (i64::MAX, 1, false),
        ] {
            let r = check_award(budget, already, new);
            assert_eq!(r.is_ok(), ok, "{already} + {new}");
            if !ok {
                assert!(matches!(r, Err(DomainError::Rule { code: "budget_exceeded", .. })));
            }
        }
        for new in [0, -5] {
            assert!(matches!(check_award(budget, 0, new), Err(DomainError::Validation(e)) if e[0].code == "must_be_positive"));
        }
    }

    #[test]
    fn call_transitions() {
        use CallStatus::*;
        let allowed = [
            (Draft, Open),
            (Open, Reviewing),
            (Reviewing, Awarded),
            (Awarded, Closed),
            (Draft, Closed),
            (Open, Closed),
            (Reviewing, Closed),
        ];
        for &from in CallStatus::ALL {
            for &to in CallStatus::ALL {
                let r = from.move_to(to);
                if allowed.contains(&(from, to)) {
                    assert_eq!(r, Ok(to));
                } else {
                    assert!(matches!(r, Err(DomainError::InvalidTransition { .. })), "{from:?} -> {to:?}");
                }
            }
        }
        assert!(Open.check_accepts_applications().is_ok());
        for s in [Draft, Reviewing, Awarded, Closed] {
            assert!(matches!(
                s.check_accepts_applications(),
                Err(DomainError::Conflict { code: "call_not_open", .. })
            ));
        }
    }

    #[test]
    fn project_application_transitions() {
        use ProjectApplicationStatus::*;
        let allowed = [(Submitted, Shortlisted), (Shortlisted, Awarded), (Submitted, Rejected), (Shortlisted, Rejected)];
        for &from in ProjectApplicationStatus::ALL {
            for &to in ProjectApplicationStatus::ALL {
                let r = from.move_to(to, CallStatus::Reviewing);
                if allowed.contains(&(from, to)) {
                    assert_eq!(r, Ok(to));
                    assert!(matches!(
                        from.move_to(to, CallStatus::Open),
                        Err(DomainError::Conflict {
                            code: "call_not_reviewing",
                            ..
                        })
                    ));
                } else {
                    assert!(matches!(r, Err(DomainError::InvalidTransition { .. })), "{from:?} -> {to:?}");
                }
            }
        }
    }

    #[test]
    fn scores() {
        for v in [0, 59, 100] {
            assert_eq!(Score::parse("score", v).unwrap().value() as i64, v);
        }
        for v in [-1, 101, 256, i64::MIN] {
            assert!(matches!(Score::parse("score", v), Err(DomainError::Validation(e)) if e[0].code == "out_of_range"));
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    #[test]
    fn points_for_approved_hours() {
        let rec = |d, minutes| ApprovedActivity { day: day(d), minutes };
        let hourly = PointsRule::new("elderly_visits", PointsBasis::PerHour(10), Some(50)).unwrap();
        let per_event = PointsRule::new("patrol", PointsBasis::PerEvent(3), None).unwrap();
        let capped_events = PointsRule::new("patrol", PointsBasis::PerEvent(3), Some(5)).unwrap();
        for (rule, records, expected) in [
            (&hourly, vec![], 0),
            (&hourly, vec![rec(1, 90)], 15),
            // Two half hours on one day make one hour; minutes are pooled per day.
            (&hourly, vec![rec(1, 30), rec(1, 30)], 10),
            (&hourly, vec![rec(1, 59)], 9),
            // 8 hours on one day are capped at 50; the next day counts on its own.
            (&hourly, vec![rec(1, 480), rec(2, 60)], 60),
            (&per_event, vec![rec(1, 10), rec(1, 10), rec(2, 0)], 9),
            (&capped_events, vec![rec(1, 10), rec(1, 10), rec(2, 10)], 8),
        ] {
            assert_eq!(rule.points(&records), expected, "{rule:?} {records:?}");
        }
        assert_eq!(hourly.activity_kind(), "elderly_visits");
        assert_eq!(hourly.basis(), PointsBasis::PerHour(10));
        assert_eq!(per_event.daily_cap(), None);
    }

    #[test]
    fn points_rule_validation() {
        match PointsRule::new(" ", PointsBasis::PerEvent(0), Some(0)) {
            Err(DomainError::Validation(e)) => {
                let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(fields, ["activity_kind", "points", "daily_cap"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(PointsRule::new("x", PointsBasis::PerHour(0), None).is_err());
    }

    #[test]
    fn redemption_never_goes_negative() {
        assert_eq!(redeem(100, 30), Ok(70));
        assert_eq!(redeem(30, 30), Ok(0));
        assert!(matches!(
            redeem(29, 30),
            Err(DomainError::Rule {
                code: "insufficient_points",
                ..
            })
        ));
        assert!(matches!(
            redeem(0, 1),
            Err(DomainError::Rule {
                code: "insufficient_points",
                ..
            })
        ));
        assert!(matches!(redeem(100, 0), Err(DomainError::Validation(e)) if e[0].code == "must_be_positive"));
    }
    #[test]
    fn organisation_and_review_transitions() {
        use OrganisationStatus::*;
        assert_eq!(Pending.move_to(Active), Ok(Active));
        assert_eq!(Active.move_to(Deregistered), Ok(Deregistered));
        assert_eq!(Pending.move_to(Deregistered), Ok(Deregistered));
        for (from, to) in [(Active, Pending), (Deregistered, Active), (Active, Active)] {
            assert!(matches!(from.move_to(to), Err(DomainError::InvalidTransition { .. })));
        }
        assert!(Active.check_active().is_ok());
        assert!(matches!(Pending.check_active(), Err(DomainError::Conflict { code: "organisation_not_active", .. })));
        assert_eq!(ReviewStatus::Submitted.decide(ReviewStatus::Approved), Ok(ReviewStatus::Approved));
        assert!(ReviewStatus::Submitted.decide(ReviewStatus::Submitted).is_err());
        assert!(ReviewStatus::Approved.decide(ReviewStatus::Rejected).is_err());
    }

    #[test]
    fn payments_stay_within_contract() {
        assert!(check_payment(1000, 0, 1000).is_ok());
        assert!(matches!(check_payment(1000, 400, 601), Err(DomainError::Rule { code: "payment_exceeds_contract", .. })));
        assert!(matches!(check_payment(1000, 0, 0), Err(DomainError::Validation(_))));
    }
}
