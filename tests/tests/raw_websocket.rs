//! Raw WebSockets (`on_websocket`, `{gateway}/websocket/...`) on the real server with the Rust
//! client's `websocket`: greeting, one committed turn per message, refusal with 1011, the
//! actor closing, and bad input (a panicking handler, an oversized message, a client that never
//! reads) each with a clear outcome and the actor's state intact.

mod common;

use actorium::client::RawWebSocket;
use actorium::client::raw_ws::WsMessage;
use actorium::server::{Limits, ServerConfig};
use common::*;
use futures_util::{SinkExt, StreamExt};

async fn next_text(socket: &mut RawWebSocket) -> String {
    let next = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
        .await
        .expect("a message within 10 s");
    match next {
        Some(Ok(WsMessage::Text(t))) => t,
        other => panic!(
            "expected a text message, got {other:?} (close {:?})",
            socket.close_frame()
        ),
    }
}

async fn send(socket: &mut RawWebSocket, text: &str) {
    socket.send(WsMessage::from(text)).await.unwrap();
}

#[tokio::test]
async fn a_raw_socket_is_greeted_and_each_message_is_a_committed_turn() {
    let s = start().await;
    let counter = s.client().actor("counter").get_or_create(["raw-ws"], None);
    let mut socket = counter.websocket("/").await.unwrap();
    assert_eq!(next_text(&mut socket).await, "hello 0");
    send(&mut socket, "add 2").await;
    assert_eq!(next_text(&mut socket).await, "2");
    socket
        .send(WsMessage::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    let echoed = socket.next().await.unwrap().unwrap();
    assert_eq!(echoed, WsMessage::Binary(vec![1u8, 2, 3].into()));

    // Committed: actions see it, and it survives sleep (the socket is closed by it).
    let count: i64 = counter.call("getCount", ()).await.unwrap();
    assert_eq!(count, 2);
    s.sleep_all().await;
    assert!(socket.next().await.is_none(), "sleep closes the socket");
    assert_eq!(socket.close_frame().map(|(code, _)| code), Some(1001));
    let count: i64 = counter.call("getCount", ()).await.unwrap();
    assert_eq!(count, 2);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_refused_socket_closes_with_1011_and_the_error() {
    let s = start().await;
    let counter = s
        .client()
        .actor("counter")
        .get_or_create(["raw-ws-refuse"], None);
    let mut socket = counter.websocket("/refuse?why=test").await.unwrap();
    assert!(socket.next().await.is_none());
    assert_eq!(socket.close_frame(), Some((1011, "user.refused")));
    // An actor without `on_websocket` refuses every socket the same way.
    let alpha = s.client().actor("alpha").get_or_create(["raw-ws"], None);
    let mut socket = alpha.websocket("/").await.unwrap();
    assert!(socket.next().await.is_none());
    assert_eq!(socket.close_frame(), Some((1011, "core.not_supported")));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn the_actor_closes_a_socket_after_what_it_sent() {
    let s = start().await;
    let counter = s
        .client()
        .actor("counter")
        .get_or_create(["raw-ws-close"], None);
    let mut socket = counter.websocket("/").await.unwrap();
    next_text(&mut socket).await;
    send(&mut socket, "add 1").await;
    send(&mut socket, "close").await;
    assert_eq!(next_text(&mut socket).await, "1");
    assert!(socket.next().await.is_none());
    assert_eq!(socket.close_frame(), Some((4000, "bye")));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_message_handler_closes_its_socket_and_rolls_back() {
    let s = start().await;
    let counter = s
        .client()
        .actor("counter")
        .get_or_create(["raw-ws-panic"], None);
    let mut socket = counter.websocket("/").await.unwrap();
    next_text(&mut socket).await;
    send(&mut socket, "add 5").await;
    assert_eq!(next_text(&mut socket).await, "5");
    // The panic's change is rolled back and the socket closed (a message was lost: the
    // client must know), with the internal error's name.
    send(&mut socket, "panic").await;
    assert!(socket.next().await.is_none());
    assert_eq!(
        socket.close_frame(),
        Some((1011, "rivetkit.internal_error"))
    );
    // The actor goes on from its last commit.
    let mut socket = counter.websocket("/").await.unwrap();
    assert_eq!(next_text(&mut socket).await, "hello 5");
    send(&mut socket, "add 1").await;
    assert_eq!(next_text(&mut socket).await, "6");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn an_oversized_message_closes_with_1009_and_changes_nothing() {
    let config = ServerConfig::default().limits(Limits::default().max_incoming_message(1024));
    let s = TestServer::start_with_config(actorium_tests::registry(), config)
        .await
        .unwrap();
    let counter = s
        .client()
        .actor("counter")
        .get_or_create(["raw-ws-big"], None);
    let mut socket = counter.websocket("/").await.unwrap();
    next_text(&mut socket).await;
    send(&mut socket, "add 3").await;
    assert_eq!(next_text(&mut socket).await, "3");
    let big = format!("add {}1", "0".repeat(2000));
    let _ = socket.send(WsMessage::from(big.as_str())).await;
    while let Some(Ok(_)) = socket.next().await {}
    assert_eq!(socket.close_frame().map(|(code, _)| code), Some(1009));
    let count: i64 = counter.call("getCount", ()).await.unwrap();
    assert_eq!(count, 3);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_client_that_does_not_keep_up_is_closed_and_the_actor_is_not_blocked() {
    let s = start().await;
    let counter = s
        .client()
        .actor("counter")
        .get_or_create(["raw-ws-flood"], None);
    let mut socket = counter.websocket("/").await.unwrap();
    next_text(&mut socket).await;
    // 5,000 KiB-sized messages in one turn: more than the socket's queue holds.
    send(&mut socket, "flood 5000").await;
    let mut received = 0;
    while let Some(Ok(_)) = socket.next().await {
        received += 1;
    }
    assert!(received < 5000, "all {received} messages arrived");
    assert_eq!(socket.close_frame(), Some((1011, "actor.overloaded")));
    // The actor was never blocked and serves everyone else.
    let count: i64 = counter.call("increment", (1,)).await.unwrap();
    assert_eq!(count, 1);
    s.stop().await.unwrap();
}
