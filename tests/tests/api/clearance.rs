//! Clearance (准入清单): admission (凡进必审), the public catalogue, enforcement with recorded
//! refusals, entrustment agreements (委托协议书), signboards and seals, the burden report (减负).

use chrono::TimeDelta;
use gongzhi_tests::TestApp;
use serde_json::{json, Value};

const APPS: &str = "/api/v1/clearance/applications";
const ASSIGN: &str = "/api/v1/clearance/assignments";
const AGREEMENTS: &str = "/api/v1/clearance/agreements";
const ATTEMPTS: &str = "/api/v1/clearance/unadmitted-attempts";

/// (case, item, kind, targets, expected refusal code).
type Case<'a> = (&'a str, Option<&'a str>, &'a str, Vec<String>, &'a str);

/// An application body held by `jurisdiction`, adjusted by `f`.
fn body(jurisdiction: &str, kind: &str, list: &str, f: impl FnOnce(&mut Value)) -> Value {
    let mut b = json!({
        "jurisdiction_id": jurisdiction,
        "title": format!("{kind} 事项"),
        "kind": kind,
        "list": list,
        "legal_basis": {"kind": "law", "reference": "《中华人民共和国城市居民委员会组织法》第三条"},
        "frequency": "每年一次",
        "funding": {"amount_cents": 500000, "unit": "per_year"},
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31"
    });
    f(&mut b);
    b
}

/// Submits as `dept` and approves as civil affairs; returns the item id.
fn admitted(app: &TestApp, dept: &str, ca: &str, b: Value) -> String {
    let id = app.post(APPS, Some(dept), &b).expect(201).id();
    app.post(&format!("{APPS}/{id}/approve"), Some(ca), &json!({})).expect(200);
    id
}

