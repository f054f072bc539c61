//! Auditor exports (审计导出): content, scope, and one `export.read` audit row per read.

use gongzhi_tests::TestApp;
use serde_json::{json, Value};

fn rows(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    app.get(&format!("{path}{sep}format=json"), Some(token)).expect(200).body.as_array().unwrap().clone()
}

#[test]
fn exports_are_scoped_and_each_read_is_audited() {
    let app = TestApp::start();
    let (cgj, ca, haimen) = (app.login("dept.cgj"), app.login("civil.affairs"), app.login("street.haimen"));
    let (dongzhou, xiushan) = (app.community("东洲社区"), app.community("秀山社区"));
    let b = json!({"jurisdiction_id": app.city.district, "title": "协助事项", "kind": "work_task", "list": "assistance_to_government",
        "legal_basis": {"kind": "law", "reference": "《中华人民共和国城市居民委员会组织法》第三条"}, "frequency": "每年一次",
        "funding": {"amount_cents": 500000, "unit": "per_year"}, "valid_from": "2026-01-01", "valid_until": "2026-12-31"});
    let item = app.post("/api/v1/clearance/applications", Some(&cgj), &b).expect(201).id();
    app.post(&format!("/api/v1/clearance/applications/{item}/approve"), Some(&ca), &json!({})).expect(200);
    let agreement = |token: &str, community: &str| {
        let b = json!({"community_id": community, "counterparty": "community_committee", "title": "委托协议书", "item_ids": [item],
            "amount_cents": 1200000, "valid_from": "2026-01-01", "valid_until": "2026-12-31"});
        app.post("/api/v1/clearance/agreements", Some(token), &b).expect(201).id()
    };
    let a = agreement(&cgj, &dongzhou);
    agreement(&haimen, &xiushan);
    app.post(&format!("/api/v1/clearance/agreements/{a}/payments"), Some(&cgj), &json!({"amount_cents": 400000, "paid_on": "2026-03-01"})).expect(201);
    let auditor = app.login("auditor");
    let admin = app.login("admin");
    let haimen_auditor = app.account("auditor.haimen", "auditor", &app.street("海门街道"));

    // Content.
    let before = app.count("audit_log");
    let all = rows(&app, "/api/v1/exports/agreements", &auditor);
    assert_eq!(all.len(), 2);
    let ra = all.iter().find(|r| r["agreement_id"] == a.as_str()).unwrap();
    assert_eq!((ra["promised_cents"].as_i64(), ra["paid_cents"].as_i64(), ra["outstanding_cents"].as_i64()), (Some(1200000), Some(400000), Some(800000)));
    let csv = app.get("/api/v1/exports/agreements", Some(&ca)).expect(200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(csv.text.lines().next(), Some("agreement_id,community_id,principal_department_id,principal_jurisdiction_id,counterparty,title,valid_from,valid_until,promised_cents,paid_cents,outstanding_cents"));
    assert_eq!(csv.text.lines().count(), 3);
    let log = rows(&app, "/api/v1/exports/audit-log", &admin);
    assert!(log.iter().any(|r| r["action"] == "clearance.agreement.payment" && r["target_id"] == a.as_str()));
    let measures = app.get("/api/v1/exports/request-measures?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z", Some(&auditor)).expect(200);
    assert!(measures.text.starts_with("community_id,community_code,community_name,received,"));
    let ledger = app.get("/api/v1/exports/ledger-entries?from=2026-01-01T00:00:00Z", Some(&auditor)).expect(200);
    assert!(ledger.text.starts_with("id,community_id,seq,occurred_at,kind,"));
    // Each read wrote exactly one export.read row.
    assert_eq!(app.count("audit_log"), before + 5);
    let reads = rows(&app, "/api/v1/exports/audit-log", &admin).into_iter().filter(|r| r["action"] == "export.read").count();
    assert_eq!(reads, 6, "five reads before and this one");

    // Scope: 海门's auditor sees nothing of 三厂 (东洲).
    let before = app.count("audit_log");
    let mine = rows(&app, "/api/v1/exports/agreements", &haimen_auditor);
    assert_eq!(mine.len(), 1);
    assert!(mine.iter().all(|r| r["community_id"] == xiushan.as_str()));
    let log = rows(&app, "/api/v1/exports/audit-log", &haimen_auditor);
    assert!(!log.is_empty());
    assert!(log.iter().all(|r| !r["path"].as_str().unwrap().contains(&dongzhou)));
    assert!(!log.iter().any(|r| r["target_id"] == a.as_str()));
    assert!(rows(&app, "/api/v1/exports/ledger-entries", &haimen_auditor).iter().all(|r| r["community_id"] != dongzhou.as_str()));
    assert!(rows(&app, "/api/v1/exports/request-measures", &haimen_auditor).iter().all(|r| r["community_id"] != dongzhou.as_str()));
    assert_eq!(app.count("audit_log"), before + 4);

    // Refusals are not reads.
    let before = app.count("audit_log");
    app.get("/api/v1/exports/agreements", Some(&cgj)).problem(403, "forbidden");
    app.get("/api/v1/exports/agreements", Some(&admin)).problem(403, "forbidden");
    app.get("/api/v1/exports/ledger-entries", Some(&app.login("staff.dongzhou"))).problem(403, "forbidden");
    let before = before + 1; // that login
    app.get("/api/v1/exports/audit-log?format=xml", Some(&auditor)).problem(400, "invalid_query");
    app.get("/api/v1/exports/ledger-entries?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z", Some(&auditor)).problem(422, "validation_failed");
    app.get("/api/v1/exports/agreements", None).problem(401, "missing_token");
    assert_eq!(app.count("audit_log"), before);
}
