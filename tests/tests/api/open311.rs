//! The Open311 GeoReport v2 facade (/open311/v2): discovery, services from a community's
//! responsibility list, requests filed by a service account's api_key through the platform's own
//! submission, the anonymised search with the specification's defaults, one request, tokens,
//! JSON and well-formed XML, and errors in the specification's format.

use chrono::TimeDelta;
use gongzhi_tests::{Resp, TestApp};
use quick_xml::events::Event;
use serde_json::{json, Value};

const O: &str = "/open311/v2";
const API: &str = "/api/v1";

/// An XML element: name, text and children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    fn child(&self, name: &str) -> &Node {
        self.all(name).into_iter().next().unwrap_or_else(|| panic!("<{}> has no <{name}>", self.name))
    }
    fn get(&self, name: &str) -> &str {
        &self.child(name).text
    }
}

/// Parses a whole XML document (panics when it is not well-formed).
fn xml(text: &str) -> Node {
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{text}");
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("malformed XML ({e}): {text}")) {
            Event::Start(e) => stack.push(Node { name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(), ..Node::default() }),
            Event::Empty(e) => {
                let n = Node { name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(), ..Node::default() };
                stack.last_mut().unwrap().children.push(n);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.unescape().unwrap()),
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(n);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements: {text}");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element: {text}");
    doc.children.pop().unwrap()
}

/// Asserts an Open311 error: the status, `[{code, description}]` (JSON) or `<errors><error>` (XML).
#[track_caller]
fn error(r: Resp, status: u16, needle: &str) -> Resp {
    assert_eq!(r.status, status, "{}", r.text);
    if r.header("content-type").unwrap().starts_with("application/json") {
        assert_eq!(r.body[0]["code"], status, "{}", r.text);
        assert!(r.body[0]["description"].as_str().unwrap().contains(needle), "{}", r.text);
    } else {
        assert!(r.header("content-type").unwrap().starts_with("application/xml"), "{:?}", r.headers);
        let e = xml(&r.text);
        assert_eq!(e.name, "errors");
        assert_eq!(e.child("error").get("code"), status.to_string());
        assert!(e.child("error").get("description").contains(needle), "{}", r.text);
    }
    r
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
}

fn post(app: &TestApp, ext: &str, fields: &[(&str, &str)]) -> Resp {
    app.send("POST", &format!("{O}/requests.{ext}"), None, Some("application/x-www-form-urlencoded"), Some(form(fields).as_bytes()), &[])
}

/// 东洲社区's responsibility list: one entry of each class.
fn publish_list(app: &TestApp) {
    let staff = app.login("staff.dongzhou");
    let entries = json!([
        {"code": "NOISE", "name": "道路施工噪音", "class": "major", "default_department_id": app.department("CGJ"), "deadline_hours": 72, "description": "夜间施工扰民"},
        {"code": "PARKING", "name": "小区停车", "class": "minor"},
        {"code": "REPAIR", "name": "家电维修", "class": "private"}
    ]);
    app.json("PUT", &format!("{API}/communities/{}/responsibility-list", app.community("东洲社区")), Some(&staff), &json!({"entries": entries})).expect(200);
}

/// `f` without the field `name`, and with `value` for it when given.
fn set<'a>(f: &[(&'a str, &'a str)], name: &str, value: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<_> = f.iter().filter(|(k, _)| *k != name).copied().collect();
    if let Some(v) = value {
        out.push((f.iter().map(|(k, _)| *k).find(|k| *k == name).unwrap_or_else(|| panic!("no field {name}")), v));
    }
    out
}

/// A service account of `department` (the 12345 hotline's system): its api_key.
fn api_key(app: &TestApp, department: &str) -> String {
    let admin = app.login("admin");
    let c = app.post(&format!("{API}/service-accounts"), Some(&admin), &json!({"display_name": "12345 热线系统", "department_id": department})).expect(201).body;
    format!("{}:{}", c["client_id"].as_str().unwrap(), c["client_secret"].as_str().unwrap())
}

