//! Hostile keys and memory (issue 13, problems 3 and 6): one key policy on REST, the gateway,
//! WebSockets and actor-to-actor calls; strict percent-decoding of keys; a 2 MB key refused
//! without retaining memory; sleeping actors leave nothing behind; a subscription flood stays
//! under the per-connection cap. Memory is read from `/proc/PID/status` of a server process.

mod common;

use std::time::Duration;

use actorium_protocol::{Encoding, ToClient, ToServer, Value};
use common::*;
use futures_util::StreamExt;

/// The server's resident set in KiB (`VmRSS`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// `(status, group.code)` of an error response.
async fn error_of(req: reqwest::RequestBuilder) -> (u16, String) {
    let r = send(req).await;
    let e = r.error(Encoding::Json);
    (r.status, format!("{}.{}", e.group, e.code))
}

fn bad_key() -> (u16, String) {
    (400, "validation.invalid_input".to_string())
}

/// A `test-server` process on a fresh data directory (process-level, so that every test here
/// can also be run against another build of the binary).
fn server(extra: &[&str]) -> (ServerProcess, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (start_process(dir.path(), extra), dir)
}

fn put_actor(base: &str, body: String) -> reqwest::RequestBuilder {
    http()
        .put(format!("{base}/actors?namespace=default"))
        .header("content-type", "application/json")
        .body(body)
}

