//! Connection failures name the problem instead of timing out or panicking.

use gongzhi_persistence::{Db, DbOptions, StoreError};
use std::time::Duration;

fn message(url: &str) -> String {
    match Db::connect(url, &DbOptions { pool_size: 1, connect_timeout: Duration::from_secs(2), ..Default::default() }) {
        Err(StoreError::Unavailable(m)) => m,
        Err(other) => panic!("unexpected error kind: {other}"),
        Ok(_) => panic!("connected to {url}"),
    }
}

#[test]
fn a_postgres_server_that_is_down_is_reported() {
    // Port 1 on loopback: nothing listens there.
    let m = message("postgres://gongzhi:secret@127.0.0.1:1/gongzhi");
    assert!(m.contains("postgres"), "{m}");
    assert!(m.contains("127.0.0.1"), "{m}");
    assert!(!m.contains("secret"), "the password is not shown: {m}");
    assert!(m.to_lowercase().contains("connect") || m.contains("refused"), "{m}");
}

#[test]
fn an_unusable_sqlite_path_is_reported() {
    let file = tempfile::NamedTempFile::new().unwrap();
    // A path below a regular file cannot be created.
    let m = message(&format!("sqlite://{}/sub/gongzhi.db", file.path().display()));
    assert!(m.contains("data directory"), "{m}");
}

#[test]
fn a_fresh_sqlite_file_is_created_and_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/dir/gongzhi.db", dir.path().display());
    let db = Db::connect(&url, &DbOptions::default()).unwrap();
    assert!(!db.migrate().unwrap().is_empty());
    assert!(db.migrate().unwrap().is_empty(), "a second run applies nothing");
    db.ping().unwrap();
}
