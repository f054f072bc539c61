//! Ledgers (电子台账), households (户) and visits (包片联户): entries generated from visits,
//! manual entries, verification under tampering, the CSV book, visit measures, masking, scope
//! and bad input.

use gongzhi_tests::{Resp, TestApp};
use serde_json::{json, Value};

const V: &str = "/api/v1";

pub(crate) fn me(app: &TestApp, token: &str) -> String {
    app.get(&format!("{V}/me"), Some(token)).expect(200).body["id"].as_str().unwrap().to_string()
}

/// Creates a grid worker scoped to `node` and returns (account id, token).
pub(crate) fn new_grid_worker(app: &TestApp, login: &str, node: &str) -> (String, String) {
    let admin = app.login("admin");
    app.post(&format!("{V}/accounts"), Some(&admin), &json!({"login": login, "display_name": "网格员", "password": "initial-pass-1", "role": "grid_worker", "jurisdiction_id": node})).expect(201);
    let t = app.post(&format!("{V}/auth/login"), None, &json!({"login": login, "password": "initial-pass-1"})).expect(200).body["access_token"].as_str().unwrap().to_string();
    app.post(&format!("{V}/me/password"), Some(&t), &json!({"current_password": "initial-pass-1", "new_password": "osmanthus-9-road"})).expect(204);
    let t = app.post(&format!("{V}/auth/login"), None, &json!({"login": login, "password": "osmanthus-9-road"})).expect(200).body["access_token"].as_str().unwrap().to_string();
    (me(app, &t), t)
}

fn household(app: &TestApp, staff: &str, grid: &str, n: u32) -> String {
    app.post(
        &format!("{V}/households"),
        Some(staff),
        &json!({"grid_id": grid, "address": format!("东洲小区{n}幢2单元501室"), "size": 2, "tags": ["elderly_alone"], "head_name": "张三丰", "head_phone": "13812345678"}),
    )
    .expect(201)
    .id()
}

fn assign(app: &TestApp, staff: &str, worker: &str, ids: &[String]) -> Resp {
    app.post(&format!("{V}/households/assignments"), Some(staff), &json!({"worker_id": worker, "household_ids": ids}))
}

pub(crate) fn visit(app: &TestApp, worker: &str, household: &str, day: &str, satisfaction: Option<i32>) -> Resp {
    app.post(&format!("{V}/visits"), Some(worker), &json!({"household_id": household, "visited_on": day, "notes": "独居老人，需助餐", "problems": ["楼道灯坏"], "satisfaction": satisfaction}))
}

/// The demo grid worker of 东洲社区 with `n` assigned households of its grid: (staff, worker token, worker id, household ids).
pub(crate) fn worker_with_households(app: &TestApp, n: u32) -> (String, String, String, Vec<String>) {
    let staff = app.login("staff.dongzhou");
    let worker = app.login("grid.dongzhou1");
    let worker_id = me(app, &worker);
    let grid = app.grid("东洲社区/第一网格");
    let ids: Vec<String> = (1..=n).map(|i| household(app, &staff, &grid, i)).collect();
    assign(app, &staff, &worker_id, &ids).expect(200);
    (staff, worker, worker_id, ids)
}

pub(crate) fn ledger(app: &TestApp, community: &str, what: &str) -> String {
    format!("{V}/ledgers/{}/{what}", app.community(community))
}

