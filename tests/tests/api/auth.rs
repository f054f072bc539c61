//! Authentication: login, token validation, refresh rotation, logout, rate limits, service
//! accounts, registration, forced password change.

use base64::Engine;
use gongzhi_tests::{TestApp, PASSWORD};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const SECRET: &str = gongzhi_api::config::DEV_JWT_SECRET;

fn claims(app: &TestApp, login: &str) -> Value {
    let t = app.login(login);
    let payload = t.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(alg: Algorithm, claims: &Value) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

#[test]
fn login_and_me() {
    let app = TestApp::start();
    let full = app.login_full("staff.dongzhou");
    assert_eq!(full["token_type"], "Bearer");
    assert_eq!(full["expires_in"], 900);
    assert!(full["refresh_token"].as_str().unwrap().len() >= 40);
    let t = full["access_token"].as_str().unwrap();
    let r = app.get("/api/v1/me", Some(t)).expect(200);
    assert_eq!(r.body["role"], "community_staff");
    assert_eq!(r.body["jurisdiction_id"], app.community("东洲社区"));
    assert!(r.body.get("secret_hash").is_none());
    app.post("/api/v1/auth/login", None, &json!({"login": "staff.dongzhou", "password": "wrong-password-1"})).problem(401, "invalid_credentials");
    app.post("/api/v1/auth/login", None, &json!({"login": "nobody", "password": PASSWORD})).problem(401, "invalid_credentials");
    // Residents log in with their phone number, in any usual spelling.
    app.post("/api/v1/auth/login", None, &json!({"login": "+86 138 0013 8000", "password": PASSWORD})).expect(200);
    let r = app.get("/api/v1/me", None).problem(401, "missing_token");
    assert!(r.header("www-authenticate").is_some());
    app.send("GET", "/api/v1/me", None, None, None, &[("Authorization", "Basic abc")]).problem(401, "invalid_token");
}

#[test]
fn expired_tokens_are_refused() {
    let app = TestApp::start();
    let t = app.login("staff.dongzhou");
    app.clock.advance(chrono::TimeDelta::seconds(900 + 29));
    app.get("/api/v1/me", Some(&t)).expect(200); // within the 30 s leeway
    app.clock.advance(chrono::TimeDelta::seconds(2));
    app.get("/api/v1/me", Some(&t)).problem(401, "token_expired");
}

#[test]
fn forged_tokens_are_refused() {
    let app = TestApp::start();
    let good = claims(&app, "staff.dongzhou");
    // The genuine claims re-signed with the same key are accepted: the cases below fail for
    // their one difference only.
    app.get("/api/v1/me", Some(&sign(Algorithm::HS256, &good))).expect(200);

    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("another-api");
    app.get("/api/v1/me", Some(&sign(Algorithm::HS256, &wrong_aud))).problem(401, "invalid_token");

    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("someone-else");
    app.get("/api/v1/me", Some(&sign(Algorithm::HS256, &wrong_iss))).problem(401, "invalid_token");

    let mut no_exp = good.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    app.get("/api/v1/me", Some(&sign(Algorithm::HS256, &no_exp))).problem(401, "invalid_token");

    let mut no_sub = good.clone();
    no_sub.as_object_mut().unwrap().remove("sub");
    app.get("/api/v1/me", Some(&sign(Algorithm::HS256, &no_sub))).problem(401, "invalid_token");

    // Another algorithm with the same secret, and the unsigned "none" algorithm.
    app.get("/api/v1/me", Some(&sign(Algorithm::HS512, &good))).problem(401, "invalid_token");
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&good));
    app.get("/api/v1/me", Some(&none)).problem(401, "invalid_token");

    // Tampered payload: escalate the role but keep the signature.
    let t = app.login("staff.dongzhou");
    let parts: Vec<&str> = t.split('.').collect();
    let mut escalated = good.clone();
    escalated["role"] = json!("system_admin");
    escalated["path"] = json!("/");
    let forged = format!("{}.{}.{}", parts[0], b64(&escalated), parts[2]);
    app.get("/api/v1/me", Some(&forged)).problem(401, "invalid_token");

    // Signed with another key.
    let other = encode(&Header::new(Algorithm::HS256), &good, &EncodingKey::from_secret(b"another-secret-of-enough-length-000")).unwrap();
    app.get("/api/v1/me", Some(&other)).problem(401, "invalid_token");
}