fn catalogue_ids(app: &TestApp, node: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/public/jurisdictions/{node}/clearance-catalogue"), None).expect(200);
    r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

fn assign(app: &TestApp, dept: &str, item: Option<&str>, kind: &str, communities: &[&String]) -> gongzhi_tests::Resp {
    app.post(ASSIGN, Some(dept), &json!({"item_id": item, "kind": kind, "title": "2026年人口抽样调查", "community_ids": communities}))
}

#[test]
fn admission_flow_versions_and_catalogue() {
    let app = TestApp::start();
    let (cgj, ca) = (app.login("dept.cgj"), app.login("civil.affairs"));
    let (district, sanchang) = (app.city.district.clone(), app.street("三厂街道"));
    let (dongzhou, xiushan) = (app.community("东洲社区"), app.community("秀山社区"));

    let r = app.post(APPS, Some(&cgj), &body(&sanchang, "statistics_survey", "duties_by_law", |_| {})).expect(201);
    let id = r.id();
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["department_id"], app.department("CGJ"));
    assert!(catalogue_ids(&app, &dongzhou).is_empty(), "a submitted item is not published");

    app.post(&format!("{APPS}/{id}/request-changes"), Some(&ca), &json!({"reason": "补充法律依据条款"})).expect(200);
    let mut changed = body(&sanchang, "statistics_survey", "duties_by_law", |b| b["title"] = json!("城市管理问卷调查（修订）"));
    changed["legal_basis"]["reference"] = json!("《城市市容和环境卫生管理条例》第四条");
    let r = app.post(&format!("{APPS}/{id}/resubmit"), Some(&cgj), &changed).expect(200);
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(r.body["version"], 2);
    let r = app.post(&format!("{APPS}/{id}/approve"), Some(&ca), &json!({})).expect(200);
    assert_eq!(r.body["status"], "approved");
    assert_eq!(r.body["valid_now"], true);
    assert_eq!(r.body["title"], "城市管理问卷调查（修订）");
    // Every version and every decision is kept.
    let versions = r.body["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["title"], "statistics_survey 事项");
    assert_eq!(versions[1]["legal_basis"]["reference"], "《城市市容和环境卫生管理条例》第四条");
    let actions: Vec<&str> = r.body["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["submit", "request_changes", "resubmit", "approve"]);
    assert_eq!(r.body["events"][1]["reason"], "补充法律依据条款");

    // A street item applies in that street only; a district item everywhere.
    let district_item = admitted(&app, &cgj, &ca, body(&district, "work_task", "duties_by_law", |_| {}));
    assert_eq!(catalogue_ids(&app, &dongzhou), vec![id.clone(), district_item.clone()]);
    assert_eq!(catalogue_ids(&app, &sanchang), vec![id.clone(), district_item.clone()]);
    assert_eq!(catalogue_ids(&app, &xiushan), vec![district_item.clone()]);
    assert_eq!(catalogue_ids(&app, &district), vec![district_item.clone()]);
    app.get("/api/v1/public/jurisdictions/0190aaaa-0000-7000-8000-000000000000/clearance-catalogue", None).problem(404, "not_found");

    // Withdrawal by civil affairs takes it out of the catalogue.
    let r = app.post(&format!("{APPS}/{id}/withdraw"), Some(&ca), &json!({})).expect(200);
    assert_eq!(r.body["status"], "withdrawn");
    assert_eq!(catalogue_ids(&app, &dongzhou), vec![district_item.clone()]);
    // The owner may withdraw its own approved item too.
    app.post(&format!("{APPS}/{district_item}/withdraw"), Some(&cgj), &json!({})).expect(200);
    assert!(catalogue_ids(&app, &dongzhou).is_empty());

    // Lists: the department sees its own, another department nothing, civil affairs all.
    let r = app.get(APPS, Some(&cgj)).expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let zjj = app.login("dept.zjj");
    assert_eq!(app.get(APPS, Some(&zjj)).expect(200).body["items"].as_array().unwrap().len(), 0);
    let r = app.get(&format!("{APPS}?status=withdrawn"), Some(&ca)).expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    app.get(&format!("{APPS}?status=bogus"), Some(&ca)).problem(422, "validation_failed");
    // Audited.
    let audit = app.get("/api/v1/audit-log", Some(&app.login("auditor"))).expect(200);
    assert!(audit.text.contains("clearance.application.approve") && audit.text.contains("clearance.application.resubmit"));
}

#[test]
fn admission_refusals() {
    let app = TestApp::start();
    let (cgj, ca, zjj) = (app.login("dept.cgj"), app.login("civil.affairs"), app.login("dept.zjj"));
    let district = app.city.district.clone();
    let before = app.count("clearance_applications");

    // 费随事转: an assistance item carries funding.
    app.post(APPS, Some(&cgj), &body(&district, "work_task", "assistance_to_government", |b| b["funding"] = Value::Null)).problem(422, "funding_required");
    app.post(APPS, Some(&cgj), &body(&district, "work_task", "assistance_to_government", |b| b["funding"]["amount_cents"] = json!(0))).problem(422, "funding_required");
    let r = app.post(APPS, Some(&cgj), &body(&district, "work_task", "duties_by_law", |b| {
        b["valid_until"] = json!("2025-12-31");
        b["title"] = json!(" ");
        b["funding"]["amount_cents"] = json!(-1);
    }));
    let r = r.problem(422, "validation_failed");
    let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "funding.amount_cents", "valid_until"]);
    // Jurisdiction must be a district or street.
    app.post(APPS, Some(&cgj), &body(&app.community("东洲社区"), "work_task", "duties_by_law", |_| {})).problem(422, "validation_failed");
    app.post(APPS, Some(&cgj), &body("nope", "work_task", "duties_by_law", |_| {})).problem(422, "validation_failed");
    // Bad input.
    app.send("POST", APPS, Some(&cgj), Some("application/json"), Some(b"{not json"), &[]).problem(400, "malformed_json");
    app.post(APPS, Some(&cgj), &body(&district, "work_task", "duties_by_law", |b| b["extra"] = json!(1))).problem(422, "invalid_body");
    app.post(APPS, Some(&cgj), &body(&district, "work_task", "duties_by_law", |b| drop(b.as_object_mut().unwrap().remove("kind")))).problem(422, "invalid_body");
    app.post(APPS, Some(&cgj), &body(&district, "bribe", "duties_by_law", |_| {})).problem(422, "invalid_body");
    app.post(APPS, Some(&cgj), &body(&district, "work_task", "duties_by_law", |b| b["valid_from"] = json!("2026-02-30"))).problem(422, "invalid_body");
    // Wrong roles.
    for login in ["civil.affairs", "staff.dongzhou", "auditor", "street.sanchang"] {
        app.post(APPS, Some(&app.login(login)), &body(&district, "work_task", "duties_by_law", |_| {})).problem(403, "forbidden");
    }
    app.post(APPS, None, &body(&district, "work_task", "duties_by_law", |_| {})).problem(401, "missing_token");
    assert_eq!(app.count("clearance_applications"), before);
    assert_eq!(app.count("clearance_application_versions"), 0);

    let id = app.post(APPS, Some(&cgj), &body(&district, "work_task", "duties_by_law", |_| {})).expect(201).id();
    let at = |action: &str| format!("{APPS}/{id}/{action}");
    // Only civil affairs reviews; the department may not approve its own item.
    app.post(&at("approve"), Some(&cgj), &json!({})).problem(403, "forbidden");
    app.post(&at("approve"), Some(&app.login("auditor")), &json!({})).problem(403, "forbidden");
    app.post(&at("approve"), Some(&app.login("staff.dongzhou")), &json!({})).problem(403, "forbidden");
    // Another department does not see it at all.
    app.get(&format!("{APPS}/{id}"), Some(&zjj)).problem(404, "not_found");
    app.post(&at("withdraw"), Some(&zjj), &json!({})).problem(404, "not_found");
    // Reasons are required.
    app.post(&at("reject"), Some(&ca), &json!({"reason": "  "})).problem(422, "validation_failed");
    app.post(&at("reject"), Some(&ca), &json!({})).problem(422, "invalid_body");
    // Illegal transitions.
    app.post(&at("resubmit"), Some(&cgj), &body(&district, "work_task", "duties_by_law", |_| {})).problem(409, "invalid_transition");
    app.post(&at("withdraw"), Some(&ca), &json!({})).problem(409, "invalid_transition");
    app.post(&at("reject"), Some(&ca), &json!({"reason": "无法律依据"})).expect(200);
    app.post(&at("approve"), Some(&ca), &json!({})).problem(409, "invalid_transition");
    app.post(&at("withdraw"), Some(&cgj), &json!({})).problem(409, "invalid_transition");
    let r = app.get(&format!("{APPS}/{id}"), Some(&cgj)).expect(200);
    assert_eq!(r.body["status"], "rejected");
    assert_eq!(r.body["events"].as_array().unwrap().len(), 2);
    // Street admins read items of their street only.
    let street_item = admitted(&app, &cgj, &ca, body(&app.street("三厂街道"), "work_task", "duties_by_law", |_| {}));
    app.get(&format!("{APPS}/{street_item}"), Some(&app.login("street.sanchang"))).expect(200);
    app.get(&format!("{APPS}/{street_item}"), Some(&app.login("street.haimen"))).problem(404, "not_found");
    app.get(&format!("{APPS}/{street_item}"), Some(&app.login("staff.dongzhou"))).problem(403, "forbidden");
}

