//! Cursor pagination rules shared by every list endpoint.

use crate::DomainError;

pub const DEFAULT_PAGE_SIZE: i64 = 20;
/// Hard maximum page size; larger `limit` values are refused, not silently clamped.
pub const MAX_PAGE_SIZE: i64 = 100;

/// A validated page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(i64);

impl Limit {
    pub fn parse(v: Option<i64>) -> Result<Self, DomainError> {
        match v {
            None => Ok(Limit(DEFAULT_PAGE_SIZE)),
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(Limit(n)),
            Some(_) => Err(DomainError::field(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_PAGE_SIZE}"),
            )),
        }
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn limits() {
        assert_eq!(Limit::parse(None).unwrap().get(), DEFAULT_PAGE_SIZE);
        assert_eq!(Limit::parse(Some(100)).unwrap().get(), 100);
        assert!(Limit::parse(Some(0)).is_err());
        assert!(Limit::parse(Some(101)).is_err());
    }
}