#[test]
fn refresh_rotates_and_detects_reuse() {
    let app = TestApp::start();
    let first = app.login_full("staff.dongzhou");
    let r1 = first["refresh_token"].as_str().unwrap();
    let second = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": r1})).expect(200).body;
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    app.get("/api/v1/me", Some(second["access_token"].as_str().unwrap())).expect(200);
    // The old token was rotated: presenting it again is reuse, which revokes the family.
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": r1})).problem(401, "invalid_refresh_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": r2})).problem(401, "invalid_refresh_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": "not-a-token"})).problem(401, "invalid_refresh_token");
    // Refresh tokens expire.
    let third = app.login_full("staff.dongzhou");
    app.clock.advance(chrono::TimeDelta::days(31));
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": third["refresh_token"]})).problem(401, "invalid_refresh_token");
    // Stored hashed: the raw token appears nowhere in the table.
    let raw = third["refresh_token"].as_str().unwrap();
    let n: i64 = app
        .db
        .read(|c| {
            use diesel::prelude::*;
            use gongzhi_persistence::schema::refresh_tokens::dsl::*;
            Ok(refresh_tokens.filter(token_hash.eq(raw)).count().get_result(c)?)
        })
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn logout_revokes_the_session() {
    let app = TestApp::start();
    let a = app.login_full("staff.dongzhou");
    let b = app.login_full("staff.dongzhou");
    app.post("/api/v1/auth/logout", None, &json!({"refresh_token": a["refresh_token"]})).expect(204);
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": a["refresh_token"]})).problem(401, "invalid_refresh_token");
    // Another device's session is untouched.
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": b["refresh_token"]})).expect(200);
    // Logging out twice is harmless.
    app.post("/api/v1/auth/logout", None, &json!({"refresh_token": a["refresh_token"]})).expect(204);
}

#[test]
fn login_attempts_are_rate_limited_per_account() {
    let app = TestApp::start();
    for _ in 0..10 {
        app.post("/api/v1/auth/login", None, &json!({"login": "staff.xiushan", "password": "wrong-password-1"})).problem(401, "invalid_credentials");
    }
    let r = app.post("/api/v1/auth/login", None, &json!({"login": "staff.xiushan", "password": PASSWORD})).problem(429, "rate_limited");
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    // Other accounts are not affected.
    app.login("staff.dongzhou");
}

#[test]
fn login_attempts_are_rate_limited_per_address() {
    let app = TestApp::start_with(|c| c.login_per_address = 3);
    for login in ["a1", "a2", "a3"] {
        app.post("/api/v1/auth/login", None, &json!({"login": login, "password": "wrong-password-1"})).problem(401, "invalid_credentials");
    }
    app.post("/api/v1/auth/login", None, &json!({"login": "staff.dongzhou", "password": PASSWORD})).problem(429, "rate_limited");
}

#[test]
fn service_accounts_use_client_credentials() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let created = app
        .post("/api/v1/service-accounts", Some(&admin), &json!({"display_name": "城管局 案件系统", "department_id": app.department("CGJ")}))
        .expect(201)
        .body;
    let (id, secret) = (created["client_id"].as_str().unwrap(), created["client_secret"].as_str().unwrap());
    let form = |i: &str, s: &str| format!("grant_type=client_credentials&client_id={i}&client_secret={s}");
    let r = app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(form(id, secret).as_bytes()), &[]).expect(200);
    assert!(r.body.get("refresh_token").is_none());
    let token = r.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", Some(token)).expect(200);
    assert_eq!(me.body["role"], "department_staff");
    assert_eq!(me.body["kind"], "service");
    assert_eq!(me.body["department_id"], app.department("CGJ"));
    // HTTP Basic works too.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(b"grant_type=client_credentials"), &[("Authorization", &format!("Basic {basic}"))])
        .expect(200);
    app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(form(id, "wrong").as_bytes()), &[]).problem(401, "invalid_client");
    app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(b"grant_type=password&username=a&password=b"), &[])
        .problem(400, "unsupported_grant_type");
    // A service account cannot log in as a person, nor a person through client credentials.
    app.post("/api/v1/auth/login", None, &json!({"login": id, "password": secret})).problem(401, "invalid_credentials");
    app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(form("admin", PASSWORD).as_bytes()), &[]).problem(401, "invalid_client");
    // Rotation invalidates the old secret at once.
    let acct = created["account"]["id"].as_str().unwrap();
    let rotated = app.post(&format!("/api/v1/service-accounts/{acct}/secret"), Some(&admin), &json!({})).expect(200).body;
    app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(form(id, secret).as_bytes()), &[]).problem(401, "invalid_client");
    app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(form(id, rotated["client_secret"].as_str().unwrap()).as_bytes()), &[])
        .expect(200);
    // Only system_admin creates them.
    let ca = app.login("civil.affairs");
    app.post("/api/v1/service-accounts", Some(&ca), &json!({"display_name": "x", "department_id": app.department("CGJ")})).problem(403, "forbidden");
}

