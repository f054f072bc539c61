//! Store errors: a domain refusal, a database error, or an unavailable database.

use gongzhi_domain::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// Maps "no row" to the domain's 404 for `what`.
    pub fn not_found(what: &'static str) -> impl FnOnce(diesel::result::Error) -> StoreError {
        move |e| match e {
            diesel::result::Error::NotFound => StoreError::Domain(DomainError::NotFound(what)),
            other => StoreError::Db(other),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