/// A complete, valid submission.
fn fields<'a>(key: &'a str, community: &'a str, code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("api_key", key),
        ("jurisdiction_id", community),
        ("service_code", code),
        ("lat", "31.98765"),
        ("long", "121.23456"),
        ("address_string", "东洲小区3号楼"),
        ("first_name", "小明"),
        ("last_name", "王"),
        ("phone", "13700137000"),
        ("email", "wang@example.com"),
        ("device_id", "hotline-7"),
        ("description", "楼下施工噪音到深夜"),
        ("media_url", "https://hotline.example/photo/1.jpg"),
    ]
}

fn act(app: &TestApp, token: &str, id: &str, body: Value) {
    app.post(&format!("{API}/requests/{id}/actions"), Some(token), &body).expect(200);
}

#[test]
fn discovery_in_both_formats_and_errors_in_the_specs_format() {
    let app = TestApp::start();
    let r = app.get(&format!("{O}/discovery.json"), None).expect(200);
    assert!(r.header("content-type").unwrap().starts_with("application/json"));
    let e = &r.body["endpoints"][0];
    assert_eq!(e["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(e["url"], format!("{}{O}", app.base));
    assert_eq!((e["type"].as_str(), e["formats"].clone()), (Some("production"), json!(["text/xml", "application/json"])));
    assert!(r.body["changeset"].is_string() && r.body["contact"].is_string());
    assert!(r.body["key_service"].as_str().unwrap().contains("client_id"));

    let r = app.get(&format!("{O}/discovery.xml"), None).expect(200);
    assert!(r.header("content-type").unwrap().starts_with("application/xml"));
    let d = xml(&r.text);
    assert_eq!(d.name, "discovery");
    let endpoint = d.child("endpoints").child("endpoint");
    assert_eq!(endpoint.get("specification"), "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(endpoint.child("formats").all("format").iter().map(|f| f.text.as_str()).collect::<Vec<_>>(), ["text/xml", "application/json"]);

    // Unknown extensions and resources answer in the specification's error format.
    error(app.get(&format!("{O}/discovery.html"), None), 404, "format");
    error(app.get(&format!("{O}/nothing.json"), None), 404, "no such");
    error(app.get(&format!("{O}/nothing"), None), 404, "no such");
}

#[test]
fn services_are_the_communitys_responsibility_list() {
    let app = TestApp::start();
    let dz = app.community("东洲社区");
    error(app.get(&format!("{O}/services.json"), None), 400, "jurisdiction_id is required");
    error(app.get(&format!("{O}/services.xml"), None), 400, "jurisdiction_id is required");
    error(app.get(&format!("{O}/services.json?jurisdiction_id=nope"), None), 404, "jurisdiction_id");
    error(app.get(&format!("{O}/services.json?jurisdiction_id={}", app.street("三厂街道")), None), 404, "jurisdiction_id");
    assert_eq!(app.get(&format!("{O}/services.json?jurisdiction_id={dz}"), None).expect(200).body, json!([]));

    publish_list(&app);
    let r = app.get(&format!("{O}/services.json?jurisdiction_id={dz}"), None).expect(200);
    assert_eq!(
        r.body[0],
        json!({"service_code": "NOISE", "service_name": "道路施工噪音", "description": "夜间施工扰民", "metadata": false, "type": "realtime", "keywords": "major, red", "group": "大事（公家事）"})
    );
    assert_eq!((r.body[1]["keywords"].as_str(), r.body[2]["keywords"].as_str()), (Some("minor, orange"), Some("private, yellow")));
    assert_eq!(r.body[1]["description"], Value::Null);

    let s = xml(&app.get(&format!("{O}/services.xml?jurisdiction_id={dz}"), None).expect(200).text);
    assert_eq!(s.name, "services");
    let services = s.all("service");
    assert_eq!(services.len(), 3);
    assert_eq!((services[0].get("service_code"), services[0].get("metadata"), services[0].get("group")), ("NOISE", "false", "大事（公家事）"));
    assert_eq!(services[1].get("description"), "");

    // Another community has its own (empty) list.
    assert_eq!(app.get(&format!("{O}/services.json?jurisdiction_id={}", app.community("秀山社区")), None).expect(200).body, json!([]));

    let def = app.get(&format!("{O}/services/noise.json?jurisdiction_id={dz}"), None).expect(200);
    assert_eq!(def.body, json!({"service_code": "NOISE", "attributes": []}));
    let def = xml(&app.get(&format!("{O}/services/NOISE.xml?jurisdiction_id={dz}"), None).expect(200).text);
    assert_eq!((def.name.as_str(), def.get("service_code"), def.child("attributes").children.len()), ("service_definition", "NOISE", 0));
    error(app.get(&format!("{O}/services/OTHER.json?jurisdiction_id={dz}"), None), 404, "service_code");
    error(app.get(&format!("{O}/services/NOISE.xml"), None), 400, "jurisdiction_id");
}

#[test]
fn a_service_account_files_requests_through_the_platforms_submission() {
    let app = TestApp::start();
    publish_list(&app);
    let key = api_key(&app, &app.department("MZJ"));
    let dz = app.community("东洲社区");
    let staff = app.login("staff.dongzhou");
    let audits = app.count("audit_log");

    let r = post(&app, "json", &fields(&key, &dz, "noise")).expect(201);
    let created = r.body[0].clone();
    let id = created["service_request_id"].as_str().unwrap().to_string();
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert!(created["service_notice"].as_str().unwrap().contains("大事"), "{created}");
    assert_eq!(created["account_id"], Value::Null);

    assert_eq!(app.count("audit_log"), audits + 1, "request.submit");
    // Community staff see it like any request filed on a resident's behalf, with its timeline.
    let v = app.get(&format!("{API}/requests/{id}"), Some(&staff)).expect(200).body;
    assert_eq!((v["resident_name"].as_str(), v["resident_phone"].as_str()), (Some("王小明"), Some("13700137000")));
    assert_eq!((v["category_code"].as_str(), v["status"].as_str(), v["community_id"].as_str()), (Some("NOISE"), Some("submitted"), Some(dz.as_str())));
    assert_eq!(v["suggestion"]["department_id"], app.department("CGJ"));
    assert_eq!((v["latitude"].as_f64(), v["address"].as_str()), (Some(31.98765), Some("东洲小区3号楼")));
    assert!(v["description"].as_str().unwrap().ends_with("media_url: https://hotline.example/photo/1.jpg"));
    let listed = app.get(&format!("{API}/requests"), Some(&staff)).expect(200).body;
    assert!(listed["items"].as_array().unwrap().iter().any(|i| i["id"] == id.as_str()));
    let timeline = app.get(&format!("{API}/requests/{id}/timeline"), Some(&staff)).expect(200).body;
    assert_eq!(timeline["items"][0]["kind"], "submitted");
    assert_eq!((timeline["items"][0]["actor_role"].as_str(), timeline["items"][0]["data"]["on_behalf"].as_bool()), (Some("department_staff"), Some(true)));

    // XML; a resident account with the phone is linked, so the resident follows it in the app.
    let f = set(&set(&set(&fields(&key, &dz, "PARKING"), "lat", None), "long", None), "first_name", None);
    let x = xml(&post(&app, "xml", &set(&f, "phone", Some("13800138000"))).expect(201).text);
    assert_eq!(x.name, "service_requests");
    let req = x.child("request");
    let resident = app.login_full("13800138000");
    assert_eq!(req.get("account_id"), resident["account"]["id"].as_str().unwrap());
    let mine = app.get(&format!("{API}/requests"), Some(resident["access_token"].as_str().unwrap())).expect(200).body;
    assert_eq!(mine["items"][0]["id"], req.get("service_request_id"));
    assert_eq!(mine["items"][0]["resident_name"], "王");
    assert_eq!(app.count("requests"), 2);
}

#[test]
fn refused_submissions_write_nothing() {
    let app = TestApp::start_with(|c| c.login_per_account = 100);
    publish_list(&app);
    let key = api_key(&app, &app.department("MZJ"));
    let dz = app.community("东洲社区");
    let valid = fields(&key, &dz, "NOISE");
    let without = |name: &str| set(&valid, name, None);
    let with = |name: &str, value: &'static str| set(&valid, name, Some(value));
    let wrong = format!("{key}x");
    error(post(&app, "json", &set(&valid, "api_key", Some(&wrong))), 403, "Invalid api_key");
    error(post(&app, "xml", &with("api_key", "nonsense")), 403, "Invalid api_key");
    error(post(&app, "json", &without("api_key")), 403, "api_key");
    error(post(&app, "json", &without("jurisdiction_id")), 400, "jurisdiction_id is required");
    error(post(&app, "json", &without("phone")), 400, "phone");
    error(post(&app, "xml", &with("phone", "12345")), 400, "phone");
    error(post(&app, "json", &without("description")), 400, "description");
    error(post(&app, "json", &without("service_code")), 400, "service_code");
    error(post(&app, "json", &with("service_code", "OTHER")), 400, "service_code");
    error(post(&app, "json", &with("lat", "north")), 400, "lat");
    error(post(&app, "json", &with("lat", "123")), 400, "lat");
    error(post(&app, "json", &set(&without("first_name"), "last_name", None)), 400, "first_name/last_name");
    error(post(&app, "json", &set(&set(&without("lat"), "long", None), "address_string", None)), 400, "address_string");
    error(post(&app, "json", &without("long")), 400, "go together");
    error(post(&app, "json", &with("jurisdiction_id", "nope")), 404, "jurisdiction_id");
    error(post(&app, "html", &fields(&key, &dz, "NOISE")), 404, "format");
    let r = app.send("POST", &format!("{O}/requests.json"), None, Some("application/json"), Some(b"{}"), &[]);
    error(r, 400, "");

    // A street's service account covers its communities only.
    let admin = app.login("admin");
    let dept = app.post(&format!("{API}/departments"), Some(&admin), &json!({"jurisdiction_id": app.street("三厂街道"), "name": "三厂街道 12345 工作站", "code": "SC12345"})).expect(201).id();
    let street_key = api_key(&app, &dept);
    let xs = app.community("秀山社区");
    error(post(&app, "json", &fields(&street_key, &xs, "NOISE")), 403, "not valid for this jurisdiction_id");
    assert_eq!(app.count("requests"), 0);
    assert_eq!(app.count("request_events"), 0);
    post(&app, "json", &fields(&street_key, &dz, "NOISE")).expect(201);
    assert_eq!(app.count("requests"), 1);
}

#[test]
fn api_key_attempts_are_rate_limited_like_logins() {
    let app = TestApp::start();
    publish_list(&app);
    let key = api_key(&app, &app.department("MZJ"));
    let (id, _) = key.split_once(':').unwrap();
    let wrong = format!("{id}:wrong");
    let dz = app.community("东洲社区");
    for _ in 0..10 {
        error(post(&app, "json", &fields(&wrong, &dz, "NOISE")), 403, "Invalid api_key");
    }
    error(post(&app, "json", &fields(&key, &dz, "NOISE")), 429, "too many");
}

#[test]
fn the_search_is_public_anonymised_and_follows_the_specs_defaults() {
    let app = TestApp::start_with(|c| c.login_per_account = 100);
    publish_list(&app);
    let key = api_key(&app, &app.department("MZJ"));
    let dz = app.community("东洲社区");
    let file = |code: &str| post(&app, "json", &fields(&key, &dz, code)).expect(201).body[0]["service_request_id"].as_str().unwrap().to_string();

    let old = file("REPAIR");
    app.clock.advance(TimeDelta::days(100));
    let noise = file("NOISE");
    app.clock.advance(TimeDelta::hours(1));
    let parking = file("PARKING");
    let staff = app.login("staff.dongzhou");
    // The minor matter is replied to, then settled and resolved.
    act(&app, &staff, &parking, json!({"action": "triage", "class": "minor"}));
    act(&app, &staff, &parking, json!({"action": "reply", "text": "已联系物业协调"}));
    let search = |q: &str| app.get(&format!("{O}/requests.json?jurisdiction_id={dz}{q}"), None).expect(200).body;
    // Staff-written texts only for a service account covering the community.
    assert_eq!(search("")[0]["status_notes"], Value::Null);
    let encoded_key = key.replace(':', "%3A");
    assert_eq!(search(&format!("&api_key={encoded_key}"))[0]["status_notes"], "已联系物业协调");
    act(&app, &staff, &parking, json!({"action": "record_resolution", "text": "业主协商划定车位"}));
    act(&app, &staff, &parking, json!({"action": "resolve", "result": "新增车位20个"}));
    // The major matter goes to 城管局 with a deadline.
    act(&app, &staff, &noise, json!({"action": "triage", "class": "major", "department_id": app.department("CGJ"), "deadline_hours": 72}));

    // Default: the last 90 days, newest first.
    let all = search("");
    let ids: Vec<&str> = all.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [parking.as_str(), noise.as_str()]);
    let p = &all[0];
    assert_eq!((p["status"].as_str(), p["status_notes"].as_str(), p["service_name"].as_str()), (Some("closed"), None, Some("小区停车")));
    assert_eq!(search(&format!("&api_key={encoded_key}"))[0]["status_notes"], "新增车位20个");
    assert_eq!((p["agency_responsible"].as_str(), p["address"].as_str()), (Some("东洲社区"), Some("东洲社区")));
    let n = &all[1];
    assert_eq!((n["status"].as_str(), n["service_code"].as_str()), (Some("open"), Some("NOISE")));
    assert_eq!(n["agency_responsible"], "城市管理局");
    assert!(n["expected_datetime"].as_str().unwrap().ends_with('Z'));
    assert!(n["service_notice"].as_str().unwrap().contains("限时办结"));
    assert_eq!((n["lat"].as_f64(), n["long"].as_f64()), (Some(31.988), Some(121.235)));
    assert_eq!(n["requested_datetime"], "2026-06-10T01:00:00Z");
    for k in ["description", "address_id", "zipcode", "media_url"] {
        assert_eq!(n[k], Value::Null, "{k}");
    }
    let every_key: Vec<&str> = n.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible", "service_notice",
        "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
    ] {
        assert!(every_key.contains(&k), "{k} missing");
    }
    // Anonymised: no name, phone, description or exact address anywhere in either format.
    let xml_text = app.get(&format!("{O}/requests.xml?jurisdiction_id={dz}"), None).expect(200).text;
    for text in [all.to_string(), xml_text.clone()] {
        for secret in ["王", "13700137000", "施工噪音到深夜", "3号楼", "31.98765", "photo"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    let x = xml(&xml_text);
    assert_eq!((x.name.as_str(), x.all("request").len()), ("service_requests", 2));
    assert_eq!(x.all("request")[0].get("status"), "closed");

    // Filters: status, service_code, ids (which override the rest), dates.
    assert_eq!(search("&status=open").as_array().unwrap().len(), 1);
    assert_eq!(search("&status=closed")[0]["service_request_id"], parking.as_str());
    assert_eq!(search("&status=open,closed").as_array().unwrap().len(), 2);
    assert_eq!(search("&service_code=noise")[0]["service_request_id"], noise.as_str());
    assert_eq!(search("&service_code=NOISE,REPAIR").as_array().unwrap().len(), 1);
    assert_eq!(search(&format!("&service_request_id={old},{noise}&status=closed")).as_array().unwrap().len(), 2);
    assert_eq!(search("&start_date=2026-03-01T00:00:00Z")[0]["service_request_id"], old.as_str());
    assert_eq!(search("&start_date=2026-03-01T08:00:00%2B08:00&end_date=2026-05-01T00:00:00Z").as_array().unwrap().len(), 1);
    assert_eq!(search("&end_date=2026-05-01T00:00:00Z").as_array().unwrap().len(), 1);
    let e = app.get(&format!("{O}/requests.json?jurisdiction_id={dz}&start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"), None);
    error(e, 400, "90 days");
    error(app.get(&format!("{O}/requests.xml?jurisdiction_id={dz}&start_date=yesterday"), None), 400, "start_date");
    error(app.get(&format!("{O}/requests.json?jurisdiction_id={dz}&status=pending"), None), 400, "status");
    error(app.get(&format!("{O}/requests.json?jurisdiction_id={dz}&end_date=2026-01-01T00:00:00Z&start_date=2026-02-01T00:00:00Z"), None), 400, "before");
    error(app.get(&format!("{O}/requests.json"), None), 400, "jurisdiction_id");
    assert_eq!(app.get(&format!("{O}/requests.json?jurisdiction_id={}", app.community("秀山社区")), None).expect(200).body, json!([]));

    // With the api_key of a service account covering the community: description, address, exact location.
    let full = app.get(&format!("{O}/requests.json?jurisdiction_id={dz}&service_code=NOISE&api_key={}", encode(&key)), None).expect(200).body;
    assert!(full[0]["description"].as_str().unwrap().starts_with("楼下施工噪音到深夜"));
    assert_eq!((full[0]["address"].as_str(), full[0]["lat"].as_f64()), (Some("东洲小区3号楼"), Some(31.98765)));
    assert!(!full.to_string().contains("13700137000"));
    error(app.get(&format!("{O}/requests.json?jurisdiction_id={dz}&api_key=x:y"), None), 403, "Invalid api_key");
}

#[test]
fn one_request_and_tokens() {
    let app = TestApp::start_with(|c| c.login_per_account = 100);
    publish_list(&app);
    let key = api_key(&app, &app.department("MZJ"));
    let dz = app.community("东洲社区");
    let xs = app.community("秀山社区");
    let id = post(&app, "json", &fields(&key, &dz, "NOISE")).expect(201).body[0]["service_request_id"].as_str().unwrap().to_string();

    let one = app.get(&format!("{O}/requests/{id}.json?jurisdiction_id={dz}"), None).expect(200).body;
    assert_eq!((one.as_array().unwrap().len(), one[0]["service_request_id"].as_str(), one[0]["status"].as_str()), (1, Some(id.as_str()), Some("open")));
    assert_eq!(one[0]["description"], Value::Null);
    let x = xml(&app.get(&format!("{O}/requests/{id}.xml?jurisdiction_id={dz}"), None).expect(200).text);
    assert_eq!((x.name.as_str(), x.child("request").get("service_code")), ("service_requests", "NOISE"));
    assert_eq!(x.child("request").get("description"), "");
    let full = app.get(&format!("{O}/requests/{id}.json?jurisdiction_id={dz}&api_key={}", encode(&key)), None).expect(200).body;
    assert!(full[0]["description"].is_string());
    error(app.get(&format!("{O}/requests/{id}.json?jurisdiction_id={xs}"), None), 404, "service_request_id");
    error(app.get(&format!("{O}/requests/nope.xml?jurisdiction_id={dz}"), None), 404, "service_request_id");
    error(app.get(&format!("{O}/requests/{id}.json"), None), 400, "jurisdiction_id");

    let t = app.get(&format!("{O}/tokens/{id}.json?jurisdiction_id={dz}"), None).expect(200).body;
    assert_eq!(t, json!([{"service_request_id": id, "token": id}]));
    let t = xml(&app.get(&format!("{O}/tokens/{id}.xml?jurisdiction_id={dz}"), None).expect(200).text);
    assert_eq!((t.name.as_str(), t.child("request").get("token")), ("service_requests", id.as_str()));
    error(app.get(&format!("{O}/tokens/unknown.json?jurisdiction_id={dz}"), None), 404, "service_request_id");
    error(app.get(&format!("{O}/tokens/{id}.json?jurisdiction_id={xs}"), None), 404, "service_request_id");
}

#[test]
fn private_matters_are_not_published() {
    let app = TestApp::start();
    publish_list(&app);
    let key = api_key(&app, &app.department("MZJ"));
    let dz = app.community("东洲社区");
    let id = post(&app, "json", &fields(&key, &dz, "REPAIR")).expect(201).body[0]["service_request_id"].as_str().unwrap().to_string();
    act(&app, &app.login("staff.dongzhou"), &id, json!({"action": "triage", "class": "private"}));
    let public = app.get(&format!("{O}/requests.json?jurisdiction_id={dz}"), None).expect(200).body;
    assert_eq!(public, json!([]), "a private matter (私事) is not disclosed");
    let with_key = app.get(&format!("{O}/requests.json?jurisdiction_id={dz}&api_key={}", key.replace(':', "%3A")), None).expect(200).body;
    assert_eq!(with_key[0]["service_request_id"], id.as_str());
}
