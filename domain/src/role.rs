//! The nine roles of the platform (domain.md "Roles").

use crate::jurisdiction::Level;
use crate::DomainError;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 居民: submits and follows own requests.
    Resident,
    /// 网格员 / 社工 (包片联户): visits households, files on residents' behalf.
    GridWorker,
    /// 居委会 / 社区工作者: triage, minor matters, lists, ledgers.
    CommunityStaff,
    /// 街道: oversees communities, dispatches major matters, receives escalations.
    StreetAdmin,
    /// 职能部门: handles major matters, applies for clearance items.
    DepartmentStaff,
    /// 民政局: reviews clearance, publishes catalogue, runs evaluations, manages organisations.
    CivilAffairsAdmin,
    /// 社会组织: keeps its organisation's profile and projects.
    OrgStaff,
    /// 第三方评估 / 审计: read-only.
    Auditor,
    /// 平台管理员: users, jurisdictions, service accounts.
    SystemAdmin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Resident,
        Role::GridWorker,
        Role::CommunityStaff,
        Role::StreetAdmin,
        Role::DepartmentStaff,
        Role::CivilAffairsAdmin,
        Role::OrgStaff,
        Role::Auditor,
        Role::SystemAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::GridWorker => "grid_worker",
            Role::CommunityStaff => "community_staff",
            Role::StreetAdmin => "street_admin",
            Role::DepartmentStaff => "department_staff",
            Role::CivilAffairsAdmin => "civil_affairs_admin",
            Role::OrgStaff => "org_staff",
            Role::Auditor => "auditor",
            Role::SystemAdmin => "system_admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role, DomainError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| DomainError::field("role", "invalid_value", format!("unknown role '{s}'")))
    }

    /// Jurisdiction levels an account of this role may be scoped to.
    /// `system_admin` may also be platform-wide (no node).
    pub fn allowed_levels(self) -> &'static [Level] {
        use Level::*;
        match self {
            Role::Resident | Role::GridWorker => &[Community, Grid, MicroGrid],
            Role::CommunityStaff => &[Community],
            Role::StreetAdmin => &[Street],
            Role::DepartmentStaff | Role::CivilAffairsAdmin => &[District, Street],
            Role::OrgStaff | Role::Auditor | Role::SystemAdmin => &[District, Street, Community, Grid, MicroGrid],
        }
    }

    /// Checks the account's scope node level (None = platform-wide).
    pub fn check_scope(self, level: Option<Level>) -> Result<(), DomainError> {
        match level {
            None if self == Role::SystemAdmin => Ok(()),
            None => Err(DomainError::field("jurisdiction_id", "required", format!("a {} account must be scoped to a jurisdiction", self.as_str()))),
            Some(l) if self.allowed_levels().contains(&l) => Ok(()),
            Some(l) => Err(DomainError::field(
                "jurisdiction_id",
                "invalid_level",
                format!(
                    "a {} account cannot be scoped to a {}; allowed: {}",
                    self.as_str(),
                    l.as_str(),
                    self.allowed_levels().iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }

    /// Staff roles act for an institution; residents act for themselves.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Resident)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_scope_levels() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::SystemAdmin.check_scope(None).is_ok());
        assert!(Role::Auditor.check_scope(None).is_err());
        assert!(Role::CommunityStaff.check_scope(Some(Level::Community)).is_ok());
        assert!(Role::CommunityStaff.check_scope(Some(Level::Street)).is_err());
        assert!(Role::Resident.check_scope(Some(Level::District)).is_err());
    }
}
