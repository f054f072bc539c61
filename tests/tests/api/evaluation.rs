//! Evaluation (双评议): campaigns, one-response rules, anonymity, all-or-nothing imports,
//! aggregation with exact numbers, publication, audited exports, scope and bad input.

use gongzhi_tests::TestApp;
use serde_json::{json, Value};

const TABLES: [&str; 5] = ["evaluation_campaigns", "evaluation_responses", "evaluation_imports", "evaluation_department_scores", "audit_log"];
const ASPECTS: [&str; 10] = [
    "tasks_pushed_down",
    "creation_projects",
    "funding_follows_task",
    "work_style",
    "service_attitude",
    "efficiency",
    "coordination",
    "information_sharing",
    "respect_for_autonomy",
    "burden_reduction",
];
/// Codes of the demo communities.
const DONGZHOU: &str = "320684001001";
const XIUSHAN: &str = "320684002001";

fn questionnaire() -> Value {
    json!([
        {"code": "overall", "kind": "scale", "prompt": "您对社区工作的总体评价"},
        {"code": "service", "kind": "choice", "prompt": "您对社区服务是否满意", "required": false, "options": [
            {"value": "satisfied", "label": "满意", "satisfied": true},
            {"value": "basically_satisfied", "label": "基本满意", "satisfied": true},
            {"value": "dissatisfied", "label": "不满意"}
        ]}
    ])
}

fn campaign_body(jurisdiction: &str, kinds: Value) -> Value {
    json!({"name": "2026年度双评议", "jurisdiction_id": jurisdiction, "kinds": kinds, "period_start": "2026-03-01", "period_end": "2026-04-30", "questionnaire": questionnaire()})
}

/// An open campaign over the whole district rating communities and departments.
fn open_campaign(app: &TestApp, ca: &str) -> String {
    let id = app.post("/api/v1/evaluation/campaigns", Some(ca), &campaign_body(&app.city.district, json!(["resident_to_community", "community_to_department"]))).expect(201).id();
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/open"), Some(ca), &json!({})).expect(200);
    id
}

fn csv(app: &TestApp, path: &str, token: &str, body: &str) -> gongzhi_tests::Resp {
    app.send("POST", path, Some(token), Some("text/csv"), Some(body.as_bytes()), &[])
}

fn scores(value: i64) -> Value {
    let mut m = serde_json::Map::new();
    for a in ASPECTS {
        m.insert(a.into(), json!({"score": value}));
    }
    Value::Object(m)
}

fn community<'a>(results: &'a Value, id: &str) -> &'a Value {
    results["communities"].as_array().unwrap().iter().find(|c| c["community_id"] == id).expect("community row")
}

fn department<'a>(results: &'a Value, id: &str) -> &'a Value {
    results["departments"].as_array().unwrap().iter().find(|c| c["department_id"] == id).expect("department row")
}

/// The known data set: 东洲 5 imported households; 秀山 3 imported + 1 online; CGJ scored by two
/// communities, ZJJ by one.
fn load_known_set(app: &TestApp, id: &str) {
    let auditor = app.login("auditor");
    let file = format!(
        "community,household_key,overall,service,suggestion\n\
         {DONGZHOU},DZ-01,5,satisfied,多建休闲座椅\n\
         {DONGZHOU},DZ-02,4,basically_satisfied,\n\
         {DONGZHOU},DZ-03,4,dissatisfied,\"停车难, 希望改善\"\n\
         {DONGZHOU},DZ-04,3,,\n\
         {},DZ-05,5,satisfied,\n\
         {XIUSHAN},XS-01,2,dissatisfied,\n\
         {XIUSHAN},XS-02,3,dissatisfied,\n\
         {XIUSHAN},XS-03,4,satisfied,\n",
        app.community("东洲社区")
    );
    let r = csv(app, &format!("/api/v1/evaluation/campaigns/{id}/responses/import"), &auditor, &file).expect(201);
    assert_eq!((r.body["valid"].as_bool(), r.body["accepted"].as_u64()), (Some(true), Some(8)), "{}", r.text);
    let resident = app.login("13900139000");
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/responses"), Some(&resident), &json!({"answers": {"overall": 5, "service": "basically_satisfied"}, "suggestion": "感谢社区"}))
        .expect(201);
    let dz = app.login("staff.dongzhou");
    let xs = app.login("staff.xiushan");
    let mut dz_cgj = scores(4);
    dz_cgj["funding_follows_task"] = json!({"score": 2, "comment": "费未随事转"});
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/department-scores"), Some(&dz), &json!({"department_id": app.department("CGJ"), "scores": dz_cgj})).expect(201);
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/department-scores"), Some(&xs), &json!({"department_id": app.department("CGJ"), "scores": scores(5)})).expect(201);
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/department-scores"), Some(&dz), &json!({"department_id": app.department("ZJJ"), "scores": scores(3)})).expect(201);
}

