//! Government purchase of services (政府购买服务): contracts between a department and an
//! organisation with deliverables, milestones and append-only payments, visible to the two
//! parties, civil affairs and auditors in scope.

use super::{complete_milestone, milestone_row, own_organisation, MilestoneView, NewMilestone, ReadRefusals, WriteRefusals};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::ApiResult;
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::error::{optional_text, Validator};
use gongzhi_domain::organisation::{check_payment, OrganisationStatus};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::organisations::{self as orgs, ContractFilter, ContractRow, PaymentRow};
use gongzhi_persistence::{departments, new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(list).service(get_one).service(pay).service(complete);
}

/// Roles that read contracts (each only its own or in its subtree).
const CONTRACT_READERS: &[Role] = &[Role::CivilAffairsAdmin, Role::DepartmentStaff, Role::OrgStaff, Role::Auditor, Role::SystemAdmin];

/// A purchase-of-services contract (购买服务合同).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractView {
    pub id: String,
    /// The purchasing department.
    pub department_id: String,
    /// The providing organisation.
    pub organisation_id: String,
    /// Where the services are delivered.
    pub jurisdiction_id: String,
    pub title: String,
    pub deliverables: String,
    pub amount_cents: i64,
    pub paid_cents: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub milestones: Vec<MilestoneView>,
    pub payments: Vec<PaymentView>,
    pub created_at: DateTime<Utc>,
}

/// One payment (拨付) under a contract; payments are never changed or deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: String,
    pub amount_cents: i64,
    pub paid_on: NaiveDate,
    pub note: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

fn contract_view(c: &mut DbConnection, r: ContractRow) -> StoreResult<ContractView> {
    let milestones = orgs::milestones_of(c, &r.id)?.into_iter().map(Into::into).collect();
    let payments = orgs::payments_of(c, &r.id)?
        .into_iter()
        .map(|p| PaymentView { paid_on: super::stored_day(&p.paid_on), id: p.id, amount_cents: p.amount_cents, note: p.note, recorded_by: p.recorded_by, created_at: ts(p.created_at) })
        .collect();
    Ok(ContractView {
        starts_on: super::stored_day(&r.starts_on),
        ends_on: super::stored_day(&r.ends_on),
        id: r.id,
        department_id: r.department_id,
        organisation_id: r.organisation_id,
        jurisdiction_id: r.jurisdiction_id,
        title: r.title,
        deliverables: r.deliverables,
        amount_cents: r.amount_cents,
        paid_cents: r.paid_cents,
        milestones,
        payments,
        created_at: ts(r.created_at),
    })
}

page_type!(ContractPage, ContractView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContract {
    /// Required for civil_affairs_admin; department_staff contract for their own department.
    pub department_id: Option<String>,
    pub organisation_id: String,
    /// Where the services are delivered, in the caller's subtree.
    pub jurisdiction_id: String,
    pub title: String,
    pub deliverables: String,
    pub amount_cents: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub milestones: Vec<NewMilestone>,
}

/// Sign a purchase contract (department_staff for its department, civil_affairs_admin).
#[utoipa::path(tag = "purchased-services", security(("bearer" = [])), request_body = NewContract,
    responses((status = 201, description = "Created", body = ContractView), WriteRefusals))]
#[post("/service-contracts")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<NewContract>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::DepartmentStaff, Role::CivilAffairsAdmin])?;
    let b = body.into_inner();
    let department_id = match (caller.scope.is(Role::DepartmentStaff), &b.department_id) {
        (true, _) => caller.scope.department_id.clone().ok_or_else(|| DomainError::Forbidden("this account acts for no department".into()))?,
        (false, Some(d)) => d.clone(),
        (false, None) => return Err(DomainError::field("department_id", "required", "name the purchasing department").into()),
    };
    let now = state.clock.now();
    let mut v = Validator::new();
    let title = v.text("title", &b.title, 128);
    let deliverables = v.text("deliverables", &b.deliverables, 4000);
    if b.amount_cents <= 0 {
        v.push("amount_cents", "must_be_positive", "a contract amount is more than zero");
    }
    if b.ends_on < b.starts_on {
        v.push("ends_on", "before_start", "a contract ends on or after its start");
    }
    let milestones: Vec<_> = b.milestones.iter().enumerate().filter_map(|(i, m)| v.check(milestone_row("", m, &format!("milestones[{i}].title"), now))).collect();
    v.finish()?;
    let row = state
        .write(move |c| {
            let dept = departments::get(c, &department_id).map_err(|_| DomainError::field("department_id", "unknown", "no such department"))?;
            if !departments::is_visible(&dept, &caller.scope.path) {
                return Err(DomainError::field("department_id", "unknown", "no such department").into());
            }
            let org = super::visible_organisation(c, &caller, &b.organisation_id).map_err(|_| DomainError::field("organisation_id", "unknown", "no such organisation in your scope"))?;
            OrganisationStatus::parse(&org.status)?.check_active()?;
            let node = super::node_in_scope(c, &caller, "jurisdiction_id", &b.jurisdiction_id, None)?;
            let row = ContractRow {
                id: new_id(),
                department_id: dept.id,
                organisation_id: org.id,
                jurisdiction_id: node.id,
                path: node.path,
                title: title.unwrap_or_default(),
                deliverables: deliverables.unwrap_or_default(),
                amount_cents: b.amount_cents,
                paid_cents: 0,
                starts_on: b.starts_on.to_string(),
                ends_on: b.ends_on.to_string(),
                created_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
            };
            orgs::insert_contract(c, &row)?;
            for mut m in milestones {
                m.parent_id = row.id.clone();
                orgs::insert_milestone(c, &m)?;
            }
            audit(c, &caller, now, "service_contract.create", ("service_contract", &row.id), &row.path, serde_json::json!({"department_id": row.department_id, "organisation_id": row.organisation_id, "amount_cents": row.amount_cents}))?;
            contract_view(c, row)
        })
        .await?;
    Ok(HttpResponse::Created().json(row))
}