#[test]
fn expiry_is_lazy_and_recorded() {
    let app = TestApp::start();
    let (cgj, ca) = (app.login("dept.cgj"), app.login("civil.affairs"));
    let dongzhou = app.community("东洲社区");
    let short = admitted(&app, &cgj, &ca, body(&app.city.district, "work_task", "duties_by_law", |b| b["valid_until"] = json!("2026-03-10")));
    let long = admitted(&app, &cgj, &ca, body(&app.city.district, "work_task", "duties_by_law", |_| {}));
    assert_eq!(catalogue_ids(&app, &dongzhou).len(), 2);
    // The last valid day still counts (local day, UTC+8).
    app.clock.advance(TimeDelta::days(8));
    assert_eq!(catalogue_ids(&app, &dongzhou).len(), 2);
    app.clock.advance(TimeDelta::days(1));
    assert_eq!(catalogue_ids(&app, &dongzhou), vec![long.clone()]);
    let (cgj, ca) = (app.login("dept.cgj"), app.login("civil.affairs"));
    let r = app.get(&format!("{APPS}/{short}"), Some(&ca)).expect(200);
    assert_eq!((r.body["status"].as_str(), r.body["valid_now"].as_bool()), (Some("approved"), Some(false)));
    assign(&app, &cgj, Some(&short), "work_task", &[&dongzhou]).problem(422, "item_expired");
    // The scheduled run marks it expired, once.
    app.post(&format!("{APPS}/expire"), Some(&cgj), &json!({})).problem(403, "forbidden");
    let r = app.post(&format!("{APPS}/expire"), Some(&ca), &json!({})).expect(200);
    assert_eq!(r.body["expired"], json!([short]));
    assert_eq!(r.body["day"], "2026-03-11");
    assert_eq!(app.post(&format!("{APPS}/expire"), Some(&ca), &json!({})).expect(200).body["expired"], json!([]));
    let r = app.get(&format!("{APPS}/{short}"), Some(&ca)).expect(200);
    assert_eq!(r.body["status"], "expired");
    assert_eq!(r.body["events"].as_array().unwrap().last().unwrap()["action"], "expire");
    app.post(&format!("{APPS}/{short}/withdraw"), Some(&cgj), &json!({})).problem(409, "invalid_transition");
    assign(&app, &cgj, Some(&short), "work_task", &[&dongzhou]).problem(422, "item_expired");
}

