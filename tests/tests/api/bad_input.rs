//! Bad input on every JSON endpoint of the foundation: malformed, mistyped, unknown or missing
//! fields, oversized bodies and wrong media types all get a 4xx problem, and nothing is written.

use gongzhi_tests::TestApp;
use serde_json::{json, Value};

const TABLES: [&str; 5] = ["jurisdictions", "departments", "accounts", "refresh_tokens", "audit_log"];

struct Case {
    method: &'static str,
    path: String,
    login: Option<&'static str>,
    /// A body that would be accepted; mutations of it must not be.
    valid: Value,
    /// Whether `{}` lacks required fields.
    has_required: bool,
}

fn cases(app: &TestApp) -> Vec<Case> {
    let street = app.street("三厂街道");
    let node = app.grid("东洲社区/第二网格");
    let dept = app.department("CGJ");
    let case = |method, path: String, login, valid, has_required| Case { method, path, login, valid, has_required };
    vec![
        case("POST", "/api/v1/auth/login".into(), None, json!({"login": "admin", "password": "whatever-pass"}), true),
        case("POST", "/api/v1/auth/refresh".into(), None, json!({"refresh_token": "x"}), true),
        case("POST", "/api/v1/auth/logout".into(), None, json!({"refresh_token": "x"}), true),
        case("POST", "/api/v1/auth/register".into(), None, json!({"phone": "13700137000", "password": "plum-blossom-77", "display_name": "x", "jurisdiction_id": node}), true),
        case("POST", "/api/v1/me/password".into(), Some("staff.dongzhou"), json!({"current_password": "a", "new_password": "lotus-river-88"}), true),
        case("POST", "/api/v1/jurisdictions".into(), Some("civil.affairs"), json!({"parent_id": street, "level": "community", "name": "x"}), true),
        case("PATCH", format!("/api/v1/jurisdictions/{node}"), Some("civil.affairs"), json!({"name": "x"}), false),
        case("POST", "/api/v1/departments".into(), Some("civil.affairs"), json!({"jurisdiction_id": street, "name": "x", "code": "XX"}), true),
        case("PATCH", format!("/api/v1/departments/{dept}"), Some("civil.affairs"), json!({"name": "x"}), false),
        case("POST", "/api/v1/accounts".into(), Some("admin"), json!({"login": "abc", "display_name": "x", "password": "initial-pass-1", "role": "resident", "jurisdiction_id": node}), true),
        case("PATCH", format!("/api/v1/accounts/{}", app.city.district), Some("admin"), json!({"display_name": "x"}), false),
        case("POST", "/api/v1/service-accounts".into(), Some("admin"), json!({"display_name": "x", "department_id": dept}), true),
    ]
}

/// Replaces the first string field's value with a number.
fn mistyped(valid: &Value) -> Value {
    let mut v = valid.clone();
    let key = v.as_object().unwrap().iter().find(|(_, x)| x.is_string()).map(|(k, _)| k.clone()).unwrap();
    v[&key] = json!(12345);
    v
}

#[test]
fn bad_bodies_get_problems_and_write_nothing() {
    let app = TestApp::start();
    let tokens: std::collections::HashMap<&str, String> = ["staff.dongzhou", "civil.affairs", "admin"].into_iter().map(|l| (l, app.login(l))).collect();
    let before: Vec<i64> = TABLES.iter().map(|t| app.count(t)).collect();
    for c in cases(&app) {
        let token = c.login.map(|l| tokens[l].as_str());
        let send = |ct: &str, body: &[u8]| app.send(c.method, &c.path, token, Some(ct), Some(body), &[]);
        let label = format!("{} {}", c.method, c.path);

        let r = send("application/json", b"{not json");
        assert_eq!((r.status, r.body["code"].as_str()), (400, Some("malformed_json")), "{label} malformed: {}", r.text);
        assert_eq!(r.header("content-type"), Some("application/problem+json"), "{label}");

        let r = send("application/json", mistyped(&c.valid).to_string().as_bytes());
        assert_eq!((r.status, r.body["code"].as_str()), (422, Some("invalid_body")), "{label} mistyped: {}", r.text);
        assert!(!r.body["errors"][0]["field"].as_str().unwrap().is_empty(), "{label}: the field is named");

        let mut unknown = c.valid.clone();
        unknown["surprise"] = json!(1);
        let r = send("application/json", unknown.to_string().as_bytes());
        assert_eq!((r.status, r.body["code"].as_str()), (422, Some("invalid_body")), "{label} unknown field: {}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "surprise", "{label}");
        assert_eq!(r.body["errors"][0]["code"], "unknown_field", "{label}");

        if c.has_required {
            let r = send("application/json", b"{}");
            assert_eq!((r.status, r.body["errors"][0]["code"].as_str()), (422, Some("required")), "{label} missing: {}", r.text);
        }

        let r = send("application/json", b"[1, 2]");
        assert_eq!(r.status, 422, "{label} array body: {}", r.text);

        let mut huge = c.valid.clone();
        huge["padding"] = json!("x".repeat(70 * 1024));
        let r = send("application/json", huge.to_string().as_bytes());
        assert_eq!((r.status, r.body["code"].as_str()), (413, Some("payload_too_large")), "{label} oversized: {}", r.text);

        let r = send("text/plain", c.valid.to_string().as_bytes());
        assert_eq!((r.status, r.body["code"].as_str()), (415, Some("unsupported_media_type")), "{label} media type: {}", r.text);
    }
    let after: Vec<i64> = TABLES.iter().map(|t| app.count(t)).collect();
    // Only the three logins above wrote (their refresh tokens and audit rows), before counting.
    assert_eq!(before, after, "no refused request may write a row ({TABLES:?})");
}

#[test]
fn bad_forms_and_queries() {
    let app = TestApp::start();
    let r = app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(b"client_id=a"), &[]);
    assert_eq!((r.status, r.body["code"].as_str()), (400, Some("invalid_body")), "{}", r.text);
    let big = format!("grant_type=client_credentials&client_id={}", "a".repeat(70 * 1024));
    let r = app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(big.as_bytes()), &[]);
    assert_eq!(r.status, 413, "{}", r.text);
    let admin = app.login("admin");
    app.get("/api/v1/audit-log?from=yesterday", Some(&admin)).problem(400, "invalid_query");
}
