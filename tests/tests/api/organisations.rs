//! Social organisations: registry (credit codes, approval, versions, change requests, public
//! directory), venture philanthropy (budget limits), purchased services, volunteers and points,
//! incubation and social workers; scope and bad input.

use gongzhi_tests::{TestApp, PASSWORD};
use serde_json::{json, Value};

pub(crate) const CODE_A: &str = "91350100M000100Y43";
const CODE_B: &str = "91110000802100433B";

fn org_body(app: &TestApp, name: &str, code: Option<&str>, community: &str) -> Value {
    json!({
        "name": name, "kind": "private_non_enterprise", "registration_status": "registered",
        "credit_code": code, "jurisdiction_id": app.city.district,
        "service_areas": ["养老", "儿童"], "community_ids": [app.community(community)],
        "party_branch": true, "party_branch_name": "党支部",
        "contact_name": "陈社工", "contact_phone": "13700137000"
    })
}

/// Creates and approves an organisation; returns its id.
pub(crate) fn active_org(app: &TestApp, civil: &str, name: &str, code: &str, community: &str) -> String {
    let id = app.post("/api/v1/organisations", Some(civil), &org_body(app, name, Some(code), community)).expect(201).id();
    app.post(&format!("/api/v1/organisations/{id}/status"), Some(civil), &json!({"status": "active"})).expect(200);
    id
}

fn account_id(app: &TestApp, login: &str) -> String {
    let admin = app.login("admin");
    let r = app.get("/api/v1/accounts?role=org_staff&limit=100", Some(&admin)).expect(200);
    r.body["items"].as_array().unwrap().iter().find(|a| a["login"] == login).expect("account")["id"].as_str().unwrap().to_string()
}

/// Links `login` (an org_staff account with `password`) to the organisation and returns a fresh token.
fn link_with(app: &TestApp, civil: &str, org: &str, login: &str, password: &str) -> String {
    let acc = account_id(app, login);
    let r = app.post(&format!("/api/v1/organisations/{org}/staff"), Some(civil), &json!({"account_id": acc})).expect(200);
    assert!(r.body["account_ids"].as_array().unwrap().iter().any(|a| a == &json!(acc)));
    let r = app.post("/api/v1/auth/login", None, &json!({"login": login, "password": password})).expect(200);
    assert_eq!(r.body["access_token"].as_str().map(str::is_empty), Some(false));
    r.body["access_token"].as_str().unwrap().to_string()
}

pub(crate) fn link(app: &TestApp, civil: &str, org: &str, login: &str) -> String {
    link_with(app, civil, org, login, PASSWORD)
}

const SECOND_PASSWORD: &str = "river-lantern-4242";

/// A second org_staff account at 秀山社区 (created, first password changed).
fn second_org_staff(app: &TestApp) -> String {
    let admin = app.login("admin");
    app.post(
        "/api/v1/accounts",
        Some(&admin),
        &json!({"login": "org.xiushan", "display_name": "秀山社区 志愿者协会", "password": "initial-Secret-77", "role": "org_staff", "jurisdiction_id": app.community("秀山社区")}),
    )
    .expect(201);
    let t = app.post("/api/v1/auth/login", None, &json!({"login": "org.xiushan", "password": "initial-Secret-77"})).expect(200).body["access_token"].as_str().unwrap().to_string();
    let r = app.post("/api/v1/me/password", Some(&t), &json!({"current_password": "initial-Secret-77", "new_password": SECOND_PASSWORD}));
    assert!(r.status < 300, "{}", r.text);
    "org.xiushan".into()
}