#[test]
fn visits_generate_chained_entries() {
    let app = TestApp::start();
    let (staff, worker, worker_id, hh) = worker_with_households(&app, 2);
    let before = app.count("ledger_entries");
    let v1 = visit(&app, &worker, &hh[0], "2026-03-01", Some(5)).expect(201);
    assert_eq!((v1.body["ledger_seq"].as_i64(), v1.body["notes"].as_str()), (Some(1), Some("独居老人，需助餐")));
    visit(&app, &worker, &hh[1], "2026-03-02", None).expect(201);
    visit(&app, &worker, &hh[0], "2026-03-02", Some(4)).expect(201);
    assert_eq!(app.count("ledger_entries"), before + 3);

    let page = app.get(&ledger(&app, "东洲社区", "entries"), Some(&staff)).expect(200);
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for (i, e) in items.iter().enumerate() {
        assert_eq!(e["seq"], i as i64 + 1);
        assert_eq!((e["kind"].as_str(), e["source_type"].as_str(), e["manual"].as_bool()), (Some("visit_made"), Some("visit"), Some(false)));
        assert_eq!(e["payload"]["worker_id"], worker_id.as_str());
        // The diary text stays in the visit record; the ledger seals it by hash.
        assert!(!e["payload"].to_string().contains("独居"), "{}", e["payload"]);
        assert_eq!(e["payload"]["content_sha256"].as_str().unwrap().len(), 64);
        if i > 0 {
            assert_eq!(e["prev_hash"], items[i - 1]["hash"]);
        }
    }
    assert_eq!(items[0]["source_id"], v1.id());
    assert_eq!(items[0]["prev_hash"], "0".repeat(64));
    assert_eq!(items[0]["payload"]["satisfaction"], 5);

    let v = app.get(&ledger(&app, "东洲社区", "verify"), Some(&staff)).expect(200);
    assert_eq!((v.body["status"].as_str(), v.body["count"].as_u64()), (Some("ok"), Some(3)));
    assert_eq!(v.body["head"], items[2]["hash"]);
    let head = app.get(&ledger(&app, "东洲社区", "head"), Some(&app.login("auditor"))).expect(200);
    assert_eq!((head.body["seq"].as_i64(), &head.body["hash"]), (Some(3), &items[2]["hash"]));
    assert!(head.body["updated_at"].is_string());

    // Paging walks the chain in order; filters by kind and time.
    let p1 = app.get(&format!("{}?limit=2", ledger(&app, "东洲社区", "entries")), Some(&staff)).expect(200);
    assert_eq!(p1.body["items"].as_array().unwrap().len(), 2);
    let cursor = p1.body["next_cursor"].as_str().unwrap();
    let p2 = app.get(&format!("{}?limit=2&cursor={cursor}", ledger(&app, "东洲社区", "entries")), Some(&staff)).expect(200);
    assert_eq!(p2.body["items"][0]["seq"], 3);
    assert!(p2.body["next_cursor"].is_null());
    let none = app.get(&format!("{}?kind=request_closed", ledger(&app, "东洲社区", "entries")), Some(&staff)).expect(200);
    assert!(none.body["items"].as_array().unwrap().is_empty());
    let later = app.get(&format!("{}?from=2026-03-02T02:00:00Z", ledger(&app, "东洲社区", "entries")), Some(&staff)).expect(200);
    assert!(later.body["items"].as_array().unwrap().is_empty());
    // The other community's chain is separate and empty.
    let xs = app.get(&ledger(&app, "秀山社区", "head"), Some(&app.login("staff.xiushan"))).expect(200);
    assert_eq!((xs.body["seq"].as_i64(), xs.body["hash"].as_str()), (Some(0), Some("0".repeat(64).as_str())));
    // Visits are audited.
    let audit = app.get(&format!("{V}/audit-log?action=visit.create"), Some(&app.login("admin"))).expect(200);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 3);
}

#[test]
fn visit_rules() {
    let app = TestApp::start();
    let (staff, worker, _, hh) = worker_with_households(&app, 1);
    let grid = app.grid("东洲社区/第一网格");
    let unassigned = household(&app, &staff, &grid, 9);
    let visits = app.count("visits");
    visit(&app, &worker, &unassigned, "2026-03-01", None).problem(422, "household_not_assigned");
    // 2 March in China is the test's today: the 3rd is the future.
    let r = visit(&app, &worker, &hh[0], "2026-03-03", None).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "visited_on");
    let r = visit(&app, &worker, &hh[0], "2026-03-01", Some(6)).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "satisfaction");
    visit(&app, &staff, &hh[0], "2026-03-01", None).problem(403, "forbidden");
    // A grid worker of the other grid or community cannot reach the household.
    let (_, other_grid) = new_grid_worker(&app, "grid.dongzhou2", &app.grid("东洲社区/第二网格"));
    visit(&app, &other_grid, &hh[0], "2026-03-01", None).problem(404, "not_found");
    let (_, xiushan) = new_grid_worker(&app, "grid.xiushan1", &app.grid("秀山社区/第一网格"));
    visit(&app, &xiushan, &hh[0], "2026-03-01", None).problem(404, "not_found");
    app.get(&format!("{V}/households/{}", hh[0]), Some(&xiushan)).problem(404, "not_found");
    assert_eq!(app.count("visits"), visits);
    assert_eq!(app.count("ledger_entries"), 0);
    // A logged visit is visible to its worker and community staff, not to another worker.
    let v = visit(&app, &worker, &hh[0], "2026-03-01", None).expect(201).id();
    app.get(&format!("{V}/visits/{v}"), Some(&worker)).expect(200);
    app.get(&format!("{V}/visits/{v}"), Some(&other_grid)).problem(404, "not_found");
    app.get(&format!("{V}/visits/{v}"), Some(&app.login("staff.xiushan"))).problem(404, "not_found");
    let listed = app.get(&format!("{V}/visits"), Some(&other_grid)).expect(200);
    assert!(listed.body["items"].as_array().unwrap().is_empty());
    let audited = app.get(&format!("{V}/visits/{v}"), Some(&app.login("auditor"))).expect(200);
    assert!(audited.body["notes"].is_null() && audited.body["problems"].is_null());
    assert_eq!(audited.body["problems_found"], 1);
    // A node with households cannot be deleted.
    let r = app.delete(&format!("{V}/jurisdictions/{grid}"), Some(&app.login("civil.affairs"))).problem(409, "jurisdiction_not_empty");
    assert!(r.body["detail"].as_str().unwrap().contains("households"), "{}", r.text);
}

