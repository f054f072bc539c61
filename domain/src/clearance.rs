//! Clearance (社区工作准入制度, 准入清单): nothing a department imposes on a community enters
//! without an approved catalogue item (凡进必审), and funding follows the task (费随事转).

use crate::authz::Scope;
use crate::error::text;
use crate::jurisdiction::JurisdictionPath;
use crate::role::Role;
use crate::DomainError;
use chrono::{DateTime, NaiveDate, Utc};

named_enum! {
    /// What a department wants to bring into communities.
    pub enum ItemKind in "kind" {
        /// 工作事项.
        WorkTask = "work_task",
        /// 统计调查.
        StatisticsSurvey = "statistics_survey",
        /// 盖章 (use of the community's seal).
        SealUse = "seal_use",
        /// 挂牌.
        Signboard = "signboard",
        /// 创建评比 (creation / assessment project).
        CreationProject = "creation_project",
        /// 台账.
        Ledger = "ledger",
        /// 机构 (an organisation or body set up in the community).
        Body = "body",
    }
}

named_enum! {
    /// The list a catalogue item belongs to.
    pub enum ListKind in "list" {
        /// 依法履职事项清单: duties the community performs by law.
        DutiesByLaw = "duties_by_law",
        /// 协助政府工作事项清单: assistance to government; funded under an entrustment agreement.
        AssistanceToGovernment = "assistance_to_government",
        /// "+1" 居民议事会协助事项: items a residents' self-governance council helps with.
        CouncilPlusOne = "council_plus_one",
        /// 负面清单: what may never be imposed on a community.
        Negative = "negative",
    }
}

named_enum! {
    /// Kind of legal basis an application cites (准入依据).
    pub enum LegalBasisKind in "legal_basis.kind" {
        /// 法律.
        Law = "law",
        /// 法规 (administrative or local regulation).
        Regulation = "regulation",
        /// 县级以上党委、政府文件.
        CountyOrHigherDocument = "county_or_higher_document",
    }
}

/// The legal basis of a clearance item: its kind and the cited text (title, article, document number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalBasis {
    kind: LegalBasisKind,
    reference: String,
}

impl LegalBasis {
    /// Field errors on `legal_basis.reference`: `required`, `too_long` (500 characters).
    pub fn new(kind: LegalBasisKind, reference: &str) -> Result<LegalBasis, DomainError> {
        Ok(LegalBasis {
            kind,
            reference: text("legal_basis.reference", reference, 500)?,
        })
    }
    pub fn kind(&self) -> LegalBasisKind {
        self.kind
    }
    pub fn reference(&self) -> &str {
        &self.reference
    }
}

named_enum! {
    /// What a funding amount is counted per (经费标准).
    pub enum FundingUnit in "funding.unit" {
        PerYear = "per_year",
        PerTask = "per_task",
        PerHousehold = "per_household",
        /// 一次性: a lump sum.
        Lump = "lump",
    }
}

/// Funding that follows an item (费随事转).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Funding {
    amount_cents: i64,
    unit: FundingUnit,
}

impl Funding {
    /// Field error `funding.amount_cents`/`invalid_amount` when negative.
    pub fn new(amount_cents: i64, unit: FundingUnit) -> Result<Funding, DomainError> {
        if amount_cents < 0 {
            return Err(DomainError::field("funding.amount_cents", "invalid_amount", "funding cannot be negative"));
        }
        Ok(Funding { amount_cents, unit })
    }
    pub fn amount_cents(self) -> i64 {
        self.amount_cents
    }
    pub fn unit(self) -> FundingUnit {
        self.unit
    }
}

/// An item on the assistance list carries funding above zero (Rule `funding_required`).
pub fn check_funding(list: ListKind, funding: Option<Funding>) -> Result<(), DomainError> {
    let funded = funding.is_some_and(|f| f.amount_cents > 0);
    if list == ListKind::AssistanceToGovernment && !funded {
        return Err(DomainError::rule("funding_required", "an assistance item carries its funding (费随事转)"));
    }
    Ok(())
}

