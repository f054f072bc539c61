//! Evaluation with clearance data: departments' refusals and unadmitted attempts beside their
//! scores, and the two-way evaluation of entrustment agreements (双向评估).

use chrono::TimeDelta;
use gongzhi_tests::TestApp;
use serde_json::{json, Value};

const CAMPAIGNS: &str = "/api/v1/evaluation/campaigns";
const APPS: &str = "/api/v1/clearance/applications";
const ASSIGN: &str = "/api/v1/clearance/assignments";
const AGREEMENTS: &str = "/api/v1/clearance/agreements";

fn item(app: &TestApp, dept: &str, list: &str) -> String {
    let ca = app.login("civil.affairs");
    let b = json!({"jurisdiction_id": app.city.district, "title": "协助事项", "kind": "work_task", "list": list,
        "legal_basis": {"kind": "law", "reference": "《中华人民共和国城市居民委员会组织法》第三条"}, "frequency": "每年一次",
        "funding": {"amount_cents": 500000, "unit": "per_year"}, "valid_from": "2026-01-01", "valid_until": "2026-12-31"});
    let id = app.post(APPS, Some(dept), &b).expect(201).id();
    app.post(&format!("{APPS}/{id}/approve"), Some(&ca), &json!({})).expect(200);
    id
}

fn campaign(app: &TestApp, node: &str, kinds: Value, open: bool) -> String {
    let ca = app.login("civil.affairs");
    let body = json!({"name": "2026年度双向评估", "jurisdiction_id": node, "kinds": kinds, "period_start": "2026-03-01", "period_end": "2026-04-30"});
    let id = app.post(CAMPAIGNS, Some(&ca), &body).expect(201).id();
    if open {
        app.post(&format!("{CAMPAIGNS}/{id}/open"), Some(&ca), &json!({})).expect(200);
    }
    id
}

fn results(app: &TestApp, id: &str) -> Value {
    app.get(&format!("{CAMPAIGNS}/{id}/results"), Some(&app.login("civil.affairs"))).expect(200).body
}

fn refusals(results: &Value, department: &str) -> (u64, u64) {
    let d = results["departments"].as_array().unwrap().iter().find(|d| d["department_id"] == department).expect("department row");
    (d["assignments_refused"].as_u64().unwrap(), d["unadmitted_attempts"].as_u64().unwrap())
}

#[test]
fn departments_results_count_refusals_and_unadmitted_attempts_in_period_and_area() {
    let app = TestApp::start();
    let (cgj, zjj) = (app.login("dept.cgj"), app.login("dept.zjj"));
    let (dz, xs) = (app.login("staff.dongzhou"), app.login("staff.xiushan"));
    let (dongzhou, xiushan) = (app.community("东洲社区"), app.community("秀山社区"));
    let district = campaign(&app, &app.city.district, json!(["community_to_department"]), false);
    let sanchang = campaign(&app, &app.street("三厂街道"), json!(["community_to_department"]), false);
    let survey = item(&app, &cgj, "duties_by_law");
    let assign = |token: &str, item: Option<&str>, to: &[&String]| app.post(ASSIGN, Some(token), &json!({"item_id": item, "kind": "work_task", "title": "人口抽样调查", "community_ids": to}));

    // In the period: 秀山 refuses one of CGJ's two assignments; CGJ tries once without an item
    // on 东洲, ZJJ once on 秀山 and once on both.
    let batch = assign(&cgj, Some(&survey), &[&dongzhou, &xiushan]).expect(201).body;
    let to = |c: &str| batch["assignments"].as_array().unwrap().iter().find(|a| a["community_id"] == c).unwrap()["id"].as_str().unwrap().to_string();
    app.post(&format!("{ASSIGN}/{}/refuse", to(&xiushan)), Some(&xs), &json!({"reason": "不属于社区职责"})).expect(200);
    app.post(&format!("{ASSIGN}/{}/accept", to(&dongzhou)), Some(&dz), &json!({})).expect(200);
    assign(&cgj, None, &[&dongzhou]).problem(422, "item_not_in_catalogue");
    assign(&zjj, None, &[&xiushan]).problem(422, "item_not_in_catalogue");
    assign(&zjj, None, &[&dongzhou, &xiushan]).problem(422, "item_not_in_catalogue");

    // After the period (30 April): neither a refusal nor an attempt counts.
    app.clock.advance(TimeDelta::days(70));
    let (cgj, dz) = (app.login("dept.cgj"), app.login("staff.dongzhou"));
    let later = assign(&cgj, Some(&survey), &[&dongzhou]).expect(201).body;
    app.post(&format!("{ASSIGN}/{}/refuse", later["assignments"][0]["id"].as_str().unwrap()), Some(&dz), &json!({"reason": "重复报表"})).expect(200);
    assign(&cgj, None, &[&dongzhou]).problem(422, "item_not_in_catalogue");

    let r = results(&app, &district);
    assert_eq!(refusals(&r, &app.department("CGJ")), (1, 1));
    assert_eq!(refusals(&r, &app.department("ZJJ")), (0, 2));
    assert_eq!(refusals(&r, &app.department("MZJ")), (0, 0));
    // 三厂 holds 东洲 only: 秀山's refusal and the attempt on 秀山 alone are outside its area.
    let r = results(&app, &sanchang);
    assert_eq!(refusals(&r, &app.department("CGJ")), (0, 1));
    assert_eq!(refusals(&r, &app.department("ZJJ")), (0, 1));
    assert_eq!(r["agreements"], json!([]));
}

