//! Requests (诉求, 三事分流): lists, submission, the three classes end to end, deadlines and
//! escalation, auto-close, scope, bad input, idempotency, photos, measures, public view.

use base64::Engine;
use chrono::TimeDelta;
use gongzhi_tests::{Resp, TestApp};
use serde_json::{json, Value};

const API: &str = "/api/v1";

fn entries(app: &TestApp) -> Value {
    json!([
        {"code": "NOISE", "name": "道路施工噪音", "class": "major", "default_department_id": app.department("CGJ"), "deadline_hours": 72},
        {"code": "PARKING", "name": "小区停车", "class": "minor"},
        {"code": "REPAIR", "name": "家电维修", "class": "private"}
    ])
}

/// The district catalogue, adopted by 东洲社区 as its list.
pub(crate) fn publish_lists(app: &TestApp) {
    let civil = app.login("civil.affairs");
    app.json("PUT", &format!("{API}/guiding-catalogue"), Some(&civil), &json!({"entries": entries(app), "note": "首版"})).expect(200);
    let staff = app.login("staff.dongzhou");
    let path = format!("{API}/communities/{}/responsibility-list", app.community("东洲社区"));
    app.json("PUT", &path, Some(&staff), &json!({"adopt_catalogue": true})).expect(200);
}

pub(crate) fn submit(app: &TestApp, token: &str, code: &str) -> String {
    app.post(&format!("{API}/requests"), Some(token), &json!({"category_code": code, "description": "楼下施工噪音到深夜", "address": "东洲小区3号楼"})).expect(201).id()
}

pub(crate) fn act(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("{API}/requests/{id}/actions"), Some(token), &body)
}

