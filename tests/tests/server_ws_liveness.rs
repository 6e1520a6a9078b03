//! WebSocket liveness and backpressure on the real server: the server's pings close a socket
//! that does not answer them within the configured interval while a quiet subscriber that
//! answers stays open and still gets events; a connection that does not keep up with its
//! events gets every reply it is owed and then its close, though its queue is full.

mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use actorium::server::{ConnOut, ConnSender, Host, HostConfig, MemoryStorage, ServerConfig};
use actorium_protocol::{Encoding, IntoKey, ToClient, ToServer};
use common::*;
use futures_util::StreamExt;
use tokio::io::AsyncReadExt;
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::protocol::Message;

/// The ping interval of these tests.
const PING: Duration = Duration::from_millis(300);
/// Allowance for a loaded machine on top of what the feature itself defines.
const SLACK: Duration = Duration::from_secs(3);

async fn open(s: &TestServer, key: &str) -> Ws {
    let url = format!(
        "{}{}",
        ws_url(&s.endpoint()),
        query_path("counter", key, "/connect")
    );
    let (mut ws, _) = ws_connect(&url, "rivet,rivet_encoding.json").await;
    assert!(matches!(
        next_msg(&mut ws, Encoding::Json).await,
        ToClient::Init { .. }
    ));
    ws
}

#[tokio::test]
async fn a_socket_that_misses_its_pongs_is_closed_and_a_quiet_subscriber_stays() {
    let config = ServerConfig::default().ws_ping_interval(PING);
    let s = TestServer::start_with_config(actorium_tests::registry(), config)
        .await
        .unwrap();

    // A quiet subscriber: reads (so its WebSocket layer answers pings) and sends nothing.
    let mut quiet = open(&s, "liveness").await;
    ws_send(
        &mut quiet,
        Encoding::Json,
        ToServer::SubscriptionRequest {
            event_name: "newCount".into(),
            subscribe: true,
        },
    )
    .await;
    let (frames_tx, mut frames) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(frame)) = quiet.next().await {
            if frames_tx.send(frame).is_err() {
                break;
            }
        }
    });

    // A deaf socket: after Init nothing reads it, so it never answers a ping. Its raw TCP
    // stream is read below, past the WebSocket layer (which would answer).
    let mut deaf = open(&s, "liveness").await;
    let opened = Instant::now();
    let MaybeTlsStream::Plain(tcp) = deaf.get_mut() else {
        panic!("plain TCP expected")
    };
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    // A ping at PING, unanswered at 2 × PING: closed then.
    let deadline = 2 * PING + SLACK;
    let closed = tokio::time::timeout(deadline, async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
                Err(e) => panic!("read: {e}"),
            }
        }
    })
    .await;
    let elapsed = opened.elapsed();
    assert!(
        closed.is_ok(),
        "a socket that answers no ping is still open after {deadline:?}"
    );
    assert!(
        elapsed >= PING,
        "closed after {elapsed:?}, before a ping could be missed"
    );
    let reason = b"ws.ping_timeout";
    assert!(
        seen.windows(reason.len()).any(|w| w == reason),
        "no close frame with ws.ping_timeout in {seen:?}"
    );

    // The quiet subscriber outlived several intervals and still gets events.
    tokio::time::sleep(4 * PING).await;
    let base = s.endpoint();
    action(
        &base,
        &query_path("counter", "liveness", "/action/increment"),
        Encoding::Json,
        vec![int(5)],
    )
    .await
    .unwrap();
    let mut pings = 0;
    let event = tokio::time::timeout(SLACK, async {
        while let Some(frame) = frames.recv().await {
            match frame {
                Message::Ping(_) => pings += 1,
                Message::Text(t) => {
                    if let Ok(ToClient::Event { name, args }) =
                        ToClient::decode(Encoding::Json, t.as_bytes())
                    {
                        return Some((name, args));
                    }
                }
                Message::Close(c) => panic!("the quiet subscriber was closed: {c:?}"),
                _ => {}
            }
        }
        None
    })
    .await
    .expect("no event for the quiet subscriber")
    .expect("the quiet subscriber's socket ended");
    assert_eq!(event, ("newCount".to_string(), vec![int(5)]));
    assert!(pings >= 4, "the server pinged only {pings} times");
}

/// A connection whose events overflow its queue: the replies of its actions still arrive, then
/// the close (1011 `actor.overloaded`), though the queue was full when it was decided.
#[tokio::test]
async fn a_full_queue_still_delivers_the_owed_replies_and_then_the_close() {
    let host = Host::new(
        actorium_tests::registry(),
        std::sync::Arc::new(MemoryStorage::new()),
        HostConfig::default().conn_queue_capacity(4),
    );
    host.start().await.unwrap();
    let (meta, _) = host
        .get_or_create("counter", &"full".into_key(), None)
        .await
        .unwrap();
    let (tx, mut rx) = ConnSender::channel(4);
    let mut conn = host.connect(&meta, None, tx).await.unwrap();
    conn.subscribe("newCount".into(), true).await.unwrap();
    // Three actions of this connection, then ten increments from elsewhere: their events
    // overflow the queue nobody reads.
    for id in 0..3 {
        conn.action(id, "increment".into(), vec![int(1)])
            .await
            .unwrap();
        rx.owe();
    }
    for _ in 0..10 {
        host.call(&meta, "increment", vec![int(1)], None)
            .await
            .unwrap();
    }
    let mut replies = Vec::new();
    let mut events = 0;
    let close = loop {
        let out = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("neither a message nor the close")
            .expect("ended without a close");
        match out {
            ConnOut::Msg(ToClient::ActionResponse { id, .. }) => replies.push(id),
            ConnOut::Msg(ToClient::Event { .. }) => events += 1,
            ConnOut::Msg(other) => panic!("unexpected {other:?}"),
            ConnOut::Close { code, reason } => break (code, reason),
        }
    };
    replies.sort_unstable();
    assert_eq!(replies, vec![0, 1, 2], "every owed reply before the close");
    assert!(events <= 4, "{events} events through a queue of 4");
    assert_eq!(close, (1011, "actor.overloaded".to_string()));
    assert!(rx.recv().await.is_none(), "nothing after the close");
    conn.disconnect().await;
}