#[test]
fn registry_checks_credit_codes_and_registration() {
    let app = TestApp::start();
    let civil = app.login("civil.affairs");
    // Corrupted codes: wrong check character, wrong length, forbidden letter.
    for (code, err) in [("91350100M000100Y44", "invalid_check_character"), ("91350100M000100Y4", "invalid_length"), ("91350100M000100YI3", "invalid_character")] {
        let r = app.post("/api/v1/organisations", Some(&civil), &org_body(&app, "邻里互助社", Some(code), "东洲社区")).problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "credit_code");
        assert_eq!(r.body["errors"][0]["code"], err);
    }
    // Registered without a code; a foundation merely filed.
    let r = app.post("/api/v1/organisations", Some(&civil), &org_body(&app, "邻里互助社", None, "东洲社区")).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "credit_code");
    let mut filed = org_body(&app, "基金会", None, "东洲社区");
    filed["kind"] = json!("foundation");
    filed["registration_status"] = json!("filed");
    app.post("/api/v1/organisations", Some(&civil), &filed).problem(422, "registration_required");
    // Party branch without a name.
    let mut b = org_body(&app, "x", Some(CODE_A), "东洲社区");
    b["party_branch_name"] = Value::Null;
    app.post("/api/v1/organisations", Some(&civil), &b).problem(422, "validation_failed");
    assert_eq!(app.count("organisations"), 0);

    // A valid code (lowercase accepted) registers; the same code again conflicts.
    let r = app.post("/api/v1/organisations", Some(&civil), &org_body(&app, "邻里互助社", Some(&CODE_A.to_lowercase()), "东洲社区")).expect(201);
    assert_eq!(r.body["credit_code"], CODE_A);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["version"], 1);
    let id = r.id();
    app.post("/api/v1/organisations", Some(&civil), &org_body(&app, "冒名", Some(CODE_A), "东洲社区")).problem(409, "credit_code_taken");
    // A community social organisation may be merely filed, without a code.
    let mut filed = org_body(&app, "广场舞队", None, "秀山社区");
    filed["kind"] = json!("community_social_organisation");
    filed["registration_status"] = json!("filed");
    let filed_id = app.post("/api/v1/organisations", Some(&civil), &filed).expect(201).id();

    // Approval; approving twice is an illegal move.
    let r = app.post(&format!("/api/v1/organisations/{id}/status"), Some(&civil), &json!({"status": "active"})).expect(200);
    assert_eq!(r.body["version"], 2);
    app.post(&format!("/api/v1/organisations/{id}/status"), Some(&civil), &json!({"status": "active"})).problem(409, "invalid_transition");
    let v = app.get(&format!("/api/v1/organisations/{id}/versions"), Some(&civil)).expect(200);
    assert_eq!(v.body.as_array().unwrap().len(), 2);
    assert_eq!(v.body[0]["profile"]["status"], "pending");

    // The public directory: active organisations only, name/kind/service areas only.
    let r = app.get(&format!("/api/v1/public/organisations?community_id={}", app.community("东洲社区")), None).expect(200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "邻里互助社");
    assert_eq!(items[0]["service_areas"], json!(["养老", "儿童"]));
    assert!(items[0].get("contact_phone").is_none() && items[0].get("credit_code").is_none());
    let r = app.get(&format!("/api/v1/public/organisations?community_id={}", app.community("秀山社区")), None).expect(200);
    assert!(r.body["items"].as_array().unwrap().is_empty(), "{filed_id} is still pending");
    app.get("/api/v1/public/organisations?limit=0", None).problem(422, "validation_failed");
    assert!(app.count("audit_log") >= 4);
}

