//! Black-box test harness: each test starts the real server on a loopback port, over a fresh
//! database loaded with the demo city, and talks HTTP to it.
//!
//! The backend follows `GONGZHI_TEST_DATABASE_URL`: unset, each test gets its own SQLite file;
//! `postgres://…/postgres`, each test gets its own PostgreSQL database on that server (created
//! here, dropped when the test ends).

use actix_web::{web, HttpServer};
use chrono::{DateTime, TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use gongzhi_api::config::Config;
use gongzhi_api::demo::{self, DemoCity};
use gongzhi_api::{build_app, AppState};
use gongzhi_domain::clock::ManualClock;
use gongzhi_persistence::{Db, DbOptions};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{mpsc, Arc};

/// Every demo account's password in tests.
pub const PASSWORD: &str = "test-Password-2026";

/// The instant the test clock starts at: Monday 2 March 2026, 09:00 Beijing time.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    fn create() -> (TestDb, String) {
        match std::env::var("GONGZHI_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) {
            Some(admin_url) => {
                let name = format!("gz_test_{}", uuid::Uuid::now_v7().simple());
                let mut c = PgConnection::establish(&admin_url).expect("connect to the test PostgreSQL server");
                c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
                let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
                let url = format!("{base}/{name}");
                (TestDb::Postgres { admin_url, name }, url)
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                (TestDb::Sqlite(dir), url)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut c) = PgConnection::establish(admin_url) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// An HTTP response as a test sees it.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub text: String,
    /// The body parsed as JSON (`Null` when it is not JSON).
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        self
    }
    /// Asserts a problem+json error with this status and code.
    #[track_caller]
    pub fn problem(self, status: u16, code: &str) -> Resp {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "body: {}", self.text);
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        self
    }
    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("response has an id").to_string()
    }
}

pub struct TestApp {
    pub base: String,
    pub city: DemoCity,
    pub clock: Arc<ManualClock>,
    pub db: Db,
    pub state: web::Data<AppState>,
    handle: actix_web::dev::ServerHandle,
    agent: ureq::Agent,
    _db: TestDb,
}

impl TestApp {
    /// Starts a server over a fresh database holding the demo city.
    pub fn start() -> TestApp {
        Self::start_with(|_| {})
    }

    /// Like [`TestApp::start`], adjusting the configuration first.
    pub fn start_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let (test_db, url) = TestDb::create();
        let data_dir = std::env::temp_dir().join(format!("gongzhi-test-{}", uuid::Uuid::now_v7().simple()));
        let mut cfg = Config::for_database(&url, data_dir);
        adjust(&mut cfg);
        let db = Db::connect(&url, &DbOptions { pool_size: cfg.pool_size, ..Default::default() }).expect("connect test database");
        db.migrate().expect("migrate test database");
        let clock = Arc::new(ManualClock::new(start_time()));
        let city = demo::load(&db, start_time(), |_| PASSWORD.to_string()).expect("load demo city");
        let state = web::Data::new(AppState::new(db.clone(), cfg, clock.clone()));
        let (tx, rx) = mpsc::channel();
        let st = state.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || build_app(st.clone()))
                    .workers(1)
                    .bind(("127.0.0.1", 0))
                    .expect("bind loopback");
                let port = server.addrs()[0].port();
                let server = server.run();
                tx.send((port, server.handle())).expect("report port");
                server.await
            })
        });
        let (port, handle) = rx.recv().expect("server started");
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            city,
            clock,
            db,
            state,
            handle,
            agent: ureq::AgentBuilder::new().build(),
            _db: test_db,
        }
    }

    /// Sends a request with a raw body.
    pub fn send(&self, method: &str, path: &str, token: Option<&str>, content_type: Option<&str>, body: Option<&[u8]>, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.request(method, &format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            req = req.set("Content-Type", ct);
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let result = match body {
            Some(b) => req.send_bytes(b),
            None => req.call(),
        };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: transport error {e}"),
        };
        let status = resp.status();
        let headers = resp.headers_names().into_iter().filter_map(|n| resp.header(&n).map(|v| (n.to_ascii_lowercase(), v.to_string()))).collect();
        let text = resp.into_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, text, body }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send("GET", path, token, None, None, &[])
    }

    pub fn json(&self, method: &str, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send(method, path, token, Some("application/json"), Some(body.to_string().as_bytes()), &[])
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.json("POST", path, token, body)
    }

    pub fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.json("PATCH", path, token, body)
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.send("DELETE", path, token, None, None, &[])
    }

    /// Logs a demo account in and returns its access token.
    pub fn login(&self, login: &str) -> String {
        self.login_full(login)["access_token"].as_str().expect("access token").to_string()
    }

    /// Creates an account of `role` at `node` (as `admin`, its first password already changed)
    /// and returns its access token.
    pub fn account(&self, login: &str, role: &str, node: &str) -> String {
        let admin = self.login("admin");
        let password = "quiet-harbour-lantern-2026";
        let body = serde_json::json!({"login": login, "display_name": login, "password": password, "role": role, "jurisdiction_id": node});
        let created = self.post("/api/v1/accounts", Some(&admin), &body);
        assert_eq!(created.status, 201, "create {login}: {}", created.text);
        self.exec(&format!("UPDATE accounts SET must_change_password = false WHERE login = '{login}'")).unwrap();
        let r = self.post("/api/v1/auth/login", None, &serde_json::json!({"login": login, "password": password}));
        assert_eq!(r.status, 200, "login {login}: {}", r.text);
        r.body["access_token"].as_str().expect("access token").to_string()
    }

    /// Logs in and returns the whole token response.
    pub fn login_full(&self, login: &str) -> Value {
        let r = self.post("/api/v1/auth/login", None, &serde_json::json!({"login": login, "password": PASSWORD}));
        assert_eq!(r.status, 200, "login {login}: {}", r.text);
        r.body
    }

    pub fn community(&self, name: &str) -> String {
        self.city.communities[name].clone()
    }

    pub fn street(&self, name: &str) -> String {
        self.city.streets[name].clone()
    }

    pub fn grid(&self, name: &str) -> String {
        self.city.grids[name].clone()
    }

    pub fn department(&self, code: &str) -> String {
        self.city.departments[code].clone()
    }

    /// A clearance item of kind `ledger` (台账准入事项) admitted at `jurisdiction` for 2026: the
    /// department CGJ applies (dept.cgj), civil affairs approves. Returns the item id, which a
    /// ledger type there or below may rest on (凡进必审).
    pub fn admitted_ledger_item(&self, jurisdiction: &str) -> String {
        let body = serde_json::json!({
            "jurisdiction_id": jurisdiction,
            "title": "民情走访台账",
            "kind": "ledger",
            "list": "duties_by_law",
            "legal_basis": {"kind": "law", "reference": "《中华人民共和国城市居民委员会组织法》第三条"},
            "frequency": "每月",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31"
        });
        let id = self.post("/api/v1/clearance/applications", Some(&self.login("dept.cgj")), &body).expect(201).id();
        self.post(&format!("/api/v1/clearance/applications/{id}/approve"), Some(&self.login("civil.affairs")), &serde_json::json!({})).expect(200);
        id
    }

    /// Counts rows of a table, to prove that a refused request wrote nothing.
    pub fn count(&self, table: &str) -> i64 {
        use diesel::sql_types::BigInt;
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        self.db
            .read(|c| Ok(diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<N>(c)?.n))
            .expect("count rows")
    }

    /// Runs raw SQL directly on the database (tamper tests).
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        self.db.write(|c| Ok(c.batch_execute(sql)?)).map_err(|e| e.to_string())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(false));
    }
}
