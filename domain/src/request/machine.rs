//! The life of one request (诉求流转) as a pure state machine.
//!
//! ```text
//! triage         submitted | returned       ─► dispatched (major) | in_progress (minor, private)
//! accept         dispatched                 ─► in_progress
//! return         dispatched                 ─► returned
//! street_decide  returned                   ─► dispatched
//! resolve        in_progress                ─► resolved
//! rate           resolved                   ─► closed | in_progress (first dissatisfied rating: reopened)
//! auto_close     resolved                   ─► closed
//! withdraw       submitted | dispatched | returned | in_progress ─► withdrawn
//! no status change: add_note (any open status); reply, record_resolution, mark_deliberation,
//!                   refer, flag_hardship (in_progress); remind, escalate (dispatched | in_progress)
//! ```
//!
//! [`apply`] checks, in this order: the actor's role may take the action at all (403), the
//! action is allowed from the current status (409), the action fits the request's class (422
//! `wrong_class`), the actor is the request's handler (403), the action's data (422 validation),
//! and the business preconditions (422 rule, 409 conflict). Jurisdiction scope and ownership (a
//! resident acts on own requests only) are checked by the caller beforehand.

use super::list::{check_override, Suggestion};
use super::{is_overdue, DeadlineHours, Rating, RequestClass, Status, Text};
use crate::authz::Scope;
use crate::error::Validator;
use crate::role::Role;
use crate::DomainError;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use Status::{Dispatched, InProgress, Resolved, Returned, Submitted};

/// Who acts on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor<'a> {
    /// A signed-in account; `department_id` is set for `department_staff`.
    Person { role: Role, department_id: Option<&'a str> },
    /// The platform's scheduler: escalates overdue requests and closes unrated ones.
    System,
}

impl<'a> Actor<'a> {
    pub fn from_scope(scope: &'a Scope) -> Actor<'a> {
        Actor::Person { role: scope.role, department_id: scope.department_id.as_deref() }
    }
    /// A person without a department.
    pub fn role(role: Role) -> Actor<'static> {
        Actor::Person { role, department_id: None }
    }
    fn name(self) -> &'static str {
        match self {
            Actor::Person { role, .. } => role.as_str(),
            Actor::System => "system",
        }
    }
}

/// What the state machine knows of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestState {
    pub status: Status,
    /// Set by triage.
    pub class: Option<RequestClass>,
    /// The department a major matter is dispatched to.
    pub department_id: Option<String>,
    /// 限时办结: when the request must be resolved.
    pub deadline: Option<DateTime<Utc>>,
    /// The handler has replied to the resident (逐一回复) since triage or the last reopening.
    pub replied: bool,
    /// Minor: the community recorded how the matter was settled.
    pub has_resolution_record: bool,
    /// Private: the resident was referred to a service, volunteers or an organisation.
    pub has_referral: bool,
    /// Minor: taken to a deliberation meeting (议事协商).
    pub deliberation: bool,
    /// Private: a hardship case (困难帮扶).
    pub hardship: bool,
    /// Times the resident reopened the request by a dissatisfied rating (at most once).
    pub reopen_count: u8,
    /// Escalated once for being overdue (督办升级).
    pub escalated: bool,
}

impl RequestState {
    /// A newly submitted request (timeline event [`EventKind::Submitted`]).
    pub fn submitted() -> Self {
        RequestState {
            status: Status::Submitted,
            class: None,
            department_id: None,
            deadline: None,
            replied: false,
            has_resolution_record: false,
            has_referral: false,
            deliberation: false,
            hardship: false,
            reopen_count: 0,
            escalated: false,
        }
    }
}

/// Kind of a timeline entry (stable names, stored and shown to clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Submitted,
    Triaged,
    Accepted,
    Returned,
    StreetDecided,
    NoteAdded,
    Replied,
    ResolutionRecorded,
    Referred,
    HardshipFlagged,
    DeliberationMarked,
    Reminded,
    Escalated,
    Resolved,
    Rated,
    Reopened,
    AutoClosed,
    Withdrawn,
}

impl EventKind {
    pub const ALL: [EventKind; 18] = [
        EventKind::Submitted,
        EventKind::Triaged,
        EventKind::Accepted,
        EventKind::Returned,
        EventKind::StreetDecided,
        EventKind::NoteAdded,
        EventKind::Replied,
        EventKind::ResolutionRecorded,
        EventKind::Referred,
        EventKind::HardshipFlagged,
        EventKind::DeliberationMarked,
        EventKind::Reminded,
        EventKind::Escalated,
        EventKind::Resolved,
        EventKind::Rated,
        EventKind::Reopened,
        EventKind::AutoClosed,
        EventKind::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Submitted => "submitted",
            EventKind::Triaged => "triaged",
            EventKind::Accepted => "accepted",
            EventKind::Returned => "returned",
            EventKind::StreetDecided => "street_decided",
            EventKind::NoteAdded => "note_added",
            EventKind::Replied => "replied",
            EventKind::ResolutionRecorded => "resolution_recorded",
            EventKind::Referred => "referred",
            EventKind::HardshipFlagged => "hardship_flagged",
            EventKind::DeliberationMarked => "deliberation_marked",
            EventKind::Reminded => "reminded",
            EventKind::Escalated => "escalated",
            EventKind::Resolved => "resolved",
            EventKind::Rated => "rated",
            EventKind::Reopened => "reopened",
            EventKind::AutoClosed => "auto_closed",
            EventKind::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Result<EventKind, DomainError> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::field("kind", "invalid_value", format!("unknown event kind '{s}'")))
    }
}

