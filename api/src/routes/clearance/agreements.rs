//! Entrustment agreements (委托协议书, 费随事转): a department or a street entrusts assistance
//! items to a community (or its residents' council) with funding; payments are appended, never
//! changed; promised and paid totals are visible to the community and auditors.

use super::{community_field, day_str, own_department, stored, stored_day, today};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::clearance::{check_amount, check_validity, AdmissionStatus, Counterparty};
use gongzhi_domain::error::{optional_text, Validator};
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_domain::ledger::EntryKind;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::clearance::{self, AgreementFilter, AgreementRow, PaymentRow};
use gongzhi_persistence::ledgers;
use gongzhi_persistence::{departments, new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Roles that read agreements (a department its own; the others those in their subtree).
const READERS: &[Role] = &[Role::DepartmentStaff, Role::StreetAdmin, Role::CommunityStaff, Role::CivilAffairsAdmin, Role::Auditor, Role::SystemAdmin];
/// Roles that sign agreements and record payments: a department, or the street itself.
const PRINCIPALS: &[Role] = &[Role::DepartmentStaff, Role::StreetAdmin];

/// A new entrustment agreement (委托协议书).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgreement {
    pub community_id: String,
    /// The community committee or its residents' council.
    pub counterparty: Counterparty,
    pub title: String,
    /// Admitted catalogue items the agreement funds (the department's own, for a department).
    pub item_ids: Vec<String>,
    /// Promised funding in cents (分), above zero.
    pub amount_cents: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// A payment made under an agreement (拨付).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePayment {
    pub amount_cents: i64,
    pub paid_on: NaiveDate,
    /// E.g. the voucher number (凭证号).
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: String,
    pub amount_cents: i64,
    pub paid_on: NaiveDate,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<PaymentRow> for PaymentView {
    fn from(p: PaymentRow) -> Self {
        PaymentView { paid_on: stored_day(&p.paid_on), id: p.id, amount_cents: p.amount_cents, note: p.note, recorded_by: p.recorded_by, recorded_at: ts(p.recorded_at) }
    }
}

/// An agreement with its items and what was promised and paid.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: String,
    /// The entrusting department; absent when the street entrusts.
    pub principal_department_id: Option<String>,
    /// The department's seat, or the entrusting street.
    pub principal_jurisdiction_id: String,
    pub community_id: String,
    pub counterparty: Counterparty,
    pub title: String,
    pub item_ids: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// In force today.
    pub in_force: bool,
    /// Promised funding (应拨), cents.
    pub promised_cents: i64,
    /// Sum of payments (已拨), cents.
    pub paid_cents: i64,
    /// Promised minus paid (未拨); negative when overpaid.
    pub outstanding_cents: i64,
    pub payments: Vec<PaymentView>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

page_type!(AgreementPage, AgreementView);

fn view(c: &mut DbConnection, a: AgreementRow, day: NaiveDate) -> StoreResult<AgreementView> {
    let item_ids = clearance::agreement_items(c, &a.id)?;
    let payments = clearance::payments(c, &a.id)?;
    let paid_cents: i64 = payments.iter().map(|p| p.amount_cents).sum();
    let valid_from = stored_day(&a.valid_from);
    let valid_until = stored_day(&a.valid_until);
    Ok(AgreementView {
        counterparty: stored(Counterparty::parse(&a.counterparty)),
        in_force: valid_from <= day && day <= valid_until,
        promised_cents: a.amount_cents,
        paid_cents,
        outstanding_cents: a.amount_cents - paid_cents,
        payments: payments.into_iter().map(Into::into).collect(),
        item_ids,
        valid_from,
        valid_until,
        id: a.id,
        principal_department_id: a.principal_department_id,
        principal_jurisdiction_id: a.principal_jurisdiction_id,
        community_id: a.community_id,
        title: a.title,
        created_by: a.created_by,
        created_at: ts(a.created_at),
    })
}

/// Who entrusts: the caller's department (with its seat) or the caller's street.
fn principal(c: &mut DbConnection, caller: &Caller) -> StoreResult<(Option<String>, String)> {
    if caller.scope.is(Role::DepartmentStaff) {
        let d = departments::get(c, &own_department(caller)?)?;
        return Ok((Some(d.id), d.jurisdiction_id));
    }
    let street = caller.scope.jurisdiction_id.clone().ok_or_else(|| DomainError::Forbidden("this account has no street".into()))?;
    Ok((None, street))
}

/// True when the caller is the agreement's entrusting party: its department, or the street that signed.
pub(crate) fn is_principal(caller: &Caller, a: &AgreementRow) -> bool {
    match caller.scope.role {
        Role::DepartmentStaff => a.principal_department_id.is_some() && caller.scope.department_id == a.principal_department_id,
        Role::StreetAdmin => a.principal_department_id.is_none() && caller.scope.jurisdiction_id.as_deref() == Some(a.principal_jurisdiction_id.as_str()),
        _ => false,
    }
}

fn load_visible(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<AgreementRow> {
    let a = clearance::get_agreement(c, id)?;
    let visible = match caller.scope.role {
        Role::DepartmentStaff => is_principal(caller, &a),
        _ => caller.scope.covers(&a.path),
    };
    if visible {
        Ok(a)
    } else {
        Err(DomainError::NotFound("agreement").into())
    }
}

/// Sign an entrustment agreement (签订委托协议书): a department for its own admitted items, or a
/// street admin for its street, with a community in scope.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    request_body = CreateAgreement,
    responses(
        (status = 201, description = "Recorded", body = AgreementView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only departments and streets entrust", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown community, or an item that is not admitted for it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/agreements")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateAgreement>) -> ApiResult<HttpResponse> {
    caller.require(PRINCIPALS)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let title = v.text("title", &b.title, 200);
    v.check(check_amount(b.amount_cents));
    v.check(check_validity(b.valid_from, b.valid_until));
    if b.item_ids.is_empty() || b.item_ids.len() > 100 {
        v.push("item_ids", "invalid_length", "name 1–100 catalogue items");
    }
    v.finish()?;
    let title = title.unwrap_or_default();
    let now = state.clock.now();
    let day = today(&state);
    let view = state
        .write(move |c| {
            let community = community_field(c, &caller, &b.community_id, "community_id")?;
            let (department_id, principal_jurisdiction_id) = principal(c, &caller)?;
            let mut item_ids = Vec::new();
            for (i, id) in b.item_ids.iter().enumerate() {
                let field = format!("item_ids[{i}]");
                let item = clearance::find_application(c, id)?
                    .filter(|a| department_id.is_none() || department_id.as_deref() == Some(a.department_id.as_str()))
                    .ok_or_else(|| DomainError::field(field.clone(), "unknown", "no such catalogue item of yours"))?;
                let admitted = item.status == AdmissionStatus::Approved.as_str() && stored_day(&item.valid_until) >= day;
                if !admitted {
                    return Err(DomainError::field(field, "not_admitted", "the item is not an admitted catalogue item still in force").into());
                }
                if !JurisdictionPath::from_stored(item.path.clone()).contains(&community.path) {
                    return Err(DomainError::field(field, "out_of_jurisdiction", "the item does not apply to this community").into());
                }
                if !item_ids.contains(&item.id) {
                    item_ids.push(item.id);
                }
            }
            let row = AgreementRow {
                id: new_id(),
                principal_department_id: department_id,
                principal_jurisdiction_id,
                community_id: community.id,
                path: community.path,
                counterparty: b.counterparty.as_str().into(),
                title,
                amount_cents: b.amount_cents,
                valid_from: day_str(b.valid_from),
                valid_until: day_str(b.valid_until),
                created_by: caller.scope.account_id.clone(),
                created_at: to_db(now),
            };
            clearance::insert_agreement(c, &row, &item_ids)?;
            audit(c, &caller, now, "clearance.agreement.create", ("clearance_agreement", &row.id), &row.path, serde_json::json!({"amount_cents": row.amount_cents, "item_ids": item_ids}))?;
            view(c, row, day)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    pub community_id: Option<String>,
    /// Only this department's (not for department staff, who see their own).
    pub department_id: Option<String>,
}

/// Agreements: a department's own; those with communities in the caller's subtree for the
/// others (委托协议书列表).
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(PageParams, AgreementQuery),
    responses(
        (status = 200, description = "A page of agreements with totals", body = AgreementPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read agreements", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/agreements")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, q: web::Query<AgreementQuery>) -> ApiResult<web::Json<AgreementPage>> {
    caller.require(READERS)?;
    let (limit, cursor) = page.parse()?;
    let q = q.into_inner();
    let principal_department_id = if caller.scope.is(Role::DepartmentStaff) { Some(own_department(&caller)?) } else { q.department_id };
    let filter = AgreementFilter { community_id: q.community_id, principal_department_id };
    let within = caller.scope.path.clone();
    let day = today(&state);
    let (items, next) = state
        .read(move |c| {
            let rows = clearance::list_agreements(c, &within, &filter, cursor.as_deref(), limit)?;
            let page = gongzhi_persistence::Page::from_rows(rows, limit, |r| r.id.clone());
            let items = page.items.into_iter().map(|a| view(c, a, day)).collect::<StoreResult<Vec<_>>>()?;
            Ok((items, page.next))
        })
        .await?;
    Ok(web::Json(AgreementPage { items, next_cursor: next.as_deref().map(crate::common::encode_cursor) }))
}

/// One agreement with its payments and promised / paid totals.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Agreement id")),
    responses(
        (status = 200, description = "The agreement", body = AgreementView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read agreements", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clearance/agreements/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<AgreementView>> {
    caller.require(READERS)?;
    let day = today(&state);
    let v = state
        .read(move |c| {
            let a = load_visible(c, &caller, &id)?;
            view(c, a, day)
        })
        .await?;
    Ok(web::Json(v))
}

/// Record a payment under an agreement (拨付记录, append-only): the entrusting department or street.
/// Appends an `agreement_funded` entry (经费拨付) to the community ledger in the same transaction.
#[utoipa::path(
    tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Agreement id")),
    request_body = CreatePayment,
    responses(
        (status = 201, description = "Recorded; the agreement with new totals", body = AgreementView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the entrusting department or street pays", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Concurrent ledger append (`ledger_busy`); retry", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clearance/agreements/{id}/payments")]
pub async fn add_payment(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<CreatePayment>) -> ApiResult<HttpResponse> {
    caller.require(PRINCIPALS)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    v.check(check_amount(b.amount_cents));
    let note = v.check(optional_text("note", b.note.as_deref(), 500)).flatten();
    v.finish()?;
    let now = state.clock.now();
    let day = today(&state);
    let view = state
        .write(move |c| {
            let a = load_visible(c, &caller, &id)?;
            if !is_principal(&caller, &a) {
                return Err(DomainError::Forbidden("only the entrusting department or street records payments".into()).into());
            }
            let p = PaymentRow {
                id: new_id(),
                agreement_id: a.id.clone(),
                amount_cents: b.amount_cents,
                paid_on: day_str(b.paid_on),
                note,
                recorded_by: caller.scope.account_id.clone(),
                recorded_at: to_db(now),
            };
            clearance::insert_payment(c, &p)?;
            audit(c, &caller, now, "clearance.agreement.payment", ("clearance_agreement", &a.id), &a.path, serde_json::json!({"payment_id": p.id, "amount_cents": p.amount_cents}))?;
            let payload = serde_json::json!({"agreement_id": a.id, "payment_id": p.id, "amount_cents": p.amount_cents, "paid_on": p.paid_on});
            ledgers::record(c, &a.path, EntryKind::AgreementFunded, ("agreement_payment", &p.id), payload, now)?;
            view(c, a, day)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
