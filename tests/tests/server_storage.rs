//! The `test-server` binary against its own storage going wrong: a state over the size limit,
//! a flipped bit in a stored state, a damaged or empty database file, a full disk (the
//! `ACTORIUM_FAILPOINT_DISK_FULL_AFTER_PAGES` failpoint caps the database as a full disk
//! would). Each time the client gets a named error, never altered data, and the actor keeps
//! its last committed state.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use actorium_protocol::{Encoding, Value, WireError, catalogue};
use common::*;

/// Calls `counter[key].action(args…)` over HTTP (JSON): the status and the output or error.
async fn call(
    base: &str,
    key: &str,
    action: &str,
    args: Vec<Value>,
) -> (u16, Result<Value, WireError>) {
    let body = actorium_protocol::HttpActionRequest { args }
        .encode(Encoding::Json)
        .unwrap();
    let path = query_path("counter", key, &format!("/action/{action}"));
    let r = post_raw(base, &path, "json", body).await;
    let result = if r.status == 200 {
        Ok(
            actorium_protocol::HttpActionResponse::decode(Encoding::Json, &r.body)
                .unwrap()
                .output,
        )
    } else {
        Err(r.error(Encoding::Json))
    };
    (r.status, result)
}

async fn ok(base: &str, key: &str, action: &str, args: Vec<Value>) -> Value {
    let (status, r) = call(base, key, action, args).await;
    r.unwrap_or_else(|e| panic!("{key}.{action}: {status} {e:?}"))
}

fn test_server(data_dir: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_test-server"));
    command
        .arg("serve")
        .args(["--host", "127.0.0.1", "--port", "0", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .env("RUST_LOG", "warn");
    command
}

/// Runs the server on `data_dir`, which must refuse to start: its output.
fn refused(data_dir: &Path) -> String {
    let run = actorium_test_support::run(&mut test_server(data_dir, &[]), Duration::from_secs(20));
    assert!(
        !run.timed_out(),
        "the server started on a bad database:\n{}",
        run.output
    );
    assert!(!run.success(), "exit 0 on a bad database:\n{}", run.output);
    run.output
}

#[tokio::test]
async fn a_state_over_the_limit_is_refused_and_the_actor_keeps_its_last_state() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_process(dir.path(), &["--max-state-bytes", "1024"]);
    let base = p.url().to_string();
    assert_eq!(ok(&base, "big", "increment", vec![int(5)]).await, int(5));
    assert_eq!(ok(&base, "big", "pad", vec![int(500)]).await, int(5));

    let (status, r) = call(&base, "big", "pad", vec![int(2000)]).await;
    let e = r.expect_err("a state of 2 KB over a 1 KiB limit");
    assert!(e.is_code(catalogue::STATE_TOO_LARGE), "{e:?}");
    assert_eq!(status, 400);
    assert!(e.message.contains("1024"), "{}", e.message);

    // Usable, with its last committed state; other actors are not concerned.
    assert_eq!(ok(&base, "big", "getCount", vec![]).await, int(5));
    assert_eq!(ok(&base, "big", "increment", vec![int(1)]).await, int(6));
    assert_eq!(ok(&base, "small", "increment", vec![int(1)]).await, int(1));
    // Shrinking is always allowed.
    assert_eq!(ok(&base, "big", "pad", vec![int(0)]).await, int(6));
    p.terminate();
    let p = start_process(dir.path(), &["--max-state-bytes", "1024"]);
    assert_eq!(count(p.url(), "big").await, 6);
}

#[tokio::test]
async fn a_flipped_bit_in_a_stored_state_is_refused_and_other_actors_are_fine() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_process(dir.path(), &[]);
    assert_eq!(
        ok(p.url(), "flip", "increment", vec![int(42)]).await,
        int(42)
    );
    assert_eq!(
        ok(p.url(), "other", "increment", vec![int(7)]).await,
        int(7)
    );
    assert!(p.terminate().success());

    // One bit of the stored count, flipped behind the server's back: CBOR {"count": 42}
    // ends with the byte 42, which becomes 43 and still decodes.
    let db = rusqlite::Connection::open(dir.path().join("actorium.db")).unwrap();
    let rows: Vec<(String, Vec<u8>)> = db
        .prepare("SELECT id, state FROM actors WHERE name = 'counter'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let (id, mut state) = rows
        .into_iter()
        .find(|(_, s)| s.last() == Some(&42))
        .expect("the stored state of count 42");
    *state.last_mut().unwrap() ^= 1;
    db.execute(
        "UPDATE actors SET state = ?1 WHERE id = ?2",
        rusqlite::params![state, id],
    )
    .unwrap();
    drop(db);

    let p = start_process(dir.path(), &[]);
    for _ in 0..2 {
        let (status, r) = call(p.url(), "flip", "getCount", vec![]).await;
        let e = r.expect_err("an altered state was served");
        assert!(e.is_code(catalogue::STORAGE_CORRUPT), "{e:?}");
        assert_eq!(status, 500);
    }
    assert_eq!(count(p.url(), "other").await, 7);
    assert_eq!(
        ok(p.url(), "other", "increment", vec![int(1)]).await,
        int(8)
    );
    let log = p.stderr();
    assert!(
        log.contains("ERROR") && log.contains(&id) && log.contains("checksum"),
        "the damage is logged at error with the actor id:\n{log}"
    );
}

#[tokio::test]
async fn a_damaged_database_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_process(dir.path(), &[]);
    for i in 0..50 {
        ok(p.url(), &format!("k{i}"), "pad", vec![int(200)]).await;
    }
    assert!(p.terminate().success());
    // Garbage over the last page (actors' rows): the server must not start and serve the
    // rest as if nothing happened.
    let file = dir.path().join("actorium.db");
    let mut bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 3 * 4096, "{} bytes", bytes.len());
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let last = bytes.len() - 4096;
    for b in &mut bytes[last..] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(&file, bytes).unwrap();
    let out = refused(dir.path());
    assert!(out.contains("is damaged"), "{out}");
    assert!(out.contains(&file.display().to_string()), "{out}");
}

