//! Property tests: encode → decode is the identity for every message type in all three
//! encodings and, in BARE, in every protocol version v1–v4 (minus what a version lacks), and malformed input (truncated, wrong version prefix, wrong types, random bytes)
//! is an error, never a panic.

use actorium_protocol::*;
use proptest::prelude::*;

/// User values every encoding can carry (JSON has no byte strings, tags or non-text keys).
fn user_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Integer(n.into())),
        any::<u64>().prop_map(|n| Value::Integer(n.into())),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite() && f.fract() != 0.0)
            .prop_map(Value::Float),
        ".{0,12}".prop_map(Value::Text),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4).prop_map(|m| Value::Map(
                m.into_iter().map(|(k, v)| (Value::Text(k), v)).collect()
            )),
        ]
    })
}

/// An optional user value; JSON and CBOR cannot tell `null` from absent, so it is never
/// `Some(null)`.
fn optional_value() -> impl Strategy<Value = Option<Value>> {
    proptest::option::of(user_value()).prop_map(|v| v.filter(|v| *v != Value::Null))
}

fn args() -> impl Strategy<Value = Vec<Value>> {
    proptest::collection::vec(user_value(), 0..4)
}

fn wire_error() -> impl Strategy<Value = WireError> {
    (
        "[a-z]{1,8}",
        "[a-z_]{1,12}",
        ".{0,20}",
        optional_value(),
        proptest::option::of((
            "[0-9a-z]{30}",
            1..1000u64,
            proptest::option::of("[a-z/]{0,10}"),
        )),
    )
        .prop_map(|(group, code, message, metadata, actor)| WireError {
            group,
            code,
            message,
            metadata,
            actor: actor.map(|(actor_id, generation, key)| ActorSpecifier {
                actor_id,
                generation,
                key,
            }),
        })
}

fn to_client() -> impl Strategy<Value = ToClient> {
    prop_oneof![
        ("[0-9a-z]{30}", "[0-9a-f-]{36}").prop_map(|(a, c)| ToClient::Init {
            actor_id: a,
            connection_id: c
        }),
        (wire_error(), proptest::option::of(any::<u64>()))
            .prop_map(|(error, action_id)| ToClient::Error { error, action_id }),
        (any::<u64>(), user_value())
            .prop_map(|(id, output)| ToClient::ActionResponse { id, output }),
        ("[a-zA-Z]{1,12}", args()).prop_map(|(name, args)| ToClient::Event { name, args }),
    ]
}

fn to_server() -> impl Strategy<Value = ToServer> {
    prop_oneof![
        (any::<u64>(), "[a-zA-Z]{1,12}", args())
            .prop_map(|(id, name, args)| ToServer::ActionRequest { id, name, args }),
        ("[a-zA-Z]{1,12}", any::<bool>()).prop_map(|(event_name, subscribe)| {
            ToServer::SubscriptionRequest {
                event_name,
                subscribe,
            }
        }),
    ]
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Json),
        Just(Encoding::Cbor),
        Just(Encoding::Bare)
    ]
}

/// What a message written in `version` reads back as: errors before v4 have no actor.
fn in_version(msg: ToClient, version: u16) -> ToClient {
    match msg {
        ToClient::Error { error, action_id } if version < 4 => ToClient::Error {
            error: WireError {
                actor: None,
                ..error
            },
            action_id,
        },
        other => other,
    }
}

