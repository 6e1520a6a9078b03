//! Connection behaviour against a scripted in-process WebSocket server: subprotocols, waiting
//! for `Init`, pipelined actions matched by id, subscription replay after a reconnect,
//! connection-level errors (no reconnect), dispose.

use std::time::Duration;

use actorium_client::{
    CallError, Client, ClientOptions, ConnectionStatus, Encoding, ReconnectPolicy, Value, WireError,
};
use actorium_protocol::{ToClient, ToServer};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{WebSocketStream, accept_hdr_async};

type Ws = WebSocketStream<TcpStream>;

const T: Duration = Duration::from_secs(5);

fn int(n: i64) -> Value {
    Value::Integer(n.into())
}

// The callback's error type is tungstenite's.
#[allow(clippy::result_large_err)]
async fn accept(listener: &TcpListener) -> (Ws, String, String) {
    let (stream, _) = tokio::time::timeout(T, listener.accept())
        .await
        .expect("a connection")
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let ws = accept_hdr_async(stream, move |req: &Request, mut resp: Response| {
        let protocols = req
            .headers()
            .get("sec-websocket-protocol")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        tx.send((req.uri().to_string(), protocols)).unwrap();
        resp.headers_mut()
            .insert("sec-websocket-protocol", "rivet".parse().unwrap());
        Ok(resp)
    })
    .await
    .unwrap();
    let (uri, protocols) = rx.recv().unwrap();
    (ws, uri, protocols)
}

async fn send(ws: &mut Ws, msg: ToClient) {
    let text = String::from_utf8(msg.encode(Encoding::Json).unwrap()).unwrap();
    ws.send(Message::text(text)).await.unwrap();
}

async fn recv(ws: &mut Ws) -> ToServer {
    loop {
        let msg = tokio::time::timeout(T, ws.next())
            .await
            .expect("a message")
            .expect("open")
            .unwrap();
        if let Message::Text(t) = msg {
            return ToServer::decode(Encoding::Json, t.as_bytes()).unwrap();
        }
    }
}

fn init(conn: &str) -> ToClient {
    ToClient::Init {
        actor_id: "actor00".into(),
        connection_id: conn.into(),
    }
}

fn client(listener: &TcpListener) -> Client {
    let options = ClientOptions::new(format!("http://{}", listener.local_addr().unwrap()))
        .encoding(Encoding::Json)
        .ignore_env(true)
        .disable_metadata_lookup(true)
        .token("tok")
        .reconnect(ReconnectPolicy {
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..ReconnectPolicy::default()
        });
    Client::with_options(options).unwrap()
}