#[test]
fn change_requests_versions_and_scope() {
    let app = TestApp::start();
    let civil = app.login("civil.affairs");
    let a = active_org(&app, &civil, "邻里互助社", CODE_A, "东洲社区");
    let b = active_org(&app, &civil, "秀山志愿者协会", CODE_B, "秀山社区");
    let org = link(&app, &civil, &a, "org.dongzhou");

    // org_staff reaches its own organisation only.
    app.get(&format!("/api/v1/organisations/{a}"), Some(&org)).expect(200);
    app.get(&format!("/api/v1/organisations/{b}"), Some(&org)).problem(404, "not_found");
    let l = app.get("/api/v1/organisations", Some(&org)).expect(200);
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1);
    app.post(&format!("/api/v1/organisations/{b}/change-requests"), Some(&org), &json!({"name": "x"})).problem(404, "not_found");
    // Community staff read organisations serving their community.
    app.get(&format!("/api/v1/organisations/{a}"), Some(&app.login("staff.dongzhou"))).expect(200);
    app.get(&format!("/api/v1/organisations/{a}"), Some(&app.login("staff.xiushan"))).problem(404, "not_found");
    let l = app.get("/api/v1/organisations", Some(&app.login("staff.xiushan"))).expect(200);
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1);
    app.get("/api/v1/organisations", Some(&app.login("13800138000"))).problem(403, "forbidden");
    // org_staff may not edit directly.
    app.patch(&format!("/api/v1/organisations/{a}"), Some(&org), &json!({"name": "x"})).problem(403, "forbidden");

    // A change request, refused when invalid, then approved into a new version.
    app.post(&format!("/api/v1/organisations/{a}/change-requests"), Some(&org), &json!({"contact_phone": "12345"})).problem(422, "validation_failed");
    let cr = app
        .post(&format!("/api/v1/organisations/{a}/change-requests"), Some(&org), &json!({"name": "东洲邻里互助社", "community_ids": [app.community("东洲社区"), app.community("江滨社区")]}))
        .expect(201);
    assert_eq!(cr.body["status"], "submitted");
    let before = app.get(&format!("/api/v1/organisations/{a}"), Some(&civil)).expect(200);
    assert_eq!(before.body["name"], "邻里互助社");
    app.post(&format!("/api/v1/organisation-change-requests/{}/decision", cr.id()), Some(&org), &json!({"decision": "approved"})).problem(403, "forbidden");
    let d = app.post(&format!("/api/v1/organisation-change-requests/{}/decision", cr.id()), Some(&civil), &json!({"decision": "approved", "note": "核实"})).expect(200);
    assert_eq!(d.body["status"], "approved");
    app.post(&format!("/api/v1/organisation-change-requests/{}/decision", cr.id()), Some(&civil), &json!({"decision": "rejected"})).problem(409, "invalid_transition");
    let after = app.get(&format!("/api/v1/organisations/{a}"), Some(&civil)).expect(200);
    assert_eq!(after.body["name"], "东洲邻里互助社");
    assert_eq!(after.body["version"], 3);
    assert_eq!(after.body["community_ids"].as_array().unwrap().len(), 2);
    let v = app.get(&format!("/api/v1/organisations/{a}/versions"), Some(&org)).expect(200);
    assert_eq!(v.body.as_array().unwrap().len(), 3);
    assert_eq!(v.body[1]["profile"]["name"], "邻里互助社");
    assert_eq!(app.get(&format!("/api/v1/organisations/{a}/change-requests"), Some(&org)).expect(200).body.as_array().unwrap().len(), 1);

    // Linking refuses accounts that are not org_staff; street admins cannot link.
    let admin = app.login("admin");
    let staff = app.get("/api/v1/accounts?role=community_staff", Some(&admin)).expect(200).body["items"][0]["id"].clone();
    app.post(&format!("/api/v1/organisations/{a}/staff"), Some(&civil), &json!({"account_id": staff})).problem(422, "validation_failed");
    app.post(&format!("/api/v1/organisations/{a}/staff"), Some(&app.login("street.sanchang")), &json!({"account_id": staff})).problem(403, "forbidden");
}

#[test]
fn bad_input_writes_nothing() {
    let app = TestApp::start();
    let civil = app.login("civil.affairs");
    let n = app.count("organisations");
    let r = app.send("POST", "/api/v1/organisations", Some(&civil), Some("application/json"), Some(b"{\"name\": "), &[]);
    assert_eq!(r.status, 400);
    let mut b = org_body(&app, "x", Some(CODE_A), "东洲社区");
    b["surprise"] = json!(1);
    app.post("/api/v1/organisations", Some(&civil), &b).problem(422, "invalid_body");
    let mut b = org_body(&app, "x", Some(CODE_A), "东洲社区");
    b["party_branch"] = json!("yes");
    app.post("/api/v1/organisations", Some(&civil), &b).problem(422, "invalid_body");
    let mut b = org_body(&app, "x", Some(CODE_A), "东洲社区");
    b.as_object_mut().unwrap().remove("kind");
    app.post("/api/v1/organisations", Some(&civil), &b).problem(422, "invalid_body");
    let mut b = org_body(&app, "x", Some(CODE_A), "东洲社区");
    b["kind"] = json!("company");
    app.post("/api/v1/organisations", Some(&civil), &b).problem(422, "invalid_body");
    // A grid is not a community; a community outside scope is unknown.
    let mut b = org_body(&app, "x", Some(CODE_A), "东洲社区");
    b["community_ids"] = json!([app.grid("东洲社区/第一网格")]);
    app.post("/api/v1/organisations", Some(&civil), &b).problem(422, "validation_failed");
    app.post("/api/v1/venture-calls", Some(&civil), &json!({"title": "t", "eligibility": "e", "budget_cents": "many", "deadline": "2026-04-01T00:00:00Z", "jurisdiction_id": app.city.district})).problem(422, "invalid_body");
    app.post("/api/v1/venture-calls", Some(&civil), &json!({"title": "t", "eligibility": "e", "budget_cents": 0, "deadline": "2025-04-01T00:00:00Z", "jurisdiction_id": app.city.district})).problem(422, "validation_failed");
    app.post("/api/v1/points-rules", Some(&civil), &json!({"jurisdiction_id": app.city.district, "activity_kind": "x", "basis": "per_month", "points": 1})).problem(422, "validation_failed");
    app.post("/api/v1/organisations", None, &org_body(&app, "x", Some(CODE_A), "东洲社区")).problem(401, "missing_token");
    app.post("/api/v1/organisations", Some(&app.login("street.sanchang")), &org_body(&app, "x", Some(CODE_A), "东洲社区")).problem(403, "forbidden");
    assert_eq!(app.count("organisations"), n);
    assert_eq!(app.count("venture_calls"), 0);
    assert_eq!(app.count("points_rules"), 0);
}

