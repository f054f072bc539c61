//! Authentication: passwords, JWT access tokens, refresh tokens, rate limits, the caller extractor.

pub mod caller;
pub mod jwt;
pub mod limit;
pub mod password;

pub use caller::Caller;
