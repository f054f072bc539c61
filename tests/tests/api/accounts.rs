//! Accounts managed by system_admin, and the audit log.

use chrono::TimeDelta;
use gongzhi_api::common::encode_cursor;
use gongzhi_tests::{start_time, TestApp};
use serde_json::{json, Value};

#[test]
fn admin_manages_accounts_in_scope() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let community = app.community("东洲社区");
    let body = |login: &str, role: &str, node: &str| json!({"login": login, "display_name": "某人", "password": "initial-pass-1", "role": role, "jurisdiction_id": node});
    let a = app.post("/api/v1/accounts", Some(&admin), &body("worker.two", "grid_worker", &app.grid("东洲社区/第二网格"))).expect(201);
    assert_eq!(a.body["must_change_password"], true);
    // Role and level must fit.
    let r = app.post("/api/v1/accounts", Some(&admin), &body("x.staff", "community_staff", &app.street("三厂街道"))).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "invalid_level");
    app.post("/api/v1/accounts", Some(&admin), &body("worker.two", "grid_worker", &community)).problem(409, "login_taken");
    app.post("/api/v1/accounts", Some(&admin), &json!({"login": "d.staff", "display_name": "x", "password": "initial-pass-1", "role": "department_staff"})).problem(422, "validation_failed");
    let d = app
        .post("/api/v1/accounts", Some(&admin), &json!({"login": "d.staff", "display_name": "x", "password": "initial-pass-1", "role": "department_staff", "department_id": app.department("ZJJ")}))
        .expect(201);
    assert_eq!(d.body["jurisdiction_id"], app.city.district);
    // Disabling an account ends its sessions and its logins.
    let id = a.id();
    let login = app.post("/api/v1/auth/login", None, &json!({"login": "worker.two", "password": "initial-pass-1"})).expect(200).body;
    app.patch(&format!("/api/v1/accounts/{id}"), Some(&admin), &json!({"status": "disabled"})).expect(200);
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": login["refresh_token"]})).problem(401, "invalid_refresh_token");
    app.post("/api/v1/auth/login", None, &json!({"login": "worker.two", "password": "initial-pass-1"})).problem(401, "invalid_credentials");
    app.patch(&format!("/api/v1/accounts/{id}"), Some(&admin), &json!({"status": "gone"})).problem(422, "validation_failed");
    let me = app.get("/api/v1/me", Some(&admin)).expect(200);
    app.patch(&format!("/api/v1/accounts/{}", me.id()), Some(&admin), &json!({"status": "disabled"})).problem(409, "cannot_disable_self");
    // Lists filter and never show secrets.
    let listed = app.get("/api/v1/accounts?role=resident", Some(&admin)).expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 3);
    assert!(!listed.text.contains("argon2"));
    // Other roles are refused.
    let staff = app.login("staff.dongzhou");
    app.get("/api/v1/accounts", Some(&staff)).problem(403, "forbidden");
    app.post("/api/v1/accounts", Some(&staff), &body("y.staff", "resident", &community)).problem(403, "forbidden");
}

#[test]
fn district_admin_cannot_reach_other_districts() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let d2 = app.post("/api/v1/jurisdictions", Some(&admin), &json!({"level": "district", "name": "通州区"})).expect(201).id();
    let other = app
        .post("/api/v1/accounts", Some(&admin), &json!({"login": "admin.tz", "display_name": "通州 管理员", "password": "initial-pass-1", "role": "system_admin", "jurisdiction_id": d2}))
        .expect(201)
        .id();
    let t = app.post("/api/v1/auth/login", None, &json!({"login": "admin.tz", "password": "initial-pass-1"})).expect(200).body["access_token"].as_str().unwrap().to_string();
    app.post("/api/v1/me/password", Some(&t), &json!({"current_password": "initial-pass-1", "new_password": "osmanthus-9-road"})).expect(204);
    let t = app.post("/api/v1/auth/login", None, &json!({"login": "admin.tz", "password": "osmanthus-9-road"})).expect(200).body["access_token"].as_str().unwrap().to_string();
    let staff = app.get("/api/v1/accounts?role=community_staff", Some(&admin)).expect(200).body["items"][0]["id"].as_str().unwrap().to_string();
    app.get(&format!("/api/v1/accounts/{staff}"), Some(&t)).problem(404, "not_found");
    app.patch(&format!("/api/v1/accounts/{staff}"), Some(&t), &json!({"status": "disabled"})).problem(404, "not_found");
    assert_eq!(app.get("/api/v1/accounts", Some(&t)).expect(200).body["items"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/accounts/{other}"), Some(&t)).expect(200);
    // Nor create platform-wide accounts or accounts in the demo district.
    app.post("/api/v1/accounts", Some(&t), &json!({"login": "root2", "display_name": "x", "password": "initial-pass-1", "role": "system_admin"})).problem(422, "validation_failed");
    app.post("/api/v1/accounts", Some(&t), &json!({"login": "s2", "display_name": "x", "password": "initial-pass-1", "role": "community_staff", "jurisdiction_id": app.community("东洲社区")}))
        .problem(422, "validation_failed");
}

#[test]
fn every_write_is_audited_and_the_log_is_append_only() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let node = app.post("/api/v1/jurisdictions", Some(&ca), &json!({"parent_id": app.street("三厂街道"), "level": "community", "name": "新港社区"})).expect(201);
    let id = node.id();
    let request_id = node.header("x-request-id").unwrap().to_string();
    let auditor = app.login("auditor");
    let log = app.get(&format!("/api/v1/audit-log?target_id={id}"), Some(&auditor)).expect(200);
    let entry = &log.body["items"][0];
    assert_eq!(entry["action"], "jurisdiction.create");
    assert_eq!(entry["actor_role"], "civil_affairs_admin");
    assert_eq!(entry["request_id"], request_id.as_str());
    assert_eq!(entry["detail"]["name"], "新港社区");
    // Logins are audited too.
    let logins = app.get("/api/v1/audit-log?action=auth.login", Some(&auditor)).expect(200);
    assert!(logins.body["items"].as_array().unwrap().len() >= 2);
    // Only auditors and system administrators read it.
    let staff = app.login("staff.dongzhou");
    app.get("/api/v1/audit-log", Some(&staff)).problem(403, "forbidden");
    // Neither backend lets a row change or disappear.
    assert!(app.exec("UPDATE audit_log SET action = 'x'").is_err());
    assert!(app.exec("DELETE FROM audit_log").is_err());
    assert!(app.count("audit_log") >= 3);
}

