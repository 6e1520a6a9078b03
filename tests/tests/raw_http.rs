//! Raw HTTP (`on_request`, `{gateway}/request/...`) on the real server with the Rust client's
//! `fetch`: the handler sees the actor's own path, commits its state change before the
//! response leaves, runs admission on the request's params, and bad input (a panicking
//! handler, an oversized body, an actor without a handler) gets a clear answer while the
//! actor's state stays intact.

mod common;

use actorium::client::raw::http;
use actorium::server::{Limits, ServerConfig};
use actorium_protocol::Value;
use common::*;

fn get(path: &str) -> http::Request<&'static str> {
    http::Request::get(path).body("").unwrap()
}

fn post(path: &str, body: impl Into<String>) -> http::Request<String> {
    http::Request::post(path).body(body.into()).unwrap()
}

#[tokio::test]
async fn a_raw_request_commits_its_change_before_the_response() {
    let s = start().await;
    let counter = s
        .client()
        .actor("counter")
        .get_or_create(["raw-commit"], None);

    let response = counter.fetch(post("/add", "5")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-rivet-actor"));
    assert_eq!(response.text().await.unwrap(), "5");
    // With a query of its own (beside the gateway's `rvt-*`): the same path for the actor.
    let response = counter.fetch(get("/count?verbose=1")).await.unwrap();
    assert_eq!(response.text().await.unwrap(), r#"{"output":5}"#);

    // Committed: the count survives the actor's sleep, and actions see it.
    s.sleep_all().await;
    let count: i64 = counter.call("getCount", ()).await.unwrap();
    assert_eq!(count, 5);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn an_unknown_path_and_an_actor_without_a_handler_answer_404() {
    let s = start().await;
    let client = s.client();
    let counter = client.actor("counter").get_or_create(["raw-404"], None);
    let response = counter.fetch(get("/nothing-here")).await.unwrap();
    assert_eq!(response.status(), 404);
    // `alpha` has no `on_request`.
    let alpha = client.actor("alpha").get_or_create(["raw-404"], None);
    let response = alpha.fetch(get("/anything")).await.unwrap();
    assert_eq!(response.status(), 404);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_and_the_state_is_intact() {
    let s = start().await;
    let counter = s
        .client()
        .actor("counter")
        .get_or_create(["raw-panic"], None);
    counter.fetch(post("/add", "7")).await.unwrap();

    let response = counter.fetch(post("/panic", "")).await.unwrap();
    assert_eq!(response.status(), 500);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["group"], "rivetkit");
    assert_eq!(error["code"], "internal_error");

    // The panic's change was rolled back; the actor still serves.
    let response = counter.fetch(get("/count")).await.unwrap();
    assert_eq!(response.text().await.unwrap(), r#"{"output":7}"#);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn an_oversized_body_is_refused_and_changes_nothing() {
    let config = ServerConfig::default().limits(Limits::default().max_raw_body(1024));
    let s = TestServer::start_with_config(actorium_tests::registry(), config)
        .await
        .unwrap();
    let counter = s.client().actor("counter").get_or_create(["raw-big"], None);
    counter.fetch(post("/add", "3")).await.unwrap();

    let response = counter
        .fetch(post("/length", "x".repeat(1024)))
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "1024");
    let response = counter
        .fetch(post("/length", "x".repeat(4096)))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["code"], "incoming_too_long", "{error}");
    // A number padded past the limit: refused before anything is added.
    let padded = format!("{}1", " ".repeat(2000));
    let response = counter.fetch(post("/add", padded)).await.unwrap();
    assert_eq!(response.status(), 400);

    let response = counter.fetch(get("/count")).await.unwrap();
    assert_eq!(response.text().await.unwrap(), r#"{"output":3}"#);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn connection_params_go_through_admission() {
    let s = start().await;
    let reject = Value::Map(vec![(Value::Text("reject".into()), Value::Bool(true))]);
    let counter = s
        .client()
        .actor("counter")
        .get_or_create(["raw-params"], None)
        .with_params(reject);
    let response = counter.fetch(post("/add", "1")).await.unwrap();
    let status = response.status();
    let error: serde_json::Value = response.json().await.unwrap();
    // A user error, with the status an HTTP action gets for one (the reference's 500).
    assert_eq!(status, 500, "{error}");
    assert_eq!(error["group"], "user", "{error}");
    assert_eq!(error["code"], "conn_rejected", "{error}");

    // Refused before the handler ran: nothing was added.
    let plain = s
        .client()
        .actor("counter")
        .get_or_create(["raw-params"], None);
    let count: i64 = plain.call("getCount", ()).await.unwrap();
    assert_eq!(count, 0);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_streaming_response_keeps_its_actor_awake_until_it_ends() {
    use actorium_tests::actors::{STREAMER_SLEEP_TIMEOUT, StreamerRef};
    let s = start().await;
    let streamer = s.client().get_or_create::<StreamerRef>(["raw-stream"]);
    let id = streamer.resolve().await.unwrap();
    let mut body = streamer.raw().fetch(get("/stream")).await.unwrap();
    assert_eq!(body.status(), 200);
    assert_eq!(&body.chunk().await.unwrap().unwrap()[..], b"open\n");

    // Idle for three sleep timeouts, but the body is still streaming: awake.
    tokio::time::sleep(STREAMER_SLEEP_TIMEOUT * 3).await;
    assert!(
        s.host().is_live(&id),
        "the actor slept while its response streamed"
    );

    // Ended: the body finishes, and the actor sleeps after its timeout.
    assert!(streamer.end_stream().await.unwrap());
    assert_eq!(body.chunk().await.unwrap(), None);
    let deadline = std::time::Instant::now() + STREAMER_SLEEP_TIMEOUT * 10;
    while s.host().is_live(&id) {
        assert!(
            std::time::Instant::now() < deadline,
            "still awake long after its stream ended"
        );
        tokio::time::sleep(STREAMER_SLEEP_TIMEOUT / 3).await;
    }
    assert_eq!(streamer.wakes().await.unwrap(), 2);
    s.stop().await.unwrap();
}