/// The validity window of an item, both days included (field error `valid_until`/`before_start`).
pub fn check_validity(valid_from: NaiveDate, valid_until: NaiveDate) -> Result<(), DomainError> {
    if valid_until < valid_from {
        return Err(DomainError::field("valid_until", "before_start", "the validity ends before it starts"));
    }
    Ok(())
}

named_enum! {
    /// Status of an admission application (准入申请).
    pub enum AdmissionStatus in "status" {
        /// 待审核.
        Submitted = "submitted",
        /// 退回修改.
        ChangesRequested = "changes_requested",
        /// 已准入: in the published catalogue (准入目录).
        Approved = "approved",
        /// 不予准入.
        Rejected = "rejected",
        /// 已撤回.
        Withdrawn = "withdrawn",
        /// 已到期.
        Expired = "expired",
    }
}

/// What may happen to an admission application after it was submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdmissionAction {
    /// Civil affairs approves (准入).
    Approve,
    /// Civil affairs rejects, with a reason.
    Reject { reason: String },
    /// Civil affairs sends it back for changes, with a reason.
    RequestChanges { reason: String },
    /// The owning department submits a changed version.
    Resubmit,
    /// The owning department withdraws its application or item; civil affairs withdraws an
    /// approved item from the catalogue.
    Withdraw,
    /// The scheduler expires an approved item at the end of its validity.
    Expire,
}

impl AdmissionAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            AdmissionAction::Approve => "approve",
            AdmissionAction::Reject { .. } => "reject",
            AdmissionAction::RequestChanges { .. } => "request_changes",
            AdmissionAction::Resubmit => "resubmit",
            AdmissionAction::Withdraw => "withdraw",
            AdmissionAction::Expire => "expire",
        }
    }
}

/// Who acts on an admission application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in account; `owner` is true for staff of the department that owns the application.
    Account { role: Role, owner: bool },
    /// The platform's scheduled jobs.
    Scheduler,
}

impl Actor {
    /// The caller of a request about an application owned by `owning_department_id`.
    pub fn of(scope: &Scope, owning_department_id: &str) -> Actor {
        let owner = scope.role == Role::DepartmentStaff && scope.department_id.as_deref() == Some(owning_department_id);
        Actor::Account { role: scope.role, owner }
    }
}

/// An admission application's status and version; each resubmission is a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub status: AdmissionStatus,
    pub version: u32,
}

impl Admission {
    /// A department submits an application (version 1); other roles are refused (403).
    pub fn submit(role: Role) -> Result<Admission, DomainError> {
        if role != Role::DepartmentStaff {
            return Err(DomainError::Forbidden(format!("the {} role may not apply for clearance items", role.as_str())));
        }
        Ok(Admission {
            status: AdmissionStatus::Submitted,
            version: 1,
        })
    }