/// Something done to a request, with its data (already parsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// 分流: classify. Major goes to `department_id` with `deadline_hours` (both required); minor
    /// and private take no department and may carry the community's own time limit. `suggestion`
    /// is the responsibility list's, if the category is listed: overriding it needs `reason`.
    Triage {
        class: RequestClass,
        department_id: Option<String>,
        deadline_hours: Option<DeadlineHours>,
        reason: Option<Text>,
        suggestion: Option<Suggestion>,
    },
    /// 接单: the assigned department takes the matter.
    Accept,
    /// 退单: the assigned department says the matter is not its business.
    Return { reason: Text },
    /// The street settles a returned matter by naming the department (街道裁定).
    StreetDecide { department_id: String, deadline_hours: DeadlineHours, reason: Text },
    /// A progress note (办理进展).
    AddNote { text: Text },
    /// 逐一回复: the handler answers the resident.
    Reply { text: Text },
    /// Minor: how the matter was settled (协商结果).
    RecordResolution { text: Text },
    /// Minor: taken to a deliberation meeting (一事一议).
    MarkDeliberation { text: Text },
    /// Private: referral to a service of the directory, volunteers or an organisation.
    Refer { service_id: String, note: Option<Text> },
    /// Private: the resident is in hardship and gets help (困难帮扶).
    FlagHardship { reason: Text },
    /// 办结 / 销号.
    Resolve { result: Text },
    /// 督办: a reminder to the handler.
    Remind { text: Option<Text> },
    /// Escalation of an overdue request, once.
    Escalate { reason: Option<Text> },
    /// The resident's rating (评价).
    Rate { rating: Rating, comment: Option<Text> },
    /// Closes a resolved request the resident has not rated within `rating_days` of `resolved_at`.
    AutoClose { resolved_at: DateTime<Utc>, rating_days: u32 },
    /// 撤回 by the resident.
    Withdraw { reason: Option<Text> },
}

const OPEN: &[Status] = &[Submitted, Dispatched, Returned, InProgress, Resolved];
const HANDLERS: &[Role] = &[Role::DepartmentStaff, Role::CommunityStaff, Role::StreetAdmin, Role::GridWorker];

impl Action {
    /// Stable snake_case name (used in errors and audit entries).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Triage { .. } => "triage",
            Action::Accept => "accept",
            Action::Return { .. } => "return",
            Action::StreetDecide { .. } => "street_decide",
            Action::AddNote { .. } => "add_note",
            Action::Reply { .. } => "reply",
            Action::RecordResolution { .. } => "record_resolution",
            Action::MarkDeliberation { .. } => "mark_deliberation",
            Action::Refer { .. } => "refer",
            Action::FlagHardship { .. } => "flag_hardship",
            Action::Resolve { .. } => "resolve",
            Action::Remind { .. } => "remind",
            Action::Escalate { .. } => "escalate",
            Action::Rate { .. } => "rate",
            Action::AutoClose { .. } => "auto_close",
            Action::Withdraw { .. } => "withdraw",
        }
    }

    /// Statuses the action may be taken from.
    pub fn from_statuses(&self) -> &'static [Status] {
        match self {
            Action::Triage { .. } => &[Submitted, Returned],
            Action::Accept | Action::Return { .. } => &[Dispatched],
            Action::StreetDecide { .. } => &[Returned],
            Action::AddNote { .. } => OPEN,
            Action::Reply { .. }
            | Action::RecordResolution { .. }
            | Action::MarkDeliberation { .. }
            | Action::Refer { .. }
            | Action::FlagHardship { .. }
            | Action::Resolve { .. } => &[InProgress],
            Action::Remind { .. } | Action::Escalate { .. } => &[Dispatched, InProgress],
            Action::Rate { .. } | Action::AutoClose { .. } => &[Resolved],
            Action::Withdraw { .. } => &[Submitted, Dispatched, Returned, InProgress],
        }
    }

    /// Roles that may take the action on some request; which of them may on a given request
    /// depends on its class and department.
    pub fn roles(&self) -> &'static [Role] {
        match self {
            Action::Triage { .. } | Action::RecordResolution { .. } | Action::MarkDeliberation { .. } => &[Role::CommunityStaff],
            Action::Accept | Action::Return { .. } => &[Role::DepartmentStaff],
            Action::StreetDecide { .. } | Action::Escalate { .. } => &[Role::StreetAdmin],
            Action::AddNote { .. } => HANDLERS,
            Action::Reply { .. } => &[Role::DepartmentStaff, Role::CommunityStaff],
            Action::Refer { .. } | Action::FlagHardship { .. } => &[Role::CommunityStaff, Role::GridWorker],
            Action::Resolve { .. } => &[Role::DepartmentStaff, Role::CommunityStaff, Role::GridWorker],
            Action::Remind { .. } => &[Role::StreetAdmin, Role::CommunityStaff],
            Action::Rate { .. } | Action::Withdraw { .. } => &[Role::Resident],
            Action::AutoClose { .. } => &[],
        }
    }

    /// True for the actions the scheduler ([`Actor::System`]) takes.
    pub fn by_system(&self) -> bool {
        matches!(self, Action::Escalate { .. } | Action::AutoClose { .. })
    }
}