#[test]
fn enforcement_refuses_and_records_every_unadmitted_attempt() {
    let app = TestApp::start();
    let (cgj, ca, zjj) = (app.login("dept.cgj"), app.login("civil.affairs"), app.login("dept.zjj"));
    let district = app.city.district.clone();
    let (dongzhou, xiushan) = (app.community("东洲社区"), app.community("秀山社区"));
    let survey = admitted(&app, &cgj, &ca, body(&district, "statistics_survey", "duties_by_law", |_| {}));
    let negative = admitted(&app, &cgj, &ca, body(&district, "creation_project", "negative", |_| {}));
    let pending = app.post(APPS, Some(&cgj), &body(&district, "ledger", "duties_by_law", |_| {})).expect(201).id();
    let future = admitted(&app, &cgj, &ca, body(&district, "work_task", "duties_by_law", |b| b["valid_from"] = json!("2026-06-01")));
    let street = admitted(&app, &cgj, &ca, body(&app.street("三厂街道"), "work_task", "duties_by_law", |_| {}));
    let assistance = admitted(&app, &cgj, &ca, body(&district, "work_task", "assistance_to_government", |_| {}));

    let cases: [Case; 9] = [
        ("no item", None, "work_task", vec![dongzhou.clone()], "item_not_in_catalogue"),
        ("unknown item", Some("0190aaaa-0000-7000-8000-000000000000"), "work_task", vec![dongzhou.clone()], "item_not_in_catalogue"),
        ("negative list", Some(&negative), "creation_project", vec![dongzhou.clone()], "item_on_negative_list"),
        ("not admitted", Some(&pending), "ledger", vec![dongzhou.clone()], "item_not_admitted"),
        ("not yet valid", Some(&future), "work_task", vec![dongzhou.clone()], "item_not_yet_valid"),
        ("other street", Some(&street), "work_task", vec![dongzhou.clone(), xiushan.clone()], "item_out_of_jurisdiction"),
        ("kind", Some(&survey), "seal_use", vec![dongzhou.clone()], "item_kind_mismatch"),
        ("unfunded", Some(&assistance), "work_task", vec![dongzhou.clone()], "item_unfunded"),
        ("another department's item", Some(&survey), "statistics_survey", vec![dongzhou.clone()], "item_not_in_catalogue"),
    ];
    for (i, (case, item, kind, targets, code)) in cases.iter().enumerate() {
        let token = if *case == "another department's item" { &zjj } else { &cgj };
        let r = assign(&app, token, *item, kind, &targets.iter().collect::<Vec<_>>()).problem(422, code);
        assert!(!r.body["detail"].as_str().unwrap().is_empty(), "{case}");
        assert_eq!(app.count("clearance_unadmitted_attempts"), i as i64 + 1, "{case} is recorded");
    }
    assert_eq!(app.count("clearance_assignments"), 0);

    // Bad input is refused without a record.
    assign(&app, &cgj, Some(&survey), "statistics_survey", &[]).problem(422, "validation_failed");
    assign(&app, &cgj, Some(&survey), "statistics_survey", &[&app.grid("东洲社区/第一网格")]).problem(422, "validation_failed");
    app.post(ASSIGN, Some(&cgj), &json!({"item_id": survey, "kind": "statistics_survey", "title": "x"})).problem(422, "invalid_body");
    app.post(ASSIGN, Some(&cgj), &json!({"item_id": survey, "kind": "statistics_survey", "title": "x", "community_ids": "all"})).problem(422, "invalid_body");
    assign(&app, &app.login("staff.dongzhou"), Some(&survey), "statistics_survey", &[&dongzhou]).problem(403, "forbidden");
    assign(&app, &ca, Some(&survey), "statistics_survey", &[&dongzhou]).problem(403, "forbidden");
    assert_eq!(app.count("clearance_unadmitted_attempts"), 9);

    // Civil affairs and auditors read every attempt; a department only its own.
    let r = app.get(&format!("{ATTEMPTS}?limit=100"), Some(&ca)).expect(200);
    let codes: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(codes[0], "item_not_in_catalogue");
    assert_eq!(codes[7], "item_unfunded");
    assert_eq!(r.body["items"][5]["community_ids"].as_array().unwrap().len(), 2);
    let r = app.get(ATTEMPTS, Some(&zjj)).expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["items"][0]["department_id"], app.department("ZJJ"));
    let r = app.get(&format!("{ATTEMPTS}?department_id={}", app.department("ZJJ")), Some(&app.login("auditor"))).expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    app.get(ATTEMPTS, Some(&app.login("staff.dongzhou"))).problem(403, "forbidden");
    let audit = app.get("/api/v1/audit-log?limit=100", Some(&app.login("auditor"))).expect(200);
    assert!(audit.text.contains("clearance.assignment.refused"));

    // An admitted, valid item of the right kind is accepted for every target.
    let r = assign(&app, &cgj, Some(&survey), "statistics_survey", &[&dongzhou, &xiushan, &dongzhou]).expect(201);
    assert_eq!(r.body["assignments"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["assignments"][0]["status"], "pending");
}