/// Creates a district ledger type resting on the admitted clearance item `item`.
fn ledger_type(app: &TestApp, token: &str, item: &str, code: &str, kinds: Value, manual: bool) -> Resp {
    app.post(
        &format!("{V}/ledger-types"),
        Some(token),
        &json!({"jurisdiction_id": app.city.district, "code": code, "name": "会议台账", "entry_kinds": kinds, "allows_manual": manual, "clearance_item_id": item}),
    )
}

#[test]
fn ledger_types_and_manual_entries() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let staff = app.login("staff.dongzhou");
    let item = app.admitted_ledger_item(&app.city.district);
    let meetings = ledger_type(&app, &ca, &item, "meetings", json!(["meeting_held"]), true).expect(201);
    assert_eq!(meetings.body["entry_kinds"], json!(["meeting_held"]));
    let meetings = meetings.id();
    let visits_only = ledger_type(&app, &ca, &item, "visit_diary", json!(["visit_made"]), false).expect(201).id();
    ledger_type(&app, &ca, &item, "meetings", json!(["meeting_held"]), true).problem(409, "code_taken");
    ledger_type(&app, &ca, &item, "x", json!(["meeting_held"]), true).problem(422, "validation_failed");
    ledger_type(&app, &ca, &item, "empty", json!([]), true).problem(422, "validation_failed");
    ledger_type(&app, &ca, &item, "dups", json!(["meeting_held", "meeting_held"]), true).problem(422, "validation_failed");
    ledger_type(&app, &staff, &item, "mine", json!(["meeting_held"]), true).problem(403, "forbidden");
    // Types of the district apply to every community below it.
    let listed = app.get(&format!("{V}/ledger-types"), Some(&staff)).expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    app.get(&format!("{V}/ledger-types/{meetings}"), Some(&app.login("auditor"))).expect(200);
    app.get(&format!("{V}/ledger-types/{meetings}"), Some(&app.login("grid.dongzhou1"))).problem(403, "forbidden");

    let url = ledger(&app, "东洲社区", "entries");
    let entry = |token: &str, t: &str, kind: &str| app.post(&url, Some(token), &json!({"ledger_type_id": t, "kind": kind, "occurred_at": "2026-03-01T06:00:00Z", "payload": {"topic": "加装电梯议事会", "attendees": 23}}));
    let (grid_worker, auditor, xiushan) = (app.login("grid.dongzhou1"), app.login("auditor"), app.login("staff.xiushan"));
    let before = (app.count("ledger_entries"), app.count("audit_log"));
    entry(&staff, &visits_only, "visit_made").problem(422, "manual_entries_not_allowed");
    entry(&staff, &meetings, "service_delivered").problem(422, "kind_not_collected");
    entry(&staff, "0190a3c4-0000-7000-8000-000000000009", "meeting_held").problem(422, "validation_failed");
    entry(&grid_worker, &meetings, "meeting_held").problem(403, "forbidden");
    entry(&auditor, &meetings, "meeting_held").problem(403, "forbidden");
    let other = app.post(&ledger(&app, "东洲社区", "entries"), Some(&xiushan), &json!({"ledger_type_id": meetings, "kind": "meeting_held", "occurred_at": "2026-03-01T06:00:00Z", "payload": {"a": 1}}));
    other.problem(404, "not_found");
    app.post(&url, Some(&staff), &json!({"ledger_type_id": meetings, "kind": "meeting_held", "occurred_at": "2026-03-03T06:00:00Z", "payload": {"a": 1}})).problem(422, "validation_failed");
    app.post(&url, Some(&staff), &json!({"ledger_type_id": meetings, "kind": "meeting_held", "occurred_at": "2026-03-01T06:00:00Z", "payload": []})).problem(422, "validation_failed");
    assert_eq!((app.count("ledger_entries"), app.count("audit_log")), before);

    let e = entry(&staff, &meetings, "meeting_held").expect(201);
    assert_eq!((e.body["manual"].as_bool(), e.body["seq"].as_i64(), e.body["source_type"].as_str()), (Some(true), Some(1), Some("ledger_type")));
    assert_eq!(e.body["payload"]["content"]["attendees"], 23);
    assert_eq!(e.body["payload"]["entered_by"], me(&app, &staff));
    // The book of a type holds only its kinds.
    let (_, worker, _, hh) = worker_with_households(&app, 1);
    visit(&app, &worker, &hh[0], "2026-03-02", None).expect(201);
    let book = app.get(&format!("{url}?ledger_type_id={meetings}"), Some(&staff)).expect(200);
    assert_eq!(book.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(book.body["items"][0]["manual"], true);
    let all = app.get(&url, Some(&staff)).expect(200);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.get(&ledger(&app, "东洲社区", "verify"), Some(&staff)).expect(200).body["status"], "ok");
    // Deactivated types take no manual entries.
    app.patch(&format!("{V}/ledger-types/{meetings}"), Some(&ca), &json!({"active": false})).expect(200);
    entry(&staff, &meetings, "meeting_held").problem(422, "ledger_type_inactive");
    app.patch(&format!("{V}/ledger-types/{meetings}"), Some(&ca), &json!({"entry_kinds": ["bogus"]})).problem(422, "invalid_body");
    app.patch(&format!("{V}/ledger-types/{meetings}"), Some(&app.login("street.haimen")), &json!({"active": true})).problem(403, "forbidden");
}

