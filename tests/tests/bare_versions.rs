//! Older clients in BARE: the server answers each client in the client protocol version it
//! writes (see `actorium_protocol::version`). Raw: an HTTP action is answered in the version of
//! its body; a WebSocket greets in v3 and then answers in the version of the client's latest
//! message; v3 values are plain CBOR. Official: RivetKit 2.2.1's client (npm alias
//! `rivetkit-driver-suite`, client protocol v3) runs `interop/older-client.mjs` against the
//! `test-server` binary in every encoding (the 2.3.19 client is `ts_interop`'s).
//!
//! The official-client test needs `node` and `npm install` at the repository root; without
//! `node_modules/rivetkit-driver-suite` it FAILS.

mod common;

use std::process::Command;
use std::time::Duration;

use actorium_protocol::{Encoding, ToClient, ToServer, Value, WireError, compat};
use actorium_test_support::{require_node_packages, run};
use common::*;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::Message;

fn dollar_array() -> Value {
    Value::Array(vec![Value::Text("$x".into()), int(1)])
}

#[tokio::test]
async fn http_actions_are_answered_in_the_request_version() {
    let s = common::start().await;
    let path = query_path("counter", "http-versions", "/action/increment");
    for version in 1..=4u16 {
        // increment(1): data [1] in `version`; the answer, data 01, in the same version.
        let r = post_raw(
            &s.endpoint(),
            &path,
            "bare",
            vec![version as u8, 0, 2, 0x81, 1],
        )
        .await;
        assert_eq!(r.status, 200, "v{version}");
        assert_eq!(r.body, [version as u8, 0, 1, version as u8], "v{version}");
    }
    // An actor-level error: v3 has no `actor`, v4 names it.
    let fail = query_path("counter", "http-versions", "/action/fail");
    let args = compat::to_cbor(&Value::Array(vec![Value::Text("nope".into())]));
    for version in [3u16, 4] {
        let mut body = vec![version as u8, 0, args.len() as u8];
        body.extend_from_slice(&args);
        let r = post_raw(&s.endpoint(), &fail, "bare", body).await;
        assert_ne!(r.status, 200);
        assert_eq!(&r.body[..2], &[version as u8, 0]);
        let e = WireError::decode_http(Encoding::Bare, &r.body).unwrap();
        assert_eq!((e.group.as_str(), e.code.as_str()), ("user", "bad_thing"));
        assert_eq!(e.actor.is_some(), version == 4, "v{version}");
    }
    // Values: v3 is plain CBOR (a `$`-array is a value both ways), v4 carries markers.
    let echo = query_path("counter", "http-versions", "/action/echo");
    let plain = compat::to_cbor(&Value::Array(vec![dollar_array()]));
    let r = post_raw(
        &s.endpoint(),
        &echo,
        "bare",
        [&[3u8, 0, plain.len() as u8][..], &plain].concat(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, [&[3u8, 0, plain.len() as u8][..], &plain].concat());
    let r = post_raw(
        &s.endpoint(),
        &echo,
        "bare",
        [&[4u8, 0, plain.len() as u8][..], &plain].concat(),
    )
    .await;
    assert_eq!(r.status, 400, "a bare `$x` marker is not a v4 value");
    s.stop().await.unwrap();
}

async fn recv_binary(ws: &mut Ws) -> Vec<u8> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("no frame within 5 s")
            .expect("socket ended")
            .expect("socket error");
        match frame {
            Message::Binary(b) => return b.to_vec(),
            Message::Close(c) => panic!("closed: {c:?}"),
            _ => continue,
        }
    }
}

async fn send_in(ws: &mut Ws, msg: ToServer, version: u16) {
    let bytes = msg.encode_version(Encoding::Bare, version).unwrap();
    ws.send(Message::Binary(bytes.into())).await.unwrap();
}