#[test]
fn audit_log_is_scoped() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let d2 = app.post("/api/v1/jurisdictions", Some(&admin), &json!({"level": "district", "name": "通州区"})).expect(201).id();
    let auditor = app.login("auditor");
    let r = app.get(&format!("/api/v1/audit-log?target_id={d2}"), Some(&auditor)).expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0);
    let r = app.get(&format!("/api/v1/audit-log?target_id={d2}"), Some(&admin)).expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
}

/// The log reads oldest first by the time of the write, then by id, page after page, with a
/// time window, in the list and in the export; a cursor from another subtree is refused.
#[test]
fn audit_log_pages_in_time_order() {
    let app = TestApp::start();
    let street = app.street("三厂街道");
    let create = |name: &str| {
        let ca = app.login("civil.affairs");
        app.post("/api/v1/jurisdictions", Some(&ca), &json!({"parent_id": street, "level": "community", "name": name})).expect(201).id()
    };
    // The clock goes back between the writes, so the ids' order (the system clock's UUIDv7) is
    // not the writes' time order; b and c share one instant, d is half a second later (a
    // fraction beside whole seconds: SQLite compares the times as text).
    app.clock.set(start_time() + TimeDelta::hours(2));
    let a = create("甲社区");
    app.clock.set(start_time() + TimeDelta::hours(1));
    let (b, c) = (create("乙社区"), create("丙社区"));
    app.clock.set(start_time() + TimeDelta::hours(1) + TimeDelta::milliseconds(500));
    let d = create("丁社区");
    let auditor = app.login("auditor");
    let ours = |items: &Value| -> Vec<String> {
        items.as_array().unwrap().iter().filter_map(|e| e["target_id"].as_str()).filter(|t| [&a, &b, &c, &d].iter().any(|x| x == t)).map(str::to_string).collect()
    };
    let list = |query: &str| app.get(&format!("/api/v1/audit-log?action=jurisdiction.create{query}"), Some(&auditor)).expect(200).body;
    let page_through = |query: &str| {
        let (mut seen, mut cursor) = (vec![], String::new());
        for _ in 0..100 {
            let page = list(&format!("&limit=1{query}{cursor}"));
            seen.extend(ours(&page["items"]));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => return seen,
            }
        }
        panic!("paging does not end: {seen:?}");
    };
    assert_eq!(page_through(""), [b.as_str(), c.as_str(), d.as_str(), a.as_str()]);
    let at = |h: i64, m: i64| (start_time() + TimeDelta::hours(h) + TimeDelta::minutes(m)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(page_through(&format!("&from={}&to={}", at(0, 30), at(1, 30))), [b.as_str(), c.as_str(), d.as_str()]);
    assert_eq!(page_through(&format!("&from={}", at(1, 30))), [a.as_str()]);
    let export = app.get(&format!("/api/v1/exports/audit-log?format=json&from={}", at(0, 30)), Some(&auditor)).expect(200);
    assert_eq!(ours(&export.body), [b.as_str(), c.as_str(), d.as_str(), a.as_str()]);
    // A cursor is a position: one from outside the window still pages within it.
    let entry_of_b = list(&format!("&target_id={b}"))["items"][0]["id"].as_str().unwrap().to_string();
    let cursor_b = encode_cursor(&entry_of_b);
    assert_eq!(ours(&list(&format!("&cursor={cursor_b}"))["items"]), [c.as_str(), d.as_str(), a.as_str()]);
    assert_eq!(ours(&list(&format!("&from={}&cursor={cursor_b}", at(1, 30)))["items"]), [a.as_str()]);

    // A cursor names an entry of the caller's subtree, or it is refused (not an empty page).
    let haimen = app.account("auditor.haimen", "auditor", &app.street("海门街道"));
    let foreign = app.get(&format!("/api/v1/audit-log?cursor={cursor_b}"), Some(&haimen)).problem(400, "invalid_query").body;
    assert_eq!((foreign["errors"][0]["field"].as_str(), foreign["errors"][0]["code"].as_str()), (Some("cursor"), Some("invalid_cursor")));
    // The same answer as for an entry that does not exist at all: nothing is told about the other subtree.
    let nowhere = encode_cursor(&uuid::Uuid::now_v7().to_string());
    let absent = app.get(&format!("/api/v1/audit-log?cursor={nowhere}"), Some(&haimen)).problem(400, "invalid_query").body;
    assert_eq!((&absent["errors"], &absent["detail"]), (&foreign["errors"], &foreign["detail"]));
}