#[test]
fn venture_awards_never_exceed_the_budget() {
    let app = TestApp::start();
    let civil = app.login("civil.affairs");
    let a = active_org(&app, &civil, "邻里互助社", CODE_A, "东洲社区");
    let org = link(&app, &civil, &a, "org.dongzhou");
    let call = app
        .post("/api/v1/venture-calls", Some(&civil), &json!({"title": "2026 公益创投", "eligibility": "登记或备案的社会组织", "budget_cents": 100_000, "deadline": "2026-03-20T00:00:00Z", "jurisdiction_id": app.city.district}))
        .expect(201)
        .id();
    // A draft call is invisible to organisations.
    app.post(&format!("/api/v1/venture-calls/{call}/applications"), Some(&org), &json!({"title": "p", "summary": "s", "requested_cents": 1})).problem(404, "not_found");
    app.post(&format!("/api/v1/venture-calls/{call}/status"), Some(&civil), &json!({"status": "open"})).expect(200);
    let apply = |title: &str| app.post(&format!("/api/v1/venture-calls/{call}/applications"), Some(&org), &json!({"title": title, "summary": "为老服务", "requested_cents": 60_000}));
    let p1 = apply("助老餐桌").expect(201).id();
    let p2 = apply("四点半课堂").expect(201).id();
    let p3 = apply("邻里节").expect(201).id();
    app.post(&format!("/api/v1/venture-calls/{call}/applications"), Some(&org), &json!({"title": "x", "summary": "s", "requested_cents": 0})).problem(422, "validation_failed");
    app.post(&format!("/api/v1/venture-calls/{call}/applications"), Some(&civil), &json!({"title": "x", "summary": "s", "requested_cents": 5})).problem(403, "forbidden");
    // After the deadline nothing more is received.
    app.clock.advance(chrono::TimeDelta::days(30));
    let civil = app.login("civil.affairs");
    let org = app.login("org.dongzhou");
    let apply = |title: &str| app.post(&format!("/api/v1/venture-calls/{call}/applications"), Some(&org), &json!({"title": title, "summary": "为老服务", "requested_cents": 60_000}));
    apply("迟到").problem(409, "deadline_passed");
    assert_eq!(app.count("venture_applications"), 3);

    // Scoring and shortlisting only while reviewing.
    app.post(&format!("/api/v1/venture-applications/{p1}/scores"), Some(&civil), &json!({"score": 80})).problem(409, "call_not_reviewing");
    app.post(&format!("/api/v1/venture-calls/{call}/status"), Some(&civil), &json!({"status": "reviewing"})).expect(200);
    app.post(&format!("/api/v1/venture-applications/{p1}/scores"), Some(&civil), &json!({"score": 101})).problem(422, "validation_failed");
    let s = app.post(&format!("/api/v1/venture-applications/{p1}/scores"), Some(&civil), &json!({"score": 88, "comment": "扎实"})).expect(200);
    assert_eq!(s.body["average_score"], 88.0);
    app.post(&format!("/api/v1/venture-applications/{p1}/scores"), Some(&civil), &json!({"score": 90})).problem(409, "already_scored");
    // Not shortlisted: cannot be awarded.
    app.post(&format!("/api/v1/venture-applications/{p1}/award"), Some(&civil), &json!({"amount_cents": 10})).problem(409, "invalid_transition");
    for p in [&p1, &p2, &p3] {
        app.post(&format!("/api/v1/venture-applications/{p}/status"), Some(&civil), &json!({"status": "shortlisted"})).expect(200);
    }
    app.post(&format!("/api/v1/venture-applications/{p1}/award"), Some(&civil), &json!({"amount_cents": 0})).problem(422, "validation_failed");
    let project = app.post(&format!("/api/v1/venture-applications/{p1}/award"), Some(&civil), &json!({"amount_cents": 60_000})).expect(201);
    assert_eq!(project.body["amount_cents"], 60_000);
    // One cent over the remaining 40,000 is refused and writes nothing.
    app.post(&format!("/api/v1/venture-applications/{p2}/award"), Some(&civil), &json!({"amount_cents": 40_001})).problem(422, "budget_exceeded");
    assert_eq!(app.count("venture_projects"), 1);
    assert_eq!(app.get(&format!("/api/v1/venture-applications/{p2}"), Some(&civil)).expect(200).body["status"], "shortlisted");
    // Exactly at the budget is accepted; after that even one cent is refused.
    app.post(&format!("/api/v1/venture-applications/{p2}/award"), Some(&civil), &json!({"amount_cents": 40_000})).expect(201);
    app.post(&format!("/api/v1/venture-applications/{p3}/award"), Some(&civil), &json!({"amount_cents": 1})).problem(422, "budget_exceeded");
    let c = app.get(&format!("/api/v1/venture-calls/{call}"), Some(&civil)).expect(200);
    assert_eq!(c.body["awarded_cents"], 100_000);
    assert_eq!(c.body["remaining_cents"], 0);
    assert_eq!(app.count("venture_projects"), 2);

    // The funded project: milestones, progress reports, beneficiaries by group.
    let pid = project.id();
    let p = app.post(&format!("/api/v1/venture-projects/{pid}/milestones"), Some(&org), &json!({"title": "开餐", "due_on": "2026-05-01"})).expect(201);
    let mid = p.body["milestones"][0]["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/venture-projects/{pid}/milestones/{mid}/complete"), Some(&org), &json!({})).expect(200);
    app.post(&format!("/api/v1/venture-projects/{pid}/milestones/{mid}/complete"), Some(&org), &json!({})).problem(409, "milestone_completed");
    app.post(&format!("/api/v1/venture-projects/{pid}/reports"), Some(&org), &json!({"summary": "三月", "beneficiaries": {"elderly": 120, "disabled": 8}})).expect(201);
    app.post(&format!("/api/v1/venture-projects/{pid}/reports"), Some(&org), &json!({"summary": "四月", "beneficiaries": {"elderly": -1}})).problem(422, "validation_failed");
    let r = app.post(&format!("/api/v1/venture-projects/{pid}/reports"), Some(&org), &json!({"summary": "四月", "beneficiaries": {"elderly": 30}})).expect(201);
    assert_eq!(r.body["beneficiaries"], json!({"disabled": 8, "elderly": 150}));
    assert_eq!(r.body["reports"].as_array().unwrap().len(), 2);

    // Another organisation's staff sees none of it.
    let b = active_org(&app, &civil, "秀山志愿者协会", CODE_B, "秀山社区");
    let other = second_org_staff(&app);
    let other = link_with(&app, &civil, &b, &other, SECOND_PASSWORD);
    app.get(&format!("/api/v1/venture-projects/{pid}"), Some(&other)).problem(404, "not_found");
    app.get(&format!("/api/v1/venture-applications/{p1}"), Some(&other)).problem(404, "not_found");
    app.post(&format!("/api/v1/venture-projects/{pid}/reports"), Some(&other), &json!({"summary": "x", "beneficiaries": {}})).problem(404, "not_found");
    let l = app.get(&format!("/api/v1/venture-calls/{call}/applications"), Some(&other)).expect(200);
    assert!(l.body["items"].as_array().unwrap().is_empty());
    assert_eq!(app.get(&format!("/api/v1/venture-calls/{call}/applications"), Some(&org)).expect(200).body["items"].as_array().unwrap().len(), 3);
    assert_eq!(app.get("/api/v1/venture-projects", Some(&app.login("auditor"))).expect(200).body["items"].as_array().unwrap().len(), 2);
}