/// Runs every decoder over the bytes; none may panic.
fn decode_all(enc: Encoding, bytes: &[u8]) {
    let _ = ToClient::decode(enc, bytes);
    let _ = ToServer::decode(enc, bytes);
    let _ = HttpActionRequest::decode(enc, bytes);
    let _ = HttpActionResponse::decode(enc, bytes);
    let _ = WireError::decode_http(enc, bytes);
    let _ = HttpQueueSendRequest::decode(enc, bytes);
    let _ = HttpQueueSendResponse::decode(enc, bytes);
    let _ = compat::revive(compat::from_cbor(bytes).unwrap_or(Value::Null));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn to_client_round_trips(msg in to_client(), enc in encoding()) {
        let bytes = msg.encode(enc).unwrap();
        prop_assert_eq!(ToClient::decode(enc, &bytes).unwrap(), msg);
    }

    #[test]
    fn to_server_round_trips(msg in to_server(), enc in encoding()) {
        let bytes = msg.encode(enc).unwrap();
        prop_assert_eq!(ToServer::decode(enc, &bytes).unwrap(), msg);
    }

    #[test]
    fn http_bodies_round_trip(a in args(), out in user_value(), resp in optional_value(), err in wire_error(), enc in encoding()) {
        let req = HttpActionRequest { args: a };
        prop_assert_eq!(HttpActionRequest::decode(enc, &req.encode(enc).unwrap()).unwrap(), req);
        let res = HttpActionResponse { output: out.clone() };
        prop_assert_eq!(HttpActionResponse::decode(enc, &res.encode(enc).unwrap()).unwrap(), res);
        prop_assert_eq!(WireError::decode_http(enc, &err.encode_http(enc).unwrap()).unwrap(), err);
        let q = HttpQueueSendRequest { body: out, name: Some("jobs".into()), wait: Some(true), timeout: Some(5) };
        prop_assert_eq!(HttpQueueSendRequest::decode(enc, &q.encode(enc).unwrap()).unwrap(), q);
        let r = HttpQueueSendResponse { status: "completed".into(), response: resp };
        prop_assert_eq!(HttpQueueSendResponse::decode(enc, &r.encode(enc).unwrap()).unwrap(), r);
    }

    #[test]
    fn to_client_round_trips_in_every_version(msg in to_client(), version in 1u16..=4) {
        let bytes = msg.encode_version(Encoding::Bare, version).unwrap();
        prop_assert_eq!(&bytes[..2], &[version as u8, 0][..]);
        prop_assert_eq!(ToClient::decode(Encoding::Bare, &bytes).unwrap(), in_version(msg.clone(), version));
        // JSON and CBOR carry no version: the same bytes whatever is asked.
        for enc in [Encoding::Json, Encoding::Cbor] {
            prop_assert_eq!(msg.encode_version(enc, version).unwrap(), msg.encode(enc).unwrap());
        }
    }

    #[test]
    fn to_server_round_trips_in_every_version(msg in to_server(), version in 1u16..=4) {
        let bytes = msg.encode_version(Encoding::Bare, version).unwrap();
        prop_assert_eq!(&bytes[..2], &[version as u8, 0][..]);
        // Every version has the same ToServer: only the prefix differs.
        prop_assert_eq!(&bytes[2..], &msg.encode(Encoding::Bare).unwrap()[2..]);
        prop_assert_eq!(ToServer::decode(Encoding::Bare, &bytes).unwrap(), msg);
    }

    #[test]
    fn http_bodies_round_trip_in_every_version(a in args(), out in user_value(), resp in optional_value(), err in wire_error(), version in 1u16..=4) {
        let enc = Encoding::Bare;
        let req = HttpActionRequest { args: a };
        prop_assert_eq!(HttpActionRequest::decode(enc, &req.encode_version(enc, version).unwrap()).unwrap(), req);
        let res = HttpActionResponse { output: out.clone() };
        prop_assert_eq!(HttpActionResponse::decode(enc, &res.encode_version(enc, version).unwrap()).unwrap(), res);
        let bytes = err.encode_http_version(enc, version).unwrap();
        let expected = if version < 4 { WireError { actor: None, ..err } } else { err };
        prop_assert_eq!(WireError::decode_http(enc, &bytes).unwrap(), expected);
        let q = HttpQueueSendRequest { body: out, name: None, wait: Some(false), timeout: None };
        let r = HttpQueueSendResponse { status: "timedOut".into(), response: resp };
        if version >= 3 {
            prop_assert_eq!(HttpQueueSendRequest::decode(enc, &q.encode_version(enc, version).unwrap()).unwrap(), q);
            prop_assert_eq!(HttpQueueSendResponse::decode(enc, &r.encode_version(enc, version).unwrap()).unwrap(), r);
        } else {
            let not_in_version = |e: ProtocolError| matches!(e, ProtocolError::NotInVersion { since: 3, .. });
            prop_assert!(not_in_version(q.encode_version(enc, version).unwrap_err()));
            prop_assert!(not_in_version(r.encode_version(enc, version).unwrap_err()));
            // Nor is a v3 body relabelled v1/v2 read.
            let mut bytes = q.encode_version(enc, 3).unwrap();
            bytes[0] = version as u8;
            prop_assert!(not_in_version(HttpQueueSendRequest::decode(enc, &bytes).unwrap_err()));
            let mut bytes = r.encode_version(enc, 3).unwrap();
            bytes[0] = version as u8;
            prop_assert!(not_in_version(HttpQueueSendResponse::decode(enc, &bytes).unwrap_err()));
        }
    }

    #[test]
    fn unknown_versions_are_not_written(msg in to_client(), version in prop_oneof![Just(0u16), 5u16..u16::MAX]) {
        prop_assert!(matches!(msg.encode_version(Encoding::Bare, version), Err(ProtocolError::UnsupportedVersion(v)) if v == version));
    }

    #[test]
    fn compat_round_trips(v in user_value()) {
        prop_assert_eq!(compat::revive(compat::escape_for_json(v.clone())).unwrap(), v.clone());
        prop_assert_eq!(compat::revive(compat::escape_for_cbor(v.clone())).unwrap(), v);
    }

    #[test]
    fn truncated_messages_are_errors(msg in to_client(), enc in encoding(), cut in 0usize..1000) {
        let bytes = msg.encode(enc).unwrap();
        let cut = cut % bytes.len();
        prop_assert!(ToClient::decode(enc, &bytes[..cut]).is_err(), "a {cut}-byte prefix decoded");
    }

    #[test]
    fn wrong_bare_versions_are_errors(msg in to_server(), version in 5u16..u16::MAX) {
        let mut bytes = msg.encode(Encoding::Bare).unwrap();
        bytes[..2].copy_from_slice(&version.to_le_bytes());
        prop_assert!(matches!(ToServer::decode(Encoding::Bare, &bytes), Err(ProtocolError::UnsupportedVersion(_))));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256), enc in encoding()) {
        decode_all(enc, &bytes);
        // And with a valid version prefix, so BARE decoding goes past the envelope.
        let mut prefixed = vec![4, 0];
        prefixed.extend_from_slice(&bytes);
        decode_all(enc, &prefixed);
    }
}