fn rating(agreement: &str, scores: [i64; 4], comment: &str) -> Value {
    let aspects = ["funds_paid", "task_clarity", "cooperation", "delivery_quality"];
    let scores: serde_json::Map<String, Value> = aspects.iter().zip(scores).map(|(a, s)| (a.to_string(), json!({"score": s}))).collect();
    json!({"agreement_id": agreement, "scores": scores, "comment": comment})
}

#[test]
fn both_sides_rate_each_agreement_once() {
    let app = TestApp::start();
    let (cgj, zjj, ca) = (app.login("dept.cgj"), app.login("dept.zjj"), app.login("civil.affairs"));
    let (dz, xs, haimen) = (app.login("staff.dongzhou"), app.login("staff.xiushan"), app.login("street.haimen"));
    let (dongzhou, xiushan) = (app.community("东洲社区"), app.community("秀山社区"));
    let assistance = item(&app, &cgj, "assistance_to_government");
    let agreement = |token: &str, community: &str, counterparty: &str| {
        let b = json!({"community_id": community, "counterparty": counterparty, "title": "2026年度委托协议书", "item_ids": [assistance],
            "amount_cents": 1200000, "valid_from": "2026-01-01", "valid_until": "2026-12-31"});
        app.post(AGREEMENTS, Some(token), &b).expect(201).id()
    };
    let a = agreement(&cgj, &dongzhou, "community_committee");
    let b = agreement(&haimen, &xiushan, "residents_council");
    app.post(&format!("{AGREEMENTS}/{a}/payments"), Some(&cgj), &json!({"amount_cents": 400000, "paid_on": "2026-03-01"})).expect(201);
    let id = campaign(&app, &app.city.district, json!(["agreement"]), true);
    let url = format!("{CAMPAIGNS}/{id}/agreement-ratings");

    let scoring = campaign(&app, &app.city.district, json!(["community_to_department"]), true);
    let haimen_campaign = campaign(&app, &app.street("海门街道"), json!(["agreement"]), true);

    let (resident, sanchang) = (app.login("13800138000"), app.login("street.sanchang"));

    // Refusals write nothing.
    let before = (app.count("evaluation_agreement_ratings"), app.count("audit_log"));
    app.post(&url, Some(&resident), &rating(&a, [5, 5, 5, 5], "")).problem(403, "forbidden");
    app.post(&url, Some(&ca), &rating(&a, [5, 5, 5, 5], "")).problem(403, "forbidden");
    app.post(&url, Some(&zjj), &rating(&a, [5, 5, 5, 5], "")).problem(404, "not_found");
    app.post(&url, Some(&xs), &rating(&a, [5, 5, 5, 5], "")).problem(404, "not_found");
    app.post(&url, Some(&sanchang), &rating(&a, [5, 5, 5, 5], "")).problem(404, "not_found");
    app.post(&url, Some(&cgj), &rating("0190aaaa-0000-7000-8000-000000000000", [5, 5, 5, 5], "")).problem(404, "not_found");
    app.post(&url, Some(&cgj), &rating(&a, [5, 6, 5, 5], "")).problem(422, "validation_failed");
    let mut missing = rating(&a, [5, 5, 5, 5], "");
    missing["scores"].as_object_mut().unwrap().remove("cooperation");
    app.post(&url, Some(&cgj), &missing).problem(422, "validation_failed");
    app.post(&url, Some(&cgj), &json!({"agreement_id": a, "scores": {}, "extra": 1})).problem(422, "invalid_body");
    app.send("POST", &url, Some(&cgj), Some("application/json"), Some(b"{"), &[]).problem(400, "malformed_json");
    app.post(&format!("{CAMPAIGNS}/{scoring}/agreement-ratings"), Some(&cgj), &rating(&a, [5, 5, 5, 5], "")).problem(422, "kind_not_evaluated");
    app.post(&format!("{CAMPAIGNS}/{haimen_campaign}/agreement-ratings"), Some(&cgj), &rating(&a, [5, 5, 5, 5], "")).problem(422, "agreement_not_in_campaign");
    assert_eq!((app.count("evaluation_agreement_ratings"), app.count("audit_log")), before);

    // Each side once.
    let r = app.post(&url, Some(&cgj), &rating(&a, [5, 4, 4, 3], "社区完成较好")).expect(201);
    assert_eq!((r.body["side"].as_str(), r.body["mean"].as_f64()), (Some("government"), Some(4.0)));
    app.post(&url, Some(&cgj), &rating(&a, [1, 1, 1, 1], "")).problem(409, "already_rated");
    let r = app.post(&url, Some(&dz), &rating(&a, [2, 3, 4, 3], "经费只拨付三分之一")).expect(201);
    assert_eq!((r.body["side"].as_str(), r.body["mean"].as_f64()), (Some("community"), Some(3.0)));
    app.post(&url, Some(&dz), &rating(&a, [5, 5, 5, 5], "")).problem(409, "already_rated");
    app.post(&url, Some(&haimen), &rating(&b, [4, 4, 4, 5], "")).expect(201);
    assert_eq!(app.count("evaluation_agreement_ratings"), before.0 + 3);
    assert_eq!(app.count("audit_log"), before.1 + 3);

    // Results: both sides' means beside promised and paid.
    let r = results(&app, &id);
    let rows = r["agreements"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let row = |x: &str| rows.iter().find(|r| r["agreement_id"] == x).unwrap().clone();
    let ra = row(&a);
    assert_eq!((ra["promised_cents"].as_i64(), ra["paid_cents"].as_i64()), (Some(1200000), Some(400000)));
    assert_eq!((ra["government"]["mean"].as_f64(), ra["community"]["mean"].as_f64()), (Some(4.0), Some(3.0)));
    assert_eq!(ra["community"]["scores"]["funds_paid"]["score"], 2);
    assert_eq!(ra["community"]["comment"], "经费只拨付三分之一");
    let rb = row(&b);
    assert_eq!((rb["government"]["mean"].as_f64(), rb["community"].clone(), rb["paid_cents"].as_i64()), (Some(4.25), Value::Null, Some(0)));

    // Published like the rest; no rating once closed.
    app.get(&format!("/api/v1/public/evaluation/campaigns/{id}/results"), None).problem(404, "not_found");
    app.post(&format!("{CAMPAIGNS}/{id}/close"), Some(&ca), &json!({})).expect(200);
    app.post(&url, Some(&xs), &rating(&b, [4, 4, 4, 4], "")).problem(409, "campaign_not_open");
    app.post(&format!("{CAMPAIGNS}/{id}/publish"), Some(&ca), &json!({})).expect(200);
    let public = app.get(&format!("/api/v1/public/evaluation/campaigns/{id}/results"), None).expect(200);
    assert_eq!(public.body["agreements"].as_array().unwrap().len(), 2);
}
