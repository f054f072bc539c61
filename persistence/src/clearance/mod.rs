//! Clearance (准入清单) persistence: the admission applications with every version and review
//! event, enforcement (assignments, refused attempts), entrustment agreements (委托协议书) with
//! append-only payments, the signboard and seal registries, settings and burden baselines.

pub mod schema;

use crate::error::{StoreError, StoreResult};
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use gongzhi_domain::clearance::{AdmissionStatus, AssignmentStatus, ListKind, Placement};
use gongzhi_domain::jurisdiction::JurisdictionPath;
use schema::*;
use std::collections::HashMap;

/// An admission application (准入申请); once approved it is an item of the catalogue (准入目录).
/// Holds what queries filter on; the content of every version is kept in [`VersionRow`].
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = clearance_applications)]
#[diesel(treat_none_as_null = true)]
pub struct ApplicationRow {
    pub id: String,
    pub department_id: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub status: String,
    pub version: i32,
    pub title: String,
    pub kind: String,
    pub list: String,
    pub valid_from: String,
    pub valid_until: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One submitted version of an application's content.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clearance_application_versions)]
pub struct VersionRow {
    pub application_id: String,
    pub version: i32,
    pub jurisdiction_id: String,
    pub title: String,
    pub description: Option<String>,
    pub kind: String,
    pub list: String,
    pub legal_basis_kind: String,
    pub legal_basis_reference: String,
    pub frequency: String,
    pub funding_amount_cents: Option<i64>,
    pub funding_unit: Option<String>,
    pub valid_from: String,
    pub valid_until: String,
    pub submitted_by: String,
    pub submitted_at: NaiveDateTime,
}

/// One step of an application's review history (submit, approve, reject, …).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clearance_application_events)]
pub struct EventRow {
    pub id: String,
    pub application_id: String,
    pub version: i32,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub at: NaiveDateTime,
}

pub fn insert_application(c: &mut DbConnection, row: &ApplicationRow) -> StoreResult<()> {
    diesel::insert_into(clearance_applications::table).values(row).execute(c)?;
    Ok(())
}

pub fn update_application(c: &mut DbConnection, row: &ApplicationRow) -> StoreResult<()> {
    diesel::update(clearance_applications::table.find(&row.id)).set(row).execute(c)?;
    Ok(())
}

pub fn get_application(c: &mut DbConnection, id: &str) -> StoreResult<ApplicationRow> {
    clearance_applications::table
        .find(id)
        .select(ApplicationRow::as_select())
        .first(c)
        .map_err(StoreError::not_found("clearance application"))
}

/// The application, or `None` when no such id exists.
pub fn find_application(c: &mut DbConnection, id: &str) -> StoreResult<Option<ApplicationRow>> {
    Ok(clearance_applications::table.find(id).select(ApplicationRow::as_select()).first(c).optional()?)
}

pub fn insert_version(c: &mut DbConnection, row: &VersionRow) -> StoreResult<()> {
    diesel::insert_into(clearance_application_versions::table).values(row).execute(c)?;
    Ok(())
}

pub fn versions(c: &mut DbConnection, application_id: &str) -> StoreResult<Vec<VersionRow>> {
    Ok(clearance_application_versions::table
        .filter(clearance_application_versions::application_id.eq(application_id))
        .order(clearance_application_versions::version.asc())
        .select(VersionRow::as_select())
        .load(c)?)
}

/// The content of each application's current version, in the order of `rows`.
pub fn current_versions(c: &mut DbConnection, rows: Vec<ApplicationRow>) -> StoreResult<Vec<(ApplicationRow, VersionRow)>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut all: Vec<VersionRow> = clearance_application_versions::table
        .filter(clearance_application_versions::application_id.eq_any(ids))
        .select(VersionRow::as_select())
        .load(c)?;
    rows.into_iter()
        .map(|r| {
            let at = all
                .iter()
                .position(|v| v.application_id == r.id && v.version == r.version)
                .ok_or(StoreError::Domain(gongzhi_domain::DomainError::NotFound("clearance application version")))?;
            Ok((r, all.swap_remove(at)))
        })
        .collect()
}

