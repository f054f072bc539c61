//! Authentication endpoints: login, refresh, logout, client credentials, resident registration,
//! and the caller's own account (`/me`).

use crate::auth::caller::AnyCaller;
use crate::auth::password;
use crate::common::{audit, record};
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::accounts::AccountView;
use crate::json::Json;
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, TimeDelta, Utc};
use gongzhi_domain::account::{check_password, Phone};
use gongzhi_domain::error::Validator;
use gongzhi_domain::jurisdiction::Level;
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::accounts::{self, AccountRow, KIND_PERSON, KIND_SERVICE};
use gongzhi_persistence::tokens::{self, RefreshTokenRow};
use gongzhi_persistence::{jurisdictions, new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Login name, or a resident's mobile number.
    pub login: String,
    pub password: String,
}

/// Tokens issued at login and refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single-use refresh token; every refresh returns a new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// True when the initial password must be changed before anything else.
    pub must_change_password: bool,
    pub account: AccountView,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    pub refresh_token: String,
}

/// OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for departments' systems.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClientCredentials {
    /// Must be `client_credentials`.
    pub grant_type: String,
    /// The service account's client id (or use HTTP Basic authentication).
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// Resident self-registration (居民注册).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// Mainland mobile number; becomes the login.
    pub phone: String,
    pub password: String,
    pub display_name: String,
    /// The community (or one of its grids) the resident lives in.
    pub jurisdiction_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordBody {
    pub current_password: String,
    pub new_password: String,
}

pub(crate) fn client_address(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Issues an access token for `account`, and a refresh token in `family` when given.
fn issue(
    state: &AppState,
    conn: &mut DbConnection,
    account: &AccountRow,
    now: DateTime<Utc>,
    family: Option<String>,
) -> StoreResult<TokenPair> {
    use crate::auth::jwt::Claims;
    let ttl = state.config.access_ttl.as_secs() as i64;
    let claims = Claims {
        sub: account.id.clone(),
        iss: state.jwt.issuer.clone(),
        aud: state.jwt.audience.clone(),
        exp: now.timestamp() + ttl,
        iat: now.timestamp(),
        jti: new_id(),
        role: account.role.clone(),
        jur: account.jurisdiction_id.clone(),
        path: account.path.clone(),
        dept: account.department_id.clone(),
        org: account.organisation_id.clone(),
        svc: account.kind == KIND_SERVICE,
        mcp: account.must_change_password,
    };
    let refresh_token = match family {
        None => None,
        Some(family_id) => {
            let token = password::random_secret(32);
            tokens::insert(
                conn,
                &RefreshTokenRow {
                    id: new_id(),
                    account_id: account.id.clone(),
                    family_id,
                    token_hash: hash_token(&token),
                    issued_at: to_db(now),
                    expires_at: to_db(now + TimeDelta::seconds(state.config.refresh_ttl.as_secs() as i64)),
                    revoked_at: None,
                    revoke_reason: None,
                },
            )?;
            Some(token)
        }
    };
    Ok(TokenPair {
        access_token: state.jwt.sign(&claims),
        token_type: "Bearer".into(),
        expires_in: ttl,
        refresh_token,
        must_change_password: account.must_change_password,
        account: AccountView::from(account.clone()),
    })
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "the login or password is wrong, or the account is disabled")
}

fn invalid_client() -> ApiError {
    ApiError::unauthorized("invalid_client", "unknown client or wrong secret")
}

/// How a caller proves who it is.
#[derive(Clone, Copy)]
enum Grant {
    /// A person: login and password; a refresh token is issued.
    Password,
    /// A service account: client id and secret; no refresh token.
    ClientCredentials,
}

/// The active account of `kind` whose login and secret these are, or `None` (blocking: argon2;
/// the same effort whether or not the login exists, so logins cannot be enumerated by timing).
pub(crate) fn verify_secret(db: &gongzhi_persistence::Db, login_name: &str, secret: &str, kind: &str) -> StoreResult<Option<AccountRow>> {
    let found = db.read(|c| accounts::find_by_login(c, login_name))?;
    let Some(account) = found.filter(|a| a.kind == kind) else {
        password::verify_dummy(secret);
        return Ok(None);
    };
    Ok((password::verify(secret, &account.secret_hash) && account.is_active()).then_some(account))
}

