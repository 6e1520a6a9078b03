//! actorium's server over raw WebSockets: the handshake (subprotocol `rivet`, `Init` first),
//! events only to subscribers and before the action's response, ids in the exact numeric form,
//! connection rejection, and bad frames (each a structured error, the server keeps serving).

mod common;

use actorium_protocol::{Encoding, ToClient, ToServer, Value};
use common::*;
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::protocol::Message;

fn protocols(enc: Encoding) -> String {
    format!("rivet,rivet_encoding.{enc}")
}

async fn open(s: &TestServer, key: &str, enc: Encoding) -> (Ws, String) {
    let url = format!(
        "{}{}",
        ws_url(&s.endpoint()),
        query_path("counter", key, "/connect")
    );
    let (mut ws, selected) = ws_connect(&url, &protocols(enc)).await;
    assert_eq!(selected.as_deref(), Some("rivet"));
    let ToClient::Init {
        actor_id,
        connection_id,
    } = next_msg(&mut ws, enc).await
    else {
        panic!("the first message is not Init")
    };
    assert_eq!(actor_id.len(), 30);
    assert_eq!(connection_id.len(), 36);
    (ws, actor_id)
}

#[tokio::test]
async fn sessions_in_every_encoding() {
    let s = common::start().await;
    for enc in Encoding::ALL {
        let key = format!("ws-{enc}");
        let (mut ws, actor_id) = open(&s, &key, enc).await;
        let (mut other, _) = open(&s, &key, enc).await;
        ws_send(
            &mut ws,
            enc,
            ToServer::SubscriptionRequest {
                event_name: "newCount".into(),
                subscribe: true,
            },
        )
        .await;
        ws_send(
            &mut ws,
            enc,
            ToServer::ActionRequest {
                id: 0,
                name: "increment".into(),
                args: vec![int(2)],
            },
        )
        .await;
        // The event comes before the response of the action that broadcast it.
        match next_msg(&mut ws, enc).await {
            ToClient::Event { name, args } => {
                assert_eq!((name.as_str(), args), ("newCount", vec![int(2)]))
            }
            other => panic!("{enc}: expected Event, got {other:?}"),
        }
        match next_msg(&mut ws, enc).await {
            ToClient::ActionResponse { id: 0, output } => assert_eq!(output, int(2)),
            other => panic!("{enc}: expected ActionResponse, got {other:?}"),
        }
        // The other connection did not subscribe: only its own responses.
        ws_send(
            &mut other,
            enc,
            ToServer::ActionRequest {
                id: 7,
                name: "getCount".into(),
                args: vec![],
            },
        )
        .await;
        match next_msg(&mut other, enc).await {
            ToClient::ActionResponse { id: 7, output } => assert_eq!(output, int(2)),
            m => panic!("{enc}: unsubscribed connection got {m:?}"),
        }
        // Errors for one action keep the connection open.
        ws_send(
            &mut ws,
            enc,
            ToServer::ActionRequest {
                id: 1,
                name: "fail".into(),
                args: vec![Value::Text("x".into())],
            },
        )
        .await;
        match next_msg(&mut ws, enc).await {
            ToClient::Error {
                error,
                action_id: Some(1),
            } => {
                assert_eq!(
                    (error.group.as_str(), error.code.as_str()),
                    ("user", "bad_thing")
                );
                assert_eq!(error.actor.unwrap().actor_id, actor_id);
            }
            m => panic!("{enc}: {m:?}"),
        }
        for (id, name) in [(2, "nope"), (3, "panic"), (4, "internalFail")] {
            ws_send(
                &mut ws,
                enc,
                ToServer::ActionRequest {
                    id,
                    name: name.into(),
                    args: vec![],
                },
            )
            .await;
            match next_msg(&mut ws, enc).await {
                ToClient::Error {
                    error,
                    action_id: Some(got),
                } => {
                    assert_eq!(got, id);
                    let want = if name == "nope" {
                        "action_not_found"
                    } else {
                        "internal_error"
                    };
                    assert_eq!(error.code, want, "{enc} {name}");
                }
                m => panic!("{enc}: {m:?}"),
            }
        }
        // Wrong argument types: an error for that action only.
        ws_send(
            &mut ws,
            enc,
            ToServer::ActionRequest {
                id: 5,
                name: "increment".into(),
                args: vec![Value::Text("x".into())],
            },
        )
        .await;
        match next_msg(&mut ws, enc).await {
            ToClient::Error {
                error,
                action_id: Some(5),
            } => assert_eq!(error.code, "invalid_request"),
            m => panic!("{enc}: {m:?}"),
        }
        // Unsubscribe: no more events.
        ws_send(
            &mut ws,
            enc,
            ToServer::SubscriptionRequest {
                event_name: "newCount".into(),
                subscribe: false,
            },
        )
        .await;
        ws_send(
            &mut ws,
            enc,
            ToServer::ActionRequest {
                id: 6,
                name: "increment".into(),
                args: vec![int(1)],
            },
        )
        .await;
        match next_msg(&mut ws, enc).await {
            ToClient::ActionResponse { id: 6, output } => assert_eq!(output, int(3)),
            m => panic!("{enc}: {m:?}"),
        }
        // The client's close is echoed.
        ws.send(Message::Close(Some(
            tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: 1000.into(),
                reason: "Disposed".into(),
            },
        )))
        .await
        .unwrap();
        match next(&mut ws, enc).await {
            Frame::Close(code, _) => assert_eq!(code, 1000),
            Frame::Msg(m) => panic!("{m:?}"),
        }
    }
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn ids_use_the_exact_numeric_form() {
    let s = common::start().await;
    // JSON: ["$BigInt","N"].
    let url = format!(
        "{}{}",
        ws_url(&s.endpoint()),
        query_path("counter", "ids", "/connect")
    );
    let (mut ws, _) = ws_connect(&url, &protocols(Encoding::Json)).await;
    let _init = next_msg(&mut ws, Encoding::Json).await;
    ws.send(Message::Text(r#"{"body":{"tag":"ActionRequest","val":{"id":["$BigInt","5"],"name":"getCount","args":[]}}}"#.into()))
        .await
        .unwrap();
    let Some(Ok(Message::Text(t))) = futures_util::StreamExt::next(&mut ws).await else {
        panic!()
    };
    assert!(t.contains(r#""id":["$BigInt","5"]"#), "{t}");
    // CBOR: 1b + u64.
    let (mut ws, _) = ws_connect(&url, &protocols(Encoding::Cbor)).await;
    let _init = next_msg(&mut ws, Encoding::Cbor).await;
    ws_send(
        &mut ws,
        Encoding::Cbor,
        ToServer::ActionRequest {
            id: 5,
            name: "getCount".into(),
            args: vec![],
        },
    )
    .await;
    let Some(Ok(Message::Binary(b))) = futures_util::StreamExt::next(&mut ws).await else {
        panic!()
    };
    let needle = [0x62, b'i', b'd', 0x1b, 0, 0, 0, 0, 0, 0, 0, 5];
    assert!(b.windows(needle.len()).any(|w| w == needle), "{b:02x?}");
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn rejected_connections_and_bad_frames() {
    let s = common::start().await;
    let url = format!(
        "{}{}",
        ws_url(&s.endpoint()),
        query_path("counter", "bad", "/connect")
    );
    // Seed state.
    let (mut keep, _) = open(&s, "bad", Encoding::Bare).await;
    ws_send(
        &mut keep,
        Encoding::Bare,
        ToServer::ActionRequest {
            id: 0,
            name: "increment".into(),
            args: vec![int(9)],
        },
    )
    .await;
    let _ = next_msg(&mut keep, Encoding::Bare).await;

    // onBeforeConnect rejects: Error{actionId: null}, then close 1011 "user.conn_rejected".
    for enc in Encoding::ALL {
        let params = "rivet_conn_params.%7B%22reject%22%3Atrue%7D";
        let (mut ws, _) = ws_connect(&url, &format!("{},{params}", protocols(enc))).await;
        match next_msg(&mut ws, enc).await {
            ToClient::Error {
                error,
                action_id: None,
            } => {
                assert_eq!(
                    (
                        error.group.as_str(),
                        error.code.as_str(),
                        error.message.as_str()
                    ),
                    ("user", "conn_rejected", "connection rejected")
                );
                let reason = Value::Map(vec![(
                    Value::Text("reason".into()),
                    Value::Text("params.reject".into()),
                )]);
                assert_eq!(error.metadata, Some(reason));
            }
            m => panic!("{enc}: {m:?}"),
        }
        match next(&mut ws, enc).await {
            Frame::Close(code, reason) => {
                assert_eq!((code, reason.as_str()), (1011, "user.conn_rejected"))
            }
            Frame::Msg(m) => panic!("{m:?}"),
        }
    }

    // Bad frames: Error{actionId: null} (actor.invalid_request), then close 1011.
    let cases: Vec<(&str, Encoding, Message)> = vec![
        (
            "malformed JSON",
            Encoding::Json,
            Message::Text("{nope".into()),
        ),
        (
            "JSON of the wrong shape",
            Encoding::Json,
            Message::Text(r#"{"body":{"tag":"Nope","val":{}}}"#.into()),
        ),
        (
            "malformed CBOR",
            Encoding::Cbor,
            Message::Binary(vec![0xbf, 0x61].into()),
        ),
        (
            "BARE unknown version",
            Encoding::Bare,
            Message::Binary(vec![9, 0, 0, 0].into()),
        ),
        (
            "BARE unknown union tag",
            Encoding::Bare,
            Message::Binary(vec![4, 0, 7].into()),
        ),
        (
            "BARE truncated",
            Encoding::Bare,
            Message::Binary(vec![4, 0, 0, 0, 9, b'i'].into()),
        ),
        (
            "text frame in BARE",
            Encoding::Bare,
            Message::Text("hello".into()),
        ),
        (
            "oversize frame",
            Encoding::Json,
            Message::Text(" ".repeat((1 << 20) + 1).into()),
        ),
    ];
    for (what, enc, frame) in cases {
        let (mut ws, _) = ws_connect(&url, &protocols(enc)).await;
        let _init = next_msg(&mut ws, enc).await;
        ws.send(frame).await.unwrap();
        match next_msg(&mut ws, enc).await {
            ToClient::Error {
                error,
                action_id: None,
            } => {
                let want = if what == "oversize frame" {
                    "message.incoming_too_long"
                } else {
                    "actor.invalid_request"
                };
                assert_eq!(error.close_reason(), want, "{what}");
            }
            m => panic!("{what}: {m:?}"),
        }
        match next(&mut ws, enc).await {
            Frame::Close(code, _) => assert_eq!(code, 1011, "{what}"),
            Frame::Msg(m) => panic!("{what}: {m:?}"),
        }
        assert_eq!(count(&s.endpoint(), "bad").await, 9, "after {what}");
    }

    // Unknown encoding: close 1003.
    let (mut ws, _) = ws_connect(&url, "rivet,rivet_encoding.xml").await;
    match next(&mut ws, Encoding::Json).await {
        Frame::Close(code, reason) => assert_eq!(
            (code, reason.as_str()),
            (1003, "actor.unsupported_websocket_encoding")
        ),
        Frame::Msg(m) => panic!("{m:?}"),
    }
    // Bad params: connection-level invalid_request.
    let (mut ws, _) = ws_connect(&url, "rivet,rivet_encoding.json,rivet_conn_params.%7Bnope").await;
    match next_msg(&mut ws, Encoding::Json).await {
        ToClient::Error {
            error,
            action_id: None,
        } => assert_eq!(error.code, "invalid_request"),
        m => panic!("{m:?}"),
    }
    // Gateway-level errors before the upgrade are plain JSON responses.
    let missing = format!(
        "{}/gateway/counter/connect?rvt-namespace=default&rvt-method=get&rvt-key=nobody",
        ws_url(&s.endpoint())
    );
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        missing.as_str(),
    )
    .unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", "rivet".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 404);
            let body = resp.body().as_ref().unwrap();
            assert!(String::from_utf8_lossy(body).contains("not_found"));
        }
        other => panic!("expected an HTTP error, got {:?}", other.map(|_| ())),
    }

    // The original connection still works, the state is unchanged.
    assert_eq!(count(&s.endpoint(), "bad").await, 9);
    ws_send(
        &mut keep,
        Encoding::Bare,
        ToServer::ActionRequest {
            id: 1,
            name: "getCount".into(),
            args: vec![],
        },
    )
    .await;
    match next_msg(&mut keep, Encoding::Bare).await {
        ToClient::ActionResponse { id: 1, output } => assert_eq!(output, int(9)),
        m => panic!("{m:?}"),
    }
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn destroy_closes_connections() {
    let s = common::start().await;
    let (mut ws, actor_id) = open(&s, "doomed", Encoding::Json).await;
    let r = send(http().delete(format!(
        "{}/actors/{actor_id}?namespace=default",
        s.endpoint()
    )))
    .await;
    assert_eq!(r.status, 200);
    match next(&mut ws, Encoding::Json).await {
        Frame::Close(code, reason) => {
            assert_eq!((code, reason.as_str()), (1011, "actor.destroyed"))
        }
        Frame::Msg(m) => panic!("{m:?}"),
    }
    s.stop().await.expect("the test server stops cleanly");
}