#[test]
fn wrong_types_are_errors() {
    let cases: &[(&str, &[u8])] = &[
        (
            "id is a string",
            br#"{"body":{"tag":"ActionRequest","val":{"id":"x","name":"a","args":[]}}}"#,
        ),
        (
            "args is not an array",
            br#"{"body":{"tag":"ActionRequest","val":{"id":1,"name":"a","args":{}}}}"#,
        ),
        (
            "negative id",
            br#"{"body":{"tag":"ActionRequest","val":{"id":-1,"name":"a","args":[]}}}"#,
        ),
        ("unknown tag", br#"{"body":{"tag":"Nope","val":{}}}"#),
        ("no body", br#"{"tag":"ActionRequest"}"#),
        ("not an object", br#"[1,2,3]"#),
        (
            "subscribe not bool",
            br#"{"body":{"tag":"SubscriptionRequest","val":{"eventName":"e","subscribe":1}}}"#,
        ),
    ];
    for (what, bytes) in cases {
        assert!(ToServer::decode(Encoding::Json, bytes).is_err(), "{what}");
    }
    // BARE: an unknown union tag, a bad bool, a non-UTF-8 string.
    assert!(ToServer::decode(Encoding::Bare, &[4, 0, 7]).is_err());
    assert!(ToServer::decode(Encoding::Bare, &[4, 0, 1, 1, b'e', 2]).is_err());
    assert!(ToServer::decode(Encoding::Bare, &[4, 0, 1, 1, 0xff, 1]).is_err());
    // CBOR args that are a map, not an array.
    assert!(HttpActionRequest::decode(Encoding::Bare, &[4, 0, 1, 0xa0]).is_err());
}

#[test]
fn older_bare_versions_are_read() {
    // v1 Init carries a connection token, dropped since v2.
    let v1 = [&[1u8, 0, 0, 2][..], b"id", &[1], b"c", &[3], b"tok"].concat();
    assert_eq!(
        ToClient::decode(Encoding::Bare, &v1).unwrap(),
        ToClient::Init {
            actor_id: "id".into(),
            connection_id: "c".into()
        }
    );
    // v3 errors have no actor.
    let mut v3 = vec![3u8, 0];
    v3.extend_from_slice(
        &WireError::new("user", "x", "m")
            .encode_http(Encoding::Bare)
            .unwrap()[2..],
    );
    v3.pop(); // drop the v4 `actor: none` byte
    assert_eq!(
        WireError::decode_http(Encoding::Bare, &v3).unwrap(),
        WireError::new("user", "x", "m")
    );
}
