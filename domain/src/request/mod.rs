//! Resident requests (诉求) and their triage into three classes (三事分流, domain.md "Requests").
//!
//! - [`machine`]: the life of one request, as a pure state machine ([`machine::apply`]).
//! - [`list`]: the community's responsibility list (三事分流责任清单) and triage suggestions.
//! - [`measures`]: hotline-style measures (办结率, 按时办结率, 满意率) and rankings.
//!
//! This module holds the value objects they share: class, status, rating, deadlines and texts.

pub mod list;
pub mod machine;
pub mod measures;
pub mod photo;

use crate::error::{optional_text, text};
use crate::DomainError;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The three classes of 三事分流, each with its colour (三事三色).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestClass {
    /// 大事 / 公家事 (red): government business; dispatched to a department with a deadline.
    Major,
    /// 小事 / 大家事 (orange): community public matters; negotiated by the community committee.
    Minor,
    /// 私事 / 自家事 (yellow): the resident's own affairs; self-help, mutual help or referral.
    Private,
}

impl RequestClass {
    pub const ALL: [RequestClass; 3] = [RequestClass::Major, RequestClass::Minor, RequestClass::Private];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestClass::Major => "major",
            RequestClass::Minor => "minor",
            RequestClass::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Result<RequestClass, DomainError> {
        RequestClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| DomainError::field("class", "invalid_value", "class must be one of major, minor, private"))
    }

    /// Colour of the class on boards and maps: `red`, `orange` or `yellow`.
    pub fn colour(self) -> &'static str {
        match self {
            RequestClass::Major => "red",
            RequestClass::Minor => "orange",
            RequestClass::Private => "yellow",
        }
    }

    /// Chinese label, with the plain-speech name used in communities in brackets.
    pub fn label_zh(self) -> &'static str {
        match self {
            RequestClass::Major => "大事（公家事）",
            RequestClass::Minor => "小事（大家事）",
            RequestClass::Private => "私事（自家事）",
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待分流: awaiting triage by the community.
    Submitted,
    /// 已派单: a major matter sent to a department, awaiting its acceptance.
    Dispatched,
    /// 已退单: the department returned it; awaiting re-triage or the street's decision.
    Returned,
    /// 办理中: being handled (by the department, the community, or through self-help follow-up).
    InProgress,
    /// 已办结: handled, awaiting the resident's rating.
    Resolved,
    /// 已关闭: final.
    Closed,
    /// 已撤回: withdrawn by the resident; final.
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Submitted,
        Status::Dispatched,
        Status::Returned,
        Status::InProgress,
        Status::Resolved,
        Status::Closed,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Dispatched => "dispatched",
            Status::Returned => "returned",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Result<Status, DomainError> {
        Status::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| {
            DomainError::field(
                "status",
                "invalid_value",
                "status must be one of submitted, dispatched, returned, in_progress, resolved, closed, withdrawn",
            )
        })
    }

    /// No action leaves a final status.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Closed | Status::Withdrawn)
    }

    pub fn is_open(self) -> bool {
        !self.is_final()
    }
}

/// The resident's rating of a resolved request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 满意.
    Satisfied,
    /// 基本满意.
    BasicallySatisfied,
    /// 不满意.
    Dissatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Satisfied, Rating::BasicallySatisfied, Rating::Dissatisfied];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::BasicallySatisfied => "basically_satisfied",
            Rating::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Result<Rating, DomainError> {
        Rating::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            DomainError::field("rating", "invalid_value", "rating must be one of satisfied, basically_satisfied, dissatisfied")
        })
    }

    /// Satisfied and basically satisfied both count towards the satisfaction rate (满意率).
    pub fn counts_as_satisfied(self) -> bool {
        !matches!(self, Rating::Dissatisfied)
    }
}

named_enum! {
    /// Kind of an entry of a community's service directory (便民服务目录).
    pub enum ServiceKind in "kind" {
        /// 服务商: a business or public service provider.
        Provider = "provider",
        /// 社会组织: a social organisation.
        Organisation = "organisation",
        /// 志愿者 / 志愿服务队: volunteers.
        Volunteer = "volunteer",
    }
}

/// Maximum length, in characters, of a [`Text`] (notes, replies, reasons, results).
pub const MAX_TEXT_LEN: usize = 2000;
/// Maximum length, in characters, of a rating comment.
pub const MAX_COMMENT_LEN: usize = 500;