#[test]
fn communities_answer_assignments() {
    let app = TestApp::start();
    let (cgj, ca) = (app.login("dept.cgj"), app.login("civil.affairs"));
    let (dz, xs) = (app.login("staff.dongzhou"), app.login("staff.xiushan"));
    let (dongzhou, xiushan) = (app.community("东洲社区"), app.community("秀山社区"));
    let survey = admitted(&app, &cgj, &ca, body(&app.city.district, "statistics_survey", "duties_by_law", |_| {}));
    let r = assign(&app, &cgj, Some(&survey), "statistics_survey", &[&dongzhou, &xiushan]).expect(201);
    let to_dz = r.body["assignments"].as_array().unwrap().iter().find(|a| a["community_id"] == dongzhou.as_str()).unwrap()["id"].as_str().unwrap().to_string();
    let to_xs = r.body["assignments"].as_array().unwrap().iter().find(|a| a["community_id"] == xiushan.as_str()).unwrap()["id"].as_str().unwrap().to_string();

    // Incoming lists per community; outgoing for the department; nothing for another department.
    let r = app.get(ASSIGN, Some(&dz)).expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["items"][0]["id"], to_dz.as_str());
    assert_eq!(app.get(ASSIGN, Some(&cgj)).expect(200).body["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.get(ASSIGN, Some(&app.login("dept.zjj"))).expect(200).body["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.get(ASSIGN, Some(&app.login("street.sanchang"))).expect(200).body["items"].as_array().unwrap().len(), 1);
    app.get(ASSIGN, Some(&app.login("13800138000"))).problem(403, "forbidden");
    app.get(&format!("{ASSIGN}/{to_dz}"), Some(&xs)).problem(404, "not_found");
    app.get(&format!("{ASSIGN}/{to_dz}"), Some(&app.login("dept.zjj"))).problem(404, "not_found");

    // Only the target community's staff answer.
    app.post(&format!("{ASSIGN}/{to_dz}/accept"), Some(&xs), &json!({})).problem(404, "not_found");
    app.post(&format!("{ASSIGN}/{to_dz}/accept"), Some(&cgj), &json!({})).problem(403, "forbidden");
    app.post(&format!("{ASSIGN}/{to_dz}/accept"), Some(&app.login("street.sanchang")), &json!({})).problem(403, "forbidden");
    let r = app.post(&format!("{ASSIGN}/{to_dz}/accept"), Some(&dz), &json!({})).expect(200);
    assert_eq!(r.body["status"], "accepted");
    app.post(&format!("{ASSIGN}/{to_dz}/refuse"), Some(&dz), &json!({"reason": "x"})).problem(409, "invalid_transition");
    app.post(&format!("{ASSIGN}/{to_xs}/refuse"), Some(&xs), &json!({"reason": ""})).problem(422, "validation_failed");
    app.post(&format!("{ASSIGN}/{to_xs}/refuse"), Some(&xs), &json!({"why": "x"})).problem(422, "invalid_body");
    let r = app.post(&format!("{ASSIGN}/{to_xs}/refuse"), Some(&xs), &json!({"reason": "与本社区无关"})).expect(200);
    assert_eq!((r.body["status"].as_str(), r.body["reason"].as_str()), (Some("refused"), Some("与本社区无关")));
    app.post(&format!("{ASSIGN}/{to_xs}/accept"), Some(&xs), &json!({})).problem(409, "invalid_transition");
    let r = app.get(&format!("{ASSIGN}?status=refused"), Some(&cgj)).expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["items"][0]["answered_by"], app.get("/api/v1/me", Some(&xs)).expect(200).body["id"]);
}