#[tokio::test]
async fn an_empty_database_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("actorium.db");
    std::fs::write(&file, b"").unwrap();
    let out = refused(dir.path());
    assert!(out.contains("is empty (0 bytes)"), "{out}");
    assert!(out.contains(&file.display().to_string()), "{out}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 0, "left as it was");
}

#[tokio::test]
async fn a_full_disk_is_a_503_and_the_actor_keeps_its_last_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = test_server(dir.path(), &[]);
    command.env(
        actorium_server::storage::FAILPOINT_DISK_FULL_AFTER_PAGES,
        "4",
    );
    let p = ServerProcess::spawn(&mut command).unwrap_or_else(|e| panic!("{e:#}"));
    let base = p.url().to_string();
    assert_eq!(ok(&base, "full", "increment", vec![int(3)]).await, int(3));

    // 100 KB need about 25 more pages than the database may have.
    let (status, r) = call(&base, "full", "pad", vec![int(100_000)]).await;
    let e = r.expect_err("a write past the full disk");
    assert!(e.is_code(catalogue::STORAGE_FULL), "{e:?}");
    assert_eq!(status, 503);

    // The last committed state, and a smaller write still fits.
    assert_eq!(ok(&base, "full", "getCount", vec![]).await, int(3));
    assert_eq!(ok(&base, "full", "increment", vec![int(1)]).await, int(4));
    p.terminate();

    // Space freed (no cap): the same write succeeds on the last committed state.
    let p = start_process(dir.path(), &[]);
    assert_eq!(ok(p.url(), "full", "pad", vec![int(100_000)]).await, int(4));
    assert_eq!(count(p.url(), "full").await, 4);
}
