//! Resident requests (诉求) and 三事分流: the district guiding catalogue (指导目录), communities'
//! responsibility lists (责任清单), the service directory (便民服务), submission, triage, handling
//! of major / minor / private matters, rating, timeline, photos, measures and public disclosure.
//! The rules live in `gongzhi_domain::request`; this module loads, scopes, applies and records.

pub mod handling;
pub mod lists;
pub mod measures;
pub mod photos;
pub mod public;
pub mod services;

use crate::auth::Caller;
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::jurisdictions::{self, JurisdictionRow};
use gongzhi_persistence::{DbConnection, StoreResult};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(lists::get_catalogue)
        .service(lists::put_catalogue)
        .service(lists::catalogue_versions)
        .service(lists::get_list)
        .service(lists::put_list)
        .service(lists::list_versions)
        .service(services::create)
        .service(services::list)
        .service(services::update)
        .service(handling::submit)
        .service(handling::list)
        .service(handling::escalate_overdue)
        .service(handling::auto_close)
        .service(handling::act)
        .service(handling::timeline)
        .service(photos::upload)
        .service(photos::list)
        .service(photos::download)
        .service(measures::get)
        .service(public::list);
}

/// A node of the given level, or 404.
pub(crate) fn node_of_level(c: &mut DbConnection, id: &str, level: Level, what: &'static str) -> StoreResult<JurisdictionRow> {
    match jurisdictions::get(c, id) {
        Ok(row) if row.level() == level => Ok(row),
        Ok(_) | Err(gongzhi_persistence::StoreError::Domain(DomainError::NotFound(_))) => Err(DomainError::NotFound(what).into()),
        Err(e) => Err(e),
    }
}

/// True when the caller may read what belongs to `path`: staff whose subtree holds it, and
/// people (residents, grid workers) who live or work inside it.
fn may_read_place(caller: &Caller, path: &str) -> bool {
    caller.scope.covers(path) || JurisdictionPath::from_stored(path).contains(caller.scope.path.as_str())
}

/// A community the caller may read (404 otherwise).
fn readable_community(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<JurisdictionRow> {
    let row = node_of_level(c, id, Level::Community, "community")?;
    if may_read_place(caller, &row.path) {
        Ok(row)
    } else {
        Err(DomainError::NotFound("community").into())
    }
}

/// A community the caller keeps (community staff of it; 404 when outside the caller's scope).
fn kept_community(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<JurisdictionRow> {
    caller.scope.require(&[Role::CommunityStaff])?;
    let row = node_of_level(c, id, Level::Community, "community")?;
    caller.scope.check_covers(&row.path, "community")?;
    Ok(row)
}