    /// Applies `action`: 403 when the actor may never take it, 409 when the status does not allow
    /// it, field error `reason`/`required` when a reject or change request has no reason.
    ///
    /// submitted → approved | rejected | changes_requested (civil affairs);
    /// changes_requested → submitted, next version (owning department);
    /// submitted | changes_requested → withdrawn (owning department);
    /// approved → withdrawn (owning department or civil affairs); approved → expired (scheduler).
    pub fn apply(self, actor: Actor, action: &AdmissionAction) -> Result<Admission, DomainError> {
        use AdmissionAction as A;
        use AdmissionStatus as S;
        let civil_affairs = matches!(
            actor,
            Actor::Account {
                role: Role::CivilAffairsAdmin,
                ..
            }
        );
        let owner = matches!(
            actor,
            Actor::Account {
                role: Role::DepartmentStaff,
                owner: true
            }
        );
        let allowed = match action {
            A::Approve | A::Reject { .. } | A::RequestChanges { .. } => civil_affairs,
            A::Resubmit => owner,
            A::Withdraw => owner || civil_affairs,
            A::Expire => actor == Actor::Scheduler,
        };
        if !allowed {
            let who = match actor {
                Actor::Account { role, .. } => role.as_str(),
                Actor::Scheduler => "scheduler",
            };
            return Err(DomainError::Forbidden(format!("the {who} may not {} this application", action.as_str())));
        }
        if let A::Reject { reason } | A::RequestChanges { reason } = action {
            text("reason", reason, 1000)?;
        }
        let (status, version) = match (self.status, action) {
            (S::Submitted, A::Approve) => (S::Approved, self.version),
            (S::Submitted, A::Reject { .. }) => (S::Rejected, self.version),
            (S::Submitted, A::RequestChanges { .. }) => (S::ChangesRequested, self.version),
            (S::ChangesRequested, A::Resubmit) => (S::Submitted, self.version + 1),
            (S::Submitted | S::ChangesRequested, A::Withdraw) if owner => (S::Withdrawn, self.version),
            (S::Approved, A::Withdraw) => (S::Withdrawn, self.version),
            (S::Approved, A::Expire) => (S::Expired, self.version),
            _ => return Err(DomainError::transition(self.status.as_str(), action.as_str())),
        };
        Ok(Admission { status, version })
    }
}

/// What enforcement needs to know about the catalogue item an assignment cites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmittedItemView {
    pub status: AdmissionStatus,
    pub kind: ItemKind,
    pub list: ListKind,
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_until: NaiveDate,
    /// The jurisdiction whose catalogue holds the item; it applies in that subtree.
    pub jurisdiction_path: JurisdictionPath,
    /// For assistance items: whether an entrustment agreement (委托协议书) funds it for the
    /// target community.
    pub funded: bool,
}

/// Checks that a department may impose something of `assignment_kind` on the community at
/// `target_community_path` today under `item`. Rules (422), in this order:
/// `item_on_negative_list`, `item_not_admitted`, `item_expired`, `item_not_yet_valid`,
/// `item_out_of_jurisdiction`, `item_kind_mismatch`, `item_unfunded`.
pub fn check_assignment(item: &AdmittedItemView, target_community_path: &str, assignment_kind: ItemKind, today: NaiveDate) -> Result<(), DomainError> {
    let refuse = |code, message: String| Err(DomainError::rule(code, message));
    if item.list == ListKind::Negative {
        return refuse(
            "item_on_negative_list",
            "this item is on the negative list and may not be imposed on communities".into(),
        );
    }
    match item.status {
        AdmissionStatus::Approved => {}
        AdmissionStatus::Expired => return refuse("item_expired", "this catalogue item has expired".into()),
        other => return refuse("item_not_admitted", format!("this item is {}, not admitted to the catalogue", other.as_str())),
    }
    if today > item.valid_until {
        return refuse("item_expired", format!("this catalogue item was valid until {}", item.valid_until));
    }
    if today < item.valid_from {
        return refuse("item_not_yet_valid", format!("this catalogue item is valid from {}", item.valid_from));
    }
    if !item.jurisdiction_path.contains(target_community_path) {
        return refuse("item_out_of_jurisdiction", "this catalogue item does not apply to that community".into());
    }
    if item.kind != assignment_kind {
        return refuse(
            "item_kind_mismatch",
            format!("this catalogue item admits a {}, not a {}", item.kind.as_str(), assignment_kind.as_str()),
        );
    }
    if item.list == ListKind::AssistanceToGovernment && !item.funded {
        return refuse(
            "item_unfunded",
            "an assistance item needs funding under an entrustment agreement (委托协议书)".into(),
        );
    }
    Ok(())
}

named_enum! {
    /// A community's answer to an imposed item (承接).
    pub enum AssignmentStatus in "status" {
        /// 待确认.
        Pending = "pending",
        /// 已承接.
        Accepted = "accepted",
        /// 拒绝 (with a reason, e.g. not in the catalogue).
        Refused = "refused",
    }
}

/// What the community does with a pending assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignmentAction {
    Accept,
    Refuse { reason: String },
}

