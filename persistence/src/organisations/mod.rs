//! Social organisations (社会组织): the registry with its versions and change requests,
//! incubation bases (孵化基地), venture philanthropy (公益创投), government purchase of services
//! (政府购买服务), volunteers (志愿者) with the points ledger (积分), and certified social workers
//! (社工). Every row that belongs to a place stores its jurisdiction's `path`.

pub mod schema;

use crate::error::{StoreError, StoreResult};
use crate::schema::jurisdictions;
use crate::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use gongzhi_domain::jurisdiction::JurisdictionPath;
use schema::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
pub struct OrganisationRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub registration_status: String,
    pub credit_code: Option<String>,
    pub status: String,
    pub service_areas: String,
    pub party_branch: bool,
    pub party_branch_name: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organisation_communities, treat_none_as_null = true)]
pub struct ServedCommunityRow {
    pub id: String,
    pub organisation_id: String,
    pub jurisdiction_id: String,
    pub path: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organisation_versions, treat_none_as_null = true)]
pub struct OrganisationVersionRow {
    pub id: String,
    pub organisation_id: String,
    pub version: i32,
    pub snapshot: String,
    pub actor_id: String,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organisation_changes, treat_none_as_null = true)]
pub struct ChangeRequestRow {
    pub id: String,
    pub organisation_id: String,
    pub path: String,
    pub proposed: String,
    pub status: String,
    pub submitted_by: String,
    pub submitted_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = incubation_bases, treat_none_as_null = true)]
pub struct IncubationBaseRow {
    pub id: String,
    pub name: String,
    pub address: String,
    pub capacity: Option<i32>,
    pub jurisdiction_id: String,
    pub path: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = residencies, treat_none_as_null = true)]
pub struct ResidencyRow {
    pub id: String,
    pub base_id: String,
    pub organisation_id: String,
    pub path: String,
    pub entered_on: String,
    pub support: String,
    pub graduated_on: Option<String>,
    pub graduation_note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = venture_calls, treat_none_as_null = true)]
pub struct CallRow {
    pub id: String,
    pub title: String,
    pub eligibility: String,
    pub budget_cents: i64,
    pub awarded_cents: i64,
    pub deadline: NaiveDateTime,
    pub status: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = venture_applications, treat_none_as_null = true)]
pub struct ApplicationRow {
    pub id: String,
    pub call_id: String,
    pub organisation_id: String,
    pub path: String,
    pub title: String,
    pub summary: String,
    pub requested_cents: i64,
    pub status: String,
    pub submitted_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = venture_scores, treat_none_as_null = true)]
pub struct ScoreRow {
    pub id: String,
    pub application_id: String,
    pub reviewer_id: String,
    pub score: i32,
    pub comment: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = venture_projects, treat_none_as_null = true)]
pub struct ProjectRow {
    pub id: String,
    pub call_id: String,
    pub application_id: String,
    pub organisation_id: String,
    pub path: String,
    pub title: String,
    pub amount_cents: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = milestones, treat_none_as_null = true)]
pub struct MilestoneRow {
    pub id: String,
    pub parent_id: String,
    pub title: String,
    pub due_on: String,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = project_reports, treat_none_as_null = true)]
pub struct ReportRow {
    pub id: String,
    pub project_id: String,
    pub summary: String,
    pub submitted_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = project_beneficiaries, treat_none_as_null = true)]
pub struct BeneficiaryRow {
    pub id: String,
    pub report_id: String,
    pub project_id: String,
    pub beneficiary_group: String,
    pub people: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = service_contracts, treat_none_as_null = true)]
pub struct ContractRow {
    pub id: String,
    pub department_id: String,
    pub organisation_id: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub title: String,
    pub deliverables: String,
    pub amount_cents: i64,
    pub paid_cents: i64,
    pub starts_on: String,
    pub ends_on: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contract_payments, treat_none_as_null = true)]
pub struct PaymentRow {
    pub id: String,
    pub contract_id: String,
    pub amount_cents: i64,
    pub paid_on: String,
    pub note: Option<String>,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = volunteers, treat_none_as_null = true)]
pub struct VolunteerRow {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub organisation_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = volunteer_activities, treat_none_as_null = true)]
pub struct ActivityRow {
    pub id: String,
    pub organisation_id: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub title: String,
    pub activity_kind: String,
    pub held_on: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = volunteer_hours, treat_none_as_null = true)]