#[test]
fn campaign_state_machine() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let street = app.street("三厂街道");
    let mut body = campaign_body(&street, json!(["resident_to_community"]));
    body["questionnaire"] = json!([]);
    let c = app.post("/api/v1/evaluation/campaigns", Some(&ca), &body).expect(201);
    assert_eq!(c.body["state"], "draft");
    let id = c.id();
    let path = |a: &str| format!("/api/v1/evaluation/campaigns/{id}/{a}");
    app.post(&path("close"), Some(&ca), &json!({})).problem(409, "invalid_transition");
    app.post(&path("publish"), Some(&ca), &json!({})).problem(409, "invalid_transition");
    // A resident survey cannot open without a questionnaire.
    app.post(&path("open"), Some(&ca), &json!({})).problem(422, "questionnaire_required");
    let edited = app.patch(&format!("/api/v1/evaluation/campaigns/{id}"), Some(&ca), &json!({"questionnaire": questionnaire(), "period_end": "2026-05-31"})).expect(200);
    assert_eq!(edited.body["questionnaire"].as_array().unwrap().len(), 2);
    assert_eq!(edited.body["period_end"], "2026-05-31");
    app.patch(&format!("/api/v1/evaluation/campaigns/{id}"), Some(&ca), &json!({"period_end": "2026-02-01"})).problem(422, "validation_failed");
    // Other roles may not run campaigns.
    for login in ["auditor", "staff.dongzhou", "street.sanchang"] {
        let t = app.login(login);
        app.post(&path("open"), Some(&t), &json!({})).problem(403, "forbidden");
        app.post("/api/v1/evaluation/campaigns", Some(&t), &body).problem(403, "forbidden");
    }
    let opened = app.post(&path("open"), Some(&ca), &json!({})).expect(200);
    assert_eq!(opened.body["state"], "open");
    assert!(opened.body["opened_at"].is_string());
    app.post(&path("open"), Some(&ca), &json!({})).problem(409, "invalid_transition");
    app.post(&path("publish"), Some(&ca), &json!({})).problem(409, "invalid_transition");
    app.patch(&format!("/api/v1/evaluation/campaigns/{id}"), Some(&ca), &json!({"name": "改名"})).problem(409, "invalid_transition");
    app.post(&path("close"), Some(&ca), &json!({})).expect(200);
    let published = app.post(&path("publish"), Some(&ca), &json!({})).expect(200);
    assert_eq!(published.body["state"], "published");
    app.post(&path("publish"), Some(&ca), &json!({})).problem(409, "invalid_transition");
    app.post(&path("open"), Some(&ca), &json!({})).problem(409, "invalid_transition");
    // Every move is audited.
    let auditor = app.login("auditor");
    let log = app.get(&format!("/api/v1/audit-log?target_id={id}&limit=100"), Some(&auditor)).expect(200);
    let actions: Vec<&str> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["evaluation.campaign.create", "evaluation.campaign.update", "evaluation.campaign.open", "evaluation.campaign.close", "evaluation.campaign.publish"]);
    // A community in the street sees the campaign; the filter works.
    let staff = app.login("staff.dongzhou");
    let listed = app.get("/api/v1/evaluation/campaigns?state=published&kind=resident_to_community", Some(&staff)).expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let none = app.get("/api/v1/evaluation/campaigns?kind=agreement", Some(&staff)).expect(200);
    assert!(none.body["items"].as_array().unwrap().is_empty());
}