#[test]
fn hours_approval_points_and_redemption() {
    let app = TestApp::start();
    let civil = app.login("civil.affairs");
    let a = active_org(&app, &civil, "邻里互助社", CODE_A, "东洲社区");
    let org = link(&app, &civil, &a, "org.dongzhou");
    let district = app.city.district.clone();
    let rule = app.post("/api/v1/points-rules", Some(&civil), &json!({"jurisdiction_id": district, "activity_kind": "elderly_visits", "basis": "per_hour", "points": 10, "daily_cap": 50})).expect(201);
    app.post("/api/v1/points-rules", Some(&civil), &json!({"jurisdiction_id": district, "activity_kind": "elderly_visits", "basis": "per_event", "points": 3})).problem(409, "rule_exists");
    app.post("/api/v1/points-rules", Some(&civil), &json!({"jurisdiction_id": district, "activity_kind": "patrol", "basis": "per_event", "points": 0})).problem(422, "validation_failed");
    app.post("/api/v1/points-rules", Some(&org), &json!({"jurisdiction_id": district, "activity_kind": "patrol", "basis": "per_event", "points": 2})).problem(403, "forbidden");
    // A community-level rule for patrols overrides nothing else; per event, no cap.
    app.post("/api/v1/points-rules", Some(&civil), &json!({"jurisdiction_id": app.community("东洲社区"), "activity_kind": "patrol", "basis": "per_event", "points": 3})).expect(201);
    assert_eq!(app.get("/api/v1/points-rules", Some(&app.login("staff.dongzhou"))).expect(200).body["items"].as_array().unwrap().len(), 2);

    let vol = app.post("/api/v1/volunteers", Some(&org), &json!({"name": "志愿者 郑", "phone": "139 0013 9111", "community_id": app.community("东洲社区")})).expect(201);
    assert_eq!(vol.body["phone"], "13900139111");
    let vid = vol.id();
    app.post("/api/v1/volunteers", Some(&org), &json!({"name": "x", "phone": "123", "community_id": app.community("东洲社区")})).problem(422, "validation_failed");
    // The organisation does not serve 秀山社区.
    app.post("/api/v1/volunteers", Some(&org), &json!({"name": "x", "phone": "13900139112", "community_id": app.community("秀山社区")})).problem(422, "validation_failed");
    assert_eq!(app.count("volunteers"), 1);

    let activity_on = |kind: &str, day: &str| app.post("/api/v1/volunteer-activities", Some(&org), &json!({"title": "探访", "activity_kind": kind, "held_on": day, "community_id": app.community("东洲社区")}));
    // Not in the future (the clock says 2 March 2026), not backdated by months.
    activity_on("patrol", "2026-03-05").problem(422, "validation_failed");
    activity_on("patrol", "2025-11-01").problem(422, "validation_failed");
    let activity = |kind: &str| activity_on(kind, "2026-03-01").expect(201).id();
    let act1 = activity("elderly_visits");
    let act2 = activity("elderly_visits");
    let act3 = activity("patrol");
    let submit = |act: &str, minutes: i64| app.post(&format!("/api/v1/volunteer-activities/{act}/hours"), Some(&org), &json!({"volunteer_id": vid, "minutes": minutes}));
    submit(&act1, 0).problem(422, "validation_failed");
    submit(&act1, 2000).problem(422, "validation_failed");
    let h1 = submit(&act1, 90).expect(201).id();
    let h2 = submit(&act2, 480).expect(201).id();
    let h3 = submit(&act3, 30).expect(201).id();
    let h4 = submit(&act3, 30).expect(201).id();
    let decide = |h: &str, d: &str, t: &str| app.post(&format!("/api/v1/volunteer-hours/{h}/decision"), Some(t), &json!({"decision": d}));
    // Only the organisation approves.
    decide(&h1, "approved", &app.login("staff.dongzhou")).problem(403, "forbidden");
    assert_eq!(decide(&h1, "approved", &org).expect(200).body["points"], 15);
    decide(&h1, "approved", &org).problem(409, "invalid_transition");
    // 8 more hours the same day: the daily cap of 50 leaves 35.
    assert_eq!(decide(&h2, "approved", &org).expect(200).body["points"], 35);
    assert_eq!(decide(&h3, "approved", &org).expect(200).body["points"], 3);
    assert_eq!(decide(&h4, "rejected", &org).expect(200).body["points"], Value::Null);
    let p = app.get(&format!("/api/v1/volunteers/{vid}/points"), Some(&org)).expect(200);
    assert_eq!(p.body["balance"], 53);
    assert_eq!(p.body["entries"].as_array().unwrap().len(), 3);

    // Redemptions at the community's points shop.
    let staff = app.login("staff.dongzhou");
    app.post(&format!("/api/v1/volunteers/{vid}/redemptions"), Some(&staff), &json!({"cost": 54, "item": "大米"})).problem(422, "insufficient_points");
    app.post(&format!("/api/v1/volunteers/{vid}/redemptions"), Some(&staff), &json!({"cost": 0, "item": "大米"})).problem(422, "validation_failed");
    app.post(&format!("/api/v1/volunteers/{vid}/redemptions"), Some(&org), &json!({"cost": 1, "item": "大米"})).problem(403, "forbidden");
    app.post(&format!("/api/v1/volunteers/{vid}/redemptions"), Some(&app.login("staff.xiushan")), &json!({"cost": 1, "item": "大米"})).problem(404, "not_found");
    assert_eq!(app.count("points_ledger"), 3);
    let r = app.post(&format!("/api/v1/volunteers/{vid}/redemptions"), Some(&staff), &json!({"cost": 53, "item": "大米"})).expect(201);
    assert_eq!(r.body["balance"], 0);
    app.post(&format!("/api/v1/volunteers/{vid}/redemptions"), Some(&staff), &json!({"cost": 1, "item": "油"})).problem(422, "insufficient_points");
    // The ledger is append-only.
    assert!(app.exec("UPDATE points_ledger SET delta = 1000").is_err());
    assert!(app.exec("DELETE FROM points_ledger").is_err());

    // A retired rule credits nothing more.
    app.post(&format!("/api/v1/points-rules/{}/retire", rule.id()), Some(&civil), &json!({})).expect(200);
    let act4 = activity("elderly_visits");
    let h5 = submit(&act4, 60).expect(201).id();
    assert_eq!(decide(&h5, "approved", &org).expect(200).body["points"], 0);

    // Phones are masked for auditors; other communities and organisations do not see the volunteer.
    let v = app.get(&format!("/api/v1/volunteers/{vid}"), Some(&app.login("auditor"))).expect(200);
    assert_eq!(v.body["phone"], "139****9111");
    assert_eq!(app.get(&format!("/api/v1/volunteers/{vid}"), Some(&staff)).expect(200).body["phone"], "13900139111");
    app.get(&format!("/api/v1/volunteers/{vid}"), Some(&app.login("staff.xiushan"))).problem(404, "not_found");
    let b = active_org(&app, &civil, "秀山志愿者协会", CODE_B, "秀山社区");
    let other = second_org_staff(&app);
    let other = link_with(&app, &civil, &b, &other, SECOND_PASSWORD);
    app.get(&format!("/api/v1/volunteers/{vid}"), Some(&other)).problem(404, "not_found");
    app.post(&format!("/api/v1/volunteer-hours/{h5}/decision"), Some(&other), &json!({"decision": "rejected"})).problem(404, "not_found");
    app.post(&format!("/api/v1/volunteer-activities/{act1}/hours"), Some(&other), &json!({"volunteer_id": vid, "minutes": 10})).problem(404, "not_found");
}

