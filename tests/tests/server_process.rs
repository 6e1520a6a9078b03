//! The `test-server` binary as a process: acknowledged changes survive `kill -9`, timers set
//! before a restart fire after it, graceful shutdown commits, sleep/wake keeps state.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use actorium_protocol::{Encoding, Value};
use common::*;

fn as_i64(v: Value) -> i64 {
    match v {
        Value::Integer(i) => i64::try_from(i).unwrap(),
        other => panic!("not an integer: {other:?}"),
    }
}

/// `get` (must exist) path of actor `name` with `key`.
fn get_path(name: &str, key: &str, path: &str) -> String {
    format!("/gateway/{name}{path}?rvt-namespace=default&rvt-method=get&rvt-key={key}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_increments_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_process(dir.path(), &[]);
    let base = p.url().to_string();
    let acked = Arc::new(AtomicI64::new(0));
    let highest = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut callers = Vec::new();
    for i in 0..16 {
        let (base, acked, highest, stop) =
            (base.clone(), acked.clone(), highest.clone(), stop.clone());
        // Two actors, so the group commit spans actors.
        let key = if i % 2 == 0 { "durable-a" } else { "durable-b" };
        callers.push(tokio::spawn(async move {
            let path = query_path("counter", key, "/action/increment");
            let mut mine = 0i64;
            while !stop.load(Ordering::Relaxed) {
                match try_action(&base, &path, Encoding::Bare, vec![int(1)]).await {
                    Some(Ok(v)) => {
                        mine += 1;
                        acked.fetch_add(1, Ordering::SeqCst);
                        if key == "durable-a" {
                            highest.fetch_max(as_i64(v), Ordering::SeqCst);
                        }
                    }
                    Some(Err(e)) => panic!("increment failed: {e}"),
                    None => break,
                }
            }
            (key, mine)
        }));
    }
    // Let the callers run, then kill the server mid-flight.
    let deadline = Instant::now() + Duration::from_secs(10);
    while acked.load(Ordering::SeqCst) < 400 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    p.kill();
    stop.store(true, Ordering::Relaxed);
    let mut acked_a = 0;
    let mut acked_b = 0;
    for c in callers {
        match c.await {
            Ok(("durable-a", n)) => acked_a += n,
            Ok((_, n)) => acked_b += n,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        acked_a + acked_b >= 100,
        "too few acknowledged calls to mean anything: {}",
        acked_a + acked_b
    );

    let p = start_process(dir.path(), &[]);
    let a = as_i64(
        action(
            p.url(),
            &get_path("counter", "durable-a", "/action/getCount"),
            Encoding::Json,
            vec![],
        )
        .await
        .unwrap(),
    );
    let b = as_i64(
        action(
            p.url(),
            &get_path("counter", "durable-b", "/action/getCount"),
            Encoding::Json,
            vec![],
        )
        .await
        .unwrap(),
    );
    // Every acknowledged increment survived; at most one unacknowledged call per caller (8 per
    // actor) may have been committed without its reply getting out.
    assert!(
        a >= acked_a && a <= acked_a + 8,
        "a: stored {a}, acknowledged {acked_a}"
    );
    assert!(
        b >= acked_b && b <= acked_b + 8,
        "b: stored {b}, acknowledged {acked_b}"
    );
    assert!(
        a >= highest.load(Ordering::SeqCst),
        "a reply showed a count that was not kept"
    );
    p.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_fire_after_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_process(dir.path(), &[]);
    let schedule = |key: &str, ms: i64| {
        let base = p.url().to_string();
        let key = key.to_string();
        async move {
            action(
                &base,
                &query_path("timer", &key, "/action/scheduleTick"),
                Encoding::Json,
                vec![int(ms)],
            )
            .await
            .unwrap()
        }
    };
    // Due after the restart, and due while the server is down (fires on start).
    assert_eq!(schedule("later", 4000).await, Value::Null);
    assert_eq!(schedule("missed", 200).await, Value::Null);
    p.kill();
    tokio::time::sleep(Duration::from_millis(400)).await;

    let p = start_process(dir.path(), &[]);
    let ticks = |key: &'static str| {
        let base = p.url().to_string();
        async move {
            as_i64(
                action(
                    &base,
                    &get_path("timer", key, "/action/getTicks"),
                    Encoding::Json,
                    vec![],
                )
                .await
                .unwrap(),
            )
        }
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while ticks("missed").await < 1 {
        assert!(
            Instant::now() < deadline,
            "the missed timer did not fire on start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(ticks("later").await, 0, "fired too early");
    while ticks("later").await < 1 {
        assert!(
            Instant::now() < deadline,
            "the timer set before the restart did not fire"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Each fired once, and is gone: nothing fires again after another restart.
    p.kill();
    let p = start_process(dir.path(), &[]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    for key in ["missed", "later"] {
        let n = as_i64(
            action(
                p.url(),
                &get_path("timer", key, "/action/getTicks"),
                Encoding::Json,
                vec![],
            )
            .await
            .unwrap(),
        );
        assert_eq!(n, 1, "{key}");
    }
    p.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_and_sleep_keep_state() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_process(dir.path(), &["--idle-timeout-ms", "100"]);
    let inc = query_path("counter", "graceful", "/action/increment");
    for _ in 0..5 {
        action(p.url(), &inc, Encoding::Cbor, vec![int(2)])
            .await
            .unwrap();
    }
    // Idle for longer than the idle timeout: the actor sleeps; the next call wakes it.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(count(p.url(), "graceful").await, 10);
    // A->B->A across a sleep of both.
    let ping = query_path("alpha", "g", "/action/ping");
    assert_eq!(
        action(p.url(), &ping, Encoding::Json, vec![])
            .await
            .unwrap(),
        Value::Text("beta:pong".into())
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        action(p.url(), &ping, Encoding::Json, vec![])
            .await
            .unwrap(),
        Value::Text("beta:pong".into())
    );
    let status = p.terminate();
    assert!(status.success(), "graceful shutdown exited with {status}");
    let p = start_process(dir.path(), &[]);
    assert_eq!(count(p.url(), "graceful").await, 10);
    let pongs = action(
        p.url(),
        &get_path("alpha", "g", "/action/getPongs"),
        Encoding::Json,
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(pongs, int(2));
    p.kill();
}