#[test]
fn aggregation_on_a_known_data_set() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let id = open_campaign(&app, &ca);
    load_known_set(&app, &id);
    let r = app.get(&format!("/api/v1/evaluation/campaigns/{id}/results"), Some(&ca)).expect(200);
    assert_eq!(r.body["min_sample"], 5);
    let dz = community(&r.body, &app.community("东洲社区"));
    // overall 5,4,4,3,5: mean 4.2, 4 of 5 satisfied; service: 3 of 4 answered satisfied → 7 of 9.
    assert_eq!(dz["respondents"], 5);
    assert_eq!((dz["rated_answers"].as_u64(), dz["satisfied_answers"].as_u64()), (Some(9), Some(7)));
    assert_eq!(dz["satisfaction_rate"], 0.7778);
    assert_eq!(dz["rank"], 1);
    assert_eq!(dz["items"][0]["mean"], 4.2);
    assert_eq!(dz["items"][0]["distribution"], json!({"1": 0, "2": 0, "3": 1, "4": 2, "5": 2}));
    assert_eq!(dz["items"][1]["count"], 4);
    assert_eq!(dz["items"][1]["satisfaction_rate"], 0.75);
    assert_eq!(dz["items"][1]["distribution"], json!({"satisfied": 2, "basically_satisfied": 1, "dissatisfied": 1}));
    // 秀山: overall 2,3,4,5 (one online): mean 3.5; 4 of 8 satisfied; 4 households < 5: unranked.
    let xs = community(&r.body, &app.community("秀山社区"));
    assert_eq!((xs["respondents"].as_u64(), xs["satisfaction_rate"].as_f64()), (Some(4), Some(0.5)));
    assert_eq!(xs["items"][0]["mean"], 3.5);
    assert!(xs["rank"].is_null());
    let empty = community(&r.body, &app.community("江滨社区"));
    assert_eq!((empty["respondents"].as_u64(), empty["satisfaction_rate"].is_null(), empty["rank"].is_null()), (Some(0), true, true));
    assert_eq!(r.body["communities"].as_array().unwrap().len(), 4);
    assert_eq!(r.body["communities"][0]["community_id"], app.community("东洲社区"), "ranked rows come first");
    // Departments: CGJ (9×4 + 2 + 10×5) / 20 = 4.4 over 2 communities; ZJJ 3.0 over 1.
    let cgj = department(&r.body, &app.department("CGJ"));
    assert_eq!((cgj["submissions"].as_u64(), cgj["overall_mean"].as_f64()), (Some(2), Some(4.4)));
    let funding = cgj["aspects"].as_array().unwrap().iter().find(|a| a["aspect"] == "funding_follows_task").unwrap();
    assert_eq!((funding["mean"].as_f64(), funding["distribution"].clone()), (Some(3.5), json!([0, 1, 0, 0, 1])));
    assert_eq!(cgj["aspects"].as_array().unwrap().len(), 10);
    assert!(cgj["rank"].is_null(), "2 communities are below the default minimum of 5");
    let unscored = department(&r.body, &app.department("WJW"));
    assert_eq!((unscored["submissions"].as_u64(), unscored["overall_mean"].is_null()), (Some(0), true));
    // A smaller minimum ranks them; 秀山 then ranks second.
    let r = app.get(&format!("/api/v1/evaluation/campaigns/{id}/results?min_sample=1"), Some(&ca)).expect(200);
    assert_eq!(department(&r.body, &app.department("CGJ"))["rank"], 1);
    assert_eq!(department(&r.body, &app.department("ZJJ"))["rank"], 2);
    assert_eq!(community(&r.body, &app.community("秀山社区"))["rank"], 2);
    app.get(&format!("/api/v1/evaluation/campaigns/{id}/results?min_sample=0"), Some(&ca)).problem(422, "validation_failed");
    app.get(&format!("/api/v1/evaluation/campaigns/{id}/results?min_sample=many"), Some(&ca)).problem(400, "invalid_query");
}

#[test]
fn ties_share_a_rank() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let id = open_campaign(&app, &ca);
    let dz = app.login("staff.dongzhou");
    for code in ["CGJ", "ZJJ"] {
        app.post(&format!("/api/v1/evaluation/campaigns/{id}/department-scores"), Some(&dz), &json!({"department_id": app.department(code), "scores": scores(4)})).expect(201);
    }
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/department-scores"), Some(&dz), &json!({"department_id": app.department("GAJ"), "scores": scores(2)})).expect(201);
    let r = app.get(&format!("/api/v1/evaluation/campaigns/{id}/results?min_sample=1"), Some(&ca)).expect(200);
    let ranks: Vec<Value> = ["CGJ", "ZJJ", "GAJ", "WJW"].iter().map(|c| department(&r.body, &app.department(c))["rank"].clone()).collect();
    assert_eq!(ranks, vec![json!(1), json!(1), json!(3), Value::Null]);
}