#[test]
fn purchased_services_contracts_and_payments() {
    let app = TestApp::start();
    let civil = app.login("civil.affairs");
    let a = active_org(&app, &civil, "邻里互助社", CODE_A, "东洲社区");
    let org = link(&app, &civil, &a, "org.dongzhou");
    let cgj = app.login("dept.cgj");
    let body = json!({"organisation_id": a, "jurisdiction_id": app.community("东洲社区"), "title": "居家养老服务", "deliverables": "每周探访独居老人",
        "amount_cents": 10_000, "starts_on": "2026-03-01", "ends_on": "2026-12-31", "milestones": [{"title": "中期评估", "due_on": "2026-06-30"}]});
    let mut bad = body.clone();
    bad["ends_on"] = json!("2026-01-01");
    app.post("/api/v1/service-contracts", Some(&cgj), &bad).problem(422, "validation_failed");
    app.post("/api/v1/service-contracts", Some(&org), &body).problem(403, "forbidden");
    let c = app.post("/api/v1/service-contracts", Some(&cgj), &body).expect(201);
    assert_eq!(c.body["department_id"], app.department("CGJ"));
    let id = c.id();
    let pay = |t: &str, cents: i64| app.post(&format!("/api/v1/service-contracts/{id}/payments"), Some(t), &json!({"amount_cents": cents, "paid_on": "2026-03-10"}));
    pay(&cgj, 6_000).expect(201);
    pay(&cgj, 4_001).problem(422, "payment_exceeds_contract");
    pay(&cgj, -5).problem(422, "validation_failed");
    let r = pay(&cgj, 4_000).expect(201);
    assert_eq!(r.body["paid_cents"], 10_000);
    assert_eq!(r.body["payments"].as_array().unwrap().len(), 2);
    pay(&org, 1).problem(403, "forbidden");
    assert!(app.exec("DELETE FROM contract_payments").is_err());
    // The organisation reports the milestone delivered.
    let mid = c.body["milestones"][0]["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/service-contracts/{id}/milestones/{mid}/complete"), Some(&org), &json!({})).expect(200);
    // Parties, civil affairs and auditors see it; another department does not.
    for t in [&org, &civil, &app.login("auditor"), &cgj] {
        app.get(&format!("/api/v1/service-contracts/{id}"), Some(t)).expect(200);
    }
    let zjj = app.login("dept.zjj");
    app.get(&format!("/api/v1/service-contracts/{id}"), Some(&zjj)).problem(404, "not_found");
    pay(&zjj, 1).problem(404, "not_found");
    assert!(app.get("/api/v1/service-contracts", Some(&zjj)).expect(200).body["items"].as_array().unwrap().is_empty());
    app.get("/api/v1/service-contracts", Some(&app.login("staff.dongzhou"))).problem(403, "forbidden");
}