/// The filter that limits a caller to the contracts it may see.
fn party_filter(caller: &Caller) -> ApiResult<ContractFilter> {
    Ok(match caller.scope.role {
        Role::OrgStaff => ContractFilter { organisation_id: Some(own_organisation(caller)?), ..Default::default() },
        Role::DepartmentStaff => ContractFilter {
            department_id: Some(caller.scope.department_id.clone().ok_or_else(|| DomainError::Forbidden("this account acts for no department".into()))?),
            ..Default::default()
        },
        _ => ContractFilter::default(),
    })
}

/// Contracts the caller may see: its own department's or organisation's; all in scope for
/// civil affairs and auditors.
#[utoipa::path(tag = "purchased-services", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "A page of contracts", body = ContractPage), ReadRefusals))]
#[get("/service-contracts")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>) -> ApiResult<web::Json<ContractPage>> {
    caller.require(CONTRACT_READERS)?;
    let (limit, cursor) = page.parse()?;
    let f = party_filter(&caller)?;
    let within = if caller.scope.is(Role::OrgStaff) { gongzhi_domain::jurisdiction::JurisdictionPath::root() } else { caller.scope.path.clone() };
    let rows = state
        .read(move |c| {
            let rows = orgs::list_contracts(c, &within, &f, cursor.as_deref(), limit)?;
            rows.into_iter().map(|r| Ok((r.id.clone(), contract_view(c, r)?))).collect::<StoreResult<Vec<_>>>()
        })
        .await?;
    Ok(web::Json(ContractPage::from_rows(rows, limit, |(id, _)| id.clone(), |(_, v)| v)))
}

fn visible_contract(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<ContractRow> {
    let row = orgs::get_contract(c, id)?;
    let ok = match caller.scope.role {
        Role::OrgStaff => caller.scope.organisation_id.as_deref() == Some(row.organisation_id.as_str()),
        Role::DepartmentStaff => caller.scope.department_id.as_deref() == Some(row.department_id.as_str()),
        _ => caller.scope.covers(&row.path),
    };
    if ok {
        Ok(row)
    } else {
        Err(DomainError::NotFound("contract").into())
    }
}

/// One contract with milestones and payments.
#[utoipa::path(tag = "purchased-services", security(("bearer" = [])), params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The contract", body = ContractView), ReadRefusals))]
#[get("/service-contracts/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<ContractView>> {
    caller.require(CONTRACT_READERS)?;
    let v = state
        .read(move |c| {
            let row = visible_contract(c, &caller, &id)?;
            contract_view(c, row)
        })
        .await?;
    Ok(web::Json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    pub amount_cents: i64,
    pub paid_on: NaiveDate,
    pub note: Option<String>,
}

/// Record a payment (拨付; the purchasing department's staff or civil_affairs_admin). Payments
/// never exceed the contract amount (422 `payment_exceeds_contract`).
#[utoipa::path(tag = "purchased-services", security(("bearer" = [])), params(("id" = String, Path, description = "Contract id")), request_body = NewPayment,
    responses((status = 201, description = "Recorded", body = ContractView), WriteRefusals))]
#[post("/service-contracts/{id}/payments")]
pub async fn pay(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<NewPayment>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::DepartmentStaff, Role::CivilAffairsAdmin])?;
    let b = body.into_inner();
    let note = optional_text("note", b.note.as_deref(), 500)?;
    let now = state.clock.now();
    let v = state
        .write(move |c| {
            let row = visible_contract(c, &caller, &id)?;
            check_payment(row.amount_cents, row.paid_cents, b.amount_cents)?;
            if !orgs::add_payment(c, &row.id, b.amount_cents)? {
                return Err(DomainError::rule("payment_exceeds_contract", "this payment would exceed the contract amount").into());
            }
            let p = PaymentRow { id: new_id(), contract_id: row.id.clone(), amount_cents: b.amount_cents, paid_on: b.paid_on.to_string(), note, recorded_by: caller.scope.account_id.clone(), created_at: to_db(now) };
            orgs::insert_payment(c, &p)?;
            audit(c, &caller, now, "service_contract.payment", ("service_contract", &row.id), &row.path, serde_json::json!({"payment_id": p.id, "amount_cents": p.amount_cents}))?;
            let row = orgs::get_contract(c, &row.id)?;
            contract_view(c, row)
        })
        .await?;
    Ok(HttpResponse::Created().json(v))
}

/// Report a contract milestone delivered (the organisation's staff or the department's).
#[utoipa::path(tag = "purchased-services", security(("bearer" = [])),
    params(("id" = String, Path, description = "Contract id"), ("milestone_id" = String, Path, description = "Milestone id")),
    responses((status = 200, description = "Completed", body = ContractView), WriteRefusals))]
#[post("/service-contracts/{id}/milestones/{milestone_id}/complete")]
pub async fn complete(state: web::Data<AppState>, caller: Caller, path: web::Path<(String, String)>) -> ApiResult<web::Json<ContractView>> {
    caller.require(&[Role::OrgStaff, Role::DepartmentStaff])?;
    let (id, milestone_id) = path.into_inner();
    let now = state.clock.now();
    let v = state
        .write(move |c| {
            let row = visible_contract(c, &caller, &id)?;
            complete_milestone(c, &row.id, &milestone_id, now)?;
            audit(c, &caller, now, "service_contract.milestone_complete", ("service_contract", &row.id), &row.path, serde_json::json!({"milestone_id": milestone_id}))?;
            contract_view(c, row)
        })
        .await?;
    Ok(web::Json(v))
}