/// Drops the append-only triggers, as an attacker with database access could.
fn drop_triggers(app: &TestApp) {
    let sql = match app.db.backend() {
        gongzhi_persistence::Backend::Sqlite => "DROP TRIGGER ledger_entries_no_update; DROP TRIGGER ledger_entries_no_delete;",
        gongzhi_persistence::Backend::Postgres => "DROP TRIGGER ledger_entries_no_change ON ledger_entries;",
    };
    app.exec(sql).expect("drop triggers");
}

fn chain_of_three(app: &TestApp) -> (String, Vec<Value>) {
    let (staff, worker, _, hh) = worker_with_households(app, 3);
    for h in &hh {
        visit(app, &worker, h, "2026-03-02", Some(4)).expect(201);
    }
    let items = app.get(&ledger(app, "东洲社区", "entries"), Some(&staff)).expect(200).body["items"].as_array().unwrap().clone();
    (staff, items)
}

#[test]
fn tampering_is_detected() {
    let app = TestApp::start();
    let (staff, items) = chain_of_three(&app);
    let verify = || app.get(&ledger(&app, "东洲社区", "verify"), Some(&staff)).expect(200).body;
    assert_eq!(verify()["status"], "ok");
    // The database itself refuses changes to entries.
    assert!(app.exec("UPDATE ledger_entries SET payload = '{}' WHERE seq = 2").is_err());
    assert!(app.exec("DELETE FROM ledger_entries WHERE seq = 2").is_err());
    // A second entry with a seq already taken (a forked chain) is refused by UNIQUE(community_id, seq).
    let fork = "INSERT INTO ledger_entries SELECT 'fork', community_id, path, seq, entry_kind, source_type, source_id, occurred_at, payload, manual, prev_hash, hash, recorded_at FROM ledger_entries WHERE seq = 3";
    assert!(app.exec(fork).is_err());
    assert_eq!(verify()["status"], "ok");
    // With the triggers dropped, a rewritten payload breaks the chain at that entry.
    drop_triggers(&app);
    let forged = items[1]["payload"].to_string().replace("\"satisfaction\":4", "\"satisfaction\":5");
    assert_ne!(forged, items[1]["payload"].to_string());
    app.exec(&format!("UPDATE ledger_entries SET payload = '{forged}' WHERE seq = 2")).unwrap();
    let v = verify();
    assert_eq!((v["status"].as_str(), v["seq"].as_u64(), v["reason"].as_str()), (Some("broken"), Some(2), Some("hash_mismatch")), "{v}");
    // Re-hashing the forged entry moves the break to the next link.
    app.exec(&format!("UPDATE ledger_entries SET payload = '{}', hash = '{}' WHERE seq = 2", items[1]["payload"], "a".repeat(64))).unwrap();
    let v = verify();
    assert_eq!((v["seq"].as_u64(), v["reason"].as_str()), (Some(2), Some("hash_mismatch")));
    app.exec(&format!("UPDATE ledger_entries SET hash = '{}' WHERE seq = 2", items[1]["hash"].as_str().unwrap())).unwrap();
    assert_eq!(verify()["status"], "ok");
    // A payload that is no longer JSON is reported the same way.
    app.exec("UPDATE ledger_entries SET payload = 'not json' WHERE seq = 3").unwrap();
    let v = verify();
    assert_eq!((v["seq"].as_u64(), v["reason"].as_str()), (Some(3), Some("hash_mismatch")));
}