impl AssignmentStatus {
    /// Community staff accept or refuse (reason required) a pending assignment; 403 for other
    /// roles, 409 once answered.
    pub fn apply(self, role: Role, action: &AssignmentAction) -> Result<AssignmentStatus, DomainError> {
        if role != Role::CommunityStaff {
            return Err(DomainError::Forbidden(format!("the {} role may not answer an assignment", role.as_str())));
        }
        let (to, name) = match action {
            AssignmentAction::Accept => (AssignmentStatus::Accepted, "accept"),
            AssignmentAction::Refuse { reason } => {
                text("reason", reason, 1000)?;
                (AssignmentStatus::Refused, "refuse")
            }
        };
        if self != AssignmentStatus::Pending {
            return Err(DomainError::transition(self.as_str(), name));
        }
        Ok(to)
    }
}

named_enum! {
    /// Where a signboard hangs.
    pub enum Placement in "placement" {
        /// 外挂: outside the community office; limited in number.
        Outside = "outside",
        /// 内挂: inside.
        Inside = "inside",
    }
}

/// Outside signboards Ningbo allows a community (seed 002).
pub const DEFAULT_OUTSIDE_SIGNBOARD_LIMIT: u32 = 4;

/// One more outside signboard fits under `limit` (Rule `signboard_limit_reached`).
pub fn check_signboard_limit(current_outside: u32, limit: u32) -> Result<(), DomainError> {
    if current_outside >= limit {
        return Err(DomainError::rule(
            "signboard_limit_reached",
            format!("a community hangs at most {limit} signboards outside"),
        ));
    }
    Ok(())
}

/// A burden-reduction figure (减负): how many items there were and are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reduction {
    pub baseline: u32,
    pub current: u32,
}

impl Reduction {
    /// Items cut; negative when the burden grew.
    pub fn cut(self) -> i64 {
        i64::from(self.baseline) - i64::from(self.current)
    }
    /// Share of the baseline cut (0.75 = 75%); `None` without a baseline.
    pub fn cut_ratio(self) -> Option<f64> {
        (self.baseline > 0).then(|| self.cut() as f64 / f64::from(self.baseline))
    }
}

named_enum! {
    /// The community side of an entrustment agreement (委托协议书).
    pub enum Counterparty in "counterparty" {
        /// 社区居委会.
        CommunityCommittee = "community_committee",
        /// 居民议事会 (the "+1" residents' self-governance council).
        ResidentsCouncil = "residents_council",
    }
}

/// An agreement's promised amount or a payment under it is above zero (field error `amount_cents`/`invalid_amount`).
pub fn check_amount(amount_cents: i64) -> Result<(), DomainError> {
    if amount_cents <= 0 {
        return Err(DomainError::field("amount_cents", "invalid_amount", "an amount is above zero"));
    }
    if amount_cents > MAX_AMOUNT_CENTS {
        return Err(DomainError::field("amount_cents", "out_of_range", "an amount is at most 100 billion yuan"));
    }
    Ok(())
}

/// The largest amount one agreement or payment may carry: 10^13 cents (1,000 亿元). Far above any
/// real figure, and low enough that sums of payments can never overflow.
pub const MAX_AMOUNT_CENTS: i64 = 10_000_000_000_000;

/// An outside-signboard limit a jurisdiction may set: 0–50 (field error `outside_signboard_limit`/`out_of_range`).
pub fn check_signboard_limit_setting(limit: i64) -> Result<u32, DomainError> {
    u32::try_from(limit).ok().filter(|l| *l <= 50).ok_or_else(|| {
        DomainError::field("outside_signboard_limit", "out_of_range", "the limit is between 0 and 50")
    })
}

/// A baseline item count (减负基数): 0–100,000 (field error `count`/`out_of_range`).
pub fn check_baseline(count: i64) -> Result<u32, DomainError> {
    u32::try_from(count).ok().filter(|c| *c <= 100_000).ok_or_else(|| {
        DomainError::field("count", "out_of_range", "a baseline count is between 0 and 100,000")
    })
}

