//! Accounts (账号) of people, managed by `system_admin` within its subtree, and service accounts
//! (服务账号) for departments' systems.

use crate::auth::{password, Caller};
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::page_type;
use crate::json::Json;
use crate::state::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use gongzhi_domain::account::{check_password, parse_login, Phone};
use gongzhi_domain::authz::ACCOUNT_ADMINS;
use gongzhi_domain::error::Validator;
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::accounts::{self, AccountRow, KIND_PERSON, KIND_SERVICE, STATUS_ACTIVE, STATUS_DISABLED};
use gongzhi_persistence::{departments, jurisdictions, to_db, tokens, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An account as shown to its owner and to administrators.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    /// `person` or `service`.
    pub kind: String,
    pub login: String,
    pub display_name: String,
    /// Masked (`138****8000`) except for the owner and administrators.
    pub phone: Option<String>,
    pub role: Role,
    /// Scope node; absent for a platform-wide `system_admin`.
    pub jurisdiction_id: Option<String>,
    pub department_id: Option<String>,
    pub organisation_id: Option<String>,
    /// `active` or `disabled`.
    pub status: String,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<AccountRow> for AccountView {
    fn from(r: AccountRow) -> Self {
        AccountView {
            role: Role::parse(&r.role).expect("stored role is valid"),
            id: r.id,
            kind: r.kind,
            login: r.login,
            display_name: r.display_name,
            phone: r.phone,
            jurisdiction_id: r.jurisdiction_id,
            department_id: r.department_id,
            organisation_id: r.organisation_id,
            status: r.status,
            must_change_password: r.must_change_password,
            created_at: ts(r.created_at),
            last_login_at: r.last_login_at.map(ts),
        }
    }
}

page_type!(AccountPage, AccountView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    /// 3–64 letters, digits, `.`, `_`, `-`; or a mobile number.
    pub login: String,
    pub display_name: String,
    pub phone: Option<String>,
    /// Initial password; the holder must change it at first login.
    pub password: String,
    pub role: Role,
    /// Scope node. For `department_staff` it defaults to the department's seat.
    pub jurisdiction_id: Option<String>,
    /// Required for `department_staff`.
    pub department_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    pub display_name: Option<String>,
    pub phone: Option<String>,
    /// `active` or `disabled`. Disabling also revokes all refresh tokens.
    pub status: Option<String>,
    /// Sets a new initial password that must be changed at next login.
    pub reset_password: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountFilter {
    pub role: Option<String>,
    /// `person` or `service`.
    pub kind: Option<String>,
    pub status: Option<String>,
    pub jurisdiction_id: Option<String>,
    pub department_id: Option<String>,
}

/// Resolves and checks the scope node of a new account: (node id, path).
fn resolve_scope(
    c: &mut DbConnection,
    caller: &Caller,
    role: Role,
    jurisdiction_id: Option<&str>,
    department_id: Option<&str>,
) -> StoreResult<(Option<String>, String)> {
    let dept = match department_id {
        Some(d) => {
            let d = departments::get(c, d).map_err(|_| DomainError::field("department_id", "unknown", "no such department"))?;
            if !caller.scope.covers(&d.path) {
                return Err(DomainError::field("department_id", "unknown", "no such department").into());
            }
            Some(d)
        }
        None if role == Role::DepartmentStaff => {
            return Err(DomainError::field("department_id", "required", "department_staff accounts belong to a department").into())
        }
        None => None,
    };
    if dept.is_some() && role != Role::DepartmentStaff {
        return Err(DomainError::field("department_id", "not_allowed", "only department_staff accounts belong to a department").into());
    }
    let node_id = jurisdiction_id.map(str::to_string).or_else(|| dept.as_ref().map(|d| d.jurisdiction_id.clone()));
    let Some(node_id) = node_id else {
        role.check_scope(None)?;
        if caller.scope.path != JurisdictionPath::root() {
            return Err(DomainError::field("jurisdiction_id", "required", "only a platform-wide administrator creates platform-wide accounts").into());
        }
        return Ok((None, JurisdictionPath::root().as_str().to_string()));
    };
    let node = jurisdictions::get_within(c, &node_id, &caller.scope.path)
        .map_err(|_| DomainError::field("jurisdiction_id", "unknown", "no such jurisdiction in your scope"))?;
    role.check_scope(Some(node.level()))?;
    if let Some(d) = &dept {
        if d.jurisdiction_id != node.id {
            return Err(DomainError::field("jurisdiction_id", "mismatch", "a department_staff account is scoped to its department's seat").into());
        }
    }
    Ok((Some(node.id), node.path))
}

/// Create an account (system_admin, within its subtree).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = CreateAccount,
    responses(
        (status = 201, description = "Created", body = AccountView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a system_admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Login taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateAccount>) -> ApiResult<HttpResponse> {
    caller.require(ACCOUNT_ADMINS)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let login = v.check(parse_login("login", &b.login));
    let name = v.text("display_name", &b.display_name, 64);
    let phone = v.check(b.phone.as_deref().map(|p| Phone::parse("phone", p)).transpose());
    v.check(check_password("password", &b.password, login.as_deref()));
    v.finish()?;
    let (login, name) = (login.expect("validated"), name.expect("validated"));
    let secret_hash = web::block(move || password::hash(&b.password)).await?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let (jurisdiction_id, path) = resolve_scope(c, &caller, b.role, b.jurisdiction_id.as_deref(), b.department_id.as_deref())?;
            if accounts::login_taken(c, &login)? {
                return Err(DomainError::conflict("login_taken", "this login is already in use").into());
            }
            let row = AccountRow {
                phone: phone.flatten().map(|p| p.as_str().to_string()),
                jurisdiction_id,
                path,
                department_id: b.department_id,
                must_change_password: true,
                ..AccountRow::new(KIND_PERSON, login, name, secret_hash, b.role, to_db(now))
            };
            accounts::insert(c, &row)?;
            audit(c, &caller, now, "account.create", ("account", &row.id), &row.path, serde_json::json!({"role": row.role, "login": row.login}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(AccountView::from(row)))
}

/// List accounts in the caller's subtree (system_admin).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(PageParams, AccountFilter),
    responses(
        (status = 200, description = "A page of accounts", body = AccountPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a system_admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>, f: web::Query<AccountFilter>) -> ApiResult<web::Json<AccountPage>> {
    caller.require(ACCOUNT_ADMINS)?;
    let (limit, cursor) = page.parse()?;
    let f = f.into_inner();
    let filter = accounts::Filter { role: f.role, kind: f.kind, status: f.status, jurisdiction_id: f.jurisdiction_id, department_id: f.department_id };
    let path = caller.scope.path.clone();
    let rows = state.read(move |c| accounts::list(c, &path, &filter, cursor.as_deref(), limit)).await?;
    Ok(web::Json(AccountPage::from_rows(rows, limit, |r| r.id.clone(), AccountView::from)))
}

fn load_in_scope(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<AccountRow> {
    let row = accounts::get(c, id)?;
    caller.scope.check_covers(&row.path, "account")?;
    Ok(row)
}

/// One account (system_admin, within its subtree).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account", body = AccountView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a system_admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<AccountView>> {
    caller.require(ACCOUNT_ADMINS)?;
    let row = state.read(move |c| load_in_scope(c, &caller, &id)).await?;
    Ok(web::Json(AccountView::from(row)))
}

/// Update an account: name, phone, status (disable/enable), password reset. Accounts are never
/// deleted; disabling keeps their history.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")),
    request_body = UpdateAccount,
    responses(
        (status = 200, description = "Updated", body = AccountView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a system_admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account in scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would disable the caller's own account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/accounts/{id}")]
pub async fn update(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<UpdateAccount>) -> ApiResult<web::Json<AccountView>> {
    caller.require(ACCOUNT_ADMINS)?;
    let b = body.into_inner();
    let mut v = Validator::new();
    let name = b.display_name.as_deref().and_then(|n| v.text("display_name", n, 64));
    let phone = v.check(b.phone.as_deref().map(|p| Phone::parse("phone", p)).transpose());
    let status = v.check(match b.status.as_deref() {
        None => Ok(None),
        Some(s @ (STATUS_ACTIVE | STATUS_DISABLED)) => Ok(Some(s.to_string())),
        Some(_) => Err(DomainError::field("status", "invalid_value", "status is active or disabled")),
    });
    if let Some(p) = &b.reset_password {
        v.check(check_password("reset_password", p, None));
    }
    v.finish()?;
    let (name, phone, status) = (name, phone.flatten(), status.flatten());
    let new_hash = match b.reset_password {
        Some(p) => Some(web::block(move || password::hash(&p)).await?),
        None => None,
    };
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = load_in_scope(c, &caller, &id)?;
            let mut changed = Vec::new();
            if let Some(n) = name {
                row.display_name = n;
                changed.push("display_name");
            }
            if let Some(p) = phone {
                row.phone = Some(p.as_str().into());
                changed.push("phone");
            }
            if let Some(s) = status {
                if row.id == caller.scope.account_id && s == STATUS_DISABLED {
                    return Err(DomainError::conflict("cannot_disable_self", "an administrator cannot disable their own account").into());
                }
                if s == STATUS_DISABLED {
                    tokens::revoke_account(c, &row.id, to_db(now), "account_disabled")?;
                }
                row.status = s;
                changed.push("status");
            }
            if let Some(h) = new_hash {
                if row.kind != KIND_PERSON {
                    return Err(DomainError::field("reset_password", "not_allowed", "service accounts rotate their secret instead").into());
                }
                row.secret_hash = h;
                row.must_change_password = true;
                tokens::revoke_account(c, &row.id, to_db(now), "password_reset")?;
                changed.push("password");
            }
            row.updated_at = to_db(now);
            accounts::update(c, &row)?;
            audit(c, &caller, now, "account.update", ("account", &row.id), &row.path, serde_json::json!({"changed": changed, "status": row.status}))?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(AccountView::from(row)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateServiceAccount {
    /// What system this is, e.g. "城管局 case system".
    pub display_name: String,
    /// The department the system acts for (as `department_staff`).
    pub department_id: String,
}

/// A service account's credentials; the secret is shown only here, once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceCredentials {
    pub account: AccountView,
    pub client_id: String,
    pub client_secret: String,
}

/// Create a service account for a department's system (system_admin). Returns the client
/// secret once; it is stored hashed.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = CreateServiceAccount,
    responses(
        (status = 201, description = "Created; keep the secret", body = ServiceCredentials),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a system_admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-accounts")]
pub async fn create_service(state: web::Data<AppState>, caller: Caller, body: Json<CreateServiceAccount>) -> ApiResult<HttpResponse> {
    caller.require(ACCOUNT_ADMINS)?;
    let b = body.into_inner();
    let name = gongzhi_domain::error::text("display_name", &b.display_name, 64)?;
    let secret = password::random_secret(32);
    let client_id = format!("svc-{}", uuid::Uuid::now_v7().simple());
    let hash = {
        let s = secret.clone();
        web::block(move || password::hash(&s)).await?
    };
    let now = state.clock.now();
    let cid = client_id.clone();
    let row = state
        .write(move |c| {
            let (jurisdiction_id, path) = resolve_scope(c, &caller, Role::DepartmentStaff, None, Some(&b.department_id))?;
            let row = AccountRow {
                jurisdiction_id,
                path,
                department_id: Some(b.department_id),
                ..AccountRow::new(KIND_SERVICE, cid, name, hash, Role::DepartmentStaff, to_db(now))
            };
            accounts::insert(c, &row)?;
            audit(c, &caller, now, "service_account.create", ("account", &row.id), &row.path, serde_json::json!({"department_id": row.department_id}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(ServiceCredentials { account: AccountView::from(row), client_id, client_secret: secret }))
}

/// Rotate a service account's secret (system_admin); the old secret stops working at once.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Service account id")),
    responses(
        (status = 200, description = "New credentials", body = ServiceCredentials),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a system_admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service account in scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-accounts/{id}/secret")]
pub async fn rotate_secret(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<ServiceCredentials>> {
    caller.require(ACCOUNT_ADMINS)?;
    let secret = password::random_secret(32);
    let hash = {
        let s = secret.clone();
        web::block(move || password::hash(&s)).await?
    };
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let mut row = load_in_scope(c, &caller, &id)?;
            if row.kind != KIND_SERVICE {
                return Err(DomainError::NotFound("service account").into());
            }
            row.secret_hash = hash;
            row.updated_at = to_db(now);
            accounts::update(c, &row)?;
            audit(c, &caller, now, "service_account.rotate_secret", ("account", &row.id), &row.path, serde_json::json!({}))?;
            Ok(row)
        })
        .await?;
    let client_id = row.login.clone();
    Ok(web::Json(ServiceCredentials { account: AccountView::from(row), client_id, client_secret: secret }))
}