#[tokio::test]
async fn websockets_greet_in_v3_then_answer_in_the_client_version() {
    let s = common::start().await;
    let url = format!(
        "{}{}",
        ws_url(&s.endpoint()),
        query_path("counter", "ws-versions", "/connect")
    );
    let (mut ws, _) = ws_connect(&url, "rivet,rivet_encoding.bare").await;
    let init = recv_binary(&mut ws).await;
    assert_eq!(
        &init[..2],
        &[3, 0],
        "the Init is written in the greeting version"
    );
    assert!(matches!(
        ToClient::decode(Encoding::Bare, &init).unwrap(),
        ToClient::Init { .. }
    ));
    let subscribe = ToServer::SubscriptionRequest {
        event_name: "newCount".into(),
        subscribe: true,
    };
    send_in(&mut ws, subscribe, 4).await;
    let increment = |id| ToServer::ActionRequest {
        id,
        name: "increment".into(),
        args: vec![int(1)],
    };
    // v4 request: the event and the response in v4; then v2 and v1: in theirs.
    for (id, version) in [(0, 4u16), (1, 2), (2, 1)] {
        send_in(&mut ws, increment(id), version).await;
        for _ in 0..2 {
            let frame = recv_binary(&mut ws).await;
            assert_eq!(&frame[..2], &[version as u8, 0], "request {id}");
        }
    }
    // A user error in v3 has no actor; in v4 it names the actor.
    for (id, version) in [(3, 3u16), (4, 4)] {
        let fail = ToServer::ActionRequest {
            id,
            name: "fail".into(),
            args: vec![Value::Text("nope".into())],
        };
        send_in(&mut ws, fail, version).await;
        let frame = recv_binary(&mut ws).await;
        assert_eq!(&frame[..2], &[version as u8, 0]);
        let ToClient::Error { error, action_id } =
            ToClient::decode(Encoding::Bare, &frame).unwrap()
        else {
            panic!("not an error")
        };
        assert_eq!((action_id, error.code.as_str()), (Some(id), "bad_thing"));
        assert_eq!(error.actor.is_some(), version == 4);
    }
    // v3 values are plain CBOR.
    let echo = ToServer::ActionRequest {
        id: 5,
        name: "echo".into(),
        args: vec![dollar_array()],
    };
    send_in(&mut ws, echo, 3).await;
    let frame = recv_binary(&mut ws).await;
    assert_eq!(
        ToClient::decode(Encoding::Bare, &frame).unwrap(),
        ToClient::ActionResponse {
            id: 5,
            output: Value::Array(vec![dollar_array()])
        }
    );

    // A connection rejected before the client's first message: the error in v3.
    let (mut ws, _) = ws_connect(
        &url,
        "rivet,rivet_encoding.bare,rivet_conn_params.%7B%22reject%22%3Atrue%7D",
    )
    .await;
    let frame = recv_binary(&mut ws).await;
    assert_eq!(&frame[..2], &[3, 0]);
    let ToClient::Error { error, action_id } = ToClient::decode(Encoding::Bare, &frame).unwrap()
    else {
        panic!("not an error")
    };
    assert_eq!((action_id, error.code.as_str()), (None, "conn_rejected"));
    s.stop().await.unwrap();
}

#[test]
fn rivetkit_2_2_1_client_in_every_encoding() {
    let root = require_node_packages(&["rivetkit-driver-suite"]);
    let dir = tempfile::tempdir().unwrap();
    let server = start_process(dir.path(), &[]);
    let out = run(
        Command::new("node")
            .arg("interop/older-client.mjs")
            .arg(server.url())
            .arg("bare,json,cbor")
            .current_dir(&root),
        Duration::from_secs(300),
    );
    let ok = out.status.is_some_and(|s| s.success()) && out.output.contains(" passed, 0 failed");
    assert!(
        ok,
        "older-client.mjs: {:?}\n{}\n---- server ----\n{}",
        out.status,
        out.output,
        server.output()
    );
    println!("{}", out.output);
}