/// Verifies credentials (constant effort whether or not the login exists) and issues tokens.
async fn exchange(state: web::Data<AppState>, req: &HttpRequest, login_name: String, secret: String, grant: Grant) -> ApiResult<TokenPair> {
    let (kind, refused, action) = match grant {
        Grant::Password => (KIND_PERSON, invalid_credentials as fn() -> ApiError, "auth.login"),
        Grant::ClientCredentials => (KIND_SERVICE, invalid_client as fn() -> ApiError, "auth.token"),
    };
    let request_id = crate::routes::request_id(req);
    if login_name.contains('\0') || secret.contains('\0') {
        return Err(refused());
    }
    web::block(move || -> Result<TokenPair, ApiError> {
        let account = verify_secret(&state.db, &login_name, &secret, kind)?.ok_or_else(refused)?;
        let now = state.clock.now();
        let family = matches!(grant, Grant::Password).then(new_id);
        Ok(state.db.write(|c| {
            accounts::touch_login(c, &account.id, to_db(now))?;
            record(c, None, &request_id, now, action, "account", Some(&account.id), &account.path, serde_json::json!({}))?;
            issue(&state, c, &account, now, family)
        })?)
    })
    .await?
}

/// Log in with login and password (登录).
#[utoipa::path(
    tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Tokens", body = TokenPair),
        (status = 401, description = "Wrong login or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(state: web::Data<AppState>, req: HttpRequest, body: Json<LoginBody>) -> ApiResult<web::Json<TokenPair>> {
    let body = body.into_inner();
    let login = body.login.trim().to_lowercase();
    let login = Phone::parse("login", &login).map(|p| p.as_str().to_string()).unwrap_or(login);
    state.limiter.check_login(&client_address(&req), Some(&login)).map_err(ApiError::too_many)?;
    let pair = exchange(state, &req, login, body.password, Grant::Password).await?;
    Ok(web::Json(pair))
}

