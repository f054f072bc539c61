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
    /// True for errors after which the connection cannot be used again: the server closed it
    /// (restart, failover, cut network) or cannot be reached.
    pub fn is_connection_lost(&self) -> bool {
        use diesel::result::{DatabaseErrorKind as K, Error as D};
        matches!(self, StoreError::Db(D::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _)))
    }

    /// Maps "no row" to the domain's 404 for `what`.
    pub fn not_found(what: &'static str) -> impl FnOnce(diesel::result::Error) -> StoreError {
        move |e| match e {
            diesel::result::Error::NotFound => StoreError::Domain(DomainError::NotFound(what)),
            other => StoreError::Db(other),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
