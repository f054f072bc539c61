//! The jurisdiction tree and departments: tree rules, scope, public tree.

use gongzhi_tests::TestApp;
use serde_json::json;

#[test]
fn tree_rules() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let street = app.street("三厂街道");
    let c = app.post("/api/v1/jurisdictions", Some(&ca), &json!({"parent_id": street, "level": "community", "name": "新港社区", "households": 1200})).expect(201);
    assert_eq!(c.body["ancestors"].as_array().unwrap().len(), 2);
    let community = c.id();
    // Levels must nest: a grid under a street is refused.
    let r = app.post("/api/v1/jurisdictions", Some(&ca), &json!({"parent_id": street, "level": "grid", "name": "x"})).problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "invalid_parent");
    // Only a platform-wide administrator creates districts.
    app.post("/api/v1/jurisdictions", Some(&ca), &json!({"level": "district", "name": "x"})).problem(422, "validation_failed");
    let grid = app.post("/api/v1/jurisdictions", Some(&ca), &json!({"parent_id": community, "level": "grid", "name": "第一网格"})).expect(201).id();
    // A node with children can neither move nor be deleted.
    app.delete(&format!("/api/v1/jurisdictions/{community}"), Some(&ca)).problem(409, "jurisdiction_not_empty");
    app.patch(&format!("/api/v1/jurisdictions/{community}"), Some(&ca), &json!({"parent_id": app.street("海门街道")})).problem(409, "jurisdiction_not_empty");
    // A node with data (an account) cannot either.
    let staff_node = app.community("东洲社区");
    let r = app.delete(&format!("/api/v1/jurisdictions/{}", app.grid("东洲社区/第一网格")), Some(&ca)).problem(409, "jurisdiction_not_empty");
    assert!(r.body["detail"].as_str().unwrap().contains("accounts"), "{}", r.text);
    // An empty leaf moves to a parent of the right level, and is deleted.
    let moved = app.patch(&format!("/api/v1/jurisdictions/{grid}"), Some(&ca), &json!({"parent_id": staff_node, "name": "第三网格"})).expect(200);
    assert_eq!(moved.body["parent_id"], staff_node);
    assert_eq!(moved.body["name"], "第三网格");
    app.patch(&format!("/api/v1/jurisdictions/{grid}"), Some(&ca), &json!({"parent_id": street})).problem(422, "validation_failed");
    app.delete(&format!("/api/v1/jurisdictions/{grid}"), Some(&ca)).expect(204);
    app.get(&format!("/api/v1/jurisdictions/{grid}"), Some(&ca)).problem(404, "not_found");
    app.patch(&format!("/api/v1/jurisdictions/{community}"), Some(&ca), &json!({"households": -1})).problem(422, "validation_failed");
    // Other roles read but do not edit.
    let staff = app.login("staff.dongzhou");
    app.post("/api/v1/jurisdictions", Some(&staff), &json!({"parent_id": staff_node, "level": "grid", "name": "x"})).problem(403, "forbidden");
}

