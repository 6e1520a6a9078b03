//! BARE protocol versions v1–v4: exact bytes of each version's differences, written from the
//! schemas (RivetKit's `client-protocol/v1.bare` … `v4.bare`), and the conversion of every
//! golden BARE message captured from RivetKit 2.3.19 (v4) into v1–v3.

use actorium_protocol::*;
use serde_json::Value as J;

fn golden_bare() -> Vec<(String, String, Vec<u8>)> {
    let doc: J = serde_json::from_str(include_str!("vectors/wire-vectors.json")).unwrap();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["encoding"] == "bare" && v.get("hex").is_some())
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["kind"].as_str().unwrap().to_string(),
                hex::decode(v["hex"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn init_in_each_version() {
    let init = ToClient::Init {
        actor_id: "a".into(),
        connection_id: "c".into(),
    };
    // tag 0, str "a", str "c"; v1 adds `connectionToken: str` (written empty).
    let body = [0u8, 1, b'a', 1, b'c'];
    for version in 2..=4u16 {
        let expected = [&[version as u8, 0][..], &body].concat();
        assert_eq!(
            init.encode_version(Encoding::Bare, version).unwrap(),
            expected
        );
    }
    let v1 = [&[1u8, 0][..], &body, &[0]].concat();
    assert_eq!(init.encode_version(Encoding::Bare, 1).unwrap(), v1);
    assert_eq!(ToClient::decode(Encoding::Bare, &v1).unwrap(), init);
}

#[test]
fn errors_in_each_version() {
    let actor = ActorSpecifier {
        actor_id: "x".into(),
        generation: 2,
        key: None,
    };
    let error = WireError::new("g", "c", "m").with_actor(actor);
    let msg = ToClient::Error {
        error: error.clone(),
        action_id: Some(7),
    };
    // tag 1, group, code, message, metadata none, actionId some 7; v4 then `actor`:
    // some, str "x", uint 2, key none.
    let common = [1u8, 1, b'g', 1, b'c', 1, b'm', 0, 1, 7];
    for version in 1..=3u16 {
        let expected = [&[version as u8, 0][..], &common].concat();
        assert_eq!(
            msg.encode_version(Encoding::Bare, version).unwrap(),
            expected
        );
        // The HTTP error body is the same without the tag and the action id.
        let http = [&[version as u8, 0][..], &common[1..8]].concat();
        assert_eq!(
            error.encode_http_version(Encoding::Bare, version).unwrap(),
            http
        );
        assert_eq!(
            WireError::decode_http(Encoding::Bare, &http).unwrap(),
            WireError::new("g", "c", "m")
        );
    }
    let v4 = [&[4u8, 0][..], &common, &[1, 1, b'x', 2, 0]].concat();
    assert_eq!(msg.encode_version(Encoding::Bare, 4).unwrap(), v4);
    assert_eq!(msg.encode(Encoding::Bare).unwrap(), v4);
    assert_eq!(ToClient::decode(Encoding::Bare, &v4).unwrap(), msg);
}

#[test]
fn queue_messages_exist_from_v3() {
    let q = HttpQueueSendRequest {
        body: Value::Null,
        name: None,
        wait: None,
        timeout: None,
    };
    // data [f6], three absent optionals.
    let body = [1u8, 0xf6, 0, 0, 0];
    for version in 3..=4u16 {
        let bytes = [&[version as u8, 0][..], &body].concat();
        assert_eq!(q.encode_version(Encoding::Bare, version).unwrap(), bytes);
        assert_eq!(
            HttpQueueSendRequest::decode(Encoding::Bare, &bytes).unwrap(),
            q
        );
    }
    for version in 1..=2u16 {
        let e = HttpQueueSendRequest::decode(
            Encoding::Bare,
            &[&[version as u8, 0][..], &body].concat(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "HttpQueueSendRequest does not exist in client protocol version {version} (only from v3)"
            )
        );
    }
}

/// Every golden BARE message (v4, as RivetKit 2.3.19 wrote it) written in v1–v3: the same
/// bytes after the prefix except where the schemas differ (a v1 `Init`'s token, the v4
/// `actor` of errors, queue messages before v3), and it reads back as the same message.
#[test]
fn golden_messages_in_older_versions() {
    let golden = golden_bare();
    assert!(golden.len() >= 25, "{} bare vectors", golden.len());
    for (name, kind, bytes) in golden {
        for version in 1..=3u16 {
            let prefix = [version as u8, 0];
            // A message whose schema is the same in every version: only the prefix differs.
            let check = |v4: Vec<u8>, older: Result<Vec<u8>, ProtocolError>| {
                let older = older.unwrap_or_else(|e| panic!("{name} in v{version}: {e}"));
                assert_eq!(
                    older,
                    [&prefix[..], &v4[2..]].concat(),
                    "{name} in v{version}"
                );
                older
            };
            match kind.as_str() {
                "ToClient" => {
                    let msg = ToClient::decode(Encoding::Bare, &bytes).unwrap();
                    let v4 = msg.encode(Encoding::Bare).unwrap();
                    let older = msg.encode_version(Encoding::Bare, version).unwrap();
                    let (expected, read_back) = match &msg {
                        ToClient::Init { .. } if version == 1 => {
                            ([&prefix[..], &v4[2..], &[0]].concat(), msg.clone())
                        }
                        ToClient::Error { error, action_id } => {
                            let without_actor = ToClient::Error {
                                error: WireError {
                                    actor: None,
                                    ..error.clone()
                                },
                                action_id: *action_id,
                            };
                            // v4 ends with the optional actor; older versions stop before it.
                            let v4_none = without_actor.encode(Encoding::Bare).unwrap();
                            assert_eq!(v4_none.last(), Some(&0), "{name}");
                            assert!(v4.starts_with(&v4_none[..v4_none.len() - 1]), "{name}");
                            let cut = &v4_none[2..v4_none.len() - 1];
                            ([&prefix[..], cut].concat(), without_actor)
                        }
                        _ => ([&prefix[..], &v4[2..]].concat(), msg.clone()),
                    };
                    assert_eq!(older, expected, "{name} in v{version}");
                    assert_eq!(
                        ToClient::decode(Encoding::Bare, &older).unwrap(),
                        read_back,
                        "{name}"
                    );
                }
                "ToServer" => {
                    let msg = ToServer::decode(Encoding::Bare, &bytes).unwrap();
                    let older = check(
                        msg.encode(Encoding::Bare).unwrap(),
                        msg.encode_version(Encoding::Bare, version),
                    );
                    assert_eq!(ToServer::decode(Encoding::Bare, &older).unwrap(), msg);
                }
                "HttpActionRequest" => {
                    let msg = HttpActionRequest::decode(Encoding::Bare, &bytes).unwrap();
                    let older = check(
                        msg.encode(Encoding::Bare).unwrap(),
                        msg.encode_version(Encoding::Bare, version),
                    );
                    assert_eq!(
                        HttpActionRequest::decode(Encoding::Bare, &older).unwrap(),
                        msg
                    );
                }
                "HttpActionResponse" => {
                    let msg = HttpActionResponse::decode(Encoding::Bare, &bytes).unwrap();
                    let older = check(
                        msg.encode(Encoding::Bare).unwrap(),
                        msg.encode_version(Encoding::Bare, version),
                    );
                    assert_eq!(
                        HttpActionResponse::decode(Encoding::Bare, &older).unwrap(),
                        msg
                    );
                }
                "HttpResponseError" => {
                    let e = WireError::decode_http(Encoding::Bare, &bytes).unwrap();
                    let bare = WireError {
                        actor: None,
                        ..e.clone()
                    };
                    let v4_none = bare.encode_http(Encoding::Bare).unwrap();
                    assert!(
                        e.encode_http(Encoding::Bare)
                            .unwrap()
                            .starts_with(&v4_none[..v4_none.len() - 1]),
                        "{name}"
                    );
                    let older = e.encode_http_version(Encoding::Bare, version).unwrap();
                    assert_eq!(
                        older,
                        [&prefix[..], &v4_none[2..v4_none.len() - 1]].concat(),
                        "{name} in v{version}"
                    );
                    assert_eq!(
                        WireError::decode_http(Encoding::Bare, &older).unwrap(),
                        bare
                    );
                }
                "HttpQueueSendRequest" => {
                    let msg = HttpQueueSendRequest::decode(Encoding::Bare, &bytes).unwrap();
                    let older = msg.encode_version(Encoding::Bare, version);
                    if version < 3 {
                        assert!(matches!(older, Err(ProtocolError::NotInVersion { .. })));
                    } else {
                        check(msg.encode(Encoding::Bare).unwrap(), older);
                    }
                }
                "HttpQueueSendResponse" => {
                    let msg = HttpQueueSendResponse::decode(Encoding::Bare, &bytes).unwrap();
                    let older = msg.encode_version(Encoding::Bare, version);
                    if version < 3 {
                        assert!(matches!(older, Err(ProtocolError::NotInVersion { .. })));
                    } else {
                        check(msg.encode(Encoding::Bare).unwrap(), older);
                    }
                }
                other => panic!("{name}: unexpected kind {other}"),
            }
        }
    }
}