#[test]
fn deleted_entries_are_detected() {
    let app = TestApp::start();
    let (staff, _) = chain_of_three(&app);
    let verify = || app.get(&ledger(&app, "东洲社区", "verify"), Some(&staff)).expect(200).body;
    drop_triggers(&app);
    // Removing the last entry leaves a chain that no longer reaches the recorded head.
    app.exec("DELETE FROM ledger_entries WHERE seq = 3").unwrap();
    let v = verify();
    assert_eq!((v["status"].as_str(), v["seq"].as_u64(), v["reason"].as_str()), (Some("broken"), Some(3), Some("head_mismatch")), "{v}");
    // Removing one in the middle leaves a gap.
    app.exec("DELETE FROM ledger_entries WHERE seq = 1").unwrap();
    let v = verify();
    assert_eq!((v["seq"].as_u64(), v["reason"].as_str()), (Some(2), Some("seq_gap")), "{v}");
}

#[test]
fn csv_book() {
    let app = TestApp::start();
    let (staff, items) = chain_of_three(&app);
    let r = app.get(&ledger(&app, "东洲社区", "book.csv"), Some(&app.login("auditor"))).expect(200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    assert!(r.header("content-disposition").unwrap().contains("attachment"));
    let mut reader = csv::Reader::from_reader(r.text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, ["seq", "occurred_at", "kind", "source_type", "source_id", "manual", "payload", "prev_hash", "hash", "recorded_at"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    for (row, item) in rows.iter().zip(&items) {
        assert_eq!(row[0], item["seq"].to_string());
        assert_eq!(&row[1], "2026-03-02T01:00:00.000000Z");
        assert_eq!((&row[2], &row[3], &row[5]), ("visit_made", "visit", "false"));
        assert_eq!(row[4], *item["source_id"].as_str().unwrap());
        // The payload column is the canonical JSON the hash covers: sorted keys, no spaces.
        let payload: Value = serde_json::from_str(&row[6]).unwrap();
        assert_eq!(payload, item["payload"]);
        assert!(row[6].starts_with("{\"content_sha256\":") && !row[6].contains(' '), "{}", &row[6]);
        assert_eq!((&row[7], &row[8]), (item["prev_hash"].as_str().unwrap(), item["hash"].as_str().unwrap()));
    }
    // Time filter: nothing after the visits were logged.
    let r = app.get(&format!("{}?from=2026-03-02T01:00:01Z", ledger(&app, "东洲社区", "book.csv")), Some(&staff)).expect(200);
    assert_eq!(r.text.lines().count(), 1, "header only: {}", r.text);
    let r = app.get(&format!("{}?to=2026-03-02T01:00:00Z", ledger(&app, "东洲社区", "book.csv")), Some(&staff)).expect(200);
    assert_eq!(r.text.lines().count(), 1);
    // Scope and roles.
    app.get(&ledger(&app, "东洲社区", "book.csv"), Some(&app.login("staff.xiushan"))).problem(404, "not_found");
    app.get(&ledger(&app, "东洲社区", "book.csv"), Some(&app.login("street.haimen"))).problem(404, "not_found");
    app.get(&ledger(&app, "东洲社区", "book.csv"), Some(&app.login("street.sanchang"))).expect(200);
    app.get(&ledger(&app, "东洲社区", "book.csv"), Some(&app.login("grid.dongzhou1"))).problem(403, "forbidden");
    app.get(&ledger(&app, "东洲社区", "book.csv"), None).problem(401, "missing_token");
}

#[test]
fn ledgers_are_scoped() {
    let app = TestApp::start();
    let xs = app.login("staff.xiushan");
    for what in ["entries", "verify", "head", "book.csv"] {
        app.get(&ledger(&app, "东洲社区", what), Some(&xs)).problem(404, "not_found");
        // A grid or street id is not a ledger.
        app.get(&format!("{V}/ledgers/{}/{what}", app.street("三厂街道")), Some(&app.login("street.sanchang"))).problem(404, "not_found");
        app.get(&format!("{V}/ledgers/no-such-id/{what}"), Some(&xs)).problem(404, "not_found");
        app.get(&ledger(&app, "东洲社区", what), Some(&app.login("13800138000"))).problem(403, "forbidden");
    }
}

#[test]
fn visit_measures_on_a_known_data_set() {
    let app = TestApp::start_with(|c| c.visits_per_month_target = 5);
    let (staff, worker, worker_id, hh) = worker_with_households(&app, 4);
    // March: 5 visits to 3 of the 4 assigned households; satisfaction asked 3 times (5, 4, 4).
    for (h, day, s) in [(0, "2026-03-01", Some(5)), (0, "2026-03-02", Some(4)), (1, "2026-03-01", None), (2, "2026-03-02", Some(4)), (1, "2026-03-02", None)] {
        visit(&app, &worker, &hh[h], day, s).expect(201);
    }
    // February: one visit that March does not count.
    visit(&app, &worker, &hh[3], "2026-02-27", Some(1)).expect(201);
    let url = |q: &str| format!("{V}/visits/measures?{q}");
    let m = app.get(&url(&format!("worker_id={worker_id}&month=2026-03")), Some(&staff)).expect(200).body;
    assert_eq!(
        m,
        json!({"worker_id": worker_id, "month": "2026-03", "visits": 5, "target": 5, "target_met": true, "assigned_households": 4,
               "households_visited": 3, "coverage": 0.75, "satisfaction_responses": 3, "average_satisfaction": 4.33})
    );
    let feb = app.get(&url("month=2026-02"), Some(&worker)).expect(200).body;
    assert_eq!((feb["visits"].as_u64(), feb["target_met"].as_bool(), feb["coverage"].as_f64(), feb["average_satisfaction"].as_f64()), (Some(1), Some(false), Some(0.25), Some(1.0)));
    let jan = app.get(&url("month=2026-01"), Some(&worker)).expect(200).body;
    assert_eq!((jan["visits"].as_u64(), jan["households_visited"].as_u64(), jan["average_satisfaction"].is_null()), (Some(0), Some(0), true));
    // The month listing agrees.
    let listed = app.get(&format!("{V}/visits?month=2026-03&limit=100"), Some(&staff)).expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 5);
    // Readers in scope; others 404; bad input.
    app.get(&url(&format!("worker_id={worker_id}&month=2026-03")), Some(&app.login("auditor"))).expect(200);
    app.get(&url(&format!("worker_id={worker_id}&month=2026-03")), Some(&app.login("staff.xiushan"))).problem(404, "not_found");
    let (_, other) = new_grid_worker(&app, "grid.dongzhou2", &app.grid("东洲社区/第二网格"));
    app.get(&url(&format!("worker_id={worker_id}&month=2026-03")), Some(&other)).problem(404, "not_found");
    app.get(&url(&format!("worker_id={}&month=2026-03", me(&app, &staff))), Some(&staff)).problem(404, "not_found");
    app.get(&url("month=2026-03"), Some(&staff)).problem(422, "validation_failed");
    app.get(&url(&format!("worker_id={worker_id}&month=2026-13")), Some(&staff)).problem(422, "validation_failed");
    app.get(&url(&format!("worker_id={worker_id}")), Some(&staff)).problem(400, "invalid_query");
    app.get(&url("month=2026-03"), Some(&app.login("dept.cgj"))).problem(403, "forbidden");
}

#[test]
fn personal_data_is_masked_per_role() {
    let app = TestApp::start();
    let staff = app.login("staff.dongzhou");
    let worker = app.login("grid.dongzhou1");
    let h = household(&app, &staff, &app.grid("东洲社区/第一网格"), 3);
    let get = |token: &str| app.get(&format!("{V}/households/{h}"), Some(token)).expect(200).body;
    let full = get(&staff);
    assert_eq!((full["head_name"].as_str(), full["head_phone"].as_str(), full["address"].as_str(), full["masked"].as_bool()), (Some("张三丰"), Some("13812345678"), Some("东洲小区3幢2单元501室"), Some(false)));
    assert_eq!(full["tags"], json!(["elderly_alone"]));
    for login in ["auditor", "street.sanchang", "civil.affairs", "grid.dongzhou1"] {
        let m = get(&app.login(login));
        assert_eq!((m["head_name"].as_str(), m["head_phone"].as_str(), m["address"].as_str(), m["masked"].as_bool()), (Some("张**"), Some("138****5678"), Some("东洲小区***"), Some(true)), "{login}");
        assert_eq!(m["size"], 2, "{login}: non-personal fields stay");
    }
    // Once assigned, the worker sees the household in full, in lists too.
    assign(&app, &staff, &me(&app, &worker), std::slice::from_ref(&h)).expect(200);
    assert_eq!(get(&worker)["head_phone"], "13812345678");
    let listed = app.get(&format!("{V}/households?worker_id={}", me(&app, &worker)), Some(&app.login("auditor"))).expect(200);
    assert_eq!(listed.body["items"][0]["head_phone"], "138****5678");
    let listed = app.get(&format!("{V}/households?tag=elderly_alone"), Some(&worker)).expect(200);
    assert_eq!(listed.body["items"][0]["head_name"], "张三丰");
    assert!(app.get(&format!("{V}/households?tag=veteran"), Some(&worker)).expect(200).body["items"].as_array().unwrap().is_empty());
    // The assigned worker may correct it; another worker may not; staff elsewhere see nothing.
    let r = app.patch(&format!("{V}/households/{h}"), Some(&worker), &json!({"size": 3, "tags": ["elderly_alone", "hardship"]})).expect(200);
    assert_eq!((r.body["size"].as_i64(), &r.body["tags"]), (Some(3), &json!(["elderly_alone", "hardship"])));
    let (_, other) = new_grid_worker(&app, "grid.dongzhou.c", &app.community("东洲社区"));
    app.patch(&format!("{V}/households/{h}"), Some(&other), &json!({"size": 4})).problem(403, "forbidden");
    app.get(&format!("{V}/households/{h}"), Some(&app.login("staff.xiushan"))).problem(404, "not_found");
    app.patch(&format!("{V}/households/{h}"), Some(&app.login("staff.xiushan")), &json!({"size": 4})).problem(404, "not_found");
    assert!(app.get(&format!("{V}/households"), Some(&app.login("staff.xiushan"))).expect(200).body["items"].as_array().unwrap().is_empty());
    app.patch(&format!("{V}/households/{h}"), Some(&app.login("auditor")), &json!({"size": 4})).problem(403, "forbidden");
    // The audit log names changed fields, not their values.
    let audit = app.get(&format!("{V}/audit-log?action=household.update"), Some(&app.login("admin"))).expect(200);
    assert_eq!(audit.body["items"][0]["detail"], json!({"changed": ["size", "tags"]}));
}

#[test]
fn assignment_limits_and_scope() {
    let app = TestApp::start_with(|c| c.max_households_per_worker = 3);
    let staff = app.login("staff.dongzhou");
    let worker = me(&app, &app.login("grid.dongzhou1"));
    let grid = app.grid("东洲社区/第一网格");
    let hh: Vec<String> = (1..=4).map(|i| household(&app, &staff, &grid, i)).collect();
    let r = assign(&app, &staff, &worker, &hh[..3]).expect(200);
    assert_eq!((r.body["changed"].as_u64(), r.body["assigned_households"].as_u64(), r.body["maximum"].as_u64()), (Some(3), Some(3), Some(3)));
    assert!(r.body["warning"].is_null());
    // Re-assigning the same households changes nothing; a fourth is refused and nothing moves.
    assert_eq!(assign(&app, &staff, &worker, &hh[..1]).expect(200).body["changed"], 0);
    assign(&app, &staff, &worker, &hh[3..]).problem(422, "too_many_households");
    let unassigned = app.get(&format!("{V}/households?unassigned=true"), Some(&staff)).expect(200);
    assert_eq!(unassigned.body["items"].as_array().unwrap().len(), 1);
    // Releasing one makes room.
    app.post(&format!("{V}/households/assignments"), Some(&staff), &json!({"worker_id": null, "household_ids": [hh[0]]})).expect(200);
    assert_eq!(assign(&app, &staff, &worker, &hh[3..]).expect(200).body["assigned_households"], 3);
    // The household must lie in the worker's grid and in the caller's community.
    let other_grid = household(&app, &staff, &app.grid("东洲社区/第二网格"), 7);
    let r = assign(&app, &staff, &worker, &[other_grid]).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "outside_worker_grid");
    let xs = app.login("staff.xiushan");
    let r = assign(&app, &xs, &worker, &hh[..1]).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "worker_id");
    let (xs_worker, _) = new_grid_worker(&app, "grid.xiushan1", &app.grid("秀山社区/第一网格"));
    let r = assign(&app, &xs, &xs_worker, &hh[..1]).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "household_ids[0]");
    let r = assign(&app, &staff, &me(&app, &staff), &hh[..1]).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "worker_id");
    assign(&app, &staff, &worker, &[]).problem(422, "validation_failed");
    assign(&app, &app.login("grid.dongzhou1"), &worker, &hh[..1]).problem(403, "forbidden");
    // Households are created in the caller's own grids only.
    let r = app.post(&format!("{V}/households"), Some(&xs), &json!({"grid_id": grid, "address": "x1", "size": 1, "head_name": "王"})).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "grid_id");
    app.post(&format!("{V}/households"), Some(&staff), &json!({"grid_id": app.community("东洲社区"), "address": "x1", "size": 1, "head_name": "王"})).problem(422, "validation_failed");
    let r = app.post(&format!("{V}/households"), Some(&staff), &json!({"grid_id": grid, "address": " ", "size": 0, "tags": ["rich"], "head_name": "王", "head_phone": "123"})).problem(422, "validation_failed");
    let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["address", "size", "tags[0]", "head_phone"]);
}