pub struct HoursRow {
    pub id: String,
    pub activity_id: String,
    pub volunteer_id: String,
    pub organisation_id: String,
    pub path: String,
    pub activity_kind: String,
    pub day: String,
    pub minutes: i32,
    pub status: String,
    pub points: Option<i64>,
    pub submitted_by: String,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = points_rules, treat_none_as_null = true)]
pub struct PointsRuleRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub activity_kind: String,
    pub basis: String,
    pub points: i32,
    pub daily_cap: Option<i32>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = points_ledger, treat_none_as_null = true)]
pub struct PointsEntryRow {
    pub id: String,
    pub volunteer_id: String,
    pub path: String,
    pub delta: i64,
    pub reason: String,
    pub hours_id: Option<String>,
    pub note: Option<String>,
    pub actor_id: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = social_workers, treat_none_as_null = true)]
pub struct SocialWorkerRow {
    pub id: String,
    pub name: String,
    pub level: String,
    pub certificate_no: String,
    pub jurisdiction_id: String,
    pub path: String,
    pub organisation_id: Option<String>,
    pub certified_on: String,
    pub created_at: NaiveDateTime,
}

/// Declares an `insert` query function for one table.
macro_rules! insert_fn {
    ($table:ident, $row:ty, $insert:ident) => {
        pub fn $insert(conn: &mut DbConnection, row: &$row) -> StoreResult<()> {
            diesel::insert_into($table::table).values(row).execute(conn)?;
            Ok(())
        }
    };
}

/// Declares `get`, `insert` and (optionally) `update` query functions for one table.
macro_rules! table_fns {
    ($table:ident, $row:ty, $what:literal, $get:ident, $insert:ident $(, $update:ident)?) => {
        pub fn $get(conn: &mut DbConnection, id: &str) -> StoreResult<$row> {
            $table::table.find(id).select(<$row>::as_select()).first(conn).map_err(StoreError::not_found($what))
        }
        insert_fn!($table, $row, $insert);
        $(pub fn $update(conn: &mut DbConnection, row: &$row) -> StoreResult<()> {
            diesel::update($table::table.find(&row.id)).set(row).execute(conn)?;
            Ok(())
        })?
    };
}

table_fns!(organisations, OrganisationRow, "organisation", get_organisation, insert_organisation, update_organisation);
table_fns!(organisation_changes, ChangeRequestRow, "change request", get_change, insert_change, update_change);
table_fns!(incubation_bases, IncubationBaseRow, "incubation base", get_base, insert_base);
table_fns!(residencies, ResidencyRow, "residency", get_residency, insert_residency, update_residency);
table_fns!(venture_calls, CallRow, "call", get_call, insert_call, update_call);
table_fns!(venture_applications, ApplicationRow, "application", get_application, insert_application, update_application);
insert_fn!(venture_scores, ScoreRow, insert_score);
table_fns!(venture_projects, ProjectRow, "project", get_project, insert_project);
table_fns!(milestones, MilestoneRow, "milestone", get_milestone, insert_milestone, update_milestone);
insert_fn!(project_reports, ReportRow, insert_report);
insert_fn!(project_beneficiaries, BeneficiaryRow, insert_beneficiary);
table_fns!(service_contracts, ContractRow, "contract", get_contract, insert_contract);
insert_fn!(contract_payments, PaymentRow, insert_payment);
table_fns!(volunteers, VolunteerRow, "volunteer", get_volunteer, insert_volunteer, update_volunteer);
table_fns!(volunteer_activities, ActivityRow, "activity", get_activity, insert_activity);
table_fns!(volunteer_hours, HoursRow, "hours", get_hours, insert_hours, update_hours);
table_fns!(points_rules, PointsRuleRow, "points rule", get_rule, insert_rule, update_rule);
insert_fn!(points_ledger, PointsEntryRow, insert_points_entry);
table_fns!(social_workers, SocialWorkerRow, "social worker", get_social_worker, insert_social_worker);

/// Paths of a node and all its ancestors (`/a/`, `/a/b/`, …): records seated there apply to it.
pub fn ancestor_paths(path: &JurisdictionPath) -> Vec<String> {
    let mut out = Vec::new();
    let mut p = JurisdictionPath::root();
    for id in path.ids() {
        p = p.child(id);
        out.push(p.as_str().to_string());
    }
    out
}

