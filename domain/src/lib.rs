//! Gongzhi (共治) domain: the rules of the community-governance platform, free of IO.
//!
//! Value objects parse instead of validate: once a [`role::Role`], a [`account::Phone`] or a
//! [`jurisdiction::Level`] exists, it holds a legal value. State machines list their allowed
//! transitions; authorization is a pure function of role, action and jurisdiction scope.

/// Declares a fieldless enum whose variants have one stable snake_case name each, used alike in
/// JSON, the database and messages: derives serde with that name and adds `ALL`, `as_str` and
/// `parse` (field error `invalid_value` on `$field`).
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident in $field:literal {
        $($(#[$vmeta:meta])* $variant:ident = $s:literal,)+
    }) => {
        $(#[$meta])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $s)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)+
                }
            }

            pub fn parse(s: &str) -> Result<$name, crate::DomainError> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    crate::DomainError::field($field, "invalid_value", format!("{} must be one of: {}", $field, names.join(", ")))
                })
            }
        }
    };
}

pub mod account;
pub mod authz;
pub mod clearance;
pub mod clock;
pub mod error;
pub mod household;
pub mod evaluation;
pub mod jurisdiction;
pub mod ledger;
pub mod organisation;
pub mod paging;
pub mod request;
pub mod role;

pub use error::{DomainError, FieldError};