#[test]
fn residents_register_into_a_community() {
    let app = TestApp::start();
    let community = app.community("秀山社区");
    let body = json!({"phone": "13700137000", "password": "plum-blossom-77", "display_name": "居民 新", "jurisdiction_id": community});
    let r = app.post("/api/v1/auth/register", None, &body).expect(201);
    assert_eq!(r.body["role"], "resident");
    assert_eq!(r.body["jurisdiction_id"], community);
    app.post("/api/v1/auth/login", None, &json!({"login": "13700137000", "password": "plum-blossom-77"})).expect(200);
    let accounts = app.count("accounts");
    app.post("/api/v1/auth/register", None, &body).problem(409, "phone_taken");
    let bad = app
        .post("/api/v1/auth/register", None, &json!({"phone": "12345", "password": "short", "display_name": "", "jurisdiction_id": community}))
        .problem(422, "validation_failed");
    let fields: Vec<&str> = bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["phone", "display_name", "password"]);
    // Only into a community or below.
    app.post("/api/v1/auth/register", None, &json!({"phone": "13700137001", "password": "plum-blossom-77", "display_name": "x", "jurisdiction_id": app.street("海门街道")}))
        .problem(422, "validation_failed");
    assert_eq!(app.count("accounts"), accounts);
}

#[test]
fn initial_passwords_must_be_changed() {
    let app = TestApp::start();
    let admin = app.login("admin");
    app.post(
        "/api/v1/accounts",
        Some(&admin),
        &json!({"login": "new.staff", "display_name": "新 社工", "password": "initial-pass-1", "role": "community_staff", "jurisdiction_id": app.community("东洲社区")}),
    )
    .expect(201);
    let r = app.post("/api/v1/auth/login", None, &json!({"login": "new.staff", "password": "initial-pass-1"})).expect(200);
    assert_eq!(r.body["must_change_password"], true);
    let t = r.body["access_token"].as_str().unwrap();
    app.get("/api/v1/jurisdictions", Some(t)).problem(403, "password_change_required");
    app.get("/api/v1/me", Some(t)).expect(200);
    app.post("/api/v1/me/password", Some(t), &json!({"current_password": "wrong-one-123", "new_password": "lotus-river-88"})).problem(403, "wrong_password");
    app.post("/api/v1/me/password", Some(t), &json!({"current_password": "initial-pass-1", "new_password": "short"})).problem(422, "validation_failed");
    app.post("/api/v1/me/password", Some(t), &json!({"current_password": "initial-pass-1", "new_password": "lotus-river-88"})).expect(204);
    let r = app.post("/api/v1/auth/login", None, &json!({"login": "new.staff", "password": "lotus-river-88"})).expect(200);
    assert_eq!(r.body["must_change_password"], false);
    app.get("/api/v1/jurisdictions", Some(r.body["access_token"].as_str().unwrap())).expect(200);
}