#[test]
fn incubation_and_social_worker_figures() {
    let app = TestApp::start();
    let civil = app.login("civil.affairs");
    let a = active_org(&app, &civil, "邻里互助社", CODE_A, "东洲社区");
    let base = app.post("/api/v1/incubation-bases", Some(&civil), &json!({"name": "海门区社会组织孵化园", "address": "人民路 1 号", "capacity": 10, "jurisdiction_id": app.city.district})).expect(201).id();
    let r = app.post(&format!("/api/v1/incubation-bases/{base}/residencies"), Some(&civil), &json!({"organisation_id": a, "entered_on": "2026-03-01", "support": "场地、培训"})).expect(201);
    app.post(&format!("/api/v1/incubation-bases/{base}/residencies"), Some(&civil), &json!({"organisation_id": a, "entered_on": "2026-03-02", "support": "x"})).problem(409, "already_resident");
    app.post(&format!("/api/v1/residencies/{}/graduation", r.id()), Some(&civil), &json!({"graduated_on": "2026-02-01"})).problem(422, "validation_failed");
    let g = app.post(&format!("/api/v1/residencies/{}/graduation", r.id()), Some(&civil), &json!({"graduated_on": "2026-12-01", "note": "独立运营"})).expect(200);
    assert_eq!(g.body["graduated_on"], "2026-12-01");
    app.post(&format!("/api/v1/residencies/{}/graduation", r.id()), Some(&civil), &json!({"graduated_on": "2026-12-02"})).problem(409, "invalid_transition");
    app.get(&format!("/api/v1/incubation-bases/{base}/residencies"), Some(&app.login("street.sanchang"))).problem(404, "not_found");
    app.post("/api/v1/incubation-bases", Some(&app.login("org.dongzhou")), &json!({"name": "x", "address": "y", "jurisdiction_id": app.city.district})).problem(403, "forbidden");

    let dongzhou = app.community("东洲社区");
    for (i, level) in ["assistant", "intermediate", "senior"].iter().enumerate() {
        app.post("/api/v1/social-workers", Some(&civil), &json!({"name": format!("社工{i}"), "level": level, "certificate_no": format!("SW-{i}"), "jurisdiction_id": dongzhou, "certified_on": "2025-06-01"})).expect(201);
    }
    app.post("/api/v1/social-workers", Some(&civil), &json!({"name": "重复", "level": "senior", "certificate_no": "SW-0", "jurisdiction_id": dongzhou, "certified_on": "2025-06-01"})).problem(409, "already_exists");
    app.post("/api/v1/social-workers", Some(&civil), &json!({"name": "x", "level": "master", "certificate_no": "SW-9", "jurisdiction_id": dongzhou, "certified_on": "2025-06-01"})).problem(422, "invalid_body");
    let f = app.get(&format!("/api/v1/social-workers/figures?jurisdiction_id={}", app.street("三厂街道")), Some(&civil)).expect(200);
    let rows = f.body.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    // 东洲社区 2,860 + 江滨社区 2,410 households × 2.7 residents.
    assert_eq!(rows[0]["population"], 7722 + 6507);
    assert_eq!(rows[0]["total"], 3);
    let dz = rows.iter().find(|r| r["jurisdiction_id"] == json!(dongzhou)).unwrap();
    assert_eq!(dz["by_level"], json!({"assistant": 1, "intermediate": 1, "senior": 1}));
    assert!((dz["per_10k"].as_f64().unwrap() - 30_000.0 / 7722.0).abs() < 1e-9);
    let sw = app.get(&format!("/api/v1/social-workers/figures?jurisdiction_id={dongzhou}"), Some(&app.login("staff.xiushan")));
    sw.problem(404, "not_found");
    assert_eq!(app.get("/api/v1/social-workers?level=senior", Some(&app.login("staff.dongzhou"))).expect(200).body["items"].as_array().unwrap().len(), 1);
}