#[tokio::test]
async fn pipelining_resubscription_and_a_final_connection_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = client(&listener);
    let params = Value::Map(vec![(Value::Text("user".into()), Value::Text("al".into()))]);
    let handle = client
        .actor("counter")
        .get_for_id("actor00")
        .with_params(params);

    let server = async {
        let (mut ws, uri, protocols) = accept(&listener).await;
        assert_eq!(uri, "/gateway/actor00@tok/connect");
        assert_eq!(
            protocols,
            "rivet, rivet_encoding.json, rivet_conn_params.%7B%22user%22%3A%22al%22%7D"
        );
        send(&mut ws, init("c1")).await;
        ws
    };
    let (conn, mut ws) = tokio::join!(handle.connect(), server);
    let conn = conn.unwrap();
    assert_eq!(conn.connection_id().as_deref(), Some("c1"));
    assert_eq!(conn.actor_id().as_deref(), Some("actor00"));

    // Subscribe, then two pipelined actions; the server answers them out of order.
    let mut events = conn.events("ev");
    let calls = async {
        tokio::join!(
            conn.action("x", vec![int(1)]),
            conn.action("y", vec![int(2)])
        )
    };
    let server = async {
        assert_eq!(
            recv(&mut ws).await,
            ToServer::SubscriptionRequest {
                event_name: "ev".into(),
                subscribe: true
            }
        );
        let a = recv(&mut ws).await;
        let b = recv(&mut ws).await;
        assert!(matches!(a, ToServer::ActionRequest { id: 0, ref name, .. } if name == "x"));
        assert!(matches!(b, ToServer::ActionRequest { id: 1, ref name, .. } if name == "y"));
        send(
            &mut ws,
            ToClient::ActionResponse {
                id: 1,
                output: int(20),
            },
        )
        .await;
        send(
            &mut ws,
            ToClient::Event {
                name: "ev".into(),
                args: vec![int(5)],
            },
        )
        .await;
        send(
            &mut ws,
            ToClient::ActionResponse {
                id: 0,
                output: int(10),
            },
        )
        .await;
    };
    let ((x, y), ()) = tokio::join!(calls, server);
    assert_eq!((x.unwrap(), y.unwrap()), (int(10), int(20)));
    assert_eq!(events.next().await, Some(vec![int(5)]));

    // An action in flight when the socket drops fails; the client reconnects, replays the
    // subscription, and sends what was called meanwhile with the next ids.
    let mut status = conn.status_watch();
    let in_flight = conn.action("lost", vec![]);
    let server = async {
        assert!(matches!(
            recv(&mut ws).await,
            ToServer::ActionRequest { id: 2, .. }
        ));
        drop(ws);
    };
    let (lost, ()) = tokio::join!(in_flight, server);
    assert!(
        matches!(lost, Err(CallError::ConnectionLost(_))),
        "{lost:?}"
    );
    status
        .wait_for(|s| *s != ConnectionStatus::Connected)
        .await
        .unwrap();
    let queued = conn.action("later", vec![]);
    let server = async {
        let (mut ws, _, _) = accept(&listener).await;
        send(&mut ws, init("c2")).await;
        assert_eq!(
            recv(&mut ws).await,
            ToServer::SubscriptionRequest {
                event_name: "ev".into(),
                subscribe: true
            }
        );
        assert!(matches!(
            recv(&mut ws).await,
            ToServer::ActionRequest { id: 3, .. }
        ));
        send(
            &mut ws,
            ToClient::ActionResponse {
                id: 3,
                output: int(3),
            },
        )
        .await;
        send(
            &mut ws,
            ToClient::Event {
                name: "ev".into(),
                args: vec![int(6)],
            },
        )
        .await;
        ws
    };
    let (later, mut ws) = tokio::join!(queued, server);
    assert_eq!(later.unwrap(), int(3));
    assert_eq!(events.next().await, Some(vec![int(6)]));
    assert_eq!(conn.connection_id().as_deref(), Some("c2"));

    // A connection-level error that is not retryable closes the connection for good.
    let pending = conn.action("pending", vec![]);
    let server = async {
        assert!(matches!(
            recv(&mut ws).await,
            ToServer::ActionRequest { id: 4, .. }
        ));
        let error = WireError::new("user", "nope", "go away");
        send(
            &mut ws,
            ToClient::Error {
                error,
                action_id: None,
            },
        )
        .await;
        let _ = ws
            .close(Some(CloseFrame {
                code: CloseCode::Error,
                reason: "user.nope".into(),
            }))
            .await;
    };
    let (pending, ()) = tokio::join!(pending, server);
    assert!(pending.unwrap_err().is("user", "nope"));
    assert_eq!(events.next().await, None, "streams end");
    assert_eq!(conn.status(), ConnectionStatus::Closed);
    assert!(conn.close_error().unwrap().is("user", "nope"));
    assert!(
        conn.action("after", vec![])
            .await
            .unwrap_err()
            .is("user", "nope")
    );
    // No reconnect.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), listener.accept())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn waits_for_init_and_disposes_with_1000() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = client(&listener);
    let handle = client.actor("counter").get_or_create(["a", "b"], None);
    let server = async {
        let (mut ws, uri, protocols) = accept(&listener).await;
        assert_eq!(
            uri,
            "/gateway/counter/connect?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=a%2Cb&rvt-crash-policy=sleep&rvt-token=tok"
        );
        assert_eq!(protocols, "rivet, rivet_encoding.json");
        tokio::time::sleep(Duration::from_millis(200)).await;
        send(&mut ws, init("c1")).await;
        ws
    };
    let started = tokio::time::Instant::now();
    let (conn, mut ws) = tokio::join!(handle.connect(), server);
    let conn = conn.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "waited for Init"
    );

    // The first subscriber subscribes, the last one to go unsubscribes.
    let first = conn.events("ev");
    let second = conn.events("ev");
    let subscription = |subscribe| ToServer::SubscriptionRequest {
        event_name: "ev".into(),
        subscribe,
    };
    assert_eq!(recv(&mut ws).await, subscription(true));
    drop(first);
    drop(second);
    assert_eq!(recv(&mut ws).await, subscription(false));

    let server = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => {
                    // Sends the queued close echo.
                    let _ = ws.flush().await;
                    return frame;
                }
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    };
    let ((), frame) = tokio::join!(conn.dispose(), server);
    let frame = frame.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Normal);
    assert_eq!(frame.reason.as_str(), "Disposed");
    assert_eq!(conn.status(), ConnectionStatus::Closed);
    assert!(matches!(
        conn.action("x", vec![]).await,
        Err(CallError::Closed)
    ));
}

#[tokio::test]
async fn rejection_before_init_is_an_actor_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = client(&listener);
    let handle = client.actor("counter").get_for_id("actor00");
    let server = async {
        let (mut ws, _, _) = accept(&listener).await;
        let error = WireError::new("user", "conn_rejected", "connection rejected")
            .with_metadata(Value::Text("why".into()));
        send(
            &mut ws,
            ToClient::Error {
                error,
                action_id: None,
            },
        )
        .await;
        let _ = ws
            .close(Some(CloseFrame {
                code: CloseCode::Error,
                reason: "user.conn_rejected".into(),
            }))
            .await;
    };
    let (conn, ()) = tokio::join!(handle.connect(), server);
    let err = conn.unwrap_err();
    let w = err.actor_error().expect("an actor error");
    assert_eq!(
        (w.group.as_str(), w.code.as_str()),
        ("user", "conn_rejected")
    );
    assert_eq!(w.metadata, Some(Value::Text("why".into())));
}