/// Free text kept in a request's timeline: trimmed, non-empty, without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    /// At most [`MAX_TEXT_LEN`] characters.
    pub fn parse(field: &str, s: &str) -> Result<Text, DomainError> {
        text(field, s, MAX_TEXT_LEN).map(Text)
    }
    /// Blank becomes `None`.
    pub fn parse_optional(field: &str, s: Option<&str>) -> Result<Option<Text>, DomainError> {
        Ok(optional_text(field, s, MAX_TEXT_LEN)?.map(Text))
    }
    /// A rating comment (`comment`): optional, at most [`MAX_COMMENT_LEN`] characters.
    pub fn parse_comment(s: Option<&str>) -> Result<Option<Text>, DomainError> {
        Ok(optional_text("comment", s, MAX_COMMENT_LEN)?.map(Text))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A time limit in whole hours (限时办结): 1 to [`DeadlineHours::MAX`] (one year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DeadlineHours(u32);

impl DeadlineHours {
    pub const MAX: u32 = 24 * 365;

    pub fn parse(field: &str, hours: i64) -> Result<DeadlineHours, DomainError> {
        match u32::try_from(hours) {
            Ok(h) if (1..=Self::MAX).contains(&h) => Ok(DeadlineHours(h)),
            _ => Err(DomainError::field(field, "out_of_range", format!("{field} must be between 1 and {}", Self::MAX))),
        }
    }
    pub fn get(self) -> u32 {
        self.0
    }
    /// The deadline that starts at `start`.
    pub fn after(self, start: DateTime<Utc>) -> DateTime<Utc> {
        start + TimeDelta::hours(i64::from(self.0))
    }
}

/// True when the deadline has passed before the request was resolved (or, unresolved, before
/// `now`). The deadline instant itself is still on time. No deadline: never overdue.
pub fn is_overdue(deadline: Option<DateTime<Utc>>, resolved_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    deadline.is_some_and(|d| resolved_at.unwrap_or(now) > d)
}

/// True when a request resolved at `resolved_at` met its deadline (按时办结); one without a
/// deadline counts as on time.
pub fn closed_on_time(deadline: Option<DateTime<Utc>>, resolved_at: DateTime<Utc>) -> bool {
    !is_overdue(deadline, Some(resolved_at), resolved_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap() + TimeDelta::hours(h)
    }

    #[test]
    fn classes() {
        for c in RequestClass::ALL {
            assert_eq!(RequestClass::parse(c.as_str()).unwrap(), c);
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.as_str()));
        }
        let colours: Vec<_> = RequestClass::ALL.iter().map(|c| c.colour()).collect();
        assert_eq!(colours, ["red", "orange", "yellow"]);
        assert!(RequestClass::Major.label_zh().contains("公家事"));
        assert!(RequestClass::Private.label_zh().starts_with("私事"));
        assert!(matches!(RequestClass::parse("Major"), Err(DomainError::Validation(e)) if e[0].field == "class"));
    }

    #[test]
    fn statuses() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()).unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
            assert_eq!(s.is_open(), !s.is_final());
        }
        let finals: Vec<_> = Status::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [Status::Closed, Status::Withdrawn]);
        assert!(Status::parse("open").is_err());
    }

    #[test]
    fn ratings_and_texts() {
        for r in Rating::ALL {
            assert_eq!(Rating::parse(r.as_str()).unwrap(), r);
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
        }
        assert!(Rating::Satisfied.counts_as_satisfied());
        assert!(Rating::BasicallySatisfied.counts_as_satisfied());
        assert!(!Rating::Dissatisfied.counts_as_satisfied());
        assert!(Rating::parse("ok").is_err());

        assert_eq!(Text::parse("reason", "  漏水  ").unwrap().as_str(), "漏水");
        assert!(matches!(Text::parse("reason", " "), Err(DomainError::Validation(e)) if e[0].code == "required"));
        assert!(Text::parse("text", &"字".repeat(MAX_TEXT_LEN)).is_ok());
        assert!(Text::parse("text", &"字".repeat(MAX_TEXT_LEN + 1)).is_err());
        assert_eq!(Text::parse_optional("note", Some("  ")).unwrap(), None);
        assert_eq!(Text::parse_comment(None).unwrap(), None);
        assert!(Text::parse_comment(Some(&"好".repeat(MAX_COMMENT_LEN))).is_ok());
        assert!(matches!(
            Text::parse_comment(Some(&"好".repeat(MAX_COMMENT_LEN + 1))),
            Err(DomainError::Validation(e)) if e[0].field == "comment" && e[0].code == "too_long"
        ));
    }

    #[test]
    fn deadlines() {
        assert!(DeadlineHours::parse("h", 0).is_err());
        assert!(DeadlineHours::parse("h", -5).is_err());
        assert!(DeadlineHours::parse("h", i64::from(DeadlineHours::MAX) + 1).is_err());
        assert!(matches!(DeadlineHours::parse("deadline_hours", 0), Err(DomainError::Validation(e)) if e[0].field == "deadline_hours"));
        let h = DeadlineHours::parse("h", 72).unwrap();
        assert_eq!((h.get(), h.after(t(0))), (72, t(72)));
        assert_eq!(DeadlineHours::parse("h", 8760).unwrap().get(), 8760);

        assert!(!is_overdue(None, None, t(1000)));
        assert!(!is_overdue(Some(t(10)), None, t(10)));
        assert!(is_overdue(Some(t(10)), None, t(11)));
        assert!(!is_overdue(Some(t(10)), Some(t(9)), t(100)), "resolved in time stays on time");
        assert!(is_overdue(Some(t(10)), Some(t(12)), t(100)));
        assert!(closed_on_time(Some(t(10)), t(10)));
        assert!(!closed_on_time(Some(t(10)), t(11)));
        assert!(closed_on_time(None, t(11)));
    }
}