#[test]
fn one_response_per_household_and_one_scoring_per_department() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let id = open_campaign(&app, &ca);
    let resident = app.login("13800138000");
    let url = format!("/api/v1/evaluation/campaigns/{id}/responses");
    let first = app.post(&url, Some(&resident), &json!({"answers": {"overall": 4}})).expect(201);
    assert_eq!(first.body["community_id"], app.community("东洲社区"));
    app.post(&url, Some(&resident), &json!({"answers": {"overall": 5}})).problem(409, "already_responded");
    // Another household of the same community answers on its own.
    app.post(&url, Some(&app.login("13800138001")), &json!({"answers": {"overall": 5}})).expect(201);
    assert_eq!(app.count("evaluation_responses"), 2);
    // Imported households are unique too, within the file and against what is stored.
    let auditor = app.login("auditor");
    let import = format!("/api/v1/evaluation/campaigns/{id}/responses/import");
    csv(&app, &import, &auditor, &format!("community,household_key,overall\n{DONGZHOU},H-1,4\n")).expect(201);
    let r = csv(&app, &import, &auditor, &format!("community,household_key,overall\n{DONGZHOU},H-1,4\n{DONGZHOU},H-2,4\n{DONGZHOU},H-2,5\n")).problem(422, "import_rejected");
    let rows = r.body["report"]["row_reports"].as_array().unwrap();
    assert_eq!(rows[0]["errors"][0]["code"], "already_responded");
    assert_eq!(rows[1]["ok"], true);
    assert_eq!(rows[2]["errors"][0]["code"], "duplicate_in_file");
    assert_eq!(app.count("evaluation_responses"), 3);
    // One scoring per community and department.
    let staff = app.login("staff.dongzhou");
    let scores_url = format!("/api/v1/evaluation/campaigns/{id}/department-scores");
    let body = json!({"department_id": app.department("CGJ"), "scores": scores(4)});
    let s = app.post(&scores_url, Some(&staff), &body).expect(201);
    assert_eq!(s.body["scores"]["work_style"]["score"], 4);
    app.post(&scores_url, Some(&staff), &body).problem(409, "already_scored");
    app.post(&scores_url, Some(&app.login("staff.xiushan")), &body).expect(201);
    assert_eq!(app.count("evaluation_department_scores"), 2);
    // Only the right roles answer.
    app.post(&url, Some(&staff), &json!({"answers": {"overall": 4}})).problem(403, "forbidden");
    app.post(&scores_url, Some(&resident), &body).problem(403, "forbidden");
    csv(&app, &import, &staff, "community,household_key,overall\n").problem(403, "forbidden");
    // Closed: nothing more is accepted.
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/close"), Some(&ca), &json!({})).expect(200);
    app.post(&url, Some(&app.login("13900139000")), &json!({"answers": {"overall": 4}})).problem(409, "campaign_not_open");
    app.post(&scores_url, Some(&staff), &json!({"department_id": app.department("ZJJ"), "scores": scores(4)})).problem(409, "campaign_not_open");
    csv(&app, &import, &auditor, &format!("community,household_key,overall\n{DONGZHOU},H-9,4\n")).problem(409, "campaign_not_open");
    // A campaign without the kind refuses the answer.
    let other = app.post("/api/v1/evaluation/campaigns", Some(&ca), &campaign_body(&app.city.district, json!(["community_to_department"]))).expect(201).id();
    app.post(&format!("/api/v1/evaluation/campaigns/{other}/open"), Some(&ca), &json!({})).expect(200);
    app.post(&format!("/api/v1/evaluation/campaigns/{other}/responses"), Some(&resident), &json!({"answers": {"overall": 4}})).problem(422, "kind_not_evaluated");
}

#[test]
fn community_staff_never_see_who_answered() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let id = open_campaign(&app, &ca);
    load_known_set(&app, &id);
    let resident_id = app.get("/api/v1/me", Some(&app.login("13900139000"))).expect(200).id();
    let staff = app.login("staff.xiushan");
    // No results before publication, no row-level exports ever.
    app.get(&format!("/api/v1/evaluation/campaigns/{id}/results"), Some(&staff)).problem(403, "results_not_published");
    app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/responses"), Some(&staff)).problem(403, "forbidden");
    app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/department-scores"), Some(&staff)).problem(403, "forbidden");
    app.get("/api/v1/audit-log", Some(&staff)).problem(403, "forbidden");
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/close"), Some(&ca), &json!({})).expect(200);
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/publish"), Some(&ca), &json!({})).expect(200);
    // Published: aggregates only — no account ids, household keys or suggestions.
    for path in [format!("/api/v1/evaluation/campaigns/{id}/results?min_sample=1"), format!("/api/v1/evaluation/communities/{}/results", app.community("秀山社区"))] {
        let r = app.get(&path, Some(&staff)).expect(200);
        for secret in [resident_id.as_str(), "XS-01", "感谢社区", "household"] {
            assert!(!r.text.contains(secret), "{path} reveals {secret}");
        }
    }
    let history = app.get(&format!("/api/v1/evaluation/communities/{}/results", app.community("秀山社区")), Some(&staff)).expect(200);
    assert_eq!(history.body["entries"][0]["result"]["respondents"], 4);
    // The auditor's rows carry a pseudonym, never the account id or the evaluator's key.
    let auditor = app.login("auditor");
    let rows = app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/responses?format=json"), Some(&auditor)).expect(200);
    assert!(!rows.text.contains(&resident_id) && !rows.text.contains("XS-01"), "{}", rows.text);
    let online: Vec<&Value> = rows.body.as_array().unwrap().iter().filter(|r| r["source"] == "online").collect();
    assert_eq!(online.len(), 1);
    assert_eq!(online[0]["household_ref"].as_str().unwrap().len(), 16);
    assert_eq!(online[0]["suggestion"], "感谢社区");
    // The audit row of the online answer names the campaign, not the response.
    let log = app.get("/api/v1/audit-log?action=evaluation.response.create", Some(&auditor)).expect(200);
    assert_eq!(log.body["items"][0]["target_id"], id);
    assert_ne!(log.body["items"][0]["target_id"], online[0]["response_id"]);
}