#[test]
fn agreements_fund_assistance_items() {
    let app = TestApp::start();
    let (cgj, ca, zjj) = (app.login("dept.cgj"), app.login("civil.affairs"), app.login("dept.zjj"));
    let (dongzhou, xiushan) = (app.community("东洲社区"), app.community("秀山社区"));
    let assistance = admitted(&app, &cgj, &ca, body(&app.city.district, "work_task", "assistance_to_government", |_| {}));
    let pending = app.post(APPS, Some(&cgj), &body(&app.city.district, "work_task", "assistance_to_government", |_| {})).expect(201).id();
    assign(&app, &cgj, Some(&assistance), "work_task", &[&dongzhou]).problem(422, "item_unfunded");

    let agreement = |items: Vec<&str>, community: &str, f: &dyn Fn(&mut Value)| {
        let mut b = json!({"community_id": community, "counterparty": "community_committee", "title": "2026年度城市管理协助事项委托协议书",
            "item_ids": items, "amount_cents": 1200000, "valid_from": "2026-01-01", "valid_until": "2026-12-31"});
        f(&mut b);
        b
    };
    let before = app.count("clearance_agreements");
    app.post(AGREEMENTS, Some(&cgj), &agreement(vec![&pending], &dongzhou, &|_| {})).problem(422, "validation_failed");
    app.post(AGREEMENTS, Some(&zjj), &agreement(vec![&assistance], &dongzhou, &|_| {})).problem(422, "validation_failed");
    app.post(AGREEMENTS, Some(&cgj), &agreement(vec![&assistance], &dongzhou, &|b| b["amount_cents"] = json!(0))).problem(422, "validation_failed");
    app.post(AGREEMENTS, Some(&cgj), &agreement(vec![], &dongzhou, &|_| {})).problem(422, "validation_failed");
    app.post(AGREEMENTS, Some(&cgj), &agreement(vec![&assistance], &app.street("三厂街道"), &|_| {})).problem(422, "validation_failed");
    app.post(AGREEMENTS, Some(&cgj), &agreement(vec![&assistance], &dongzhou, &|b| b["counterparty"] = json!("mayor"))).problem(422, "invalid_body");
    app.post(AGREEMENTS, Some(&app.login("staff.dongzhou")), &agreement(vec![&assistance], &dongzhou, &|_| {})).problem(403, "forbidden");
    assert_eq!(app.count("clearance_agreements"), before);

    let r = app.post(AGREEMENTS, Some(&cgj), &agreement(vec![&assistance], &dongzhou, &|_| {})).expect(201);
    let id = r.id();
    assert_eq!((r.body["promised_cents"].as_i64(), r.body["paid_cents"].as_i64()), (Some(1200000), Some(0)));
    assert_eq!(r.body["principal_department_id"], app.department("CGJ"));
    // Funded for 东洲 now; 秀山 still has no agreement.
    assign(&app, &cgj, Some(&assistance), "work_task", &[&dongzhou]).expect(201);
    assign(&app, &cgj, Some(&assistance), "work_task", &[&dongzhou, &xiushan]).problem(422, "item_unfunded");

    // Payments are appended; totals follow.
    let pay = |token: &str, amount: i64| app.post(&format!("{AGREEMENTS}/{id}/payments"), Some(token), &json!({"amount_cents": amount, "paid_on": "2026-03-01", "note": "凭证 001"}));
    pay(&cgj, 0).problem(422, "validation_failed");
    pay(&app.login("staff.dongzhou"), 100).problem(403, "forbidden");
    pay(&zjj, 100).problem(404, "not_found");
    pay(&app.login("street.sanchang"), 100).problem(403, "forbidden");
    pay(&cgj, 400000).expect(201);
    let r = pay(&cgj, 200000).expect(201);
    assert_eq!((r.body["paid_cents"].as_i64(), r.body["outstanding_cents"].as_i64()), (Some(600000), Some(600000)));
    assert_eq!(r.body["payments"].as_array().unwrap().len(), 2);
    // Visible to the community and auditors, not to another community or department.
    for login in ["staff.dongzhou", "auditor", "street.sanchang", "civil.affairs"] {
        let r = app.get(&format!("{AGREEMENTS}/{id}"), Some(&app.login(login))).expect(200);
        assert_eq!(r.body["paid_cents"], 600000, "{login}");
    }
    app.get(&format!("{AGREEMENTS}/{id}"), Some(&app.login("staff.xiushan"))).problem(404, "not_found");
    app.get(&format!("{AGREEMENTS}/{id}"), Some(&zjj)).problem(404, "not_found");
    assert_eq!(app.get(AGREEMENTS, Some(&app.login("staff.xiushan"))).expect(200).body["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.get(AGREEMENTS, Some(&app.login("staff.dongzhou"))).expect(200).body["items"][0]["promised_cents"], 1200000);

    // A street entrusts its residents' council and pays itself.
    let street = app.login("street.haimen");
    let r = app.post(AGREEMENTS, Some(&street), &agreement(vec![&assistance], &xiushan, &|b| b["counterparty"] = json!("residents_council"))).expect(201);
    assert_eq!(r.body["principal_department_id"], Value::Null);
    assert_eq!(r.body["principal_jurisdiction_id"], app.street("海门街道"));
    app.post(&format!("{AGREEMENTS}/{}/payments", r.id()), Some(&street), &json!({"amount_cents": 5000, "paid_on": "2026-03-02"})).expect(201);
    app.post(AGREEMENTS, Some(&street), &agreement(vec![&assistance], &dongzhou, &|_| {})).problem(422, "validation_failed");
    assign(&app, &cgj, Some(&assistance), "work_task", &[&dongzhou, &xiushan]).expect(201);
    // An agreement out of force no longer funds.
    app.clock.advance(TimeDelta::days(400));
    let cgj = app.login("dept.cgj");
    assign(&app, &cgj, Some(&assistance), "work_task", &[&dongzhou]).problem(422, "item_expired");
}

#[test]
fn signboards_and_seals() {
    let app = TestApp::start();
    let (cgj, ca) = (app.login("dept.cgj"), app.login("civil.affairs"));
    let dz = app.login("staff.dongzhou");
    let dongzhou = app.community("东洲社区");
    let signboard = admitted(&app, &cgj, &ca, body(&app.city.district, "signboard", "duties_by_law", |_| {}));
    let seal = admitted(&app, &cgj, &ca, body(&app.city.district, "seal_use", "duties_by_law", |_| {}));
    let boards = format!("/api/v1/clearance/communities/{dongzhou}/signboards");
    let hang = |placement: &str, name: &str| app.post(&boards, Some(&dz), &json!({"placement": placement, "name": name, "item_id": signboard}));

    for i in 0..4 {
        hang("outside", &format!("牌子{i}")).expect(201);
    }
    hang("outside", "第五块").problem(422, "signboard_limit_reached");
    hang("inside", "党员活动室").expect(201);
    app.post(&boards, Some(&dz), &json!({"placement": "outside", "name": "x", "item_id": seal})).problem(422, "item_kind_mismatch");
    app.post(&boards, Some(&dz), &json!({"placement": "outside", "name": "x", "item_id": "nope"})).problem(422, "item_not_in_catalogue");
    app.post(&boards, Some(&dz), &json!({"placement": "roof", "name": "x", "item_id": signboard})).problem(422, "invalid_body");
    app.post(&boards, Some(&app.login("staff.xiushan")), &json!({"placement": "inside", "name": "x", "item_id": signboard})).problem(404, "not_found");
    app.post(&boards, Some(&cgj), &json!({"placement": "inside", "name": "x", "item_id": signboard})).problem(403, "forbidden");
    assert_eq!(app.count("clearance_signboards"), 5);

    // Taking one down frees a place; the record stays.
    let list = app.get(&boards, Some(&dz)).expect(200);
    let first = list.body["items"][0]["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/clearance/signboards/{first}/remove"), Some(&app.login("staff.xiushan")), &json!({})).problem(404, "not_found");
    let r = app.post(&format!("/api/v1/clearance/signboards/{first}/remove"), Some(&dz), &json!({})).expect(200);
    assert_eq!(r.body["hanging"], false);
    app.post(&format!("/api/v1/clearance/signboards/{first}/remove"), Some(&dz), &json!({})).problem(409, "invalid_transition");
    hang("outside", "第五块").expect(201);
    assert_eq!(app.get(&boards, Some(&app.login("auditor"))).expect(200).body["items"].as_array().unwrap().len(), 6);
    app.get(&boards, Some(&app.login("street.haimen"))).problem(404, "not_found");

    // A street sets a stricter limit; the district default stays 4.
    let sanchang = app.street("三厂街道");
    let settings = format!("/api/v1/clearance/jurisdictions/{sanchang}/settings");
    app.json("PUT", &settings, Some(&dz), &json!({"outside_signboard_limit": 2})).problem(403, "forbidden");
    app.json("PUT", &settings, Some(&ca), &json!({"outside_signboard_limit": -1})).problem(422, "validation_failed");
    app.json("PUT", &format!("/api/v1/clearance/jurisdictions/{dongzhou}/settings"), Some(&ca), &json!({"outside_signboard_limit": 2})).problem(422, "invalid_level");
    let r = app.get(&format!("/api/v1/clearance/jurisdictions/{dongzhou}/settings"), Some(&dz)).expect(200);
    assert_eq!((r.body["outside_signboard_limit"].as_u64(), r.body["set_at"].is_null()), (Some(4), true));
    app.json("PUT", &settings, Some(&ca), &json!({"outside_signboard_limit": 5})).expect(200);
    hang("outside", "第六块").expect(201);
    app.json("PUT", &settings, Some(&ca), &json!({"outside_signboard_limit": 2})).expect(200);
    let r = app.get(&format!("/api/v1/clearance/jurisdictions/{dongzhou}/settings"), Some(&dz)).expect(200);
    assert_eq!((r.body["outside_signboard_limit"].as_u64(), r.body["set_at"].as_str()), (Some(2), Some(sanchang.as_str())));
    hang("outside", "第七块").problem(422, "signboard_limit_reached");

    // Seal uses under an admitted seal item, on a day it was valid.
    let seals = format!("/api/v1/clearance/communities/{dongzhou}/seal-uses");
    app.post(&seals, Some(&dz), &json!({"used_on": "2026-03-01", "purpose": "居住证明", "item_id": seal})).expect(201);
    app.post(&seals, Some(&dz), &json!({"used_on": "2026-03-01", "purpose": "x", "item_id": signboard})).problem(422, "item_kind_mismatch");
    app.post(&seals, Some(&dz), &json!({"used_on": "2025-12-31", "purpose": "x", "item_id": seal})).problem(422, "item_not_yet_valid");
    app.post(&seals, Some(&dz), &json!({"used_on": "2026-03-09", "purpose": "x", "item_id": seal})).problem(422, "validation_failed");
    app.post(&seals, Some(&dz), &json!({"used_on": "2026-03-01", "purpose": "x"})).problem(422, "invalid_body");
    let r = app.get(&seals, Some(&app.login("street.sanchang"))).expect(200);
    assert_eq!(r.body["items"][0]["purpose"], "居住证明");
    app.get(&seals, Some(&app.login("staff.xiushan"))).problem(404, "not_found");
    app.get(&seals, Some(&cgj)).problem(403, "forbidden");
}

#[test]
fn burden_report_on_a_known_data_set() {
    let app = TestApp::start();
    let (cgj, ca, zjj) = (app.login("dept.cgj"), app.login("civil.affairs"), app.login("dept.zjj"));
    let district = app.city.district.clone();
    let dongzhou = app.community("东洲社区");
    // Baselines (Haishu: items 90 → 24, surveys 36 → 4); a later record replaces an earlier one.
    let base = format!("/api/v1/clearance/jurisdictions/{district}/baselines");
    app.post(&base, Some(&ca), &json!({"count": 80})).expect(201);
    app.post(&base, Some(&ca), &json!({"count": 90, "note": "2015年清理前"})).expect(201);
    app.post(&base, Some(&ca), &json!({"kind": "statistics_survey", "count": 36})).expect(201);
    app.post(&base, Some(&ca), &json!({"kind": "statistics_survey", "count": -3})).problem(422, "validation_failed");
    app.post(&base, Some(&cgj), &json!({"count": 1})).problem(403, "forbidden");
    // Items now: 2 surveys + 1 task (CGJ), 1 survey (ZJJ) valid; one negative, one withdrawn, one
    // pending and one expired that do not count.
    let s1 = admitted(&app, &cgj, &ca, body(&district, "statistics_survey", "duties_by_law", |_| {}));
    admitted(&app, &cgj, &ca, body(&district, "statistics_survey", "duties_by_law", |_| {}));
    admitted(&app, &cgj, &ca, body(&district, "work_task", "duties_by_law", |_| {}));
    admitted(&app, &zjj, &ca, body(&district, "statistics_survey", "duties_by_law", |_| {}));
    admitted(&app, &cgj, &ca, body(&district, "creation_project", "negative", |_| {}));
    let w = admitted(&app, &cgj, &ca, body(&district, "ledger", "duties_by_law", |_| {}));
    app.post(&format!("{APPS}/{w}/withdraw"), Some(&cgj), &json!({})).expect(200);
    app.post(APPS, Some(&cgj), &body(&district, "ledger", "duties_by_law", |_| {})).expect(201);
    admitted(&app, &cgj, &ca, body(&district, "ledger", "duties_by_law", |b| b["valid_until"] = json!("2026-03-01")));
    // CGJ: two assignments (one refused) and two unadmitted attempts; ZJJ: one attempt.
    let r = assign(&app, &cgj, Some(&s1), "statistics_survey", &[&dongzhou, &app.community("秀山社区")]).expect(201);
    let to_dz = r.body["assignments"].as_array().unwrap().iter().find(|a| a["community_id"] == dongzhou.as_str()).unwrap()["id"].as_str().unwrap().to_string();
    app.post(&format!("{ASSIGN}/{to_dz}/refuse"), Some(&app.login("staff.dongzhou")), &json!({"reason": "重复调查"})).expect(200);
    assign(&app, &cgj, None, "ledger", &[&dongzhou]).problem(422, "item_not_in_catalogue");
    assign(&app, &cgj, Some(&s1), "ledger", &[&dongzhou]).problem(422, "item_kind_mismatch");
    assign(&app, &zjj, None, "body", &[&dongzhou]).problem(422, "item_not_in_catalogue");

    let r = app.get(&format!("/api/v1/clearance/jurisdictions/{district}/burden-report"), Some(&app.login("auditor"))).expect(200);
    let b = &r.body;
    assert_eq!(b["day"], "2026-03-02");
    assert_eq!(b["total"], json!({"kind": null, "baseline": 90, "current": 4, "cut": 86, "cut_ratio": 86.0 / 90.0}));
    let kind = |k: &str| b["by_kind"].as_array().unwrap().iter().find(|x| x["kind"] == k).unwrap().clone();
    assert_eq!(kind("statistics_survey"), json!({"kind": "statistics_survey", "baseline": 36, "current": 3, "cut": 33, "cut_ratio": 33.0 / 36.0}));
    assert_eq!(kind("work_task"), json!({"kind": "work_task", "baseline": null, "current": 1, "cut": null, "cut_ratio": null}));
    assert_eq!(kind("ledger")["current"], 0);
    assert_eq!(kind("creation_project")["current"], 0);
    let dept = |code: &str| b["by_department"].as_array().unwrap().iter().find(|x| x["department_id"] == app.department(code).as_str()).unwrap().clone();
    let cgj_row = dept("CGJ");
    assert_eq!((cgj_row["items"].as_u64(), cgj_row["assignments"].as_i64(), cgj_row["refusals"].as_i64(), cgj_row["unadmitted_attempts"].as_i64()), (Some(3), Some(2), Some(1), Some(2)));
    let zjj_row = dept("ZJJ");
    assert_eq!((zjj_row["items"].as_u64(), zjj_row["assignments"].as_i64(), zjj_row["unadmitted_attempts"].as_i64()), (Some(1), Some(0), Some(1)));
    assert_eq!(b["by_department"].as_array().unwrap().len(), 5);

    // A street's report counts what applies there and its communities' assignments only.
    let sanchang = app.street("三厂街道");
    let r = app.get(&format!("/api/v1/clearance/jurisdictions/{sanchang}/burden-report"), Some(&app.login("street.sanchang"))).expect(200);
    assert_eq!(r.body["total"]["current"], 4);
    assert_eq!(r.body["total"]["baseline"], Value::Null);
    let cgj_row = r.body["by_department"].as_array().unwrap().iter().find(|x| x["department_id"] == app.department("CGJ").as_str()).unwrap().clone();
    assert_eq!((cgj_row["assignments"].as_i64(), cgj_row["refusals"].as_i64()), (Some(1), Some(1)));
    app.get(&format!("/api/v1/clearance/jurisdictions/{sanchang}/burden-report"), Some(&app.login("street.haimen"))).problem(404, "not_found");
    app.get(&format!("/api/v1/clearance/jurisdictions/{district}/burden-report"), Some(&cgj)).problem(403, "forbidden");
}
