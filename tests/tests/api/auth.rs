//! Authentication: login, token validation, refresh rotation, logout, service accounts.

use gongzhi_tests::{TestApp, PASSWORD};
use serde_json::json;

#[test]
fn login_and_me() {
    let app = TestApp::start();
    let t = app.login("staff.dongzhou");
    let r = app.get("/api/v1/me", Some(&t)).expect(200);
    assert_eq!(r.body["role"], "community_staff");
    assert_eq!(r.body["jurisdiction_id"], app.community("东洲社区"));
    app.post("/api/v1/auth/login", None, &json!({"login": "staff.dongzhou", "password": "wrong-password-1"})).problem(401, "invalid_credentials");
    app.post("/api/v1/auth/login", None, &json!({"login": "nobody", "password": PASSWORD})).problem(401, "invalid_credentials");
    app.get("/api/v1/me", None).problem(401, "missing_token");
}