#[test]
fn imports_are_all_or_nothing_with_a_report() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let id = open_campaign(&app, &ca);
    let auditor = app.login("auditor");
    let url = format!("/api/v1/evaluation/campaigns/{id}/responses/import");
    let before: Vec<i64> = TABLES.iter().map(|t| app.count(t)).collect();
    let bad = format!(
        "community,household_key,overall,service,suggestion\n\
         {DONGZHOU},A-1,5,satisfied,好\n\
         {DONGZHOU},A-2,6,satisfied,\n\
         999999,A-3,4,happy,\n\
         {DONGZHOU},,,,\n\
         {XIUSHAN},A-5,4\n"
    );
    let r = csv(&app, &url, &auditor, &bad).problem(422, "import_rejected");
    let report = &r.body["report"];
    assert_eq!((report["rows"].as_u64(), report["accepted"].as_u64(), report["rejected"].as_u64()), (Some(5), Some(1), Some(4)));
    assert_eq!(report["valid"], false);
    let rows = report["row_reports"].as_array().unwrap();
    let codes = |i: usize| rows[i]["errors"].as_array().unwrap().iter().map(|e| format!("{}:{}", e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect::<Vec<_>>();
    assert_eq!((rows[0]["line"].as_u64(), rows[0]["ok"].as_bool()), (Some(2), Some(true)));
    assert_eq!(codes(1), ["overall:out_of_range"]);
    assert_eq!(codes(2), ["community:unknown_community", "service:invalid_value"]);
    assert_eq!(codes(3), ["household_key:required", "overall:required"]);
    assert_eq!(codes(4), [":wrong_field_count"]);
    assert_eq!(rows[4]["line"], 6);
    let after: Vec<i64> = TABLES.iter().map(|t| app.count(t)).collect();
    assert_eq!(before, after, "a refused import writes nothing");
    // File-level problems.
    let r = csv(&app, &url, &auditor, "community,household_key,overal\n").problem(422, "import_rejected");
    let file: Vec<&str> = r.body["report"]["file_errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(file, ["unknown_column", "missing_column"]);
    csv(&app, &url, &auditor, "community,household_key,overall\n").problem(422, "import_rejected");
    let r = app.send("POST", &url, Some(&auditor), Some("text/csv"), Some(b"community,household_key,overall\n\xff\xfe,1,2\n"), &[]).problem(422, "import_rejected");
    assert_eq!(r.body["report"]["file_errors"][0]["code"], "invalid_encoding");
    app.send("POST", &url, Some(&auditor), Some("application/json"), Some(b"{}"), &[]).problem(415, "unsupported_media_type");
    let huge = vec![b'a'; 9 * 1024 * 1024];
    app.send("POST", &url, Some(&auditor), Some("text/csv"), Some(&huge), &[]).problem(413, "payload_too_large");
    app.send("POST", &format!("{url}?dry_run=maybe"), Some(&auditor), Some("text/csv"), Some(b"x"), &[]).problem(400, "invalid_query");
    assert_eq!(before, TABLES.iter().map(|t| app.count(t)).collect::<Vec<_>>());
    // A dry run reports and writes nothing; the same file then imports.
    let good = format!("\u{feff}community,household_key,overall,service\n{DONGZHOU},A-1,5,satisfied\n{XIUSHAN},A-2,3,\n");
    let dry = csv(&app, &format!("{url}?dry_run=true"), &auditor, &good).expect(200);
    assert_eq!((dry.body["dry_run"].as_bool(), dry.body["valid"].as_bool(), dry.body["accepted"].as_u64()), (Some(true), Some(true), Some(2)));
    assert!(dry.body["import_id"].is_null());
    let dry_bad = csv(&app, &format!("{url}?dry_run=true"), &auditor, &bad).expect(200);
    assert_eq!(dry_bad.body["valid"], false);
    assert_eq!(before, TABLES.iter().map(|t| app.count(t)).collect::<Vec<_>>());
    let done = csv(&app, &url, &auditor, &good).expect(201);
    assert!(done.body["import_id"].is_string());
    assert_eq!(app.count("evaluation_responses"), 2);
    assert_eq!(app.count("evaluation_imports"), 1);
    let log = app.get("/api/v1/audit-log?action=evaluation.responses.import", Some(&auditor)).expect(200);
    assert_eq!(log.body["items"][0]["detail"]["rows"], 2);
}

#[test]
fn results_are_public_only_after_publishing() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let id = open_campaign(&app, &ca);
    load_known_set(&app, &id);
    let public = format!("/api/v1/public/evaluation/campaigns/{id}/results");
    let results = format!("/api/v1/evaluation/campaigns/{id}/results");
    let dept = app.login("dept.cgj");
    let cgj_history = format!("/api/v1/evaluation/departments/{}/results?min_sample=1", app.department("CGJ"));
    app.get(&public, None).problem(404, "not_found");
    app.get(&results, Some(&dept)).problem(403, "results_not_published");
    assert!(app.get(&cgj_history, Some(&dept)).expect(200).body["entries"].as_array().unwrap().is_empty());
    // Civil affairs and auditors see results before publication.
    app.get(&results, Some(&app.login("auditor"))).expect(200);
    assert_eq!(app.get(&cgj_history, Some(&ca)).expect(200).body["entries"].as_array().unwrap().len(), 1);
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/close"), Some(&ca), &json!({})).expect(200);
    app.get(&public, None).problem(404, "not_found");
    assert!(app.get("/api/v1/public/evaluation/campaigns", None).expect(200).body["items"].as_array().unwrap().is_empty());
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/publish"), Some(&ca), &json!({})).expect(200);
    let p = app.get(&format!("{public}?min_sample=1"), None).expect(200);
    assert_eq!(department(&p.body, &app.department("CGJ"))["overall_mean"], 4.4);
    assert_eq!(p.body["campaign"]["state"], "published");
    assert_eq!(app.get("/api/v1/public/evaluation/campaigns", None).expect(200).body["items"].as_array().unwrap().len(), 1);
    // The department now sees its aggregated scores, across campaigns.
    let h = app.get(&cgj_history, Some(&dept)).expect(200);
    assert_eq!(h.body["entries"].as_array().unwrap().len(), 1);
    assert_eq!(h.body["entries"][0]["result"]["overall_mean"], 4.4);
    assert_eq!(h.body["entries"][0]["result"]["rank"], 1);
    assert!(!h.text.contains("费未随事转"), "comments stay in the auditors' export");
    app.get(&results, Some(&dept)).expect(200);
    // A second, unpublished campaign does not show in the department's history.
    let second = open_campaign(&app, &ca);
    app.post(&format!("/api/v1/evaluation/campaigns/{second}/department-scores"), Some(&app.login("staff.dongzhou")), &json!({"department_id": app.department("CGJ"), "scores": scores(1)})).expect(201);
    assert_eq!(app.get(&cgj_history, Some(&dept)).expect(200).body["entries"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(&cgj_history, Some(&ca)).expect(200).body["entries"].as_array().unwrap().len(), 2);
    app.get("/api/v1/public/evaluation/campaigns/nonexistent/results", None).problem(404, "not_found");
}

#[test]
fn exports_stream_rows_and_are_audited() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let id = open_campaign(&app, &ca);
    load_known_set(&app, &id);
    let auditor = app.login("auditor");
    let dept = app.login("dept.cgj");
    let before = app.count("audit_log");
    let r = app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/responses"), Some(&auditor)).expect(200);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines[0], "response_id,community_id,community_code,community_name,household_ref,source,import_id,submitted_on,overall,service,suggestion");
    assert_eq!(lines.len(), 10, "header + 9 responses");
    assert!(r.text.contains("\"停车难, 希望改善\""), "{}", r.text);
    let json_rows = app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/responses?format=json"), Some(&auditor)).expect(200);
    assert_eq!(json_rows.body.as_array().unwrap().len(), 9);
    let mut overall: Vec<i64> = json_rows.body.as_array().unwrap().iter().map(|r| r["answers"]["overall"].as_i64().unwrap()).collect();
    overall.sort();
    assert_eq!(overall, [2, 3, 3, 4, 4, 4, 5, 5, 5]);
    let s = app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/department-scores?format=json"), Some(&auditor)).expect(200);
    assert_eq!(s.body.as_array().unwrap().len(), 3);
    assert!(s.body.as_array().unwrap().iter().any(|r| r["scores"]["funding_follows_task"] == json!({"score": 2, "comment": "费未随事转"})));
    let s = app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/department-scores"), Some(&ca)).expect(200);
    assert!(s.text.lines().next().unwrap().ends_with("burden_reduction,burden_reduction_comment"));
    assert_eq!(s.text.lines().count(), 4);
    // Every read is in the audit log.
    assert_eq!(app.count("audit_log"), before + 4);
    let log = app.get("/api/v1/audit-log?action=export.read&limit=100", Some(&auditor)).expect(200);
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["detail"], json!({"export": "responses", "format": "csv", "within": items[0]["detail"]["within"]}));
    assert_eq!(items[3]["actor_role"], "civil_affairs_admin");
    app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/responses?format=xml"), Some(&auditor)).problem(400, "invalid_query");
    app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/responses"), Some(&dept)).problem(403, "forbidden");
    assert_eq!(app.count("audit_log"), before + 4, "refused reads are not exports");
    // A street-scoped auditor gets its street's rows only.
    let street_auditor = app.account("auditor.haimen", "auditor", &app.street("海门街道"));
    let rows = app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/responses?format=json"), Some(&street_auditor)).expect(200);
    assert_eq!(rows.body.as_array().unwrap().len(), 4);
    assert!(rows.body.as_array().unwrap().iter().all(|r| r["community_id"] == app.community("秀山社区")));
    let scores = app.get(&format!("/api/v1/evaluation/campaigns/{id}/exports/department-scores?format=json"), Some(&street_auditor)).expect(200);
    assert_eq!(scores.body.as_array().unwrap().len(), 1);
}

