//! Clearance (社区工作准入制度, 准入清单): admission of catalogue items (凡进必审), enforcement of
//! what departments impose on communities, entrustment agreements (委托协议书, 费随事转), the
//! signboard and seal registries, and the burden report (减负). The rules live in
//! `gongzhi_domain::clearance`; these handlers load, check scope, apply them and record.

pub mod agreements;
pub mod applications;
pub mod assignments;
pub mod burden;
pub mod registry;

use crate::auth::Caller;
use crate::state::AppState;
use chrono::NaiveDate;
use gongzhi_domain::clearance::{check_assignment, local_day, AdmissionStatus, AdmittedItemView, ItemKind, ListKind};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::DomainError;
use gongzhi_persistence::clearance::{self, ApplicationRow};
use gongzhi_persistence::jurisdictions::{self, JurisdictionRow};
use gongzhi_persistence::{DbConnection, StoreResult};
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the clearance endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(applications::create)
        .service(applications::list)
        .service(applications::expire)
        .service(applications::get_one)
        .service(applications::approve)
        .service(applications::reject)
        .service(applications::request_changes)
        .service(applications::resubmit)
        .service(applications::withdraw)
        .service(applications::public_catalogue)
        .service(assignments::create)
        .service(assignments::list)
        .service(assignments::get_one)
        .service(assignments::accept)
        .service(assignments::refuse)
        .service(assignments::attempts)
        .service(agreements::create)
        .service(agreements::list)
        .service(agreements::get_one)
        .service(agreements::add_payment)
        .service(registry::add_signboard)
        .service(registry::list_signboards)
        .service(registry::remove_signboard)
        .service(registry::add_seal_use)
        .service(registry::list_seal_uses)
        .service(registry::get_settings)
        .service(registry::put_settings)
        .service(burden::add_baseline)
        .service(burden::report);
}

/// Today in China at the clock's now: validity windows count local days.
pub(crate) fn today(state: &AppState) -> NaiveDate {
    local_day(state.clock.now())
}

/// The stored form of a day (`YYYY-MM-DD`, ordered as text).
pub(crate) fn day_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Reads a stored day back.
pub(crate) fn stored_day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("stored day is valid")
}

/// Reads a stored enum value back (written by this module from the same enum).
pub(crate) fn stored<T>(r: Result<T, DomainError>) -> T {
    r.expect("stored value is valid")
}

/// The department a department_staff caller (or service account) acts for.
pub(crate) fn own_department(caller: &Caller) -> Result<String, DomainError> {
    caller
        .scope
        .department_id
        .clone()
        .ok_or_else(|| DomainError::Forbidden("this account acts for no department".into()))
}

/// A community in the caller's subtree, as a body field (`field`): 422 `unknown` / `invalid_level`.
pub(crate) fn community_field(c: &mut DbConnection, caller: &Caller, id: &str, field: &str) -> StoreResult<JurisdictionRow> {
    let node = jurisdictions::get_within(c, id, &caller.scope.path).map_err(|_| DomainError::field(field, "unknown", "no such community in your scope"))?;
    if node.level() != Level::Community {
        return Err(DomainError::field(field, "invalid_level", "this is not a community").into());
    }
    Ok(node)
}

/// A community addressed in the URL, in the caller's subtree (404 otherwise).
pub(crate) fn community_path_param(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<JurisdictionRow> {
    let node = jurisdictions::get_within(c, id, &caller.scope.path)?;
    if node.level() != Level::Community {
        return Err(DomainError::NotFound("community").into());
    }
    Ok(node)
}

/// True when the catalogue item is approved and inside its validity window on `day`.
pub(crate) fn valid_on(row: &ApplicationRow, day: NaiveDate) -> bool {
    row.status == AdmissionStatus::Approved.as_str() && stored_day(&row.valid_from) <= day && day <= stored_day(&row.valid_until)
}

/// Applies the domain's enforcement rule (`check_assignment`) to imposing something of `kind` on
/// `community` on `day` under `item`, looking up whether an agreement funds it there.
pub(crate) fn check_item(c: &mut DbConnection, item: &ApplicationRow, community: &JurisdictionRow, kind: ItemKind, day: NaiveDate) -> StoreResult<()> {
    let list = stored(ListKind::parse(&item.list));
    let funded = list == ListKind::AssistanceToGovernment && clearance::is_funded(c, &item.id, &community.id, &day_str(day))?;
    let view = AdmittedItemView {
        status: stored(AdmissionStatus::parse(&item.status)),
        kind: stored(ItemKind::parse(&item.kind)),
        list,
        valid_from: stored_day(&item.valid_from),
        valid_until: stored_day(&item.valid_until),
        jurisdiction_path: JurisdictionPath::from_stored(item.path.clone()),
        funded,
    };
    Ok(check_assignment(&view, &community.path, kind, day)?)
}

/// The refusal when an imposition cites no item of the department's own (Rule `item_not_in_catalogue`).
pub(crate) fn not_in_catalogue() -> DomainError {
    DomainError::rule("item_not_in_catalogue", "no such item in the clearance catalogue (准入目录) for this department")
}