/// Exchange a refresh token for new tokens (rotation; a reused token revokes its whole family).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshBody,
    responses(
        (status = 200, description = "New tokens", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: Json<RefreshBody>) -> ApiResult<web::Json<TokenPair>> {
    let hash = hash_token(body.refresh_token.trim());
    let st = state.clone();
    let now = state.clock.now();
    let outcome = state
        .write(move |c| {
            let invalid = |m: &str| DomainError::Forbidden(m.to_string());
            let Some(row) = tokens::find_by_hash(c, &hash)? else { return Ok(Err(invalid("unknown"))) };
            if row.revoked_at.is_some() {
                // Reuse of a rotated token: someone else holds the family. Revoke it all.
                tokens::revoke_family(c, &row.family_id, to_db(now), "reuse_detected")?;
                return Ok(Err(invalid("reused")));
            }
            if row.expires_at <= to_db(now) {
                return Ok(Err(invalid("expired")));
            }
            let account = accounts::get(c, &row.account_id)?;
            if !account.is_active() {
                tokens::revoke_family(c, &row.family_id, to_db(now), "account_disabled")?;
                return Ok(Err(invalid("disabled")));
            }
            tokens::revoke(c, &row.id, to_db(now), "rotated")?;
            issue(&st, c, &account, now, Some(row.family_id)).map(Ok)
        })
        .await?;
    // Revocations above must commit even though the request fails, so the refusal is returned
    // after the transaction rather than as its error.
    outcome.map(web::Json).map_err(|_| ApiError::unauthorized("invalid_refresh_token", "the refresh token is unknown, expired or revoked; log in again"))
}

/// Log out: revoke the refresh token's whole family (this device's session).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshBody,
    responses(
        (status = 204, description = "Logged out (also when the token was already revoked)"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, req: HttpRequest, body: Json<RefreshBody>) -> ApiResult<HttpResponse> {
    let hash = hash_token(body.refresh_token.trim());
    let now = state.clock.now();
    let request_id = crate::routes::request_id(&req);
    state
        .write(move |c| {
            if let Some(row) = tokens::find_by_hash(c, &hash)? {
                if tokens::revoke_family(c, &row.family_id, to_db(now), "logout")? > 0 {
                    let account = accounts::get(c, &row.account_id)?;
                    record(c, None, &request_id, now, "auth.logout", "account", Some(&account.id), &account.path, serde_json::json!({}))?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    use base64::Engine;
    let h = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, value) = h.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok()?;
    let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Token for a service account (a department's system): OAuth 2.0 client credentials.
/// The form body carries `grant_type=client_credentials` and the client id and secret, or they
/// come as HTTP Basic authentication. No refresh token is issued.
#[utoipa::path(
    tag = "auth",
    request_body(content = ClientCredentials, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Access token", body = TokenPair),
        (status = 400, description = "Unsupported grant type or missing credentials", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown client or wrong secret", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn client_token(state: web::Data<AppState>, req: HttpRequest, form: web::Form<ClientCredentials>) -> ApiResult<web::Json<TokenPair>> {
    let form = form.into_inner();
    if form.grant_type != "client_credentials" {
        return Err(ApiError::bad_request("unsupported_grant_type", "only grant_type=client_credentials is supported here"));
    }
    let (client_id, secret) = match (form.client_id, form.client_secret) {
        (Some(i), Some(s)) => (i, s),
        _ => basic_credentials(&req).ok_or_else(|| ApiError::bad_request("invalid_request", "client_id and client_secret are required"))?,
    };
    state.limiter.check_login(&client_address(&req), Some(&client_id)).map_err(ApiError::too_many)?;
    let pair = exchange(state, &req, client_id, secret, Grant::ClientCredentials).await?;
    Ok(web::Json(pair))
}

/// Resident self-registration (居民注册) into a community or one of its grids.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterBody,
    responses(
        (status = 201, description = "Registered; log in next", body = AccountView),
        (status = 409, description = "Phone number already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
pub async fn register(state: web::Data<AppState>, req: HttpRequest, body: Json<RegisterBody>) -> ApiResult<HttpResponse> {
    state.limiter.check_login(&client_address(&req), None).map_err(ApiError::too_many)?;
    let body = body.into_inner();
    let mut v = Validator::new();
    let phone = v.check(Phone::parse("phone", &body.phone));
    let name = v.text("display_name", &body.display_name, 64);
    v.check(check_password("password", &body.password, phone.as_ref().map(|p| p.as_str())));
    v.finish()?;
    let (phone, name) = (phone.expect("validated"), name.expect("validated"));
    let secret_hash = web::block(move || password::hash(&body.password)).await?;
    let now = state.clock.now();
    let request_id = crate::routes::request_id(&req);
    let jurisdiction_id = body.jurisdiction_id;
    let row = state
        .write(move |c| {
            let node = jurisdictions::get(c, &jurisdiction_id)
                .map_err(|_| DomainError::field("jurisdiction_id", "unknown", "no such community or grid"))?;
            if !matches!(node.level(), Level::Community | Level::Grid | Level::MicroGrid) {
                return Err(DomainError::field("jurisdiction_id", "invalid_level", "residents register into a community, grid or micro-grid").into());
            }
            if accounts::login_taken(c, phone.as_str())? {
                return Err(DomainError::conflict("phone_taken", "this phone number is already registered").into());
            }
            let row = AccountRow {
                phone: Some(phone.as_str().into()),
                jurisdiction_id: Some(node.id.clone()),
                path: node.path.clone(),
                ..AccountRow::new(KIND_PERSON, phone.as_str().into(), name, secret_hash, Role::Resident, to_db(now))
            };
            accounts::insert(c, &row)?;
            record(c, None, &request_id, now, "account.register", "account", Some(&row.id), &row.path, serde_json::json!({"role": "resident"}))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(AccountView::from(row)))
}

/// The caller's own account.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = AccountView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: AnyCaller) -> ApiResult<web::Json<AccountView>> {
    let id = caller.0.scope.account_id.clone();
    let row = state.read(move |c| accounts::get(c, &id)).await?;
    Ok(web::Json(AccountView::from(row)))
}

/// Change the caller's own password; other sessions are logged out.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePasswordBody,
    responses(
        (status = 204, description = "Changed; log in again"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Current password wrong, or a service account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "New password refused", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/password")]
pub async fn change_password(state: web::Data<AppState>, req: HttpRequest, caller: AnyCaller, body: Json<ChangePasswordBody>) -> ApiResult<HttpResponse> {
    let caller = caller.0;
    // Guessing the current password here is as limited as guessing it at login.
    state.limiter.check_login(&client_address(&req), Some(&caller.scope.account_id)).map_err(ApiError::too_many)?;
    let body = body.into_inner();
    let id = caller.scope.account_id.clone();
    let account = state.read(move |c| accounts::get(c, &id)).await?;
    if account.kind != KIND_PERSON {
        return Err(ApiError::forbidden("forbidden", "service accounts rotate their secret through /service-accounts"));
    }
    check_password("new_password", &body.new_password, Some(&account.login))?;
    if body.new_password == body.current_password {
        return Err(DomainError::field("new_password", "unchanged", "the new password must differ from the current one").into());
    }
    let (current, stored, new) = (body.current_password, account.secret_hash.clone(), body.new_password);
    let new_hash = web::block(move || password::verify(&current, &stored).then(|| password::hash(&new))).await?;
    let new_hash = new_hash.ok_or_else(|| ApiError::forbidden("wrong_password", "the current password is wrong"))?;
    let now = state.clock.now();
    state
        .write(move |c| {
            let mut row = accounts::get(c, &caller.scope.account_id)?;
            row.secret_hash = new_hash;
            row.must_change_password = false;
            row.updated_at = to_db(now);
            accounts::update(c, &row)?;
            tokens::revoke_account(c, &row.id, to_db(now), "password_changed")?;
            audit(c, &caller, now, "account.password_changed", ("account", &row.id), &row.path, serde_json::json!({}))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
