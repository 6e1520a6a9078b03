//! Hibernatable connections (`ActorOptions::hibernate_connections`, the `lobby` test actor) on
//! the real server: a connection stays open while its actor sleeps, and the next call or event
//! wakes the actor with the connection's id, state and subscriptions; `on_connect` runs once;
//! closing a connection while the actor sleeps still runs `on_disconnect`; shutdown closes
//! hibernated connections with 1001. Actors without the option keep closing theirs (1001).

mod common;

use std::time::Duration;

use actorium_protocol::{Encoding, ToClient, ToServer};
use actorium_tests::actors::LobbyCounts;
use common::*;
use futures_util::StreamExt;

/// Waits until `check` holds (10 s at most).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_connection_keeps_its_id_state_and_subscriptions_through_sleep() {
    let s = start().await;
    let lobby = s.client().actor("lobby").get_or_create(["h1"], None);
    let conn = lobby.connect().await.unwrap();
    let mut shouts = conn.events("shouted");
    let visits: i64 = conn.call("visit", ()).await.unwrap();
    assert_eq!(visits, 1);
    let id = conn.actor_id().unwrap();
    let conn_id = conn.connection_id().unwrap();

    s.sleep_all().await;
    assert!(!s.host().is_live(&id), "the lobby left memory");
    assert_eq!(s.host().hibernated_connections(), 1);

    // An event from another client wakes it; the hibernated subscriber gets it.
    let http = s.client().actor("lobby").get_or_create(["h1"], None);
    http.call::<_, ()>("shout", ("hello",)).await.unwrap();
    let shout = tokio::time::timeout(Duration::from_secs(5), shouts.next())
        .await
        .expect("the event within 5 s")
        .expect("the event stream is open");
    assert_eq!(shout, vec![actorium_protocol::Value::Text("hello".into())]);

    // Its state and id are the same; one more wake, and no second on_connect for it (the
    // HTTP call's ephemeral connection counts one connect and one disconnect).
    let visits: i64 = conn.call("visit", ()).await.unwrap();
    assert_eq!(visits, 2);
    assert_eq!(conn.connection_id().as_deref(), Some(conn_id.as_str()));
    let ids: Vec<String> = conn.call("connIds", ()).await.unwrap();
    assert_eq!(ids, [conn_id]);
    let counts: LobbyCounts = conn.call("counts", ()).await.unwrap();
    assert_eq!(
        counts,
        LobbyCounts {
            connects: 2,
            disconnects: 1,
            wakes: 2
        }
    );
    assert_eq!(s.host().hibernated_connections(), 0);
    conn.dispose().await;
    s.stop().await.unwrap();
}

#[tokio::test]
async fn closing_a_hibernated_connection_runs_on_disconnect() {
    let s = start().await;
    let lobby = s.client().actor("lobby").get_or_create(["h2"], None);
    let conn = lobby.connect().await.unwrap();
    let _: i64 = conn.call("visit", ()).await.unwrap();
    s.sleep_all().await;
    assert_eq!(s.host().hibernated_connections(), 1);
    conn.dispose().await;
    // The close wakes the lobby for on_disconnect (the hibernated record is consumed).
    eventually("the hibernated connection is gone", || {
        s.host().hibernated_connections() == 0
    })
    .await;
    // The WebSocket's connect and disconnect, and this HTTP call's connect.
    let counts: LobbyCounts = lobby.call("counts", ()).await.unwrap();
    assert_eq!((counts.connects, counts.disconnects), (2, 1));
    let ids: Vec<String> = lobby.call("connIds", ()).await.unwrap();
    assert!(ids.is_empty(), "no connection left: {ids:?}");
    s.stop().await.unwrap();
}

/// Raw `/connect` in JSON: the socket, its actor id and connection id.
async fn raw_connect(s: &TestServer, name: &str, key: &str) -> (Ws, String, String) {
    let url = format!(
        "{}{}",
        ws_url(&s.endpoint()),
        query_path(name, key, "/connect")
    );
    let (mut ws, _) = ws_connect(&url, "rivet, rivet_encoding.json").await;
    match next_msg(&mut ws, Encoding::Json).await {
        ToClient::Init {
            actor_id,
            connection_id,
        } => (ws, actor_id, connection_id),
        other => panic!("expected Init, got {other:?}"),
    }
}

#[tokio::test]
async fn hibernated_connections_close_at_shutdown_and_others_at_sleep() {
    let s = start().await;
    let (mut lobby, lobby_id, _) = raw_connect(&s, "lobby", "h3").await;
    let (mut counter, _, _) = raw_connect(&s, "counter", "h3").await;
    s.sleep_all().await;
    // Without the option, sleep closes the connection (the client reconnects).
    match next(&mut counter, Encoding::Json).await {
        Frame::Close(code, reason) => assert_eq!((code, reason.as_str()), (1001, "ws.going_away")),
        Frame::Msg(m) => panic!("expected the close, got {m:?}"),
    }
    assert!(!s.host().is_live(&lobby_id));
    // The hibernated one stays open and answers after a wake.
    ws_send(
        &mut lobby,
        Encoding::Json,
        ToServer::ActionRequest {
            id: 7,
            name: "visit".into(),
            args: vec![],
        },
    )
    .await;
    match next_msg(&mut lobby, Encoding::Json).await {
        ToClient::ActionResponse { id, output } => {
            assert_eq!(id, 7);
            assert_eq!(output, int(1));
        }
        other => panic!("expected the reply, got {other:?}"),
    }
    s.sleep_all().await;
    assert_eq!(s.host().hibernated_connections(), 1);
    let host = s.host().clone();
    let stopping = tokio::spawn(async move { s.stop().await });
    match next(&mut lobby, Encoding::Json).await {
        Frame::Close(code, reason) => assert_eq!((code, reason.as_str()), (1001, "ws.going_away")),
        Frame::Msg(m) => panic!("expected the close, got {m:?}"),
    }
    stopping.await.unwrap().unwrap();
    assert_eq!(host.hibernated_connections(), 0);
}

#[tokio::test]
async fn a_parked_actor_is_resumed_by_its_hibernatable_connection() {
    // Hibernatable connections do not keep the actor awake: it parks while one is open.
    let s = start().await;
    let lobby = s.client().actor("lobby").get_or_create(["h4"], None);
    let conn = lobby.connect().await.unwrap();
    let _: i64 = conn.call("visit", ()).await.unwrap();
    let id = conn.actor_id().unwrap();
    eventually("the lobby parks", || s.host().is_parked(&id)).await;
    let visits: i64 = conn.call("visit", ()).await.unwrap();
    assert_eq!(visits, 2);
    let counts: LobbyCounts = conn.call("counts", ()).await.unwrap();
    assert_eq!(
        (counts.connects, counts.wakes),
        (1, 1),
        "resumed, not woken"
    );
    conn.dispose().await;
    s.stop().await.unwrap();
}
