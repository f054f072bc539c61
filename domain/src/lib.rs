//! Gongzhi (共治) domain: the rules of the community-governance platform, free of IO.
//!
//! Value objects parse instead of validate: once a [`role::Role`], a [`account::Phone`] or a
//! [`jurisdiction::Level`] exists, it holds a legal value. State machines list their allowed
//! transitions; authorization is a pure function of role, action and jurisdiction scope.

pub mod account;
pub mod authz;
pub mod clock;
pub mod error;
pub mod jurisdiction;
pub mod paging;
pub mod request;
pub mod role;

pub use error::{DomainError, FieldError};
