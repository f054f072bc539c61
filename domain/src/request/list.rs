//! The responsibility list (三事分流责任清单): a community's published mapping from request
//! categories to class, default department and deadline, negotiated from the district's guiding
//! catalogue (指导目录). Triage suggests from it; staff confirm or override with a reason.

use super::{DeadlineHours, RequestClass, Text};
use crate::error::Validator;
use crate::DomainError;
use serde::Serialize;

/// Category code of a list entry, e.g. `ROAD-NOISE`: 2–32 characters of `A–Z 0–9 - _ .`;
/// lowercase input is upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CategoryCode(String);

impl CategoryCode {
    pub fn parse(field: &str, s: &str) -> Result<CategoryCode, DomainError> {
        let s = s.trim().to_ascii_uppercase();
        let ok = (2..=32).contains(&s.len()) && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(CategoryCode(s))
        } else {
            Err(DomainError::field(field, "invalid_format", "a category code is 2–32 characters of A–Z, 0–9, '-', '_' or '.'"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Maximum length of a list entry's name.
pub const MAX_ENTRY_NAME_LEN: usize = 100;

/// A list entry as submitted, before checking.
#[derive(Debug, Clone, Default)]
pub struct ListEntryInput {
    pub code: String,
    pub name: String,
    pub class: String,
    pub default_department_id: Option<String>,
    pub deadline_hours: Option<i64>,
    pub description: Option<String>,
}

/// One line of the responsibility list. A major entry names its department and deadline; minor
/// and private entries have no department (the community or the resident handles them) and may
/// carry the community's own time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListEntry {
    pub code: CategoryCode,
    pub name: String,
    pub class: RequestClass,
    pub default_department_id: Option<String>,
    pub deadline_hours: Option<DeadlineHours>,
    pub description: Option<Text>,
}

impl ListEntry {
    /// Checks an entry, reporting every problem at once.
    pub fn parse(input: &ListEntryInput) -> Result<ListEntry, DomainError> {
        let mut v = Validator::new();
        let code = v.check(CategoryCode::parse("code", &input.code));
        let name = v.text("name", &input.name, MAX_ENTRY_NAME_LEN);
        let class = v.check(RequestClass::parse(&input.class));
        let deadline_hours = input.deadline_hours.and_then(|h| v.check(DeadlineHours::parse("deadline_hours", h)));
        let description = v.check(Text::parse_optional("description", input.description.as_deref())).flatten();
        let department = input.default_department_id.as_deref().map(str::trim).filter(|d| !d.is_empty());
        match class {
            Some(RequestClass::Major) => {
                if department.is_none() {
                    v.push("default_department_id", "required", "a major matter needs a default department");
                }
                if input.deadline_hours.is_none() {
                    v.push("deadline_hours", "required", "a major matter needs a deadline");
                }
            }
            Some(_) if department.is_some() => {
                v.push("default_department_id", "not_allowed", "only major matters go to a department")
            }
            _ => {}
        }
        v.finish()?;
        Ok(ListEntry {
            code: code.expect("checked"),
            name: name.expect("checked"),
            class: class.expect("checked"),
            default_department_id: department.map(str::to_string),
            deadline_hours,
            description,
        })
    }
}

/// What the list suggests for a category at triage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub code: CategoryCode,
    pub class: RequestClass,
    pub department_id: Option<String>,
    pub deadline_hours: Option<DeadlineHours>,
}

/// The list's suggestion for `code`, if the list has that category.
pub fn suggest(entries: &[ListEntry], code: &CategoryCode) -> Option<Suggestion> {
    entries.iter().find(|e| &e.code == code).map(|e| Suggestion {
        code: e.code.clone(),
        class: e.class,
        department_id: e.default_department_id.clone(),
        deadline_hours: e.deadline_hours,
    })
}

/// Staff may override the list, but must say why: a reason is required (`reason`/`required`)
/// when the chosen class or department differs from the suggestion. A different deadline alone
/// needs no reason.
pub fn check_override(
    suggested: &Suggestion,
    chosen_class: RequestClass,
    chosen_department: Option<&str>,
    reason: Option<&Text>,
) -> Result<(), DomainError> {
    let differs = suggested.class != chosen_class || suggested.department_id.as_deref() != chosen_department;
    if differs && reason.is_none() {
        return Err(DomainError::field("reason", "required", "overriding the responsibility list needs a reason"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(code: &str, class: &str, dept: Option<&str>, hours: Option<i64>) -> ListEntryInput {
        ListEntryInput {
            code: code.into(),
            name: "道路施工噪音".into(),
            class: class.into(),
            default_department_id: dept.map(Into::into),
            deadline_hours: hours,
            description: None,
        }
    }

    fn fields(r: Result<ListEntry, DomainError>) -> Vec<(String, String)> {
        match r {
            Err(DomainError::Validation(e)) => e.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn category_codes() {
        assert_eq!(CategoryCode::parse("code", " road-noise.01 ").unwrap().as_str(), "ROAD-NOISE.01");
        assert_eq!(CategoryCode::parse("code", "A_1").unwrap().as_str(), "A_1");
        for bad in ["A", "", "道路", "A B", "A/B", &"A".repeat(33)] {
            assert!(CategoryCode::parse("code", bad).is_err(), "{bad}");
        }
        assert!(CategoryCode::parse("code", &"A".repeat(32)).is_ok());
    }

    #[test]
    fn entries() {
        let e = ListEntry::parse(&input("noise", "major", Some(" dept-env "), Some(72))).unwrap();
        assert_eq!(e.code.as_str(), "NOISE");
        assert_eq!(e.default_department_id.as_deref(), Some("dept-env"));
        assert_eq!(e.deadline_hours.map(DeadlineHours::get), Some(72));
        assert!(ListEntry::parse(&input("PARK", "minor", None, None)).is_ok());
        assert!(ListEntry::parse(&input("PARK", "minor", Some(" "), Some(48))).is_ok());

        let mut bad = input("x", "major", None, None);
        bad.name = " ".into();
        let mut got = fields(ListEntry::parse(&bad));
        got.sort();
        let want = [("code", "invalid_format"), ("deadline_hours", "required"), ("default_department_id", "required"), ("name", "required")];
        assert_eq!(got, want.map(|(f, c)| (f.to_string(), c.to_string())));

        assert_eq!(fields(ListEntry::parse(&input("PET", "private", Some("d"), None))), [("default_department_id".into(), "not_allowed".into())]);
        assert_eq!(fields(ListEntry::parse(&input("PET", "private", None, Some(0)))), [("deadline_hours".into(), "out_of_range".into())]);
        assert_eq!(fields(ListEntry::parse(&input("PET", "red", None, None))), [("class".into(), "invalid_value".into())]);
    }

    #[test]
    fn suggestions_and_overrides() {
        let list = [
            ListEntry::parse(&input("NOISE", "major", Some("env"), Some(72))).unwrap(),
            ListEntry::parse(&input("PARK", "minor", None, None)).unwrap(),
        ];
        let noise = CategoryCode::parse("code", "noise").unwrap();
        let s = suggest(&list, &noise).unwrap();
        assert_eq!((s.class, s.department_id.as_deref(), s.deadline_hours.map(DeadlineHours::get)), (RequestClass::Major, Some("env"), Some(72)));
        assert_eq!(suggest(&list, &CategoryCode::parse("code", "NONE").unwrap()), None);

        let why = Text::parse("reason", "噪音来自小区内部装修").unwrap();
        let reason_required = |r: Result<(), DomainError>| matches!(r, Err(DomainError::Validation(e)) if e[0].field == "reason" && e[0].code == "required");
        assert!(check_override(&s, RequestClass::Major, Some("env"), None).is_ok());
        assert!(reason_required(check_override(&s, RequestClass::Major, Some("housing"), None)));
        assert!(reason_required(check_override(&s, RequestClass::Minor, None, None)));
        assert!(check_override(&s, RequestClass::Minor, None, Some(&why)).is_ok());
        let park = suggest(&list, &CategoryCode::parse("code", "PARK").unwrap()).unwrap();
        assert!(check_override(&park, RequestClass::Minor, None, None).is_ok());
        assert!(reason_required(check_override(&park, RequestClass::Major, Some("env"), None)));
    }
}