pub fn insert_event(c: &mut DbConnection, row: &EventRow) -> StoreResult<()> {
    diesel::insert_into(clearance_application_events::table).values(row).execute(c)?;
    Ok(())
}

pub fn events(c: &mut DbConnection, application_id: &str) -> StoreResult<Vec<EventRow>> {
    Ok(clearance_application_events::table
        .filter(clearance_application_events::application_id.eq(application_id))
        .order(clearance_application_events::id.asc())
        .select(EventRow::as_select())
        .load(c)?)
}

#[derive(Debug, Default)]
pub struct ApplicationFilter {
    /// Only this department's applications.
    pub department_id: Option<String>,
    pub status: Option<AdmissionStatus>,
    pub jurisdiction_id: Option<String>,
}

/// Applications whose jurisdiction lies in `within`, in id order after `cursor`.
pub fn list_applications(
    c: &mut DbConnection,
    within: &JurisdictionPath,
    f: &ApplicationFilter,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<ApplicationRow>> {
    let mut q = clearance_applications::table
        .filter(clearance_applications::path.like(within.like_pattern()))
        .select(ApplicationRow::as_select())
        .order(clearance_applications::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(d) = &f.department_id {
        q = q.filter(clearance_applications::department_id.eq(d.clone()));
    }
    if let Some(s) = f.status {
        q = q.filter(clearance_applications::status.eq(s.as_str()));
    }
    if let Some(j) = &f.jurisdiction_id {
        q = q.filter(clearance_applications::jurisdiction_id.eq(j.clone()));
    }
    if let Some(cur) = cursor {
        q = q.filter(clearance_applications::id.gt(cur.to_string()));
    }
    Ok(q.load(c)?)
}

/// Items valid at a node on `day` (ISO date): approved, inside their validity window, held by the
/// node or one of its ancestors (an item applies to its jurisdiction's subtree). Paged when
/// `page` is given (cursor, limit), else all.
pub fn valid_items(c: &mut DbConnection, node: &JurisdictionPath, day: &str, page: Option<(Option<&str>, i64)>) -> StoreResult<Vec<ApplicationRow>> {
    let ids: Vec<String> = node.ids().into_iter().map(str::to_string).collect();
    let mut q = clearance_applications::table
        .filter(clearance_applications::jurisdiction_id.eq_any(ids))
        .filter(clearance_applications::status.eq(AdmissionStatus::Approved.as_str()))
        .filter(clearance_applications::valid_from.le(day.to_string()))
        .filter(clearance_applications::valid_until.ge(day.to_string()))
        .select(ApplicationRow::as_select())
        .order(clearance_applications::id.asc())
        .into_boxed();
    if let Some((cursor, limit)) = page {
        q = q.limit(limit + 1);
        if let Some(cur) = cursor {
            q = q.filter(clearance_applications::id.gt(cur.to_string()));
        }
    }
    Ok(q.load(c)?)
}

/// Approved items in `within` whose validity ended before `day`: due to expire.
pub fn due_to_expire(c: &mut DbConnection, within: &JurisdictionPath, day: &str) -> StoreResult<Vec<ApplicationRow>> {
    Ok(clearance_applications::table
        .filter(clearance_applications::path.like(within.like_pattern()))
        .filter(clearance_applications::status.eq(AdmissionStatus::Approved.as_str()))
        .filter(clearance_applications::valid_until.lt(day.to_string()))
        .order(clearance_applications::id.asc())
        .select(ApplicationRow::as_select())
        .load(c)?)
}

/// An assignment (派发事项) of a department to one community under a catalogue item.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = clearance_assignments)]
#[diesel(treat_none_as_null = true)]
pub struct AssignmentRow {
    pub id: String,
    /// Assignments created by one request share a batch id.
    pub batch_id: String,
    pub application_id: String,
    pub department_id: String,
    pub community_id: String,
    pub path: String,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub due_on: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub answered_by: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
}

pub fn insert_assignment(c: &mut DbConnection, row: &AssignmentRow) -> StoreResult<()> {
    diesel::insert_into(clearance_assignments::table).values(row).execute(c)?;
    Ok(())
}

pub fn update_assignment(c: &mut DbConnection, row: &AssignmentRow) -> StoreResult<()> {
    diesel::update(clearance_assignments::table.find(&row.id)).set(row).execute(c)?;
    Ok(())
}

pub fn get_assignment(c: &mut DbConnection, id: &str) -> StoreResult<AssignmentRow> {
    clearance_assignments::table
        .find(id)
        .select(AssignmentRow::as_select())
        .first(c)
        .map_err(StoreError::not_found("assignment"))
}

#[derive(Debug, Default)]
pub struct AssignmentFilter {
    pub department_id: Option<String>,
    pub community_id: Option<String>,
    pub status: Option<AssignmentStatus>,
}

/// Assignments to communities in `within`, in id order after `cursor`.
pub fn list_assignments(
    c: &mut DbConnection,
    within: &JurisdictionPath,
    f: &AssignmentFilter,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<AssignmentRow>> {
    let mut q = clearance_assignments::table
        .filter(clearance_assignments::path.like(within.like_pattern()))
        .select(AssignmentRow::as_select())
        .order(clearance_assignments::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(d) = &f.department_id {
        q = q.filter(clearance_assignments::department_id.eq(d.clone()));
    }
    if let Some(cm) = &f.community_id {
        q = q.filter(clearance_assignments::community_id.eq(cm.clone()));
    }
    if let Some(s) = f.status {
        q = q.filter(clearance_assignments::status.eq(s.as_str()));
    }
    if let Some(cur) = cursor {
        q = q.filter(clearance_assignments::id.gt(cur.to_string()));
    }
    Ok(q.load(c)?)
}

/// Per department: (department id, status, count) of assignments to communities in `within`.
pub fn assignment_counts(c: &mut DbConnection, within: &JurisdictionPath) -> StoreResult<Vec<(String, String, i64)>> {
    Ok(clearance_assignments::table
        .filter(clearance_assignments::path.like(within.like_pattern()))
        .group_by((clearance_assignments::department_id, clearance_assignments::status))
        .select((clearance_assignments::department_id, clearance_assignments::status, count_star()))
        .load(c)?)
}

/// A refused attempt to impose something on communities without an admitted, valid item
/// (未准入事项): kept for evaluation of the department.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clearance_unadmitted_attempts)]
pub struct AttemptRow {
    pub id: String,
    pub department_id: String,
    /// The department's seat.
    pub path: String,
    /// The application the attempt cited, when it exists.
    pub application_id: Option<String>,
    pub kind: String,
    pub title: String,
    /// JSON array of the target community ids.
    pub community_ids: String,
    /// The refusal's rule code.
    pub code: String,
    pub message: String,
    pub actor_id: String,
    pub at: NaiveDateTime,
}

pub fn insert_attempt(c: &mut DbConnection, row: &AttemptRow) -> StoreResult<()> {
    diesel::insert_into(clearance_unadmitted_attempts::table).values(row).execute(c)?;
    Ok(())
}

/// Refused attempts of departments seated in `within` (optionally one department), by id.
pub fn list_attempts(
    c: &mut DbConnection,
    within: &JurisdictionPath,
    department_id: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<AttemptRow>> {
    let mut q = clearance_unadmitted_attempts::table
        .filter(clearance_unadmitted_attempts::path.like(within.like_pattern()))
        .select(AttemptRow::as_select())
        .order(clearance_unadmitted_attempts::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(d) = department_id {
        q = q.filter(clearance_unadmitted_attempts::department_id.eq(d.to_string()));
    }
    if let Some(cur) = cursor {
        q = q.filter(clearance_unadmitted_attempts::id.gt(cur.to_string()));
    }
    Ok(q.load(c)?)
}

/// Per department: refused attempts of these departments.
pub fn attempt_counts(c: &mut DbConnection, department_ids: &[String]) -> StoreResult<Vec<(String, i64)>> {
    Ok(clearance_unadmitted_attempts::table
        .filter(clearance_unadmitted_attempts::department_id.eq_any(department_ids))
        .group_by(clearance_unadmitted_attempts::department_id)
        .select((clearance_unadmitted_attempts::department_id, count_star()))
        .load(c)?)
}

/// Per department: assignments to communities in `within` that the community refused in
/// `[from, to)` (by the time of the refusal).
pub fn refusal_counts(c: &mut DbConnection, within: &JurisdictionPath, from: NaiveDateTime, to: NaiveDateTime) -> StoreResult<Vec<(String, i64)>> {
    Ok(clearance_assignments::table
        .filter(clearance_assignments::path.like(within.like_pattern()))
        .filter(clearance_assignments::status.eq(AssignmentStatus::Refused.as_str()))
        .filter(clearance_assignments::answered_at.ge(from))
        .filter(clearance_assignments::answered_at.lt(to))
        .group_by(clearance_assignments::department_id)
        .select((clearance_assignments::department_id, count_star()))
        .load(c)?)
}

/// Refused attempts of these departments made in `[from, to)`: (department id, target
/// community ids).
pub fn attempt_targets(c: &mut DbConnection, department_ids: &[String], from: NaiveDateTime, to: NaiveDateTime) -> StoreResult<Vec<(String, Vec<String>)>> {
    let rows: Vec<(String, String)> = clearance_unadmitted_attempts::table
        .filter(clearance_unadmitted_attempts::department_id.eq_any(department_ids))
        .filter(clearance_unadmitted_attempts::at.ge(from))
        .filter(clearance_unadmitted_attempts::at.lt(to))
        .select((clearance_unadmitted_attempts::department_id, clearance_unadmitted_attempts::community_ids))
        .load(c)?;
    Ok(rows.into_iter().map(|(d, ids)| (d, serde_json::from_str(&ids).expect("stored community ids are valid"))).collect())
}

/// An entrustment agreement (委托协议书) between a department or a street and a community.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clearance_agreements)]
pub struct AgreementRow {
    pub id: String,
    /// The department that entrusts, or `None` when the street itself does.
    pub principal_department_id: Option<String>,
    /// The department's seat, or the street.
    pub principal_jurisdiction_id: String,
    pub community_id: String,
    /// The community's path.
    pub path: String,
    pub counterparty: String,
    pub title: String,
    /// Promised funding (cents).
    pub amount_cents: i64,
    pub valid_from: String,
    pub valid_until: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// A payment made under an agreement; never changed or deleted.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clearance_agreement_payments)]
pub struct PaymentRow {
    pub id: String,
    pub agreement_id: String,
    pub amount_cents: i64,
    pub paid_on: String,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// Stores an agreement and the catalogue items it covers.
pub fn insert_agreement(c: &mut DbConnection, row: &AgreementRow, item_ids: &[String]) -> StoreResult<()> {
    diesel::insert_into(clearance_agreements::table).values(row).execute(c)?;
    for item in item_ids {
        diesel::insert_into(clearance_agreement_items::table)
            .values((clearance_agreement_items::agreement_id.eq(&row.id), clearance_agreement_items::application_id.eq(item)))
            .execute(c)?;
    }
    Ok(())
}

pub fn get_agreement(c: &mut DbConnection, id: &str) -> StoreResult<AgreementRow> {
    clearance_agreements::table
        .find(id)
        .select(AgreementRow::as_select())
        .first(c)
        .map_err(StoreError::not_found("agreement"))
}

pub fn agreement_items(c: &mut DbConnection, agreement_id: &str) -> StoreResult<Vec<String>> {
    Ok(clearance_agreement_items::table
        .filter(clearance_agreement_items::agreement_id.eq(agreement_id))
        .select(clearance_agreement_items::application_id)
        .order(clearance_agreement_items::application_id.asc())
        .load(c)?)
}

#[derive(Debug, Default)]
pub struct AgreementFilter {
    pub community_id: Option<String>,
    pub principal_department_id: Option<String>,
}

/// Agreements with communities in `within`, in id order after `cursor`.
pub fn list_agreements(
    c: &mut DbConnection,
    within: &JurisdictionPath,
    f: &AgreementFilter,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<AgreementRow>> {
    let mut q = clearance_agreements::table
        .filter(clearance_agreements::path.like(within.like_pattern()))
        .select(AgreementRow::as_select())
        .order(clearance_agreements::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(cm) = &f.community_id {
        q = q.filter(clearance_agreements::community_id.eq(cm.clone()));
    }
    if let Some(d) = &f.principal_department_id {
        q = q.filter(clearance_agreements::principal_department_id.eq(d.clone()));
    }
    if let Some(cur) = cursor {
        q = q.filter(clearance_agreements::id.gt(cur.to_string()));
    }
    Ok(q.load(c)?)
}

/// True when an agreement in force on `day` promises funding to `community_id` for the item.
pub fn is_funded(c: &mut DbConnection, application_id: &str, community_id: &str, day: &str) -> StoreResult<bool> {
    let n: i64 = clearance_agreements::table
        .inner_join(clearance_agreement_items::table)
        .filter(clearance_agreement_items::application_id.eq(application_id))
        .filter(clearance_agreements::community_id.eq(community_id))
        .filter(clearance_agreements::valid_from.le(day.to_string()))
        .filter(clearance_agreements::valid_until.ge(day.to_string()))
        .filter(clearance_agreements::amount_cents.gt(0))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

pub fn insert_payment(c: &mut DbConnection, row: &PaymentRow) -> StoreResult<()> {
    diesel::insert_into(clearance_agreement_payments::table).values(row).execute(c)?;
    Ok(())
}

pub fn payments(c: &mut DbConnection, agreement_id: &str) -> StoreResult<Vec<PaymentRow>> {
    Ok(clearance_agreement_payments::table
        .filter(clearance_agreement_payments::agreement_id.eq(agreement_id))
        .order(clearance_agreement_payments::id.asc())
        .select(PaymentRow::as_select())
        .load(c)?)
}

/// Paid totals (cents) of these agreements; agreements without payments are absent.
pub fn paid_totals(c: &mut DbConnection, agreement_ids: &[String]) -> StoreResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = clearance_agreement_payments::table
        .filter(clearance_agreement_payments::agreement_id.eq_any(agreement_ids))
        .select((clearance_agreement_payments::agreement_id, clearance_agreement_payments::amount_cents))
        .load(c)?;
    let mut out = HashMap::new();
    for (a, n) in rows {
        *out.entry(a).or_insert(0) += n;
    }
    Ok(out)
}

/// A signboard (挂牌) hanging at a community; removal is recorded, the row stays.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = clearance_signboards)]
#[diesel(treat_none_as_null = true)]
pub struct SignboardRow {
    pub id: String,
    pub community_id: String,
    pub path: String,
    pub application_id: String,
    pub placement: String,
    pub name: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub removed_by: Option<String>,
    pub removed_at: Option<NaiveDateTime>,
}

pub fn insert_signboard(c: &mut DbConnection, row: &SignboardRow) -> StoreResult<()> {
    diesel::insert_into(clearance_signboards::table).values(row).execute(c)?;
    Ok(())
}

pub fn update_signboard(c: &mut DbConnection, row: &SignboardRow) -> StoreResult<()> {
    diesel::update(clearance_signboards::table.find(&row.id)).set(row).execute(c)?;
    Ok(())
}

pub fn get_signboard(c: &mut DbConnection, id: &str) -> StoreResult<SignboardRow> {
    clearance_signboards::table
        .find(id)
        .select(SignboardRow::as_select())
        .first(c)
        .map_err(StoreError::not_found("signboard"))
}

/// A community's signboards (removed ones too), in id order after `cursor`.
pub fn list_signboards(c: &mut DbConnection, community_id: &str, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<SignboardRow>> {
    let mut q = clearance_signboards::table
        .filter(clearance_signboards::community_id.eq(community_id))
        .select(SignboardRow::as_select())
        .order(clearance_signboards::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(cur) = cursor {
        q = q.filter(clearance_signboards::id.gt(cur.to_string()));
    }
    Ok(q.load(c)?)
}

/// Signboards hanging outside a community now.
pub fn count_outside(c: &mut DbConnection, community_id: &str) -> StoreResult<i64> {
    Ok(clearance_signboards::table
        .filter(clearance_signboards::community_id.eq(community_id))
        .filter(clearance_signboards::placement.eq(Placement::Outside.as_str()))
        .filter(clearance_signboards::removed_at.is_null())
        .count()
        .get_result(c)?)
}

/// One use of a community's seal (用印) under a catalogue item.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clearance_seal_uses)]
pub struct SealUseRow {
    pub id: String,
    pub community_id: String,
    pub path: String,
    pub application_id: String,
    pub used_on: String,
    pub purpose: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_seal_use(c: &mut DbConnection, row: &SealUseRow) -> StoreResult<()> {
    diesel::insert_into(clearance_seal_uses::table).values(row).execute(c)?;
    Ok(())
}

pub fn list_seal_uses(c: &mut DbConnection, community_id: &str, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<SealUseRow>> {
    let mut q = clearance_seal_uses::table
        .filter(clearance_seal_uses::community_id.eq(community_id))
        .select(SealUseRow::as_select())
        .order(clearance_seal_uses::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(cur) = cursor {
        q = q.filter(clearance_seal_uses::id.gt(cur.to_string()));
    }
    Ok(q.load(c)?)
}

/// Clearance settings of a district or street (e.g. Ningbo's four outside signboards).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = clearance_settings)]
pub struct SettingRow {
    pub jurisdiction_id: String,
    pub path: String,
    pub outside_signboard_limit: i32,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

/// Stores a node's settings, inserting or replacing its row.
pub fn save_setting(c: &mut DbConnection, row: &SettingRow) -> StoreResult<()> {
    let exists = clearance_settings::table.find(&row.jurisdiction_id).count().get_result::<i64>(c)? > 0;
    if exists {
        diesel::update(clearance_settings::table.find(&row.jurisdiction_id)).set(row).execute(c)?;
    } else {
        diesel::insert_into(clearance_settings::table).values(row).execute(c)?;
    }
    Ok(())
}

/// The setting nearest to a node: its own, else its closest ancestor's; `None` when none is set.
pub fn effective_setting(c: &mut DbConnection, node: &JurisdictionPath) -> StoreResult<Option<SettingRow>> {
    let ids: Vec<String> = node.ids().into_iter().map(str::to_string).collect();
    let rows: Vec<SettingRow> = clearance_settings::table
        .filter(clearance_settings::jurisdiction_id.eq_any(ids))
        .select(SettingRow::as_select())
        .load(c)?;
    Ok(rows.into_iter().max_by_key(|r| r.path.len()))
}

/// A recorded burden baseline (减负基数): how many items of a kind a jurisdiction had.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clearance_baselines)]
pub struct BaselineRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub kind: String,
    pub item_count: i32,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_baseline(c: &mut DbConnection, row: &BaselineRow) -> StoreResult<()> {
    diesel::insert_into(clearance_baselines::table).values(row).execute(c)?;
    Ok(())
}

/// Every baseline recorded for a node, oldest first (the last per kind is in force).
pub fn baselines(c: &mut DbConnection, jurisdiction_id: &str) -> StoreResult<Vec<BaselineRow>> {
    Ok(clearance_baselines::table
        .filter(clearance_baselines::jurisdiction_id.eq(jurisdiction_id))
        .order(clearance_baselines::id.asc())
        .select(BaselineRow::as_select())
        .load(c)?)
}

/// Clearance records attached to a node, for [`crate::jurisdictions::attached_data`].
pub fn attached_count(c: &mut DbConnection, id: &str) -> StoreResult<i64> {
    let mut n: i64 = clearance_applications::table.filter(clearance_applications::jurisdiction_id.eq(id)).count().get_result(c)?;
    n += clearance_assignments::table.filter(clearance_assignments::community_id.eq(id)).count().get_result::<i64>(c)?;
    n += clearance_agreements::table
        .filter(clearance_agreements::community_id.eq(id).or(clearance_agreements::principal_jurisdiction_id.eq(id)))
        .count()
        .get_result::<i64>(c)?;
    n += clearance_signboards::table.filter(clearance_signboards::community_id.eq(id)).count().get_result::<i64>(c)?;
    n += clearance_seal_uses::table.filter(clearance_seal_uses::community_id.eq(id)).count().get_result::<i64>(c)?;
    n += clearance_settings::table.filter(clearance_settings::jurisdiction_id.eq(id)).count().get_result::<i64>(c)?;
    n += clearance_baselines::table.filter(clearance_baselines::jurisdiction_id.eq(id)).count().get_result::<i64>(c)?;
    Ok(n)
}

/// True when the list is the negative list (never a burden item, never imposable).
pub fn is_negative(row: &ApplicationRow) -> bool {
    row.list == ListKind::Negative.as_str()
}