#[test]
fn each_caller_sees_its_subtree_only() {
    let app = TestApp::start();
    let staff = app.login("staff.dongzhou");
    let page = app.get("/api/v1/jurisdictions?limit=100", Some(&staff)).expect(200);
    let ids: Vec<&str> = page.body["items"].as_array().unwrap().iter().map(|j| j["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "the community and its two grids");
    assert!(ids.contains(&app.community("东洲社区").as_str()));
    app.get(&format!("/api/v1/jurisdictions/{}", app.community("秀山社区")), Some(&staff)).problem(404, "not_found");
    app.get(&format!("/api/v1/jurisdictions/{}", app.street("三厂街道")), Some(&staff)).problem(404, "not_found");
    // A street administrator of one street cannot reach the other street's communities.
    let ca_street = app.login("street.haimen");
    app.get(&format!("/api/v1/jurisdictions/{}", app.community("东洲社区")), Some(&ca_street)).problem(404, "not_found");
    app.get(&format!("/api/v1/jurisdictions/{}", app.community("秀山社区")), Some(&ca_street)).expect(200);
}

#[test]
fn another_district_is_invisible() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let d2 = app.post("/api/v1/jurisdictions", Some(&admin), &json!({"level": "district", "name": "通州区"})).expect(201).id();
    let s2 = app.post("/api/v1/jurisdictions", Some(&admin), &json!({"parent_id": d2, "level": "street", "name": "金沙街道"})).expect(201).id();
    let dept2 = app.post("/api/v1/departments", Some(&admin), &json!({"jurisdiction_id": d2, "name": "城管局", "code": "CGJ"})).expect(201).id();
    let ca = app.login("civil.affairs");
    app.get(&format!("/api/v1/jurisdictions/{d2}"), Some(&ca)).problem(404, "not_found");
    app.patch(&format!("/api/v1/jurisdictions/{s2}"), Some(&ca), &json!({"name": "改名"})).problem(404, "not_found");
    app.delete(&format!("/api/v1/jurisdictions/{s2}"), Some(&ca)).problem(404, "not_found");
    app.post("/api/v1/jurisdictions", Some(&ca), &json!({"parent_id": s2, "level": "community", "name": "x"})).problem(422, "validation_failed");
    app.get(&format!("/api/v1/departments/{dept2}"), Some(&ca)).problem(404, "not_found");
    app.patch(&format!("/api/v1/departments/{dept2}"), Some(&ca), &json!({"active": false})).problem(404, "not_found");
    let staff = app.login("staff.dongzhou");
    app.get(&format!("/api/v1/departments/{dept2}"), Some(&staff)).problem(404, "not_found");
    // The district's own departments are visible to a community below it.
    let listed = app.get("/api/v1/departments?limit=100", Some(&staff)).expect(200);
    let codes: Vec<&str> = listed.body["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 5);
    assert!(!listed.body["items"].as_array().unwrap().iter().any(|d| d["id"] == dept2));
}

#[test]
fn departments() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let district = app.city.district.clone();
    let d = app.post("/api/v1/departments", Some(&ca), &json!({"jurisdiction_id": district, "name": "教育局", "code": "jyj"})).expect(201);
    assert_eq!(d.body["code"], "JYJ");
    app.post("/api/v1/departments", Some(&ca), &json!({"jurisdiction_id": district, "name": "教育局二", "code": "JYJ"})).problem(409, "code_taken");
    app.post("/api/v1/departments", Some(&ca), &json!({"jurisdiction_id": app.community("东洲社区"), "name": "x", "code": "XX"})).problem(422, "validation_failed");
    app.post("/api/v1/departments", Some(&ca), &json!({"jurisdiction_id": district, "name": "x", "code": "!"})).problem(422, "validation_failed");
    let r = app.patch(&format!("/api/v1/departments/{}", d.id()), Some(&ca), &json!({"active": false})).expect(200);
    assert_eq!(r.body["active"], false);
    let dept = app.login("dept.cgj");
    app.post("/api/v1/departments", Some(&dept), &json!({"jurisdiction_id": district, "name": "x", "code": "XY"})).problem(403, "forbidden");
}

#[test]
fn public_tree_needs_no_login() {
    let app = TestApp::start();
    let districts = app.get("/api/v1/public/jurisdictions", None).expect(200);
    assert_eq!(districts.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(districts.body["items"][0]["name"], "海门区");
    let streets = app.get(&format!("/api/v1/public/jurisdictions?parent_id={}", app.city.district), None).expect(200);
    assert_eq!(streets.body["items"].as_array().unwrap().len(), 2);
    assert!(streets.body["items"][0].get("households").is_none());
}

#[test]
fn cursor_pagination_walks_every_node_once() {
    let app = TestApp::start();
    let ca = app.login("civil.affairs");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/jurisdictions?limit=4&cursor={c}"),
            None => "/api/v1/jurisdictions?limit=4".into(),
        };
        let page = app.get(&path, Some(&ca)).expect(200);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 4);
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    // 1 district + 2 streets + 4 communities + 8 grids.
    assert_eq!(seen.len(), 15);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 15);
    app.get("/api/v1/jurisdictions?limit=101", Some(&ca)).problem(422, "validation_failed");
    app.get("/api/v1/jurisdictions?limit=0", Some(&ca)).problem(422, "validation_failed");
    app.get("/api/v1/jurisdictions?limit=ten", Some(&ca)).problem(400, "invalid_query");
    app.get("/api/v1/jurisdictions?cursor=garbage", Some(&ca)).problem(400, "invalid_query");
    app.get("/api/v1/jurisdictions?level=city", Some(&ca)).problem(422, "validation_failed");
}