fn kinds(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let r = app.get(&format!("{API}/requests/{id}/timeline?limit=100"), Some(token)).expect(200);
    r.body["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

#[test]
fn lists_are_versioned_and_scoped() {
    let app = TestApp::start();
    let civil = app.login("civil.affairs");
    let staff = app.login("staff.dongzhou");
    let resident = app.login("13800138000");
    let list_path = format!("{API}/communities/{}/responsibility-list", app.community("东洲社区"));
    app.get(&format!("{API}/guiding-catalogue"), Some(&civil)).problem(404, "not_found");
    app.json("PUT", &list_path, Some(&staff), &json!({"adopt_catalogue": true})).problem(422, "no_catalogue");

    let bad = json!({"entries": [{"code": "NOISE", "name": "噪音", "class": "major"}, {"code": "PARK", "name": "x", "class": "minor"}, {"code": "park", "name": "y", "class": "minor"}]});
    let r = app.json("PUT", &format!("{API}/guiding-catalogue"), Some(&civil), &bad).problem(422, "validation_failed");
    let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["entries[0].default_department_id", "entries[0].deadline_hours", "entries[2].code"]);
    app.json("PUT", &format!("{API}/guiding-catalogue"), Some(&civil), &json!({"entries": [], "x": 1})).problem(422, "invalid_body");
    app.send("PUT", &format!("{API}/guiding-catalogue"), Some(&civil), Some("application/json"), Some(b"{\"entries\": ["), &[]).problem(400, "malformed_json");
    assert_eq!(app.count("responsibility_lists"), 0);
    app.json("PUT", &format!("{API}/guiding-catalogue"), Some(&staff), &json!({"entries": []})).problem(403, "forbidden");

    publish_lists(&app);
    let v1 = app.get(&list_path, Some(&resident)).expect(200);
    assert_eq!((v1.body["version"].as_i64(), v1.body["entries"][0]["colour"].as_str()), (Some(1), Some("red")));
    assert_eq!(v1.body["changes"]["added"], json!(["NOISE", "PARKING", "REPAIR"]));

    let mut adapted = entries(&app);
    adapted[1]["deadline_hours"] = json!(48);
    adapted.as_array_mut().unwrap().remove(2);
    let v2 = app.json("PUT", &list_path, Some(&staff), &json!({"entries": adapted, "note": "居民议事会商定"})).expect(200);
    assert_eq!(v2.body["version"], 2);
    assert_eq!(v2.body["changes"], json!({"added": [], "changed": ["PARKING"], "removed": ["REPAIR"]}));
    let versions = app.get(&format!("{list_path}/versions"), Some(&app.login("street.sanchang"))).expect(200);
    assert_eq!(versions.body["items"].as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect::<Vec<_>>(), [2, 1]);

    // Other communities' people and staff do not see it; only the community's staff edit it.
    app.get(&list_path, Some(&app.login("13900139000"))).problem(404, "not_found");
    app.json("PUT", &list_path, Some(&app.login("staff.xiushan")), &json!({"adopt_catalogue": true})).problem(404, "not_found");
    app.json("PUT", &list_path, Some(&resident), &json!({"adopt_catalogue": true})).problem(403, "forbidden");
    let r = app.json("PUT", &list_path, Some(&staff), &json!({"entries": [{"code": "X1", "name": "x", "class": "major", "default_department_id": "nope", "deadline_hours": 5}]}));
    r.problem(422, "validation_failed");
    app.json("PUT", &list_path, Some(&staff), &json!({"entries": [], "adopt_catalogue": true})).problem(422, "validation_failed");
    assert_eq!(app.count("responsibility_lists"), 3);
}

#[test]
fn major_matter_from_submission_to_rating() {
    let app = TestApp::start();
    publish_lists(&app);
    let resident = app.login("13800138000");
    let staff = app.login("staff.dongzhou");
    let cgj = app.login("dept.cgj");
    let zjj = app.login("dept.zjj");
    let street = app.login("street.sanchang");

    // Idempotent submission.
    let body = json!({"category_code": "noise", "description": "夜间施工噪音", "latitude": 31.9, "longitude": 121.2});
    let key = [("Idempotency-Key", "k-1")];
    let first = app.send("POST", &format!("{API}/requests"), Some(&resident), Some("application/json"), Some(body.to_string().as_bytes()), &key).expect(201);
    let again = app.send("POST", &format!("{API}/requests"), Some(&resident), Some("application/json"), Some(body.to_string().as_bytes()), &key).expect(201);
    assert_eq!(first.body, again.body);
    let other = json!({"category_code": "noise", "description": "另一件事", "address": "x"});
    app.send("POST", &format!("{API}/requests"), Some(&resident), Some("application/json"), Some(other.to_string().as_bytes()), &key).problem(422, "idempotency_key_reused");
    assert_eq!(app.count("requests"), 1);
    let id = first.id();
    assert_eq!((first.body["status"].as_str(), first.body["colour"].as_str()), (Some("submitted"), Some("red")));
    assert_eq!(first.body["suggestion"]["department_id"], app.department("CGJ"));
    assert_eq!(first.body["resident_name"], "居民 钱女士");

    // Triage: overriding the suggestion needs a reason; a department may not triage.
    act(&app, &staff, &id, json!({"action": "triage", "class": "major", "department_id": app.department("ZJJ"), "deadline_hours": 72})).problem(422, "validation_failed");
    act(&app, &cgj, &id, json!({"action": "accept"})).problem(404, "not_found");
    act(&app, &staff, &id, json!({"action": "accept"})).problem(403, "forbidden");
    let r = act(&app, &staff, &id, json!({"action": "triage", "class": "major", "department_id": app.department("CGJ"), "deadline_hours": 72})).expect(200);
    assert_eq!((r.body["status"].as_str(), r.body["deadline"].is_string()), (Some("dispatched"), true));
    act(&app, &staff, &id, json!({"action": "triage", "class": "minor"})).problem(409, "invalid_transition");

    // 退单, then the street decides.
    app.get(&format!("{API}/requests/{id}"), Some(&zjj)).problem(404, "not_found");
    act(&app, &cgj, &id, json!({"action": "return"})).problem(422, "invalid_body");
    act(&app, &cgj, &id, json!({"action": "return", "reason": "属住建部门职责"})).expect(200);
    app.get(&format!("{API}/requests/{id}"), Some(&cgj)).expect(200);
    act(&app, &cgj, &id, json!({"action": "accept"})).problem(409, "invalid_transition");
    act(&app, &street, &id, json!({"action": "street_decide", "department_id": "no-such", "deadline_hours": 48, "reason": "r"})).problem(422, "validation_failed");
    act(&app, &street, &id, json!({"action": "street_decide", "department_id": app.department("ZJJ"), "deadline_hours": 48, "reason": "街道裁定"})).expect(200);
    act(&app, &cgj, &id, json!({"action": "accept"})).problem(403, "forbidden");
    let r = act(&app, &zjj, &id, json!({"action": "accept"})).expect(200);
    assert_eq!(r.body["status"], "in_progress");
    let listed = app.get(&format!("{API}/requests"), Some(&zjj)).expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    act(&app, &zjj, &id, json!({"action": "add_note", "text": "已约谈施工单位"})).expect(200);
    act(&app, &street, &id, json!({"action": "remind", "text": "请尽快处理"})).expect(200);
    act(&app, &zjj, &id, json!({"action": "resolve", "result": "已停工整改"})).problem(422, "reply_required");
    act(&app, &zjj, &id, json!({"action": "reply", "text": "已责令夜间停工"})).expect(200);
    act(&app, &resident, &id, json!({"action": "rate", "rating": "satisfied"})).problem(409, "invalid_transition");
    act(&app, &zjj, &id, json!({"action": "resolve", "result": "已停工整改"})).expect(200);

    // Dissatisfied reopens once; the second rating closes.
    act(&app, &resident, &id, json!({"action": "rate", "rating": "meh"})).problem(422, "validation_failed");
    let r = act(&app, &resident, &id, json!({"action": "rate", "rating": "dissatisfied", "comment": "仍有噪音"})).expect(200);
    assert_eq!((r.body["status"].as_str(), r.body["reopen_count"].as_i64(), r.body["resolved_at"].is_null()), (Some("in_progress"), Some(1), true));
    act(&app, &zjj, &id, json!({"action": "reply", "text": "再次现场核查"})).expect(200);
    act(&app, &zjj, &id, json!({"action": "resolve", "result": "已安装隔音屏"})).expect(200);
    let r = act(&app, &resident, &id, json!({"action": "rate", "rating": "basically_satisfied", "comment": "好多了"})).expect(200);
    assert_eq!((r.body["status"].as_str(), r.body["rating"].as_str(), r.body["result"].as_str()), (Some("closed"), Some("basically_satisfied"), Some("已安装隔音屏")));
    for body in [json!({"action": "withdraw"}), json!({"action": "rate", "rating": "satisfied"})] {
        act(&app, &resident, &id, body).problem(409, "invalid_transition");
    }
    act(&app, &zjj, &id, json!({"action": "add_note", "text": "x"})).problem(409, "invalid_transition");
    let want = ["submitted", "triaged", "returned", "street_decided", "accepted", "note_added", "reminded", "replied", "resolved", "reopened", "replied", "resolved", "rated"];
    assert_eq!(kinds(&app, &resident, &id), want);
    let tl = app.get(&format!("{API}/requests/{id}/timeline"), Some(&street)).expect(200);
    assert_eq!(tl.body["items"][2]["data"]["reason"], "属住建部门职责");
    assert_eq!(tl.body["items"][2]["actor_role"], "department_staff");
}

#[test]
fn minor_and_private_matters() {
    let app = TestApp::start();
    publish_lists(&app);
    let resident = app.login("13800138000");
    let staff = app.login("staff.dongzhou");
    let grid = app.login("grid.dongzhou1");

    let minor = submit(&app, &resident, "PARKING");
    let r = act(&app, &staff, &minor, json!({"action": "triage", "class": "minor"})).expect(200);
    assert_eq!((r.body["status"].as_str(), r.body["colour"].as_str()), (Some("in_progress"), Some("orange")));
    act(&app, &staff, &minor, json!({"action": "refer", "service_id": "x"})).problem(422, "wrong_class");
    act(&app, &staff, &minor, json!({"action": "resolve", "result": "x"})).problem(422, "resolution_required");
    act(&app, &staff, &minor, json!({"action": "mark_deliberation", "text": "提交居民议事会"})).expect(200);
    act(&app, &staff, &minor, json!({"action": "mark_deliberation", "text": "again"})).problem(409, "already_marked");
    act(&app, &staff, &minor, json!({"action": "record_resolution", "text": "业主协商划定车位"})).expect(200);
    act(&app, &grid, &minor, json!({"action": "resolve", "result": "x"})).problem(403, "forbidden");
    let r = act(&app, &staff, &minor, json!({"action": "resolve", "result": "新增车位20个"})).expect(200);
    assert_eq!((r.body["deliberation"].as_bool(), r.body["status"].as_str()), (Some(true), Some("resolved")));

    // The service directory and a private matter referred to it, filed by the grid worker.
    let services = format!("{API}/communities/{}/services", app.community("东洲社区"));
    app.post(&services, Some(&resident), &json!({"kind": "volunteer", "name": "x", "category": "维修", "phone": "13800000000"})).problem(403, "forbidden");
    app.post(&services, Some(&staff), &json!({"kind": "robot", "name": "x", "category": "维修", "phone": "1"})).problem(422, "invalid_body");
    app.post(&services, Some(&staff), &json!({"kind": "volunteer", "name": " ", "category": "维修", "phone": "1"})).problem(422, "validation_failed");
    app.post(&services, Some(&app.login("staff.xiushan")), &json!({"kind": "volunteer", "name": "x", "category": "维修", "phone": "0513-1234567"})).problem(404, "not_found");
    assert_eq!(app.count("services"), 0);
    let svc = app.post(&services, Some(&staff), &json!({"kind": "volunteer", "name": "东洲志愿维修队", "category": "维修", "phone": "0513-1234567"})).expect(201).id();
    let page = app.get(&services, Some(&resident)).expect(200);
    assert_eq!(page.body["items"][0]["name"], "东洲志愿维修队");
    app.get(&services, Some(&app.login("13900139000"))).problem(404, "not_found");

    let filed = app.post(&format!("{API}/requests"), Some(&grid), &json!({"category_code": "REPAIR", "description": "独居老人冰箱坏了", "address": "东洲小区1号楼", "resident_name": "王大爷", "resident_phone": "13700001111"})).expect(201);
    app.post(&format!("{API}/requests"), Some(&grid), &json!({"category_code": "REPAIR", "description": "x", "address": "y"})).problem(422, "validation_failed");
    let private = filed.id();
    assert_eq!((filed.body["resident_name"].as_str(), filed.body["colour"].as_str()), (Some("王大爷"), Some("yellow")));
    act(&app, &staff, &private, json!({"action": "triage", "class": "private"})).expect(200);
    act(&app, &grid, &private, json!({"action": "resolve", "result": "x"})).problem(422, "follow_up_required");
    act(&app, &grid, &private, json!({"action": "refer", "service_id": "nope"})).problem(422, "validation_failed");
    act(&app, &grid, &private, json!({"action": "refer", "service_id": svc, "note": "已联系志愿者"})).expect(200);
    act(&app, &grid, &private, json!({"action": "flag_hardship", "reason": "独居老人"})).expect(200);
    let r = act(&app, &grid, &private, json!({"action": "resolve", "result": "志愿者上门修好"})).expect(200);
    assert_eq!((r.body["hardship"].as_bool(), r.body["has_referral"].as_bool()), (Some(true), Some(true)));
    // The resident has no account here: nobody can rate it; it closes automatically later.
    assert_eq!(kinds(&app, &staff, &private), ["submitted", "triaged", "referred", "hardship_flagged", "resolved"]);

    // Public disclosure: only handled requests, anonymised.
    let open = submit(&app, &resident, "PARKING");
    let public = app.get(&format!("{API}/public/communities/{}/requests", app.community("东洲社区")), None).expect(200);
    let items = public.body["items"].as_array().unwrap();
    // The minor matter only: the open one is not handled yet, the private one is never published.
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], minor.as_str());
    assert_ne!(items[0]["id"], open.as_str());
    assert!(!public.text.contains("王大爷") && !public.text.contains("13700001111") && !public.text.contains("东洲小区"));
    assert!(!public.text.contains("新增车位20个") && !public.text.contains("志愿者上门修好"), "staff-written results stay internal");
    assert_eq!(items[0]["category_name"], "小区停车");
    app.get(&format!("{API}/public/communities/{}/requests", app.street("三厂街道")), None).problem(404, "not_found");
}