/// Who is asking for a list: a subtree, or (for `org_staff`) one organisation.
#[derive(Debug, Clone)]
pub enum Viewer {
    Within(JurisdictionPath),
    Organisation(String),
}

// ---- registry (社会组织名录) ----

#[derive(Debug, Default)]
pub struct OrganisationFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub community_id: Option<String>,
}

/// Organisations registered in the subtree or serving a community in it.
pub fn list_organisations(conn: &mut DbConnection, viewer: &Viewer, f: &OrganisationFilter, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<OrganisationRow>> {
    let mut q = organisations::table.select(OrganisationRow::as_select()).order(organisations::id.asc()).limit(limit + 1).into_boxed();
    match viewer {
        Viewer::Within(p) => {
            let serving = organisation_communities::table.filter(organisation_communities::path.like(p.like_pattern())).select(organisation_communities::organisation_id);
            q = q.filter(organisations::path.like(p.like_pattern()).or(organisations::id.eq_any(serving)));
        }
        Viewer::Organisation(id) => q = q.filter(organisations::id.eq(id.clone())),
    }
    if let Some(v) = &f.kind {
        q = q.filter(organisations::kind.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        q = q.filter(organisations::status.eq(v.clone()));
    }
    if let Some(v) = &f.community_id {
        let serving = organisation_communities::table.filter(organisation_communities::jurisdiction_id.eq(v.clone())).select(organisation_communities::organisation_id);
        q = q.filter(organisations::id.eq_any(serving));
    }
    if let Some(c) = cursor {
        q = q.filter(organisations::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn credit_code_taken(conn: &mut DbConnection, code: &str) -> StoreResult<bool> {
    let n: i64 = organisations::table.filter(organisations::credit_code.eq(code)).count().get_result(conn)?;
    Ok(n > 0)
}

pub fn served_communities(conn: &mut DbConnection, organisation_id: &str) -> StoreResult<Vec<ServedCommunityRow>> {
    Ok(organisation_communities::table
        .filter(organisation_communities::organisation_id.eq(organisation_id))
        .select(ServedCommunityRow::as_select())
        .order(organisation_communities::id.asc())
        .load(conn)?)
}

/// Replaces the current set of communities an organisation serves (earlier sets stay in the
/// organisation's versions).
pub fn set_served_communities(conn: &mut DbConnection, organisation_id: &str, rows: &[ServedCommunityRow]) -> StoreResult<()> {
    diesel::delete(organisation_communities::table.filter(organisation_communities::organisation_id.eq(organisation_id))).execute(conn)?;
    for r in rows {
        diesel::insert_into(organisation_communities::table).values(r).execute(conn)?;
    }
    Ok(())
}

pub fn insert_version(conn: &mut DbConnection, row: &OrganisationVersionRow) -> StoreResult<()> {
    diesel::insert_into(organisation_versions::table).values(row).execute(conn)?;
    Ok(())
}

pub fn versions(conn: &mut DbConnection, organisation_id: &str) -> StoreResult<Vec<OrganisationVersionRow>> {
    Ok(organisation_versions::table
        .filter(organisation_versions::organisation_id.eq(organisation_id))
        .select(OrganisationVersionRow::as_select())
        .order(organisation_versions::version.asc())
        .load(conn)?)
}

pub fn changes(conn: &mut DbConnection, organisation_id: &str) -> StoreResult<Vec<ChangeRequestRow>> {
    Ok(organisation_changes::table
        .filter(organisation_changes::organisation_id.eq(organisation_id))
        .select(ChangeRequestRow::as_select())
        .order(organisation_changes::id.asc())
        .load(conn)?)
}

/// Account ids linked to an organisation as its staff.
pub fn staff_of(conn: &mut DbConnection, organisation_id: &str) -> StoreResult<Vec<String>> {
    use crate::schema::accounts;
    Ok(accounts::table.filter(accounts::organisation_id.eq(organisation_id)).select(accounts::id).order(accounts::id.asc()).load(conn)?)
}

// ---- incubation (孵化) ----

pub fn list_bases(conn: &mut DbConnection, within: &JurisdictionPath, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<IncubationBaseRow>> {
    let mut q = incubation_bases::table
        .filter(incubation_bases::path.like(within.like_pattern()))
        .select(IncubationBaseRow::as_select())
        .order(incubation_bases::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(incubation_bases::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn residencies_of_base(conn: &mut DbConnection, base_id: &str) -> StoreResult<Vec<ResidencyRow>> {
    Ok(residencies::table.filter(residencies::base_id.eq(base_id)).select(ResidencyRow::as_select()).order(residencies::id.asc()).load(conn)?)
}

/// True when the organisation is resident in some base and has not graduated.
pub fn is_resident(conn: &mut DbConnection, organisation_id: &str) -> StoreResult<bool> {
    let n: i64 = residencies::table
        .filter(residencies::organisation_id.eq(organisation_id))
        .filter(residencies::graduated_on.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

// ---- venture philanthropy (公益创投) ----

/// Calls seated in the subtree, or (for an organisation's staff, `published_only`) calls seated
/// at the caller's node or above it that are past the draft stage.
pub fn list_calls(conn: &mut DbConnection, scope: &JurisdictionPath, published_only: bool, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<CallRow>> {
    let mut q = venture_calls::table.select(CallRow::as_select()).order(venture_calls::id.asc()).limit(limit + 1).into_boxed();
    if published_only {
        q = q.filter(venture_calls::path.eq_any(ancestor_paths(scope))).filter(venture_calls::status.ne("draft"));
    } else {
        q = q.filter(venture_calls::path.like(scope.like_pattern()));
    }
    if let Some(c) = cursor {
        q = q.filter(venture_calls::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Adds an award to the call's running total only while the total stays within the budget;
/// returns false when it would not (the row is locked by the update on PostgreSQL, so
/// concurrent awards are serialised and re-checked).
pub fn add_award(conn: &mut DbConnection, call_id: &str, amount_cents: i64, at: NaiveDateTime) -> StoreResult<bool> {
    let n = diesel::update(
        venture_calls::table
            .filter(venture_calls::id.eq(call_id))
            .filter((venture_calls::awarded_cents + amount_cents).le(venture_calls::budget_cents)),
    )
    .set((venture_calls::awarded_cents.eq(venture_calls::awarded_cents + amount_cents), venture_calls::updated_at.eq(at)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn list_applications(conn: &mut DbConnection, call_id: &str, organisation_id: Option<&str>, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ApplicationRow>> {
    let mut q = venture_applications::table
        .filter(venture_applications::call_id.eq(call_id))
        .select(ApplicationRow::as_select())
        .order(venture_applications::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(o) = organisation_id {
        q = q.filter(venture_applications::organisation_id.eq(o.to_string()));
    }
    if let Some(c) = cursor {
        q = q.filter(venture_applications::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn scores_of(conn: &mut DbConnection, application_id: &str) -> StoreResult<Vec<ScoreRow>> {
    Ok(venture_scores::table.filter(venture_scores::application_id.eq(application_id)).select(ScoreRow::as_select()).order(venture_scores::id.asc()).load(conn)?)
}

pub fn list_projects(conn: &mut DbConnection, viewer: &Viewer, call_id: Option<&str>, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ProjectRow>> {
    let mut q = venture_projects::table.select(ProjectRow::as_select()).order(venture_projects::id.asc()).limit(limit + 1).into_boxed();
    match viewer {
        Viewer::Within(p) => q = q.filter(venture_projects::path.like(p.like_pattern())),
        Viewer::Organisation(o) => q = q.filter(venture_projects::organisation_id.eq(o.clone())),
    }
    if let Some(c) = call_id {
        q = q.filter(venture_projects::call_id.eq(c.to_string()));
    }
    if let Some(c) = cursor {
        q = q.filter(venture_projects::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Milestones of a project or a contract, in creation order.
pub fn milestones_of(conn: &mut DbConnection, parent_id: &str) -> StoreResult<Vec<MilestoneRow>> {
    Ok(milestones::table.filter(milestones::parent_id.eq(parent_id)).select(MilestoneRow::as_select()).order(milestones::id.asc()).load(conn)?)
}

pub fn reports_of(conn: &mut DbConnection, project_id: &str) -> StoreResult<Vec<ReportRow>> {
    Ok(project_reports::table.filter(project_reports::project_id.eq(project_id)).select(ReportRow::as_select()).order(project_reports::id.asc()).load(conn)?)
}

pub fn beneficiaries_of(conn: &mut DbConnection, project_id: &str) -> StoreResult<Vec<BeneficiaryRow>> {
    Ok(project_beneficiaries::table
        .filter(project_beneficiaries::project_id.eq(project_id))
        .select(BeneficiaryRow::as_select())
        .order(project_beneficiaries::id.asc())
        .load(conn)?)
}

// ---- purchase of services (政府购买服务) ----

#[derive(Debug, Default)]
pub struct ContractFilter {
    pub department_id: Option<String>,
    pub organisation_id: Option<String>,
}

pub fn list_contracts(conn: &mut DbConnection, within: &JurisdictionPath, f: &ContractFilter, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ContractRow>> {
    let mut q = service_contracts::table
        .filter(service_contracts::path.like(within.like_pattern()))
        .select(ContractRow::as_select())
        .order(service_contracts::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(v) = &f.department_id {
        q = q.filter(service_contracts::department_id.eq(v.clone()));
    }
    if let Some(v) = &f.organisation_id {
        q = q.filter(service_contracts::organisation_id.eq(v.clone()));
    }
    if let Some(c) = cursor {
        q = q.filter(service_contracts::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Adds a payment to the contract's paid total only while it stays within the amount.
pub fn add_payment(conn: &mut DbConnection, contract_id: &str, amount_cents: i64) -> StoreResult<bool> {
    let n = diesel::update(
        service_contracts::table
            .filter(service_contracts::id.eq(contract_id))
            .filter((service_contracts::paid_cents + amount_cents).le(service_contracts::amount_cents)),
    )
    .set(service_contracts::paid_cents.eq(service_contracts::paid_cents + amount_cents))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn payments_of(conn: &mut DbConnection, contract_id: &str) -> StoreResult<Vec<PaymentRow>> {
    Ok(contract_payments::table.filter(contract_payments::contract_id.eq(contract_id)).select(PaymentRow::as_select()).order(contract_payments::id.asc()).load(conn)?)
}

// ---- volunteers and points (志愿者, 积分) ----

pub fn list_volunteers(conn: &mut DbConnection, viewer: &Viewer, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<VolunteerRow>> {
    let mut q = volunteers::table.select(VolunteerRow::as_select()).order(volunteers::id.asc()).limit(limit + 1).into_boxed();
    match viewer {
        Viewer::Within(p) => q = q.filter(volunteers::path.like(p.like_pattern())),
        Viewer::Organisation(o) => q = q.filter(volunteers::organisation_id.eq(o.clone())),
    }
    if let Some(c) = cursor {
        q = q.filter(volunteers::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn list_activities(conn: &mut DbConnection, viewer: &Viewer, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ActivityRow>> {
    let mut q = volunteer_activities::table.select(ActivityRow::as_select()).order(volunteer_activities::id.asc()).limit(limit + 1).into_boxed();
    match viewer {
        Viewer::Within(p) => q = q.filter(volunteer_activities::path.like(p.like_pattern())),
        Viewer::Organisation(o) => q = q.filter(volunteer_activities::organisation_id.eq(o.clone())),
    }
    if let Some(c) = cursor {
        q = q.filter(volunteer_activities::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn hours_of_activity(conn: &mut DbConnection, activity_id: &str) -> StoreResult<Vec<HoursRow>> {
    Ok(volunteer_hours::table.filter(volunteer_hours::activity_id.eq(activity_id)).select(HoursRow::as_select()).order(volunteer_hours::id.asc()).load(conn)?)
}

/// Approved hours of one volunteer for one kind of activity on one day (the unit a daily cap
/// applies to).
pub fn approved_hours_on(conn: &mut DbConnection, volunteer_id: &str, activity_kind: &str, day: &str) -> StoreResult<Vec<HoursRow>> {
    Ok(volunteer_hours::table
        .filter(volunteer_hours::volunteer_id.eq(volunteer_id))
        .filter(volunteer_hours::activity_kind.eq(activity_kind))
        .filter(volunteer_hours::day.eq(day))
        .filter(volunteer_hours::status.eq("approved"))
        .select(HoursRow::as_select())
        .load(conn)?)
}

/// Active rules for an activity kind seated at `path` or above it, deepest first.
pub fn rules_for(conn: &mut DbConnection, path: &JurisdictionPath, activity_kind: &str) -> StoreResult<Vec<PointsRuleRow>> {
    let mut rows: Vec<PointsRuleRow> = points_rules::table
        .filter(points_rules::path.eq_any(ancestor_paths(path)))
        .filter(points_rules::activity_kind.eq(activity_kind))
        .filter(points_rules::active.eq(true))
        .select(PointsRuleRow::as_select())
        .load(conn)?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.path.len()));
    Ok(rows)
}

/// Rules that apply in the caller's subtree or are seated above it.
pub fn list_rules(conn: &mut DbConnection, scope: &JurisdictionPath, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<PointsRuleRow>> {
    let mut q = points_rules::table
        .filter(points_rules::path.like(scope.like_pattern()).or(points_rules::path.eq_any(ancestor_paths(scope))))
        .select(PointsRuleRow::as_select())
        .order(points_rules::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(points_rules::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Takes the volunteer's row lock (PostgreSQL) so that balance checks and ledger appends of
/// concurrent transactions are serialised.
pub fn lock_volunteer(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(volunteers::table.find(id)).set(volunteers::updated_at.eq(at)).execute(conn)?;
    Ok(())
}

pub fn ledger_of(conn: &mut DbConnection, volunteer_id: &str) -> StoreResult<Vec<PointsEntryRow>> {
    Ok(points_ledger::table.filter(points_ledger::volunteer_id.eq(volunteer_id)).select(PointsEntryRow::as_select()).order(points_ledger::id.asc()).load(conn)?)
}

/// The points balance: the sum of the append-only ledger.
pub fn balance(conn: &mut DbConnection, volunteer_id: &str) -> StoreResult<i64> {
    let deltas: Vec<i64> = points_ledger::table.filter(points_ledger::volunteer_id.eq(volunteer_id)).select(points_ledger::delta).load(conn)?;
    Ok(deltas.into_iter().sum())
}

// ---- social workers (社工) ----

pub fn list_social_workers(conn: &mut DbConnection, within: &JurisdictionPath, level: Option<&str>, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<SocialWorkerRow>> {
    let mut q = social_workers::table
        .filter(social_workers::path.like(within.like_pattern()))
        .select(SocialWorkerRow::as_select())
        .order(social_workers::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(l) = level {
        q = q.filter(social_workers::level.eq(l.to_string()));
    }
    if let Some(c) = cursor {
        q = q.filter(social_workers::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Levels of every social worker in a subtree.
pub fn social_worker_levels(conn: &mut DbConnection, within: &JurisdictionPath) -> StoreResult<Vec<String>> {
    Ok(social_workers::table.filter(social_workers::path.like(within.like_pattern())).select(social_workers::level).load(conn)?)
}

/// Population of a node: its own figure, else the sum over the communities beneath it.
pub fn population(conn: &mut DbConnection, node: &crate::jurisdictions::JurisdictionRow) -> StoreResult<i64> {
    if let Some(p) = node.population {
        return Ok(i64::from(p));
    }
    let figures: Vec<Option<i32>> = jurisdictions::table
        .filter(jurisdictions::path.like(node.path().like_pattern()))
        .filter(jurisdictions::level.eq("community"))
        .select(jurisdictions::population)
        .load(conn)?;
    Ok(figures.into_iter().flatten().map(i64::from).sum())
}

/// Records of this area attached to a jurisdiction node, so that such a node is never moved
/// or deleted.
pub fn attached_data(conn: &mut DbConnection, id: &str) -> StoreResult<Vec<(&'static str, i64)>> {
    let counts = [
        ("organisations", organisations::table.filter(organisations::jurisdiction_id.eq(id)).count().get_result::<i64>(conn)?),
        ("served_communities", organisation_communities::table.filter(organisation_communities::jurisdiction_id.eq(id)).count().get_result(conn)?),
        ("incubation_bases", incubation_bases::table.filter(incubation_bases::jurisdiction_id.eq(id)).count().get_result(conn)?),
        ("venture_calls", venture_calls::table.filter(venture_calls::jurisdiction_id.eq(id)).count().get_result(conn)?),
        ("service_contracts", service_contracts::table.filter(service_contracts::jurisdiction_id.eq(id)).count().get_result(conn)?),
        ("volunteers", volunteers::table.filter(volunteers::jurisdiction_id.eq(id)).count().get_result(conn)?),
        ("volunteer_activities", volunteer_activities::table.filter(volunteer_activities::jurisdiction_id.eq(id)).count().get_result(conn)?),
        ("points_rules", points_rules::table.filter(points_rules::jurisdiction_id.eq(id)).count().get_result(conn)?),
        ("social_workers", social_workers::table.filter(social_workers::jurisdiction_id.eq(id)).count().get_result(conn)?),
    ];
    Ok(counts.into_iter().filter(|(_, n)| *n > 0).collect())
}