#[test]
fn another_street_or_community_gets_404() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let sanchang = app.post("/api/v1/evaluation/campaigns", Some(&ca), &campaign_body(&app.street("三厂街道"), json!(["resident_to_community", "community_to_department"]))).expect(201).id();
    app.post(&format!("/api/v1/evaluation/campaigns/{sanchang}/open"), Some(&ca), &json!({})).expect(200);
    let c = |a: &str| format!("/api/v1/evaluation/campaigns/{sanchang}{a}");
    // 海门街道's community, resident, staff, auditor and civil affairs cannot reach 三厂's campaign.
    let haimen_ca = app.account("ca.haimen", "civil_affairs_admin", &app.street("海门街道"));
    let haimen_auditor = app.account("auditor.haimen", "auditor", &app.street("海门街道"));
    let xs = app.login("staff.xiushan");
    let resident = app.login("13900139000");
    for t in [&haimen_ca, &haimen_auditor, &xs, &resident] {
        app.get(&c(""), Some(t)).problem(404, "not_found");
        assert!(app.get("/api/v1/evaluation/campaigns", Some(t)).expect(200).body["items"].as_array().unwrap().is_empty());
    }
    app.post(&c("/close"), Some(&haimen_ca), &json!({})).problem(404, "not_found");
    app.patch(&c(""), Some(&haimen_ca), &json!({"name": "x"})).problem(404, "not_found");
    app.get(&c("/results"), Some(&haimen_ca)).problem(404, "not_found");
    app.get(&c("/exports/responses"), Some(&haimen_auditor)).problem(404, "not_found");
    csv(&app, &c("/responses/import"), &haimen_auditor, &format!("community,household_key,overall\n{XIUSHAN},Z,4\n")).problem(404, "not_found");
    app.post(&c("/responses"), Some(&resident), &json!({"answers": {"overall": 4}})).problem(404, "not_found");
    app.post(&c("/department-scores"), Some(&xs), &json!({"department_id": app.department("CGJ"), "scores": scores(4)})).problem(404, "not_found");
    // Creating a campaign outside one's subtree is refused.
    app.post("/api/v1/evaluation/campaigns", Some(&haimen_ca), &campaign_body(&app.street("三厂街道"), json!(["agreement"]))).problem(422, "validation_failed");
    // A district-wide auditor cannot import rows for a community outside the campaign's area.
    let r = csv(&app, &c("/responses/import"), &app.login("auditor"), &format!("community,household_key,overall\n{XIUSHAN},Z,4\n")).problem(422, "import_rejected");
    assert_eq!(r.body["report"]["row_reports"][0]["errors"][0]["code"], "unknown_community");
    // Another community's history, a department of another district: 404.
    let dz = app.login("staff.dongzhou");
    app.get(&format!("/api/v1/evaluation/communities/{}/results", app.community("秀山社区")), Some(&dz)).problem(404, "not_found");
    app.get(&format!("/api/v1/evaluation/communities/{}/results", app.street("三厂街道")), Some(&ca)).problem(404, "not_found");
    let admin = app.login("admin");
    let d2 = app.post("/api/v1/jurisdictions", Some(&admin), &json!({"level": "district", "name": "通州区"})).expect(201).id();
    let dept2 = app.post("/api/v1/departments", Some(&admin), &json!({"jurisdiction_id": d2, "name": "城管局", "code": "CGJ"})).expect(201).id();
    app.post(&c("/department-scores"), Some(&dz), &json!({"department_id": dept2, "scores": scores(4)})).problem(404, "not_found");
    app.get(&format!("/api/v1/evaluation/departments/{dept2}/results"), Some(&dz)).problem(404, "not_found");
    assert_eq!(app.count("evaluation_department_scores"), 0);
    assert_eq!(app.count("evaluation_responses"), 0);
    // Jurisdictions holding evaluation data cannot be deleted.
    let r = app.delete(&format!("/api/v1/jurisdictions/{}", app.street("三厂街道")), Some(&ca)).problem(409, "jurisdiction_not_empty");
    assert!(r.body["detail"].as_str().unwrap().contains("1 evaluation campaigns"), "{}", r.text);
}