/// The outcome of an accepted action: the new state and the timeline entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: RequestState,
    pub event: EventKind,
}

/// Applies `action` by `actor` at `now`, or says why not (see the module docs for the order of
/// checks). Error codes: `wrong_class`, `reply_required`, `resolution_required`,
/// `follow_up_required`, `not_overdue`, `rating_window_open` (rules, 422); `already_escalated`,
/// `already_marked`, `already_flagged`, `unclassified` (conflicts, 409).
pub fn apply(state: &RequestState, actor: Actor, action: &Action, now: DateTime<Utc>) -> Result<Transition, DomainError> {
    let permitted = match actor {
        Actor::System => action.by_system(),
        Actor::Person { role, .. } => action.roles().contains(&role),
    };
    if !permitted {
        return Err(DomainError::Forbidden(format!("the {} role may not {}", actor.name(), action.name())));
    }
    if !action.from_statuses().contains(&state.status) {
        return Err(DomainError::transition(state.status.as_str(), action.name()));
    }
    let mut next = state.clone();
    let event = match action {
        Action::Triage { class, department_id, deadline_hours, reason, suggestion } => {
            let department = non_blank(department_id.as_deref());
            let mut v = Validator::new();
            if *class == RequestClass::Major {
                if department.is_none() {
                    v.push("department_id", "required", "a major matter must be dispatched to a department");
                }
                if deadline_hours.is_none() {
                    v.push("deadline_hours", "required", "a major matter needs a deadline");
                }
            } else if department.is_some() {
                v.push("department_id", "not_allowed", "only major matters go to a department");
            }
            if let Some(s) = suggestion {
                v.check(check_override(s, *class, department, reason.as_ref()));
            }
            v.finish()?;
            next.status = if *class == RequestClass::Major { Dispatched } else { InProgress };
            next.class = Some(*class);
            next.department_id = department.map(str::to_string);
            next.deadline = deadline_hours.map(|h| h.after(now));
            EventKind::Triaged
        }
        Action::Accept => {
            require_assigned(state, actor)?;
            next.status = InProgress;
            EventKind::Accepted
        }
        Action::Return { .. } => {
            require_assigned(state, actor)?;
            next.status = Returned;
            next.department_id = None;
            next.deadline = None;
            EventKind::Returned
        }
        Action::StreetDecide { department_id, deadline_hours, .. } => {
            let department = non_blank(Some(department_id))
                .ok_or_else(|| DomainError::field("department_id", "required", "the street must name a department"))?;
            next.status = Dispatched;
            next.class = Some(RequestClass::Major);
            next.department_id = Some(department.to_string());
            next.deadline = Some(deadline_hours.after(now));
            EventKind::StreetDecided
        }
        Action::AddNote { .. } => {
            if matches!(actor, Actor::Person { role: Role::DepartmentStaff, .. }) {
                // A department writes only on the major matters it is handling.
                if state.status != InProgress || state.class != Some(RequestClass::Major) {
                    return Err(DomainError::Forbidden("a department adds notes only to major matters it is handling".into()));
                }
                require_assigned(state, actor)?;
            }
            EventKind::NoteAdded
        }
        Action::Reply { .. } => {
            match class_of(state)? {
                RequestClass::Major => require_assigned(state, actor)?,
                RequestClass::Minor | RequestClass::Private => require_role(actor, &[Role::CommunityStaff], action)?,
            }
            next.replied = true;
            EventKind::Replied
        }
        Action::RecordResolution { .. } => {
            require_class(state, RequestClass::Minor, action)?;
            next.has_resolution_record = true;
            EventKind::ResolutionRecorded
        }
        Action::MarkDeliberation { .. } => {
            require_class(state, RequestClass::Minor, action)?;
            if state.deliberation {
                return Err(DomainError::conflict("already_marked", "the request is already marked for deliberation"));
            }
            next.deliberation = true;
            EventKind::DeliberationMarked
        }
        Action::Refer { service_id, .. } => {
            require_class(state, RequestClass::Private, action)?;
            if non_blank(Some(service_id)).is_none() {
                return Err(DomainError::field("service_id", "required", "a referral names a service"));
            }
            next.has_referral = true;
            EventKind::Referred
        }
        Action::FlagHardship { .. } => {
            require_class(state, RequestClass::Private, action)?;
            if state.hardship {
                return Err(DomainError::conflict("already_flagged", "the request is already flagged as a hardship case"));
            }
            next.hardship = true;
            EventKind::HardshipFlagged
        }
        Action::Resolve { .. } => {
            match class_of(state)? {
                RequestClass::Major => {
                    require_assigned(state, actor)?;
                    if !state.replied {
                        return Err(DomainError::rule("reply_required", "reply to the resident before resolving"));
                    }
                }
                RequestClass::Minor => {
                    require_role(actor, &[Role::CommunityStaff], action)?;
                    if !state.has_resolution_record {
                        return Err(DomainError::rule("resolution_required", "record how the matter was settled before resolving"));
                    }
                }
                RequestClass::Private => {
                    require_role(actor, &[Role::CommunityStaff, Role::GridWorker], action)?;
                    if !(state.has_referral || state.replied) {
                        return Err(DomainError::rule("follow_up_required", "refer the resident or reply before resolving"));
                    }
                }
            }
            next.status = Resolved;
            EventKind::Resolved
        }
        Action::Remind { .. } => EventKind::Reminded,
        Action::Escalate { .. } => {
            if state.escalated {
                return Err(DomainError::conflict("already_escalated", "the request has already been escalated"));
            }
            if !is_overdue(state.deadline, None, now) {
                return Err(DomainError::rule("not_overdue", "only an overdue request can be escalated"));
            }
            next.escalated = true;
            EventKind::Escalated
        }
        Action::Rate { rating, .. } => {
            if *rating == Rating::Dissatisfied && state.reopen_count == 0 {
                // Reopened once: the handler must follow up again before resolving anew.
                next.status = InProgress;
                next.reopen_count = 1;
                next.replied = false;
                next.has_resolution_record = false;
                next.has_referral = false;
                EventKind::Reopened
            } else {
                next.status = Status::Closed;
                EventKind::Rated
            }
        }
        Action::AutoClose { resolved_at, rating_days } => {
            if now < *resolved_at + TimeDelta::days(i64::from(*rating_days)) {
                return Err(DomainError::rule("rating_window_open", "the resident may still rate the request"));
            }
            next.status = Status::Closed;
            EventKind::AutoClosed
        }
        Action::Withdraw { .. } => {
            next.status = Status::Withdrawn;
            EventKind::Withdrawn
        }
    };
    Ok(Transition { state: next, event })
}

fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn class_of(state: &RequestState) -> Result<RequestClass, DomainError> {
    state.class.ok_or_else(|| DomainError::conflict("unclassified", "the request has not been triaged"))
}

fn require_class(state: &RequestState, class: RequestClass, action: &Action) -> Result<(), DomainError> {
    if class_of(state)? == class {
        Ok(())
    } else {
        Err(DomainError::rule("wrong_class", format!("{} applies to {} matters only", action.name(), class.as_str())))
    }
}

fn require_assigned(state: &RequestState, actor: Actor) -> Result<(), DomainError> {
    match actor {
        Actor::Person { role: Role::DepartmentStaff, department_id: Some(d) } if state.department_id.as_deref() == Some(d) => Ok(()),
        _ => Err(DomainError::Forbidden("only the assigned department may do this".into())),
    }
}

fn require_role(actor: Actor, roles: &[Role], action: &Action) -> Result<(), DomainError> {
    match actor {
        Actor::Person { role, .. } if roles.contains(&role) => Ok(()),
        _ => Err(DomainError::Forbidden(format!("the {} role may not {} this request", actor.name(), action.name()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jurisdiction::JurisdictionPath;
    use crate::request::list::{suggest, CategoryCode, ListEntry, ListEntryInput};
    use chrono::TimeZone;
    use RequestClass::{Major, Minor, Private};
    use Status::Closed;

    const ENV: &str = "dept-env";

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap() + TimeDelta::hours(h)
    }
    fn txt(s: &str) -> Text {
        Text::parse("text", s).unwrap()
    }
    fn hours(h: i64) -> DeadlineHours {
        DeadlineHours::parse("deadline_hours", h).unwrap()
    }
    fn resident() -> Actor<'static> {
        Actor::role(Role::Resident)
    }
    fn community() -> Actor<'static> {
        Actor::role(Role::CommunityStaff)
    }
    fn street() -> Actor<'static> {
        Actor::role(Role::StreetAdmin)
    }
    fn grid() -> Actor<'static> {
        Actor::role(Role::GridWorker)
    }
    fn env() -> Actor<'static> {
        Actor::Person { role: Role::DepartmentStaff, department_id: Some(ENV) }
    }
    fn other_dept() -> Actor<'static> {
        Actor::Person { role: Role::DepartmentStaff, department_id: Some("dept-housing") }
    }

    /// A request in `status` of `class`; a major one sits with ENV (deadline t(72)) unless returned.
    fn state(status: Status, class: Option<RequestClass>) -> RequestState {
        let mut s = RequestState::submitted();
        s.status = status;
        s.class = class;
        if class == Some(Major) && status != Returned {
            s.department_id = Some(ENV.into());
            s.deadline = Some(t(72));
        }
        s
    }

    fn triage(class: RequestClass, department: Option<&str>, h: Option<i64>) -> Action {
        Action::Triage {
            class,
            department_id: department.map(Into::into),
            deadline_hours: h.map(hours),
            reason: None,
            suggestion: None,
        }
    }

    fn resolve() -> Action {
        Action::Resolve { result: txt("已办结") }
    }
    fn reply() -> Action {
        Action::Reply { text: txt("您反映的问题已处理") }
    }
    fn rate(rating: Rating) -> Action {
        Action::Rate { rating, comment: None }
    }

    /// One action of each kind, with an actor whose role may take it.
    fn samples() -> Vec<(Action, Actor<'static>)> {
        vec![
            (triage(Major, Some(ENV), Some(72)), community()),
            (Action::Accept, env()),
            (Action::Return { reason: txt("不属于本部门职责") }, env()),
            (Action::StreetDecide { department_id: ENV.into(), deadline_hours: hours(48), reason: txt("街道裁定") }, street()),
            (Action::AddNote { text: txt("已现场查看") }, community()),
            (reply(), community()),
            (Action::RecordResolution { text: txt("业主协商一致") }, community()),
            (Action::MarkDeliberation { text: txt("提交居民议事会") }, community()),
            (Action::Refer { service_id: "svc-1".into(), note: None }, grid()),
            (Action::FlagHardship { reason: txt("独居老人") }, grid()),
            (resolve(), community()),
            (Action::Remind { text: None }, street()),
            (Action::Escalate { reason: None }, Actor::System),
            (rate(Rating::Satisfied), resident()),
            (Action::AutoClose { resolved_at: t(0), rating_days: 7 }, Actor::System),
            (Action::Withdraw { reason: None }, resident()),
        ]
    }

    fn ok(s: &RequestState, actor: Actor, action: &Action, now: DateTime<Utc>) -> Transition {
        apply(s, actor, action, now).unwrap_or_else(|e| panic!("{} refused: {e:?}", action.name()))
    }
    fn forbidden(r: Result<Transition, DomainError>) -> bool {
        matches!(r, Err(DomainError::Forbidden(_)))
    }
    fn rule(r: Result<Transition, DomainError>) -> Option<&'static str> {
        match r {
            Err(DomainError::Rule { code, .. }) => Some(code),
            _ => None,
        }
    }
    fn conflict(r: Result<Transition, DomainError>) -> Option<&'static str> {
        match r {
            Err(DomainError::Conflict { code, .. }) => Some(code),
            _ => None,
        }
    }
    fn fields(r: Result<Transition, DomainError>) -> Vec<(String, String)> {
        match r {
            Err(DomainError::Validation(e)) => e.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("{other:?}"),
        }
    }
    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(f, c)| (f.to_string(), c.to_string())).collect()
    }

    #[test]
    fn every_status_times_every_action() {
        let open: &[Status] = &[Submitted, Dispatched, Returned, InProgress, Resolved];
        let table: [(&str, &[Status]); 16] = [
            ("triage", &[Submitted, Returned]),
            ("accept", &[Dispatched]),
            ("return", &[Dispatched]),
            ("street_decide", &[Returned]),
            ("add_note", open),
            ("reply", &[InProgress]),
            ("record_resolution", &[InProgress]),
            ("mark_deliberation", &[InProgress]),
            ("refer", &[InProgress]),
            ("flag_hardship", &[InProgress]),
            ("resolve", &[InProgress]),
            ("remind", &[Dispatched, InProgress]),
            ("escalate", &[Dispatched, InProgress]),
            ("rate", &[Resolved]),
            ("auto_close", &[Resolved]),
            ("withdraw", &[Submitted, Dispatched, Returned, InProgress]),
        ];
        let samples = samples();
        assert_eq!(samples.len(), table.len());
        for ((action, actor), (name, from)) in samples.iter().zip(table) {
            assert_eq!(action.name(), name);
            assert_eq!(action.from_statuses(), from, "{name}");
            for status in Status::ALL {
                for class in [None, Some(Major), Some(Minor), Some(Private)] {
                    let r = apply(&state(status, class), *actor, action, t(100));
                    let refused = matches!(&r, Err(DomainError::InvalidTransition { state, action }) if state == status.as_str() && action == name);
                    assert_eq!(refused, !from.contains(&status), "{name} from {} ({class:?}): {r:?}", status.as_str());
                }
            }
        }
        let err = apply(&state(Closed, Some(Major)), community(), &resolve(), t(0)).unwrap_err();
        assert_eq!(err.to_string(), "cannot resolve while closed");
    }

    #[test]
    fn role_refusals_come_first() {
        use Role::*;
        let table: [(&[Role], bool); 16] = [
            (&[CommunityStaff], false),
            (&[DepartmentStaff], false),
            (&[DepartmentStaff], false),
            (&[StreetAdmin], false),
            (&[DepartmentStaff, CommunityStaff, StreetAdmin, GridWorker], false),
            (&[DepartmentStaff, CommunityStaff], false),
            (&[CommunityStaff], false),
            (&[CommunityStaff], false),
            (&[CommunityStaff, GridWorker], false),
            (&[CommunityStaff, GridWorker], false),
            (&[DepartmentStaff, CommunityStaff, GridWorker], false),
            (&[StreetAdmin, CommunityStaff], false),
            (&[StreetAdmin], true),
            (&[Resident], false),
            (&[], true),
            (&[Resident], false),
        ];
        // On a closed request every permitted actor meets 409, every other one 403.
        let closed = state(Closed, Some(Major));
        for ((action, _), (roles, system)) in samples().iter().zip(table) {
            assert_eq!(action.roles(), roles, "{}", action.name());
            assert_eq!(action.by_system(), system, "{}", action.name());
            for role in Role::ALL {
                let r = apply(&closed, Actor::Person { role, department_id: Some(ENV) }, action, t(100));
                assert_eq!(forbidden(r), !roles.contains(&role), "{} by {}", action.name(), role.as_str());
            }
            assert_eq!(forbidden(apply(&closed, Actor::System, action, t(100))), !system, "{} by system", action.name());
        }
    }

    #[test]
    fn triage_by_class() {
        let tr = ok(&RequestState::submitted(), community(), &triage(Major, Some(" dept-env "), Some(72)), t(0));
        assert_eq!(tr.event, EventKind::Triaged);
        let want = RequestState { status: Dispatched, class: Some(Major), department_id: Some(ENV.into()), deadline: Some(t(72)), ..RequestState::submitted() };
        assert_eq!(tr.state, want);

        let tr = ok(&state(Returned, Some(Major)), community(), &triage(Minor, None, None), t(0));
        assert_eq!((tr.state.status, tr.state.class, tr.state.department_id, tr.state.deadline), (InProgress, Some(Minor), None, None));
        let tr = ok(&RequestState::submitted(), community(), &triage(Private, None, Some(24)), t(0));
        assert_eq!((tr.state.status, tr.state.class, tr.state.deadline), (InProgress, Some(Private), Some(t(24))));
        let tr = ok(&state(Returned, Some(Major)), community(), &triage(Major, Some("dept-housing"), Some(24)), t(0));
        assert_eq!((tr.state.status, tr.state.department_id.as_deref()), (Dispatched, Some("dept-housing")));

        let s = RequestState::submitted();
        let missing = apply(&s, community(), &triage(Major, Some("  "), None), t(0));
        assert_eq!(fields(missing), pairs(&[("department_id", "required"), ("deadline_hours", "required")]));
        assert_eq!(fields(apply(&s, community(), &triage(Minor, Some(ENV), None), t(0))), pairs(&[("department_id", "not_allowed")]));
    }

    #[test]
    fn overriding_the_list_needs_a_reason() {
        let entry = ListEntry::parse(&ListEntryInput {
            code: "NOISE".into(),
            name: "道路施工噪音".into(),
            class: "major".into(),
            default_department_id: Some(ENV.into()),
            deadline_hours: Some(72),
            description: None,
        })
        .unwrap();
        let suggestion = suggest(&[entry], &CategoryCode::parse("code", "NOISE").unwrap());
        let with = |class, department: Option<&str>, reason: Option<&str>| Action::Triage {
            class,
            department_id: department.map(Into::into),
            deadline_hours: (class == Major).then(|| hours(24)),
            reason: reason.map(txt),
            suggestion: suggestion.clone(),
        };
        let s = RequestState::submitted();
        assert!(apply(&s, community(), &with(Major, Some(ENV), None), t(0)).is_ok(), "confirming, even with another deadline");
        assert_eq!(fields(apply(&s, community(), &with(Minor, None, None), t(0))), pairs(&[("reason", "required")]));
        assert_eq!(fields(apply(&s, community(), &with(Major, Some("dept-housing"), None), t(0))), pairs(&[("reason", "required")]));
        assert!(apply(&s, community(), &with(Minor, None, Some("装修噪音属小区内部事务")), t(0)).is_ok());
        let both = apply(&s, community(), &with(Minor, Some(ENV), None), t(0));
        assert_eq!(fields(both), pairs(&[("department_id", "not_allowed"), ("reason", "required")]));
    }

    #[test]
    fn department_accepts_returns_and_street_decides() {
        let d = state(Dispatched, Some(Major));
        let tr = ok(&d, env(), &Action::Accept, t(1));
        assert_eq!((tr.event, tr.state.clone()), (EventKind::Accepted, RequestState { status: InProgress, ..d.clone() }));
        let nameless = Actor::Person { role: Role::DepartmentStaff, department_id: None };
        for actor in [other_dept(), nameless] {
            assert!(forbidden(apply(&d, actor, &Action::Accept, t(1))));
            assert!(forbidden(apply(&d, actor, &Action::Return { reason: txt("x") }, t(1))));
        }

        let tr = ok(&d, env(), &Action::Return { reason: txt("不属于本部门职责") }, t(1));
        assert_eq!(tr.event, EventKind::Returned);
        assert_eq!((tr.state.status, tr.state.department_id.as_deref(), tr.state.deadline), (Returned, None, None));

        let decide = |department: &str| Action::StreetDecide { department_id: department.into(), deadline_hours: hours(48), reason: txt("街道裁定") };
        let tr2 = ok(&tr.state, street(), &decide("dept-housing"), t(10));
        assert_eq!(tr2.event, EventKind::StreetDecided);
        assert_eq!(
            (tr2.state.status, tr2.state.class, tr2.state.department_id.as_deref(), tr2.state.deadline),
            (Dispatched, Some(Major), Some("dept-housing"), Some(t(58)))
        );
        assert_eq!(fields(apply(&tr.state, street(), &decide(" "), t(10))), pairs(&[("department_id", "required")]));
    }

    #[test]
    fn notes_and_replies_come_from_the_handler() {
        let note = Action::AddNote { text: txt("已联系物业") };
        for (status, actor) in [(Submitted, community()), (Returned, street()), (Resolved, grid()), (InProgress, env())] {
            let s = state(status, Some(Major));
            let tr = ok(&s, actor, &note, t(1));
            assert_eq!((tr.event, tr.state), (EventKind::NoteAdded, s));
        }
        assert!(forbidden(apply(&state(Dispatched, Some(Major)), env(), &note, t(1))), "not yet accepted");
        assert!(forbidden(apply(&state(InProgress, Some(Major)), other_dept(), &note, t(1))));
        assert!(forbidden(apply(&state(InProgress, Some(Minor)), env(), &note, t(1))));

        let major = state(InProgress, Some(Major));
        let tr = ok(&major, env(), &reply(), t(1));
        assert_eq!((tr.event, tr.state.replied), (EventKind::Replied, true));
        assert!(forbidden(apply(&major, community(), &reply(), t(1))));
        assert!(forbidden(apply(&major, other_dept(), &reply(), t(1))));
        for class in [Minor, Private] {
            assert!(ok(&state(InProgress, Some(class)), community(), &reply(), t(1)).state.replied);
            assert!(forbidden(apply(&state(InProgress, Some(class)), env(), &reply(), t(1))));
        }
        let unclassified = state(InProgress, None);
        assert_eq!(conflict(apply(&unclassified, community(), &reply(), t(1))), Some("unclassified"));
    }

    #[test]
    fn minor_and_private_facts() {
        let minor = state(InProgress, Some(Minor));
        let private = state(InProgress, Some(Private));
        let record = Action::RecordResolution { text: txt("业主协商一致") };
        let meeting = Action::MarkDeliberation { text: txt("提交居民议事会") };
        let refer = |service: &str| Action::Refer { service_id: service.into(), note: None };
        let hardship = Action::FlagHardship { reason: txt("独居老人") };

        let tr = ok(&minor, community(), &record, t(1));
        assert_eq!((tr.event, tr.state.has_resolution_record, tr.state.status), (EventKind::ResolutionRecorded, true, InProgress));
        let tr = ok(&minor, community(), &meeting, t(1));
        assert_eq!((tr.event, tr.state.deliberation), (EventKind::DeliberationMarked, true));
        assert_eq!(conflict(apply(&tr.state, community(), &meeting, t(2))), Some("already_marked"));

        let tr = ok(&private, grid(), &refer("svc-volunteers"), t(1));
        assert_eq!((tr.event, tr.state.has_referral), (EventKind::Referred, true));
        assert_eq!(fields(apply(&private, grid(), &refer(" "), t(1))), pairs(&[("service_id", "required")]));
        let tr = ok(&private, community(), &hardship, t(1));
        assert_eq!((tr.event, tr.state.hardship), (EventKind::HardshipFlagged, true));
        assert_eq!(conflict(apply(&tr.state, grid(), &hardship, t(2))), Some("already_flagged"));

        for (s, action) in [(&private, &record), (&state(InProgress, Some(Major)), &meeting), (&minor, &refer("svc")), (&minor, &hardship)] {
            assert_eq!(rule(apply(s, community(), action, t(1))), Some("wrong_class"), "{}", action.name());
        }
    }

    #[test]
    fn resolving_needs_the_follow_up_of_the_class() {
        let mut major = state(InProgress, Some(Major));
        assert_eq!(rule(apply(&major, env(), &resolve(), t(1))), Some("reply_required"));
        major.replied = true;
        assert!(forbidden(apply(&major, other_dept(), &resolve(), t(1))));
        assert!(forbidden(apply(&major, community(), &resolve(), t(1))));
        let tr = ok(&major, env(), &resolve(), t(1));
        assert_eq!((tr.event, tr.state.clone()), (EventKind::Resolved, RequestState { status: Resolved, ..major }));

        let mut minor = state(InProgress, Some(Minor));
        assert_eq!(rule(apply(&minor, community(), &resolve(), t(1))), Some("resolution_required"));
        minor.has_resolution_record = true;
        assert!(forbidden(apply(&minor, grid(), &resolve(), t(1))));
        assert_eq!(ok(&minor, community(), &resolve(), t(1)).state.status, Resolved);

        let private = state(InProgress, Some(Private));
        assert_eq!(rule(apply(&private, grid(), &resolve(), t(1))), Some("follow_up_required"));
        assert!(forbidden(apply(&private, env(), &resolve(), t(1))));
        let referred = RequestState { has_referral: true, ..private.clone() };
        let replied = RequestState { replied: true, ..private };
        assert_eq!(ok(&referred, grid(), &resolve(), t(1)).state.status, Resolved);
        assert_eq!(ok(&replied, community(), &resolve(), t(1)).state.status, Resolved);
    }

    #[test]
    fn reminders_and_one_escalation_when_overdue() {
        let d = state(Dispatched, Some(Major));
        let tr = ok(&d, community(), &Action::Remind { text: Some(txt("请尽快处理")) }, t(1));
        assert_eq!((tr.event, tr.state), (EventKind::Reminded, d.clone()));

        let escalate = Action::Escalate { reason: None };
        assert_eq!(rule(apply(&d, Actor::System, &escalate, t(72))), Some("not_overdue"), "the deadline itself is on time");
        let tr = ok(&d, Actor::System, &escalate, t(73));
        assert_eq!((tr.event, tr.state.escalated, tr.state.status), (EventKind::Escalated, true, Dispatched));
        assert_eq!(conflict(apply(&tr.state, Actor::System, &escalate, t(80))), Some("already_escalated"));
        assert_eq!(conflict(apply(&tr.state, street(), &escalate, t(80))), Some("already_escalated"));
        assert!(ok(&state(InProgress, Some(Major)), street(), &escalate, t(73)).state.escalated);
        assert_eq!(rule(apply(&state(InProgress, Some(Minor)), street(), &escalate, t(1000))), Some("not_overdue"), "no deadline");
    }

    #[test]
    fn ratings_close_or_reopen_once() {
        let resolved = RequestState { replied: true, ..state(Resolved, Some(Major)) };
        for rating in [Rating::Satisfied, Rating::BasicallySatisfied] {
            let tr = ok(&resolved, resident(), &rate(rating), t(1));
            assert_eq!((tr.event, tr.state.status), (EventKind::Rated, Closed));
        }
        let tr = ok(&resolved, resident(), &rate(Rating::Dissatisfied), t(1));
        assert_eq!(tr.event, EventKind::Reopened);
        assert_eq!((tr.state.status, tr.state.reopen_count, tr.state.replied), (InProgress, 1, false));
        assert_eq!(tr.state.department_id.as_deref(), Some(ENV), "back to the same department");

        // A new reply is needed before resolving again; the second dissatisfied rating closes.
        let reopened = tr.state;
        assert_eq!(rule(apply(&reopened, env(), &resolve(), t(2))), Some("reply_required"));
        let again = ok(&ok(&reopened, env(), &reply(), t(2)).state, env(), &resolve(), t(3)).state;
        let tr = ok(&again, resident(), &rate(Rating::Dissatisfied), t(4));
        assert_eq!((tr.event, tr.state.status, tr.state.reopen_count), (EventKind::Rated, Closed, 1));

        let minor = RequestState { has_resolution_record: true, ..state(Resolved, Some(Minor)) };
        let tr = ok(&minor, resident(), &rate(Rating::Dissatisfied), t(1));
        assert!(!tr.state.has_resolution_record, "a reopened minor matter needs a new settlement");
        assert_eq!(rule(apply(&tr.state, community(), &resolve(), t(2))), Some("resolution_required"));
        let private = RequestState { has_referral: true, hardship: true, ..state(Resolved, Some(Private)) };
        let tr = ok(&private, resident(), &rate(Rating::Dissatisfied), t(1));
        assert_eq!((tr.state.has_referral, tr.state.hardship), (false, true));
    }

    #[test]
    fn auto_close_after_the_rating_window() {
        let resolved = state(Resolved, Some(Minor));
        let close = Action::AutoClose { resolved_at: t(0), rating_days: 7 };
        assert_eq!(rule(apply(&resolved, Actor::System, &close, t(7 * 24 - 1))), Some("rating_window_open"));
        let tr = ok(&resolved, Actor::System, &close, t(7 * 24));
        assert_eq!((tr.event, tr.state.status), (EventKind::AutoClosed, Closed));
    }

    #[test]
    fn withdraw_while_unresolved() {
        for status in [Submitted, Dispatched, Returned, InProgress] {
            let tr = ok(&state(status, Some(Major)), resident(), &Action::Withdraw { reason: Some(txt("已自行解决")) }, t(1));
            assert_eq!((tr.event, tr.state.status), (EventKind::Withdrawn, Status::Withdrawn));
        }
    }

    #[test]
    fn a_major_matter_from_submission_to_closure() {
        let steps: Vec<(Actor, Action)> = vec![
            (community(), triage(Major, Some("dept-housing"), Some(72))),
            (Actor::Person { role: Role::DepartmentStaff, department_id: Some("dept-housing") }, Action::Return { reason: txt("属环保部门职责") }),
            (street(), Action::StreetDecide { department_id: ENV.into(), deadline_hours: hours(48), reason: txt("噪音监测归环保") }),
            (env(), Action::Accept),
            (env(), Action::AddNote { text: txt("已约谈施工单位") }),
            (street(), Action::Remind { text: None }),
            (env(), reply()),
            (env(), resolve()),
            (resident(), rate(Rating::BasicallySatisfied)),
        ];
        let mut s = RequestState::submitted();
        let mut events = vec![];
        for (i, (actor, action)) in steps.iter().enumerate() {
            let tr = ok(&s, *actor, action, t(i as i64));
            events.push(tr.event.as_str());
            s = tr.state;
        }
        let want = ["triaged", "returned", "street_decided", "accepted", "note_added", "reminded", "replied", "resolved", "rated"];
        assert_eq!(events, want);
        assert_eq!((s.status, s.department_id.as_deref(), s.deadline), (Closed, Some(ENV), Some(t(2 + 48))));
    }

    #[test]
    fn event_kinds_and_actors() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()).unwrap(), k);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
        }
        assert!(EventKind::parse("deleted").is_err());
        let scope = Scope {
            account_id: "a".into(),
            role: Role::DepartmentStaff,
            jurisdiction_id: None,
            path: JurisdictionPath::from_stored("/d/"),
            department_id: Some(ENV.into()),
            organisation_id: None,
            service: true,
        };
        assert_eq!(Actor::from_scope(&scope), env());
    }
}
