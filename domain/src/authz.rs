//! Authorization: who is calling, with which role, over which subtree.
//!
//! Two questions, always both: may this role do this kind of thing ([`Scope::require`], 403),
//! and is the object inside the caller's subtree ([`Scope::covers`], otherwise 404 so that
//! objects outside the scope are not revealed).

use crate::jurisdiction::JurisdictionPath;
use crate::role::Role;
use crate::DomainError;

/// The caller as established from a verified access token.
#[derive(Debug, Clone)]
pub struct Scope {
    pub account_id: String,
    pub role: Role,
    /// Scope node; `None` only for a platform-wide `system_admin`.
    pub jurisdiction_id: Option<String>,
    pub path: JurisdictionPath,
    /// Set for `department_staff` and service accounts.
    pub department_id: Option<String>,
    /// Set for `org_staff`.
    pub organisation_id: Option<String>,
    /// True for a machine client (a department's system) using client credentials.
    pub service: bool,
}

impl Scope {
    /// Refuses (403) unless the caller's role is one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), DomainError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!("the {} role may not do this", self.role.as_str())))
        }
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// True when the node or record at `path` lies in the caller's subtree.
    pub fn covers(&self, path: &str) -> bool {
        self.path.contains(path)
    }

    /// `Ok` when covered, else the 404 that hides the object.
    pub fn check_covers(&self, path: &str, what: &'static str) -> Result<(), DomainError> {
        if self.covers(path) {
            Ok(())
        } else {
            Err(DomainError::NotFound(what))
        }
    }
}

/// Roles that administer the jurisdiction tree and departments.
pub const JURISDICTION_ADMINS: &[Role] = &[Role::SystemAdmin, Role::CivilAffairsAdmin];
/// Roles that read the audit log.
pub const AUDIT_READERS: &[Role] = &[Role::SystemAdmin, Role::Auditor];
/// Roles that manage accounts and service accounts.
pub const ACCOUNT_ADMINS: &[Role] = &[Role::SystemAdmin];

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(role: Role, path: &str) -> Scope {
        Scope {
            account_id: "a".into(),
            role,
            jurisdiction_id: None,
            path: JurisdictionPath::from_stored(path),
            department_id: None,
            organisation_id: None,
            service: false,
        }
    }

    #[test]
    fn role_and_subtree() {
        let s = scope(Role::CommunityStaff, "/d/s/c1/");
        assert!(s.require(&[Role::CommunityStaff]).is_ok());
        assert!(matches!(s.require(JURISDICTION_ADMINS), Err(DomainError::Forbidden(_))));
        assert!(s.covers("/d/s/c1/g1/"));
        assert!(!s.covers("/d/s/c2/"));
        assert!(!s.covers("/d/s/"));
        assert!(matches!(s.check_covers("/d/s/c2/", "request"), Err(DomainError::NotFound("request"))));
        assert!(scope(Role::SystemAdmin, "/").covers("/x/y/"));
    }
}