#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let id = open_campaign(&app, &ca);
    let draft = app.post("/api/v1/evaluation/campaigns", Some(&ca), &campaign_body(&app.city.district, json!(["agreement"]))).expect(201).id();
    let resident = app.login("13800138000");
    let staff = app.login("staff.dongzhou");
    let before: Vec<i64> = TABLES.iter().map(|t| app.count(t)).collect();
    let valid_campaign = campaign_body(&app.city.district, json!(["agreement"]));
    let valid_scores = json!({"department_id": app.department("CGJ"), "scores": scores(4)});
    let cases: Vec<(&str, String, &str, Value)> = vec![
        ("POST", "/api/v1/evaluation/campaigns".into(), ca.as_str(), valid_campaign.clone()),
        ("PATCH", format!("/api/v1/evaluation/campaigns/{draft}"), ca.as_str(), json!({"name": "x"})),
        ("POST", format!("/api/v1/evaluation/campaigns/{id}/responses"), resident.as_str(), json!({"answers": {"overall": 4}})),
        ("POST", format!("/api/v1/evaluation/campaigns/{id}/department-scores"), staff.as_str(), valid_scores.clone()),
    ];
    for (method, path, token, valid) in &cases {
        let send = |body: &[u8]| app.send(method, path, Some(token), Some("application/json"), Some(body), &[]);
        send(b"{not json").problem(400, "malformed_json");
        let mut unknown = valid.clone();
        unknown["surprise"] = json!(1);
        send(unknown.to_string().as_bytes()).problem(422, "invalid_body");
        let mut wrong = valid.clone();
        let key = wrong.as_object().unwrap().keys().next().unwrap().clone();
        wrong[&key] = json!([1]);
        send(wrong.to_string().as_bytes()).problem(422, "invalid_body");
        if *method == "POST" {
            send(b"{}").problem(422, "invalid_body");
        }
        app.send(method, path, Some(token), Some("text/plain"), Some(valid.to_string().as_bytes()), &[]).problem(415, "unsupported_media_type");
    }
    // Rule-level refusals.
    let mut bad = valid_campaign.clone();
    bad["questionnaire"] = json!([{"code": "Bad Code", "kind": "choice", "prompt": "", "options": [{"value": "a", "label": "A"}]}]);
    let r = app.post("/api/v1/evaluation/campaigns", Some(&ca), &bad).problem(422, "validation_failed");
    let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["questionnaire[0].code", "questionnaire[0].prompt", "questionnaire[0].options"]);
    for (field, value) in [("kinds", json!([])), ("kinds", json!(["agreement", "agreement"])), ("kinds", json!(["everything"])), ("period_end", json!("2026-02-30")), ("period_end", json!("2026-01-01")), ("name", json!(" "))] {
        let mut b = valid_campaign.clone();
        b[field] = value;
        assert_eq!(app.post("/api/v1/evaluation/campaigns", Some(&ca), &b).status, 422, "{field}");
    }
    let mut b = valid_campaign.clone();
    b["jurisdiction_id"] = json!(app.community("东洲社区"));
    app.post("/api/v1/evaluation/campaigns", Some(&ca), &b).problem(422, "validation_failed");
    let answers = format!("/api/v1/evaluation/campaigns/{id}/responses");
    for a in [json!({"overall": 0}), json!({"overall": 4.5}), json!({"overall": 4, "service": "great"}), json!({"service": "satisfied"}), json!({"overall": 4, "nope": 1}), json!({"overall": true})] {
        app.post(&answers, Some(&resident), &json!({"answers": a})).problem(422, "validation_failed");
    }
    let url = format!("/api/v1/evaluation/campaigns/{id}/department-scores");
    let mut s = valid_scores.clone();
    s["scores"].as_object_mut().unwrap().remove("efficiency");
    s["scores"]["coordination"]["score"] = json!(6);
    let r = app.post(&url, Some(&staff), &s).problem(422, "validation_failed");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 2);
    let mut s = valid_scores.clone();
    s["scores"]["work_style"]["comment"] = json!("长".repeat(501));
    app.post(&url, Some(&staff), &s).problem(422, "validation_failed");
    app.post(&url, Some(&staff), &json!({"department_id": "missing", "scores": scores(4)})).problem(404, "not_found");
    app.get("/api/v1/evaluation/campaigns?state=finished", Some(&ca)).problem(422, "validation_failed");
    app.get("/api/v1/evaluation/campaigns?limit=0", Some(&ca)).problem(422, "validation_failed");
    app.get("/api/v1/evaluation/campaigns/missing", Some(&ca)).problem(404, "not_found");
    app.get("/api/v1/evaluation/campaigns", None).problem(401, "missing_token");
    assert_eq!(before, TABLES.iter().map(|t| app.count(t)).collect::<Vec<_>>(), "refused requests wrote nothing");
}

#[test]
fn a_single_households_answers_are_never_shown_as_figures() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let id = open_campaign(&app, &ca);
    // Only one household of 秀山社区 answers.
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/responses"), Some(&app.login("13900139000")), &json!({"answers": {"overall": 2, "service": "dissatisfied"}})).expect(201);
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/close"), Some(&ca), &json!({})).expect(200);
    app.post(&format!("/api/v1/evaluation/campaigns/{id}/publish"), Some(&ca), &json!({})).expect(200);
    let public = app.get(&format!("/api/v1/public/evaluation/campaigns/{id}/results"), None).expect(200).body;
    let xs = community(&public, &app.community("秀山社区"));
    assert_eq!((xs["respondents"].as_u64(), xs["suppressed"].as_bool()), (Some(1), Some(true)));
    assert!(xs["satisfaction_rate"].is_null() && xs["items"].as_array().unwrap().is_empty() && xs["rank"].is_null());
    assert_eq!(xs["rated_answers"], 0);
}
