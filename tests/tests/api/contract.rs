//! The published contract: the served OpenAPI document equals the committed one, every
//! operation documents its errors and security, and Swagger UI works offline.

use gongzhi_tests::TestApp;
use serde_json::Value;

const REGENERATE: &str = "cargo run -p gongzhi-api --bin gongzhi -- openapi --out openapi/openapi.json";

/// Operations callable without a token.
fn is_public(path: &str) -> bool {
    path.starts_with("/api/v1/public/")
        || path.starts_with("/open311/")
        || ["/healthz", "/readyz", "/api/v1/openapi.json"].contains(&path)
        || ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/token", "/api/v1/auth/register"].contains(&path)
}

#[test]
fn served_spec_matches_the_committed_contract() {
    let app = TestApp::start();
    let served = app.get("/api/v1/openapi.json", None).expect(200).body;
    let committed: Value = serde_json::from_str(include_str!("../../../openapi/openapi.json")).expect("openapi/openapi.json is JSON");
    assert!(served == committed, "the API changed but openapi/openapi.json did not: regenerate it with `{REGENERATE}`");
}

#[test]
fn every_operation_documents_errors_and_security() {
    let spec: Value = serde_json::to_value(gongzhi_api::openapi()).unwrap();
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            let label = format!("{method} {path}");
            assert!(op["description"].is_string() || op["summary"].is_string(), "{label}: no description");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{label}: no tag");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|k| k.starts_with('2')), "{label}: no success response");
            let errors: Vec<&String> = responses.keys().filter(|k| k.starts_with('4') || k.starts_with('5')).collect();
            if !["/healthz", "/api/v1/openapi.json"].contains(&path.as_str()) {
                assert!(!errors.is_empty(), "{label}: no error responses");
            }
            for code in errors {
                let content = &responses[code]["content"];
                assert!(content["application/problem+json"].is_object() || content["application/xml"].is_object(), "{label} {code}: not problem+json");
            }
            if is_public(path) {
                continue;
            }
            assert!(op["security"].as_array().is_some_and(|s| !s.is_empty()), "{label}: no security requirement");
            assert!(responses.contains_key("401"), "{label}: 401 not documented");
        }
    }
    assert!(count >= 25, "only {count} operations");
}

#[test]
fn swagger_ui_is_served_without_internet() {
    let app = TestApp::start();
    let r = app.get("/docs/", None).expect(200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("swagger-ui"));
    app.get("/docs/swagger-ui.css", None).expect(200);
    app.get("/docs/swagger-ui-bundle.js", None).expect(200);
    let init = app.get("/docs/swagger-initializer.js", None).expect(200);
    assert!(init.text.contains("/api/v1/openapi.json"), "{}", init.text);
}
