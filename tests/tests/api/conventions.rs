//! Conventions every endpoint shares: request ids, probes, problem+json, pagination.

use gongzhi_tests::TestApp;

#[test]
fn probes_and_request_ids() {
    let app = TestApp::start();
    let r = app.get("/healthz", None).expect(200);
    assert_eq!(r.body["status"], "ok");
    assert!(r.header("x-request-id").is_some_and(|v| !v.is_empty()));
    let r = app.get("/readyz", None).expect(200);
    assert!(["sqlite", "postgres"].contains(&r.body["database"].as_str().unwrap()));
    let r = app.send("GET", "/healthz", None, None, None, &[("X-Request-Id", "client-abc-123")]);
    assert_eq!(r.header("x-request-id"), Some("client-abc-123"));
    // An unusable client id is replaced, not echoed.
    let r = app.send("GET", "/healthz", None, None, None, &[("X-Request-Id", "bad id with spaces")]);
    assert_ne!(r.header("x-request-id"), Some("bad id with spaces"));
}

#[test]
fn unknown_routes_are_problems() {
    let app = TestApp::start();
    app.get("/api/v1/no-such-thing", None).problem(404, "not_found");
    app.get("/nothing-here", None).problem(404, "not_found");
}

#[test]
fn nul_characters_are_refused_before_any_query() {
    let app = TestApp::start();
    let admin = app.login("admin");
    app.get("/api/v1/audit-log?action=%00", Some(&admin)).problem(400, "invalid_query");
    app.get("/api/v1/jurisdictions/%00", Some(&admin)).problem(400, "invalid_query");
    let r = app.send("POST", "/api/v1/auth/login", None, Some("application/json"), Some(br#"{"login":"a\u0000","password":"x"}"#), &[]);
    assert_eq!((r.status, r.body["code"].as_str()), (422, Some("invalid_body")), "{}", r.text);
    let r = app.send("POST", "/api/v1/auth/token", None, Some("application/x-www-form-urlencoded"), Some(b"grant_type=client_credentials&client_id=a%00&client_secret=b"), &[]);
    assert_eq!(r.status, 401, "{}", r.text);
}

/// Pooled connections are not tested with a round trip before each use; one whose PostgreSQL
/// backend went away (a restart, a failover, a cut connection) answers 503 once and is dropped,
/// so the pool recovers by itself. SQLite has no server to lose.
#[test]
fn connections_the_database_server_closed_are_replaced() {
    let app = TestApp::start();
    if app.db.backend() != gongzhi_persistence::Backend::Postgres {
        return;
    }
    let admin = app.login("admin");
    // Requests at once, so that every idle connection of the pool (4 in tests) is used.
    let round = || -> Vec<u16> {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| app.get("/api/v1/jurisdictions", Some(&admin)).status)).collect();
            handles.into_iter().map(|h| h.join().expect("request thread")).collect()
        })
    };
    assert!(round().iter().all(|&s| s == 200));
    app.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        .expect("terminate the server's connections");
    let first: Vec<u16> = (0..3).flat_map(|_| round()).collect();
    assert!(first.iter().all(|&s| s == 200 || s == 503), "{first:?}");
    // The pool hands out the most recently returned connection first, so a closed one may sit
    // unused through those rounds: take every read connection at once (each worker holds its
    // connection until all have one), so each closed connection is met once here if not before.
    let size = app.state.config.pool_size as usize;
    // (A count with a deadline rather than a barrier: a failed checkout must not hang the rest.)
    let held = std::sync::atomic::AtomicUsize::new(0);
    let all_held = || {
        held.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while held.load(std::sync::atomic::Ordering::SeqCst) < size && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    };
    let swept: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..size)
            .map(|_| {
                s.spawn(|| {
                    app.db
                        .read(|c| {
                            all_held();
                            Ok(diesel::connection::SimpleConnection::batch_execute(c, "SELECT 1")?)
                        })
                        .is_ok()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("sweep thread")).collect()
    });
    let failed = first.iter().filter(|&&s| s == 503).count() + swept.iter().filter(|ok| !**ok).count();
    assert!(failed <= size, "each closed connection fails at most one request: {first:?}, sweep {swept:?}");
    let after: Vec<u16> = (0..2).flat_map(|_| round()).collect();
    assert!(after.iter().all(|&s| s == 200), "the pool recovered: {after:?}");
}