/// Every JSON endpoint of the area: malformed, mistyped, unknown and missing fields get a
/// problem, and nothing is written.
#[test]
fn bad_input_writes_nothing() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let item = app.admitted_ledger_item(&app.city.district);
    let t = ledger_type(&app, &ca, &item, "meetings", json!(["meeting_held"]), true).expect(201).id();
    let (staff, worker, worker_id, hh) = worker_with_households(&app, 1);
    let cases: Vec<(&str, String, &String, Value, bool)> = vec![
        ("POST", format!("{V}/ledger-types"), &ca, json!({"jurisdiction_id": app.city.district, "code": "abc", "name": "x", "entry_kinds": ["visit_made"], "allows_manual": false, "clearance_item_id": item}), true),
        ("PATCH", format!("{V}/ledger-types/{t}"), &ca, json!({"name": "x"}), false),
        ("POST", ledger(&app, "东洲社区", "entries"), &staff, json!({"ledger_type_id": t, "kind": "meeting_held", "occurred_at": "2026-03-01T00:00:00Z", "payload": {"a": 1}}), true),
        ("POST", format!("{V}/households"), &staff, json!({"grid_id": app.grid("东洲社区/第一网格"), "address": "x1", "size": 1, "head_name": "王"}), true),
        ("PATCH", format!("{V}/households/{}", hh[0]), &staff, json!({"address": "x2"}), false),
        ("POST", format!("{V}/households/assignments"), &staff, json!({"worker_id": worker_id, "household_ids": hh}), true),
        ("POST", format!("{V}/visits"), &worker, json!({"household_id": hh[0], "visited_on": "2026-03-01", "notes": "x"}), true),
    ];
    let tables = ["ledger_types", "ledger_entries", "ledger_heads", "households", "visits", "audit_log"];
    let before: Vec<i64> = tables.iter().map(|t| app.count(t)).collect();
    for (method, path, token, valid, has_required) in &cases {
        let send = |body: &[u8]| app.send(method, path, Some(token), Some("application/json"), Some(body), &[]);
        let label = format!("{method} {path}");
        send(b"{not json").problem(400, "malformed_json");
        let mut mistyped = valid.clone();
        let key = valid.as_object().unwrap().iter().find(|(_, v)| v.is_string()).map(|(k, _)| k.clone()).unwrap();
        mistyped[&key] = json!(12345);
        let r = send(mistyped.to_string().as_bytes()).problem(422, "invalid_body");
        assert_eq!(r.body["errors"][0]["field"], key.as_str(), "{label}");
        let mut unknown = valid.clone();
        unknown["surprise"] = json!(1);
        let r = send(unknown.to_string().as_bytes()).problem(422, "invalid_body");
        assert_eq!(r.body["errors"][0]["code"], "unknown_field", "{label}");
        if *has_required {
            let r = send(b"{}").problem(422, "invalid_body");
            assert_eq!(r.body["errors"][0]["code"], "required", "{label}");
        }
        let r = app.send(method, path, Some(token), Some("text/plain"), Some(valid.to_string().as_bytes()), &[]);
        assert_eq!(r.status, 415, "{label}");
    }
    let after: Vec<i64> = tables.iter().map(|t| app.count(t)).collect();
    assert_eq!(before, after, "no refused request may write ({tables:?})");
    // Bad queries.
    let entries = ledger(&app, "东洲社区", "entries");
    app.get(&format!("{entries}?from=yesterday"), Some(&staff)).problem(400, "invalid_query");
    app.get(&format!("{entries}?kind=bogus"), Some(&staff)).problem(400, "invalid_query");
    app.get(&format!("{entries}?limit=1000"), Some(&staff)).problem(422, "validation_failed");
    app.get(&format!("{entries}?cursor=garbage"), Some(&staff)).problem(400, "invalid_query");
    app.get(&format!("{entries}?ledger_type_id=nope"), Some(&staff)).problem(422, "validation_failed");
    app.get(&format!("{V}/visits?month=March"), Some(&staff)).problem(422, "validation_failed");
    app.get(&format!("{V}/households?tag=rich"), Some(&staff)).problem(400, "invalid_query");
    app.get(&format!("{V}/households?unassigned=maybe"), Some(&staff)).problem(400, "invalid_query");
}