#[test]
fn deadlines_escalation_and_auto_close() {
    let app = TestApp::start();
    publish_lists(&app);
    let id = submit(&app, &app.login("13800138000"), "NOISE");
    // Tokens live 15 minutes and the clock jumps: log in after each jump.
    let resident = || app.login("13800138000");
    let staff = || app.login("staff.dongzhou");
    let street = || app.login("street.sanchang");
    act(&app, &staff(), &id, json!({"action": "triage", "class": "major", "department_id": app.department("CGJ"), "deadline_hours": 72})).expect(200);
    act(&app, &street(), &id, json!({"action": "escalate"})).problem(422, "not_overdue");
    app.clock.advance(TimeDelta::hours(72));
    assert_eq!(app.get(&format!("{API}/requests?overdue=true"), Some(&street())).expect(200).body["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.post(&format!("{API}/requests/escalate-overdue"), Some(&street()), &json!({})).expect(200).body["request_ids"], json!([]));
    app.clock.advance(TimeDelta::hours(1));
    let overdue = app.get(&format!("{API}/requests?overdue=true"), Some(&street())).expect(200);
    assert_eq!((overdue.body["items"][0]["id"].as_str(), overdue.body["items"][0]["overdue"].as_bool()), (Some(id.as_str()), Some(true)));
    app.post(&format!("{API}/requests/escalate-overdue"), Some(&staff()), &json!({})).problem(403, "forbidden");
    assert_eq!(app.post(&format!("{API}/requests/escalate-overdue"), Some(&app.login("street.haimen")), &json!({})).expect(200).body["request_ids"], json!([]));
    assert_eq!(app.post(&format!("{API}/requests/escalate-overdue"), Some(&street()), &json!({})).expect(200).body["request_ids"], json!([id]));
    assert_eq!(app.post(&format!("{API}/requests/escalate-overdue"), Some(&street()), &json!({})).expect(200).body["request_ids"], json!([]));
    act(&app, &street(), &id, json!({"action": "escalate"})).problem(409, "already_escalated");
    let tl = app.get(&format!("{API}/requests/{id}/timeline"), Some(&street())).expect(200);
    let last = &tl.body["items"][2];
    assert_eq!((last["kind"].as_str(), last["actor_role"].as_str()), (Some("escalated"), Some("system")));

    // Resolved late: not on time. Auto-closed after the rating window.
    let cgj = app.login("dept.cgj");
    act(&app, &cgj, &id, json!({"action": "accept"})).expect(200);
    act(&app, &cgj, &id, json!({"action": "reply", "text": "已处理"})).expect(200);
    let r = act(&app, &cgj, &id, json!({"action": "resolve", "result": "已处理"})).expect(200);
    assert_eq!((r.body["resolved_on_time"].as_bool(), r.body["overdue"].as_bool()), (Some(false), Some(true)));
    app.clock.advance(TimeDelta::days(7) - TimeDelta::seconds(1));
    assert_eq!(app.post(&format!("{API}/requests/auto-close"), Some(&street()), &json!({})).expect(200).body["request_ids"], json!([]));
    app.clock.advance(TimeDelta::seconds(1));
    app.post(&format!("{API}/requests/auto-close"), Some(&resident()), &json!({})).problem(403, "forbidden");
    assert_eq!(app.post(&format!("{API}/requests/auto-close"), Some(&app.login("admin")), &json!({})).expect(200).body["request_ids"], json!([id]));
    let r = app.get(&format!("{API}/requests/{id}"), Some(&resident())).expect(200);
    assert_eq!((r.body["status"].as_str(), r.body["rating"].is_null()), (Some("closed"), true));
    assert_eq!(kinds(&app, &resident(), &id).last().map(String::as_str), Some("auto_closed"));
}

#[test]
fn scope_and_bad_input() {
    let app = TestApp::start();
    publish_lists(&app);
    let resident = app.login("13800138000");
    let id = submit(&app, &resident, "NOISE");
    let path = format!("{API}/requests/{id}");
    for login in ["staff.xiushan", "13800138001", "street.haimen", "dept.cgj"] {
        app.get(&path, Some(&app.login(login))).problem(404, "not_found");
        act(&app, &app.login(login), &id, json!({"action": "add_note", "text": "x"})).problem(404, "not_found");
    }
    app.get(&path, Some(&app.login("org.dongzhou"))).problem(403, "forbidden");
    app.get(&path, None).problem(401, "missing_token");
    let auditor = app.login("auditor");
    let r = app.get(&path, Some(&auditor)).expect(200);
    assert_eq!((r.body["resident_phone"].as_str(), r.body["resident_name"].as_str()), (Some("138****8000"), Some("居*****")));
    assert_eq!((r.body["address"].as_str(), r.body["resident_account_id"].as_str()), (Some("东洲小区***"), None));
    // Administrators do not handle requests either: masked too. Handlers see it all.
    let r = app.get(&path, Some(&app.login("civil.affairs"))).expect(200);
    assert_eq!(r.body["resident_phone"], "138****8000");
    let r = app.get(&path, Some(&app.login("staff.dongzhou"))).expect(200);
    assert_eq!((r.body["resident_phone"].as_str(), r.body["address"].as_str()), (Some("13800138000"), Some("东洲小区3号楼")));
    act(&app, &auditor, &id, json!({"action": "add_note", "text": "x"})).problem(403, "forbidden");
    assert_eq!(app.get(&format!("{API}/requests"), Some(&app.login("13800138001"))).expect(200).body["items"], json!([]));
    assert_eq!(app.get(&format!("{API}/requests"), Some(&app.login("staff.xiushan"))).expect(200).body["items"], json!([]));
    assert_eq!(app.get(&format!("{API}/requests"), Some(&resident)).expect(200).body["items"].as_array().unwrap().len(), 1);
    app.get(&format!("{API}/requests?status=open"), Some(&resident)).problem(422, "validation_failed");
    app.get(&format!("{API}/requests?limit=500"), Some(&resident)).problem(422, "validation_failed");

    let (requests, events) = (app.count("requests"), app.count("request_events"));
    let post = |body: &[u8]| app.send("POST", &format!("{API}/requests"), Some(&resident), Some("application/json"), Some(body), &[]);
    post(b"{\"category_code\":").problem(400, "malformed_json");
    post(br#"{"category_code": "NOISE", "description": "x", "address": "y", "extra": 1}"#).problem(422, "invalid_body");
    post(br#"{"category_code": 5, "description": "x", "address": "y"}"#).problem(422, "invalid_body");
    post(br#"{"description": "x", "address": "y"}"#).problem(422, "invalid_body");
    let r = post(br#"{"category_code": "?", "description": " ", "latitude": 95}"#).problem(422, "validation_failed");
    let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["category_code", "description", "longitude"]);
    post(br#"{"category_code": "NOISE", "description": "x", "address": "y", "resident_name": "z"}"#).problem(422, "validation_failed");
    app.post(&format!("{API}/requests"), Some(&app.login("grid.dongzhou1")), &json!({"category_code": "NOISE", "description": "x", "address": "y", "resident_name": "王", "resident_phone": "13700001111", "jurisdiction_id": app.community("秀山社区")})).problem(422, "validation_failed");
    app.post(&format!("{API}/requests"), Some(&app.login("dept.cgj")), &json!({"category_code": "NOISE", "description": "x", "address": "y"})).problem(403, "forbidden");
    let staff = app.login("staff.dongzhou");
    act(&app, &staff, &id, json!({"action": "fly"})).problem(422, "invalid_body");
    act(&app, &staff, &id, json!({"action": "triage", "class": "major", "department_id": app.department("CGJ"), "deadline_hours": 72, "colour": "red"})).problem(422, "invalid_body");
    act(&app, &staff, &id, json!({"action": "triage", "class": "major", "department_id": app.department("CGJ"), "deadline_hours": 0})).problem(422, "validation_failed");
    act(&app, &staff, &id, json!({"action": "triage", "class": "giant"})).problem(422, "validation_failed");
    app.send("POST", &format!("{path}/actions"), Some(&staff), Some("application/json"), Some(b"{"), &[]).problem(400, "malformed_json");
    assert_eq!((app.count("requests"), app.count("request_events")), (requests, events));
    app.send("POST", &format!("{API}/requests"), Some(&resident), Some("application/json"), Some(json!({"category_code": "NOISE", "description": "x", "address": "y"}).to_string().as_bytes()), &[("Idempotency-Key", "")]).problem(400, "invalid_header");
    act(&app, &resident, &id, json!({"action": "withdraw", "reason": "已自行解决"})).expect(200);
    act(&app, &staff, &id, json!({"action": "triage", "class": "minor"})).problem(409, "invalid_transition");
}

/// Single reads arriving together: on PostgreSQL the queued ones are answered with one statement
/// (api/src/workers.rs), and each caller must still get the request it asked for, within its own
/// reach. Every (caller, id) pair is read once alone, then all pairs at once from eight threads;
/// the answers must be the same.
#[test]
fn single_reads_together_answer_each_caller_within_reach() {
    let app = TestApp::start();
    publish_lists(&app);
    let mut ids = Vec::new();
    for (resident, code) in [("13800138000", "NOISE"), ("13800138001", "PARKING"), ("13900139000", "REPAIR")] {
        let token = app.login(resident);
        ids.extend([submit(&app, &token, code), submit(&app, &token, code)]);
    }
    let staff = app.login("staff.dongzhou");
    act(&app, &staff, &ids[0], json!({"action": "triage", "class": "major", "department_id": app.department("CGJ"), "deadline_hours": 72})).expect(200);
    ids.extend([uuid::Uuid::now_v7().to_string(), "not-a-request".to_string()]);
    let callers: Vec<String> = ["13800138000", "13800138001", "13900139000", "staff.dongzhou", "staff.xiushan", "grid.dongzhou1", "street.haimen", "dept.cgj", "auditor", "org.dongzhou"]
        .iter()
        .map(|login| app.login(login))
        .collect();
    let pairs: Vec<(&str, &str)> = callers.iter().flat_map(|t| ids.iter().map(move |id| (t.as_str(), id.as_str()))).collect();
    let read = |(token, id): (&str, &str)| {
        let r = app.get(&format!("{API}/requests/{id}"), Some(token));
        (r.status, r.body["id"].as_str().map(str::to_string), r.body["resident_phone"].as_str().map(str::to_string))
    };
    let alone: Vec<_> = pairs.iter().map(|p| read(*p)).collect();
    let seen = |status: u16| alone.iter().filter(|a| a.0 == status).count();
    // Each resident their own two, 东洲's staff four, 秀山's two, 东洲's first grid's worker two,
    // 海门 street 秀山's two, the department the one it was given, the auditor all six; the
    // unknown id and the id that is not one nobody; the organisation may not read requests.
    assert_eq!((seen(200), seen(403), seen(404)), (2 + 2 + 2 + 4 + 2 + 2 + 2 + 1 + 6, 8, 49), "{alone:?}");
    for ((_, id), (status, body_id, _)) in pairs.iter().zip(&alone) {
        assert_eq!(body_id.as_deref(), (*status == 200).then_some(*id));
    }
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (pairs, read) = (&pairs, &read);
                s.spawn(move || (0..pairs.len()).map(|i| (i + t * 7) % pairs.len()).map(|i| (i, read(pairs[i]))).collect::<Vec<_>>())
            })
            .collect();
        for thread in threads {
            for (i, answer) in thread.join().expect("reader thread") {
                assert_eq!(answer, alone[i], "caller {} reading {} together with others", i / ids.len(), pairs[i].1);
            }
        }
    });
    // Lookups queued at once, the same id twice among them, and an unknown one.
    let asked: Vec<String> = ids[..7].iter().chain(ids.iter().take(2)).cloned().collect();
    let answers = actix_web::rt::System::new().block_on(futures_util::future::join_all(asked.iter().map(|id| app.state.look_up_request(id.clone()))));
    for (id, answer) in asked.iter().zip(answers) {
        match answer {
            Ok(full) => assert_eq!(&full.0.id, id),
            Err(e) => assert_eq!((e.status.as_u16(), id), (404, &ids[6])),
        }
    }
    // The shared statement itself, with more ids than one statement takes (unknown ones that sort
    // first, so the known ones fall in both statements) and each known one asked twice.
    let mut many: Vec<String> = (0..30).map(|i| format!("00000000-0000-7000-8000-{i:012}")).collect();
    many.extend(ids[..6].iter().chain(&ids[..6]).cloned());
    let rows = app.db.read(|c| gongzhi_persistence::requests::get_many(c, &many)).expect("get_many");
    let mut found: Vec<&str> = rows.iter().map(|f| f.0.id.as_str()).collect();
    found.sort_unstable();
    let mut known: Vec<&str> = ids[..6].iter().map(String::as_str).collect();
    known.sort_unstable();
    assert_eq!(found, known);
}

#[test]
fn photos_by_magic_bytes_and_size() {
    let app = TestApp::start();
    publish_lists(&app);
    let resident = app.login("13800138000");
    let id = submit(&app, &resident, "PARKING");
    let path = format!("{API}/requests/{id}/photos");
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let png: Vec<u8> = [&b"\x89PNG\r\n\x1a\n"[..], &[7u8; 100]].concat();
    let r = app.post(&path, Some(&resident), &json!({"content_base64": b64(&png)})).expect(201);
    assert_eq!((r.body["content_type"].as_str(), r.body["size_bytes"].as_i64()), (Some("image/png"), Some(108)));
    let photo = r.id();
    app.post(&path, Some(&resident), &json!({"content_base64": b64(b"GIF89a....")})).problem(415, "unsupported_photo_type");
    app.post(&path, Some(&resident), &json!({"content_base64": "***"})).problem(422, "validation_failed");
    app.post(&path, Some(&resident), &json!({"content_base64": b64(b"x"), "name": "a.png"})).problem(422, "invalid_body");
    let big: Vec<u8> = [&[0xFF, 0xD8, 0xFF][..], &vec![0u8; 5 * 1024 * 1024]].concat();
    app.post(&path, Some(&resident), &json!({"content_base64": b64(&big)})).problem(413, "photo_too_large");
    app.post(&path, Some(&app.login("staff.xiushan")), &json!({"content_base64": b64(&png)})).problem(404, "not_found");
    assert_eq!(app.count("request_photos"), 1);
    let got = app.get(&format!("{path}/{photo}"), Some(&app.login("staff.dongzhou"))).expect(200);
    assert_eq!((got.header("content-type"), got.header("content-length")), (Some("image/png"), Some("108")));
    assert_eq!(got.header("etag").map(|e| e.trim_matches('"').to_string()), r.body["sha256"].as_str().map(str::to_string));
    app.get(&format!("{path}/{photo}"), Some(&app.login("13800138001"))).problem(404, "not_found");
    assert_eq!(app.get(&path, Some(&resident)).expect(200).body["items"].as_array().unwrap().len(), 1);
}

#[test]
fn measures_on_a_known_data_set() {
    let app = TestApp::start();
    publish_lists(&app);
    let t0 = gongzhi_tests::start_time();
    let staff = app.login("staff.dongzhou");
    let resident = app.login("13800138000");
    let a = submit(&app, &resident, "PARKING");
    let b = submit(&app, &resident, "NOISE");
    let c = submit(&app, &resident, "REPAIR");
    submit(&app, &app.login("13900139000"), "NOISE");
    act(&app, &staff, &a, json!({"action": "triage", "class": "minor"})).expect(200);
    act(&app, &staff, &b, json!({"action": "triage", "class": "major", "department_id": app.department("CGJ"), "deadline_hours": 10})).expect(200);
    act(&app, &staff, &c, json!({"action": "triage", "class": "private"})).expect(200);
    app.clock.advance(TimeDelta::hours(2));
    let (cgj, staff) = (app.login("dept.cgj"), app.login("staff.dongzhou"));
    act(&app, &staff, &a, json!({"action": "record_resolution", "text": "协商一致"})).expect(200);
    act(&app, &staff, &a, json!({"action": "resolve", "result": "已解决"})).expect(200);
    act(&app, &cgj, &b, json!({"action": "accept"})).expect(200);
    act(&app, &cgj, &b, json!({"action": "reply", "text": "处理中"})).expect(200);
    app.clock.advance(TimeDelta::hours(10));
    let (cgj, resident, staff) = (app.login("dept.cgj"), app.login("13800138000"), app.login("staff.dongzhou"));
    act(&app, &cgj, &b, json!({"action": "resolve", "result": "已整改"})).expect(200);
    act(&app, &resident, &a, json!({"action": "rate", "rating": "satisfied"})).expect(200);
    act(&app, &resident, &b, json!({"action": "rate", "rating": "basically_satisfied"})).expect(200);

    let civil = app.login("civil.affairs");
    let m = app.get(&format!("{API}/measures/requests?group_by=class&metric=closure_rate&min_sample=1"), Some(&civil)).expect(200).body;
    assert_eq!(m["totals"]["counts"], json!({"received": 4, "responded": 3, "resolved": 2, "resolved_on_time": 1, "rated": 2, "satisfied": 2, "total_handling_seconds": 14 * 3600}));
    assert_eq!(m["totals"]["rates"], json!({"response_rate": 0.75, "closure_rate": 0.5, "on_time_rate": 0.5, "satisfaction_rate": 1.0, "average_handling_hours": 7.0}));
    let group = |key: Value| m["groups"].as_array().unwrap().iter().find(|g| g["key"] == key).unwrap()["counts"]["received"].clone();
    assert_eq!((group(json!("major")), group(json!("minor")), group(json!("private")), group(Value::Null)), (json!(1), json!(1), json!(1), json!(1)));
    let communities: Vec<(String, Value)> = m["rankings"]["communities"].as_array().unwrap().iter().map(|r| (r["name"].as_str().unwrap().to_string(), r["rank"].clone())).collect();
    assert_eq!(communities, [("东洲社区".to_string(), json!(1)), ("秀山社区".to_string(), json!(2))]);
    assert_eq!(m["rankings"]["departments"][0]["value"], 1.0);
    let unranked = app.get(&format!("{API}/measures/requests?group_by=street"), Some(&civil)).expect(200).body;
    assert!(unranked["rankings"]["communities"].as_array().unwrap().iter().all(|r| r["rank"].is_null()), "default minimum sample is 10");
    assert_eq!(unranked["groups"].as_array().unwrap().len(), 2);

    let own = app.get(&format!("{API}/measures/requests"), Some(&staff)).expect(200).body;
    assert_eq!(own["totals"]["counts"]["received"], 3);
    let from = (t0 + TimeDelta::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let later = app.get(&format!("{API}/measures/requests?from={from}"), Some(&civil)).expect(200).body;
    assert_eq!(later["totals"]["counts"]["received"], 0);
    app.get(&format!("{API}/measures/requests?jurisdiction_id={}", app.community("秀山社区")), Some(&staff)).problem(404, "not_found");
    app.get(&format!("{API}/measures/requests?group_by=colour"), Some(&civil)).problem(422, "validation_failed");
    app.get(&format!("{API}/measures/requests?min_sample=x"), Some(&civil)).problem(400, "invalid_query");
    app.get(&format!("{API}/measures/requests"), Some(&resident)).problem(403, "forbidden");
}
