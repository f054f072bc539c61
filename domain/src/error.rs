//! Domain errors. The API maps each variant to one HTTP status and a stable error code.

use serde::Serialize;

/// One field-level validation problem (`errors[]` in a problem+json body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON path of the offending field, e.g. `name` or `items[2].amount`.
    pub field: String,
    /// Stable machine-readable code, e.g. `required`, `too_long`, `invalid_format`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// Every way a domain rule can refuse an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input values are malformed (HTTP 422, code `validation_failed`).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A state machine refuses the move (HTTP 409, code `invalid_transition`).
    #[error("cannot {action} while {state}")]
    InvalidTransition { state: String, action: String },
    /// The current state of stored data conflicts with the request (HTTP 409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A business rule refuses well-formed input (HTTP 422).
    #[error("{message}")]
    Rule { code: &'static str, message: String },
    /// The role may not do this at all (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// Not found, or outside the caller's scope (HTTP 404; never reveals which).
    #[error("{0} not found")]
    NotFound(&'static str),
}

impl DomainError {
    pub fn field(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Validation(vec![FieldError::new(field, code, message)])
    }
    pub fn rule(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Rule { code, message: message.into() }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Conflict { code, message: message.into() }
    }
    pub fn transition(state: impl Into<String>, action: impl Into<String>) -> Self {
        DomainError::InvalidTransition { state: state.into(), action: action.into() }
    }
}

/// Collects field errors so a form reports all its problems at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }
    /// Records the error of a parse, returning the value when it parsed.
    pub fn check<T>(&mut self, r: Result<T, DomainError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(DomainError::Validation(mut e)) => {
                self.errors.append(&mut e);
                None
            }
            Err(other) => {
                self.errors.push(FieldError::new("", "invalid", other.to_string()));
                None
            }
        }
    }
    /// Trimmed non-empty text of at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        self.check(text(field, value, max))
    }
    pub fn finish(self) -> Result<(), DomainError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.errors))
        }
    }
}

/// Parses a required free-text value: trimmed, non-empty, at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DomainError::field(field, "required", format!("{field} must not be empty")));
    }
    if v.chars().count() > max {
        return Err(DomainError::field(field, "too_long", format!("{field} must be at most {max} characters")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(DomainError::field(field, "invalid_characters", format!("{field} contains control characters")));
    }
    Ok(v.to_string())
}

/// Parses an optional free-text value; blank becomes `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, DomainError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(text("name", "  a ", 3).unwrap(), "a");
        assert!(matches!(text("name", "   ", 3), Err(DomainError::Validation(e)) if e[0].code == "required"));
        assert!(matches!(text("name", "四五六七", 3), Err(DomainError::Validation(e)) if e[0].code == "too_long"));
        assert!(matches!(text("name", "a\u{0}b", 3), Err(DomainError::Validation(e)) if e[0].code == "invalid_characters"));
        assert_eq!(optional_text("x", Some("  "), 3).unwrap(), None);
    }

    #[test]
    fn validator_collects_all_errors() {
        let mut v = Validator::new();
        v.text("a", "", 5);
        v.text("b", "toolong", 2);
        match v.finish() {
            Err(DomainError::Validation(e)) => assert_eq!(e.len(), 2),
            other => panic!("{other:?}"),
        }
    }
}