#[tokio::test]
async fn a_2mb_key_is_refused_without_retaining_memory() {
    let (server, _dir) = server(&[]);
    let base = server.url().to_string();
    // Warm up the paths the big requests take.
    for i in 0..20 {
        let r = send(put_actor(
            &base,
            format!(r#"{{"name":"counter","key":"warm-{i}"}}"#),
        ))
        .await;
        assert_eq!(r.status, 200);
    }
    let before = rss_kib(server.pid());
    // 1,000,000 parts, 2 MB.
    let huge = "a/".repeat(1_000_000);
    for _ in 0..3 {
        let body = format!(r#"{{"name":"counter","key":"{huge}"}}"#);
        assert_eq!(error_of(put_actor(&base, body)).await, bad_key());
        let body = format!(r#"{{"name":"counter","key":"{huge}"}}"#);
        let post = http()
            .post(format!("{base}/actors?namespace=default"))
            .body(body);
        assert_eq!(error_of(post).await, bad_key());
    }
    let after = rss_kib(server.pid());
    eprintln!(
        "RSS before {:.1} MiB, after six 2 MB keys {:.1} MiB",
        mib(before),
        mib(after)
    );
    assert!(
        after < before + 5 * 1024,
        "RSS grew from {:.1} to {:.1} MiB",
        mib(before),
        mib(after)
    );
    // The server goes on.
    let r = send(put_actor(
        &base,
        r#"{"name":"counter","key":"after"}"#.into(),
    ))
    .await;
    assert_eq!(r.status, 200);
}

/// Creates `n` counters `prefix-i` through `PUT /actors`, 64 at a time.
async fn create_many(base: &str, prefix: &str, n: usize) {
    let client = http();
    futures_util::stream::iter(0..n)
        .map(|i| {
            let req = client
                .put(format!("{base}/actors?namespace=default"))
                .body(format!(r#"{{"name":"counter","key":"{prefix}-{i}"}}"#));
            async move {
                let r = req.send().await.unwrap();
                assert_eq!(r.status(), 200, "{:?}", r.text().await);
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<()>>()
        .await;
}

#[tokio::test]
async fn memory_returns_to_the_baseline_after_actors_sleep() {
    // Actors park after 50 ms and sleep after 300 ms.
    let (server, _dir) = server(&["--idle-timeout-ms", "300", "--park-after-ms", "50"]);
    let base = server.url().to_string();
    let mut after = Vec::new();
    for round in 0..3 {
        create_many(&base, &format!("round{round}"), 40_000).await;
        // Every actor sleeps 300 ms after its creation; the last ones have well passed it.
        tokio::time::sleep(Duration::from_secs(3)).await;
        after.push(rss_kib(server.pid()));
        eprintln!(
            "RSS after round {} of 40,000 actors slept: {:.1} MiB",
            round + 1,
            mib(after[round])
        );
    }
    assert!(
        after[2] < after[1] + 5 * 1024,
        "RSS grew by {:.1} MiB between the 2nd and the 3rd round",
        mib(after[2]) - mib(after[1])
    );
    // They are all still there, asleep.
    assert_eq!(count(&base, "round0-7").await, 0);
}

#[tokio::test]
async fn invalid_percent_encoding_in_keys_is_an_error_everywhere() {
    let (s, _dir) = server(&[]);
    let b = s.url().to_string();
    let c = http();
    for bad in ["%ff%fe", "%fe%ff", "%80%80", "ok%zz"] {
        let gateway = c
            .post(format!(
                "{b}{}",
                query_path("counter", bad, "/action/increment")
            ))
            .header("x-rivet-encoding", "json")
            .body(r#"{"args":[1]}"#);
        assert_eq!(error_of(gateway).await, bad_key(), "gateway {bad}");
        let get = c.get(format!(
            "{b}/actors?name=counter&key={bad}&namespace=default"
        ));
        assert_eq!(error_of(get).await, bad_key(), "GET /actors {bad}");
        // The WebSocket upgrade is refused the same way, before any frame.
        let url = format!("{}{}", ws_url(&b), query_path("counter", bad, "/connect"));
        let mut req =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
                .unwrap();
        req.headers_mut()
            .insert("sec-websocket-protocol", "rivet".parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status(), 400, "ws {bad}")
            }
            other => panic!("ws {bad}: {:?}", other.map(|_| ())),
        }
    }
    // A literal U+FFFD U+FFFD is a key like any other, and its own actor.
    let fffd = "%EF%BF%BD%EF%BF%BD";
    let path = query_path("counter", fffd, "/action/increment");
    let out = action(&b, &path, Encoding::Json, vec![int(1)])
        .await
        .unwrap();
    assert_eq!(out, int(1));
    let listed = send(c.get(format!(
        "{b}/actors?name=counter&key={fffd}&namespace=default"
    )))
    .await
    .json();
    assert_eq!(listed["actors"][0]["key"], "\u{FFFD}\u{FFFD}");
}

#[tokio::test]
async fn oversized_keys_are_refused_on_every_path() {
    let (s, _dir) = server(&[]);
    let b = s.url().to_string();
    let c = http();
    let parts = vec!["p"; 20_000];
    let gateway = c
        .post(format!(
            "{b}{}",
            query_path("counter", &parts.join(","), "/action/getCount")
        ))
        .header("x-rivet-encoding", "json")
        .body(r#"{"args":[]}"#);
    assert_eq!(error_of(gateway).await, bad_key(), "gateway, 20,000 parts");
    let rest = put_actor(
        &b,
        format!(r#"{{"name":"counter","key":"{}"}}"#, parts.join("/")),
    );
    assert_eq!(error_of(rest).await, bad_key(), "REST, 20,000 parts");
    let long = "x".repeat(200);
    let rest = put_actor(&b, format!(r#"{{"name":"counter","key":"{long}"}}"#));
    assert_eq!(
        error_of(rest).await,
        bad_key(),
        "REST, a 200-character part"
    );
    // Within the policy: 32 parts.
    let ok = vec!["p"; 32].join(",");
    assert_eq!(count(&b, &ok).await, 0);
}

#[tokio::test]
async fn an_actor_to_actor_call_with_a_too_long_key_is_refused_alike() {
    let (s, _dir) = server(&[]);
    let b = s.url().to_string();
    // `beta.relay(k)` calls `alpha` with key `k` through the actors' client.
    let long = "x".repeat(200);
    let path = query_path("beta", "relay-long", "/action/relay");
    let e = action(&b, &path, Encoding::Json, vec![Value::Text(long)])
        .await
        .unwrap_err();
    assert_eq!(
        (e.group.as_str(), e.code.as_str()),
        ("validation", "invalid_input"),
        "{}",
        e.message
    );
    // No alpha actor was created with a key nobody could reach.
    let listed = send(http().get(format!("{b}/actors?name=alpha&namespace=default")))
        .await
        .json();
    assert_eq!(listed["actors"].as_array().unwrap().len(), 0, "{listed}");
    // A valid key still works.
    let out = action(&b, &path, Encoding::Json, vec![Value::Text("k".into())])
        .await
        .unwrap();
    assert_eq!(out, Value::Text("beta:pong".into()));
}

/// Subscribes to `name` on `ws`.
async fn subscribe(ws: &mut Ws, enc: Encoding, name: &str) {
    let msg = ToServer::SubscriptionRequest {
        event_name: name.into(),
        subscribe: true,
    };
    ws_send(ws, enc, msg).await;
}

/// A connection to the counter `key` after its `Init`.
async fn connect(base: &str, key: &str) -> Ws {
    let url = format!("{}{}", ws_url(base), query_path("counter", key, "/connect"));
    let (mut ws, _) = ws_connect(&url, "rivet,rivet_encoding.json").await;
    assert!(matches!(
        next_msg(&mut ws, Encoding::Json).await,
        ToClient::Init { .. }
    ));
    ws
}

fn increment(id: u64) -> ToServer {
    ToServer::ActionRequest {
        id,
        name: "increment".into(),
        args: vec![int(1)],
    }
}

/// What follows on `ws`: every action reply owed, then the connection error, then the close.
/// A subscription has no action id, so its refusal is a connection error; the official client
/// fails every call in flight on one, so the server sends it only once every call it has read
/// is answered, reads nothing more and closes.
async fn replies_then_error_then_close(ws: &mut Ws, owed: &[u64]) -> String {
    let enc = Encoding::Json;
    for id in owed {
        match next_msg(ws, enc).await {
            ToClient::ActionResponse { id: got, .. } => assert_eq!(got, *id),
            other => panic!("expected the reply to {id}, got {other:?}"),
        }
    }
    let code = match next_msg(ws, enc).await {
        ToClient::Error {
            error,
            action_id: None,
        } => format!("{}.{}", error.group, error.code),
        other => panic!("expected the connection error, got {other:?}"),
    };
    match next(ws, enc).await {
        Frame::Close(1011, reason) => assert_eq!(reason, code),
        Frame::Close(c, r) => panic!("closed {c} {r}"),
        Frame::Msg(m) => panic!("expected the close, got {m:?}"),
    }
    code
}

#[tokio::test]
async fn a_subscription_flood_stays_under_the_cap() {
    let (s, _dir) = server(&[]);
    let enc = Encoding::Json;
    // Names the actor does not declare are accepted up to the cap (256 by default).
    let mut ws = connect(s.url(), "flood").await;
    for i in 0..256 {
        subscribe(&mut ws, enc, &format!("unknown-{i:0>200}")).await;
    }
    ws_send(&mut ws, enc, increment(1)).await;
    match next_msg(&mut ws, enc).await {
        ToClient::ActionResponse { id: 1, output } => assert_eq!(output, int(1)),
        other => panic!("expected the response, got {other:?}"),
    }
    // One more (the declared `newCount` too) is over the cap: the call read before it is
    // answered, then the error, then the close; the call sent after it never runs.
    ws_send(&mut ws, enc, increment(2)).await;
    subscribe(&mut ws, enc, "newCount").await;
    ws_send(&mut ws, enc, increment(3)).await;
    let code = replies_then_error_then_close(&mut ws, &[2]).await;
    assert_eq!(code, "actor.too_many_subscriptions");

    // A 60 KB name is over the name limit (256 bytes).
    let mut ws = connect(s.url(), "flood").await;
    subscribe(&mut ws, enc, &"y".repeat(60_000)).await;
    let code = replies_then_error_then_close(&mut ws, &[]).await;
    assert_eq!(code, "actor.invalid_request");

    // Memory stays in proportion: 20 connections at the cap with 200-byte names (about 1 MB
    // of names in all; 3,000 subscriptions of 60 KB names took 170 MB before the limits).
    let before = rss_kib(s.pid());
    let mut open = Vec::new();
    for c in 0..20 {
        let mut ws = connect(s.url(), "flood").await;
        for i in 0..256 {
            subscribe(&mut ws, enc, &format!("c{c}-{i:0>200}")).await;
        }
        ws_send(&mut ws, enc, increment(1)).await;
        assert!(matches!(
            next_msg(&mut ws, enc).await,
            ToClient::ActionResponse { id: 1, .. }
        ));
        open.push(ws);
    }
    let after = rss_kib(s.pid());
    eprintln!(
        "RSS before {:.1} MiB, with 20 x 256 subscriptions {:.1} MiB",
        mib(before),
        mib(after)
    );
    assert!(
        after < before + 5 * 1024,
        "RSS grew from {:.1} to {:.1} MiB",
        mib(before),
        mib(after)
    );
    drop(open);

    // The server goes on: a fresh connection gets its events.
    let mut ws = connect(s.url(), "flood").await;
    subscribe(&mut ws, enc, "newCount").await;
    ws_send(&mut ws, enc, increment(9)).await;
    match next_msg(&mut ws, enc).await {
        ToClient::Event { name, args } => {
            assert_eq!((name.as_str(), args), ("newCount", vec![int(23)]))
        }
        other => panic!("expected the event, got {other:?}"),
    }
    assert_eq!(count(s.url(), "flood").await, 23);
}
