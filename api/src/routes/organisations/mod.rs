//! Social organisations (社会组织): the registry (名录) with versions and change requests,
//! incubation bases (孵化基地), venture philanthropy (公益创投), government purchase of services
//! (政府购买服务), volunteers and points (志愿者, 积分制) and certified social workers (社工).
//!
//! Roles: `civil_affairs_admin` manages within its subtree; `org_staff` acts only for its own
//! organisation (`scope.organisation_id`); `community_staff` reads organisations serving its
//! community; auditors read in scope. Objects outside the caller's reach are 404.

pub mod contracts;
pub mod incubation;
pub mod registry;
pub mod social_workers;
pub mod venture;
pub mod volunteers;

use crate::auth::Caller;
use crate::common::ts;
use crate::error::{ApiError, Problem};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::jurisdiction::Level;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::jurisdictions::{self, JurisdictionRow};
use gongzhi_persistence::organisations::{self as orgs, MilestoneRow, OrganisationRow, Viewer};
use gongzhi_persistence::{DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Roles that manage organisations, incubation, calls, points rules and social workers.
pub const ORG_ADMINS: &[Role] = &[Role::CivilAffairsAdmin];
/// Roles that read the registry and the work of organisations (each within its reach).
pub const ORG_READERS: &[Role] = &[
    Role::CivilAffairsAdmin,
    Role::StreetAdmin,
    Role::CommunityStaff,
    Role::DepartmentStaff,
    Role::OrgStaff,
    Role::Auditor,
    Role::SystemAdmin,
];

/// Refusals of a write: every status a write endpoint of this area may answer with.
#[derive(utoipa::IntoResponses)]
pub enum WriteRefusals {
    /// Malformed JSON.
    #[response(status = 400, description = "Malformed JSON", content_type = "application/problem+json")]
    BadRequest(Problem),
    #[response(status = 401, description = "Not authenticated", content_type = "application/problem+json")]
    Unauthorized(Problem),
    #[response(status = 403, description = "The role may not do this", content_type = "application/problem+json")]
    Forbidden(Problem),
    #[response(status = 404, description = "Not found in the caller's scope", content_type = "application/problem+json")]
    NotFound(Problem),
    #[response(status = 409, description = "Illegal state change or conflicting record", content_type = "application/problem+json")]
    Conflict(Problem),
    #[response(status = 422, description = "Invalid fields or a rule refuses", content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// Refusals of a read.
#[derive(utoipa::IntoResponses)]
pub enum ReadRefusals {
    #[response(status = 400, description = "Bad query", content_type = "application/problem+json")]
    BadRequest(Problem),
    #[response(status = 401, description = "Not authenticated", content_type = "application/problem+json")]
    Unauthorized(Problem),
    #[response(status = 403, description = "The role may not read this", content_type = "application/problem+json")]
    Forbidden(Problem),
    #[response(status = 404, description = "Not found in the caller's scope", content_type = "application/problem+json")]
    NotFound(Problem),
}

/// Registers every endpoint of the area.
pub fn configure(cfg: &mut ServiceConfig) {
    registry::configure(cfg);
    incubation::configure(cfg);
    venture::configure(cfg);
    contracts::configure(cfg);
    volunteers::configure(cfg);
    social_workers::configure(cfg);
}

/// The organisation an `org_staff` caller acts for (403 when the account is not linked yet).
pub fn own_organisation(caller: &Caller) -> Result<String, ApiError> {
    caller
        .scope
        .organisation_id
        .clone()
        .ok_or_else(|| ApiError::forbidden("no_organisation", "this account is not linked to an organisation"))
}

/// What lists show the caller: its subtree, or only its own organisation for `org_staff`.
pub fn viewer(caller: &Caller) -> Result<Viewer, ApiError> {
    if caller.scope.is(Role::OrgStaff) {
        Ok(Viewer::Organisation(own_organisation(caller)?))
    } else {
        Ok(Viewer::Within(caller.scope.path.clone()))
    }
}

/// True when the caller may see records of organisation `organisation_id` placed at `path`:
/// `org_staff` only its own organisation's, everyone else what lies in its subtree.
pub fn reaches(caller: &Caller, organisation_id: &str, path: &str) -> bool {
    if caller.scope.is(Role::OrgStaff) {
        caller.scope.organisation_id.as_deref() == Some(organisation_id)
    } else {
        caller.scope.covers(path)
    }
}

/// An organisation the caller may see: its own (`org_staff`), or one registered in the caller's
/// subtree or serving a community in it.
pub fn visible_organisation(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<OrganisationRow> {
    let row = orgs::get_organisation(c, id)?;
    let visible = if caller.scope.is(Role::OrgStaff) {
        caller.scope.organisation_id.as_deref() == Some(id)
    } else {
        caller.scope.covers(&row.path) || orgs::served_communities(c, id)?.iter().any(|s| caller.scope.covers(&s.path))
    };
    if visible {
        Ok(row)
    } else {
        Err(DomainError::NotFound("organisation").into())
    }
}

/// A node in the caller's subtree named by `field` (field error `unknown` otherwise), optionally
/// of one level (field error `invalid_level`).
pub fn node_in_scope(c: &mut DbConnection, caller: &Caller, field: &str, id: &str, level: Option<Level>) -> StoreResult<JurisdictionRow> {
    let node = jurisdictions::get_within(c, id, &caller.scope.path).map_err(|_| DomainError::field(field, "unknown", "no such jurisdiction in your scope"))?;
    match level {
        Some(l) if node.level() != l => Err(DomainError::field(field, "invalid_level", format!("this must be a {}", l.as_str())).into()),
        _ => Ok(node),
    }
}

/// A stored ISO date (`YYYY-MM-DD`).
pub fn stored_day(s: &str) -> NaiveDate {
    s.parse().expect("stored dates are ISO dates")
}

/// A milestone (里程碑) of a funded project or a purchase contract.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MilestoneView {
    pub id: String,
    pub title: String,
    pub due_on: NaiveDate,
    /// When the milestone was reported complete; absent while open.
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<MilestoneRow> for MilestoneView {
    fn from(r: MilestoneRow) -> Self {
        MilestoneView { due_on: stored_day(&r.due_on), id: r.id, title: r.title, completed_at: r.completed_at.map(ts) }
    }
}

/// A new milestone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMilestone {
    pub title: String,
    pub due_on: NaiveDate,
}

/// Builds a milestone row under `parent_id` (a project or a contract) from checked input.
pub fn milestone_row(parent_id: &str, m: &NewMilestone, field: &str, now: DateTime<Utc>) -> Result<MilestoneRow, DomainError> {
    Ok(MilestoneRow {
        id: gongzhi_persistence::new_id(),
        parent_id: parent_id.into(),
        title: gongzhi_domain::error::text(field, &m.title, 128)?,
        due_on: m.due_on.to_string(),
        completed_at: None,
        created_at: gongzhi_persistence::to_db(now),
    })
}

/// Marks a milestone of `parent_id` complete (409 `milestone_completed` when it already is).
pub fn complete_milestone(c: &mut DbConnection, parent_id: &str, milestone_id: &str, now: DateTime<Utc>) -> StoreResult<MilestoneRow> {
    let mut m = orgs::get_milestone(c, milestone_id)?;
    if m.parent_id != parent_id {
        return Err(DomainError::NotFound("milestone").into());
    }
    if m.completed_at.is_some() {
        return Err(DomainError::conflict("milestone_completed", "this milestone is already complete").into());
    }
    m.completed_at = Some(gongzhi_persistence::to_db(now));
    orgs::update_milestone(c, &m)?;
    Ok(m)
}