/// The calendar day in China (UTC+8) at `now`: validity windows are counted in local days.
pub fn local_day(now: DateTime<Utc>) -> NaiveDate {
    (now + chrono::TimeDelta::hours(8)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<impl std::fmt::Debug, DomainError>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(DomainError::Rule { code, .. } | DomainError::Conflict { code, .. }) => code,
            Err(DomainError::Validation(_)) => "validation",
            Err(DomainError::InvalidTransition { .. }) => "invalid_transition",
            Err(DomainError::Forbidden(_)) => "forbidden",
            Err(DomainError::NotFound(_)) => "not_found",
        }
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn names_roundtrip() {
        for k in ItemKind::ALL.iter().copied() {
            assert_eq!(ItemKind::parse(k.as_str()).unwrap(), k);
        }
        for l in ListKind::ALL.iter().copied() {
            assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{}\"", l.as_str()));
        }
        assert_eq!(ListKind::CouncilPlusOne.as_str(), "council_plus_one");
        assert!(matches!(FundingUnit::parse("monthly"), Err(DomainError::Validation(e)) if e[0].field == "funding.unit"));
    }

    #[test]
    fn legal_basis_funding_and_validity() {
        let basis = LegalBasis::new(LegalBasisKind::Law, " 《中华人民共和国城市居民委员会组织法》第三条 ").unwrap();
        assert_eq!(basis.reference(), "《中华人民共和国城市居民委员会组织法》第三条");
        assert_eq!(basis.kind(), LegalBasisKind::Law);
        assert!(
            matches!(LegalBasis::new(LegalBasisKind::CountyOrHigherDocument, "  "), Err(DomainError::Validation(e)) if e[0].field == "legal_basis.reference")
        );
        assert_eq!(code(Funding::new(-1, FundingUnit::Lump)), "validation");
        let f = Funding::new(12_000_000, FundingUnit::PerYear).unwrap();
        assert_eq!((f.amount_cents(), f.unit()), (12_000_000, FundingUnit::PerYear));
        let zero = Funding::new(0, FundingUnit::PerTask).unwrap();
        use ListKind::*;
        for (list, funding, expected) in [
            (AssistanceToGovernment, Some(f), "ok"),
            (AssistanceToGovernment, Some(zero), "funding_required"),
            (AssistanceToGovernment, None, "funding_required"),
            (DutiesByLaw, None, "ok"),
            (CouncilPlusOne, None, "ok"),
            (Negative, None, "ok"),
        ] {
            assert_eq!(code(check_funding(list, funding)), expected, "{list:?} {funding:?}");
        }
        assert!(check_validity(day(1, 1), day(1, 1)).is_ok());
        assert!(matches!(check_validity(day(1, 2), day(1, 1)), Err(DomainError::Validation(e)) if e[0].code == "before_start"));
    }

    #[test]
    fn admission_state_machine() {
        use AdmissionAction as A;
        use AdmissionStatus as S;
        let ca = Actor::Account {
            role: Role::CivilAffairsAdmin,
            owner: false,
        };
        let dept = Actor::Account {
            role: Role::DepartmentStaff,
            owner: true,
        };
        let other_dept = Actor::Account {
            role: Role::DepartmentStaff,
            owner: false,
        };
        let community = Actor::Account {
            role: Role::CommunityStaff,
            owner: false,
        };
        let sched = Actor::Scheduler;
        let why = || "依据不足".to_string();
        let at = |status| Admission { status, version: 1 };
        for (from, actor, action, expected) in [
            (S::Submitted, ca, A::Approve, Ok(S::Approved)),
            (S::Submitted, ca, A::Reject { reason: why() }, Ok(S::Rejected)),
            (S::Submitted, ca, A::RequestChanges { reason: why() }, Ok(S::ChangesRequested)),
            (S::ChangesRequested, dept, A::Resubmit, Ok(S::Submitted)),
            (S::Submitted, dept, A::Withdraw, Ok(S::Withdrawn)),
            (S::ChangesRequested, dept, A::Withdraw, Ok(S::Withdrawn)),
            (S::Approved, dept, A::Withdraw, Ok(S::Withdrawn)),
            (S::Approved, ca, A::Withdraw, Ok(S::Withdrawn)),
            (S::Approved, sched, A::Expire, Ok(S::Expired)),
            // Wrong actor: 403.
            (S::Submitted, dept, A::Approve, Err("forbidden")),
            (S::Submitted, community, A::Reject { reason: why() }, Err("forbidden")),
            (S::ChangesRequested, other_dept, A::Resubmit, Err("forbidden")),
            (S::ChangesRequested, ca, A::Resubmit, Err("forbidden")),
            (S::Approved, other_dept, A::Withdraw, Err("forbidden")),
            (S::Approved, ca, A::Expire, Err("forbidden")),
            (S::Submitted, sched, A::Approve, Err("forbidden")),
            // Reason required.
            (S::Submitted, ca, A::Reject { reason: " ".into() }, Err("validation")),
            (S::Submitted, ca, A::RequestChanges { reason: String::new() }, Err("validation")),
            // Wrong status: 409.
            (S::Approved, ca, A::Approve, Err("invalid_transition")),
            (S::ChangesRequested, ca, A::Approve, Err("invalid_transition")),
            (S::Submitted, dept, A::Resubmit, Err("invalid_transition")),
            (S::Submitted, ca, A::Withdraw, Err("invalid_transition")),
            (S::Submitted, sched, A::Expire, Err("invalid_transition")),
            (S::Rejected, dept, A::Withdraw, Err("invalid_transition")),
            (S::Withdrawn, ca, A::Approve, Err("invalid_transition")),
            (S::Expired, dept, A::Withdraw, Err("invalid_transition")),
            (S::Expired, ca, A::Reject { reason: why() }, Err("invalid_transition")),
        ] {
            let got = at(from).apply(actor, &action);
            match expected {
                Ok(to) => assert_eq!(got.map(|a| a.status), Ok(to), "{from:?} {actor:?} {action:?}"),
                Err(c) => assert_eq!(code(got), c, "{from:?} {actor:?} {action:?}"),
            }
        }
    }

    #[test]
    fn admission_versions_and_submitters() {
        let dept = Actor::Account {
            role: Role::DepartmentStaff,
            owner: true,
        };
        let ca = Actor::Account {
            role: Role::CivilAffairsAdmin,
            owner: false,
        };
        let changes = AdmissionAction::RequestChanges {
            reason: "补充经费测算".into()
        };
        let a = Admission::submit(Role::DepartmentStaff).unwrap();
        assert_eq!(
            a,
            Admission {
                status: AdmissionStatus::Submitted,
                version: 1
            }
        );
        let a = a.apply(ca, &changes).unwrap().apply(dept, &AdmissionAction::Resubmit).unwrap();
        assert_eq!(a.version, 2);
        let a = a.apply(ca, &changes).unwrap().apply(dept, &AdmissionAction::Resubmit).unwrap();
        assert_eq!(
            a,
            Admission {
                status: AdmissionStatus::Submitted,
                version: 3
            }
        );
        assert_eq!(a.apply(ca, &AdmissionAction::Approve).unwrap().version, 3);
        for role in [Role::CivilAffairsAdmin, Role::CommunityStaff, Role::SystemAdmin] {
            assert_eq!(code(Admission::submit(role)), "forbidden");
        }
    }

    #[test]
    fn actor_from_scope() {
        let scope = |role, department: Option<&str>| Scope {
            account_id: "a".into(),
            role,
            jurisdiction_id: Some("d".into()),
            path: JurisdictionPath::root().child("d"),
            department_id: department.map(Into::into),
            organisation_id: None,
            service: false,
        };
        assert_eq!(
            Actor::of(&scope(Role::DepartmentStaff, Some("dept-1")), "dept-1"),
            Actor::Account {
                role: Role::DepartmentStaff,
                owner: true
            }
        );
        assert_eq!(
            Actor::of(&scope(Role::DepartmentStaff, Some("dept-2")), "dept-1"),
            Actor::Account {
                role: Role::DepartmentStaff,
                owner: false
            }
        );
        assert_eq!(
            Actor::of(&scope(Role::CivilAffairsAdmin, None), "dept-1"),
            Actor::Account {
                role: Role::CivilAffairsAdmin,
                owner: false
            }
        );
    }

    fn item() -> AdmittedItemView {
        AdmittedItemView {
            status: AdmissionStatus::Approved,
            kind: ItemKind::StatisticsSurvey,
            list: ListKind::AssistanceToGovernment,
            valid_from: day(1, 1),
            valid_until: day(12, 31),
            jurisdiction_path: JurisdictionPath::from_stored("/d/s/"),
            funded: true,
        }
    }

    #[test]
    fn assignment_enforcement() {
        let community = "/d/s/c/";
        let today = day(6, 1);
        let with = |f: fn(&mut AdmittedItemView)| {
            let mut i = item();
            f(&mut i);
            i
        };
        for (case, it, target, kind, on, expected) in [
            ("admitted", item(), community, ItemKind::StatisticsSurvey, today, "ok"),
            ("first day", item(), community, ItemKind::StatisticsSurvey, day(1, 1), "ok"),
            ("last day", item(), community, ItemKind::StatisticsSurvey, day(12, 31), "ok"),
            ("street itself", item(), "/d/s/", ItemKind::StatisticsSurvey, today, "ok"),
            (
                "duties need no agreement",
                with(|i| (i.list, i.funded) = (ListKind::DutiesByLaw, false)),
                community,
                ItemKind::StatisticsSurvey,
                today,
                "ok",
            ),
            (
                "council list",
                with(|i| (i.list, i.funded) = (ListKind::CouncilPlusOne, false)),
                community,
                ItemKind::StatisticsSurvey,
                today,
                "ok",
            ),
            (
                "negative",
                with(|i| i.list = ListKind::Negative),
                community,
                ItemKind::StatisticsSurvey,
                today,
                "item_on_negative_list",
            ),
            (
                "submitted",
                with(|i| i.status = AdmissionStatus::Submitted),
                community,
                ItemKind::StatisticsSurvey,
                today,
                "item_not_admitted",
            ),
            (
                "changes",
                with(|i| i.status = AdmissionStatus::ChangesRequested),
                community,
                ItemKind::StatisticsSurvey,
                today,
                "item_not_admitted",
            ),
            (
                "rejected",
                with(|i| i.status = AdmissionStatus::Rejected),
                community,
                ItemKind::StatisticsSurvey,
                today,
                "item_not_admitted",
            ),
            (
                "withdrawn",
                with(|i| i.status = AdmissionStatus::Withdrawn),
                community,
                ItemKind::StatisticsSurvey,
                today,
                "item_not_admitted",
            ),
            (
                "expired status",
                with(|i| i.status = AdmissionStatus::Expired),
                community,
                ItemKind::StatisticsSurvey,
                today,
                "item_expired",
            ),
            (
                "past validity",
                item(),
                community,
                ItemKind::StatisticsSurvey,
                NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                "item_expired",
            ),
            (
                "before validity",
                item(),
                community,
                ItemKind::StatisticsSurvey,
                NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
                "item_not_yet_valid",
            ),
            (
                "other street",
                item(),
                "/d/s2/c/",
                ItemKind::StatisticsSurvey,
                today,
                "item_out_of_jurisdiction",
            ),
            ("parent district", item(), "/d/", ItemKind::StatisticsSurvey, today, "item_out_of_jurisdiction"),
            ("kind", item(), community, ItemKind::SealUse, today, "item_kind_mismatch"),
            (
                "unfunded",
                with(|i| i.funded = false),
                community,
                ItemKind::StatisticsSurvey,
                today,
                "item_unfunded",
            ),
            (
                "negative beats all",
                with(|i| (i.list, i.status) = (ListKind::Negative, AdmissionStatus::Rejected)),
                "/x/",
                ItemKind::Body,
                today,
                "item_on_negative_list",
            ),
        ] {
            assert_eq!(code(check_assignment(&it, target, kind, on)), expected, "{case}");
        }
    }

    #[test]
    fn assignment_answers() {
        use AssignmentAction::*;
        use AssignmentStatus::*;
        let refuse = |r: &str| Refuse { reason: r.into() };
        for (from, role, action, expected) in [
            (Pending, Role::CommunityStaff, Accept, Ok(Accepted)),
            (Pending, Role::CommunityStaff, refuse("不在准入目录内"), Ok(Refused)),
            (Pending, Role::CommunityStaff, refuse(""), Err("validation")),
            (Pending, Role::DepartmentStaff, Accept, Err("forbidden")),
            (Pending, Role::StreetAdmin, refuse("x"), Err("forbidden")),
            (Accepted, Role::CommunityStaff, refuse("x"), Err("invalid_transition")),
            (Refused, Role::CommunityStaff, Accept, Err("invalid_transition")),
        ] {
            let got = from.apply(role, &action);
            match expected {
                Ok(to) => assert_eq!(got, Ok(to)),
                Err(c) => assert_eq!(code(got), c, "{from:?} {role:?} {action:?}"),
            }
        }
    }

    #[test]
    fn signboards() {
        assert!(Placement::parse("inside").is_ok());
        for current in 0..DEFAULT_OUTSIDE_SIGNBOARD_LIMIT {
            assert!(check_signboard_limit(current, DEFAULT_OUTSIDE_SIGNBOARD_LIMIT).is_ok());
        }
        assert_eq!(code(check_signboard_limit(4, 4)), "signboard_limit_reached");
        assert_eq!(code(check_signboard_limit(5, 4)), "signboard_limit_reached");
        assert_eq!(code(check_signboard_limit(0, 0)), "signboard_limit_reached");
    }

    #[test]
    fn burden_reduction() {
        // Seed 002: Haishu ~90 → 24 items, surveys 36 → 4; Ningbo seals 62 → 21, creation 53 → 10.
        for (baseline, current, cut, ratio) in [
            (90, 24, 66, 0.7333),
            (36, 4, 32, 0.8889),
            (62, 21, 41, 0.6613),
            (53, 10, 43, 0.8113),
            (10, 12, -2, -0.2),
        ] {
            let r = Reduction { baseline, current };
            assert_eq!(r.cut(), cut);
            assert!((r.cut_ratio().unwrap() - ratio).abs() < 1e-4, "{r:?}");
        }
        assert_eq!(Reduction { baseline: 0, current: 3 }.cut_ratio(), None);
    }
    #[test]
    fn small_checks() {
        assert_eq!(code(check_amount(0)), "validation");
        assert_eq!(code(check_amount(-5)), "validation");
        assert!(check_amount(1).is_ok());
        assert_eq!(check_signboard_limit_setting(4), Ok(4));
        assert_eq!(code(check_signboard_limit_setting(-1)), "validation");
        assert_eq!(code(check_signboard_limit_setting(51)), "validation");
        assert_eq!(check_baseline(90), Ok(90));
        assert_eq!(code(check_baseline(-1)), "validation");
        assert_eq!(Counterparty::parse("residents_council"), Ok(Counterparty::ResidentsCouncil));
        use chrono::TimeZone;
        // 23:30 UTC on 31 Dec is already 1 Jan in China.
        assert_eq!(local_day(Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap()), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(local_day(Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    }

    #[test]
    fn amounts_are_positive_and_bounded() {
        assert!(check_amount(1).is_ok());
        assert!(check_amount(MAX_AMOUNT_CENTS).is_ok());
        assert!(check_amount(0).is_err());
        assert!(check_amount(MAX_AMOUNT_CENTS + 1).is_err());
        assert!(check_amount(i64::MAX).is_err());
    }
}
