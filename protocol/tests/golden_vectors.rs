//! Codec tests over the 109 golden records captured from RivetKit 2.3.19 live traffic
//! (`tests/vectors/wire-vectors.json`, a copy of `shared/reference/rivetkit-wire/vectors`).
//!
//! For every message: it decodes to the recorded value; re-encoding is byte-exact wherever the
//! bytes were written in canonical form (everything the reference server writes except the
//! CBOR user values it relays from JavaScript actors); bytes written by cbor-x (two-byte map
//! headers, float64 for 1.5) re-encode to a semantically equal message. Upgrade records check
//! subprotocols and gateway targets.

use actorium_protocol::compat::{from_cbor, to_cbor};
use actorium_protocol::*;
use serde_json::Value as J;

fn vectors() -> Vec<J> {
    let text = include_str!("vectors/wire-vectors.json");
    let doc: J = serde_json::from_str(text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn hex_bytes(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// The recorded bytes of a message.
fn bytes_of(v: &J) -> Vec<u8> {
    match (v.get("hex"), v.get("text")) {
        (Some(h), _) => hex_bytes(h.as_str().unwrap()),
        (_, Some(t)) => t.as_str().unwrap().as_bytes().to_vec(),
        _ => panic!("vector {} has no bytes", v["name"]),
    }
}

/// A recorded value (`{"$bigint"}`, `{"$bytes"}` markers) as a CBOR value.
fn value(j: &J) -> Value {
    match j {
        J::Object(m) if m.len() == 1 && m.contains_key("$bigint") => {
            compat::int_value(m["$bigint"].as_str().unwrap().parse().unwrap())
        }
        J::Object(m) if m.len() == 1 && m.contains_key("$bytes") => {
            Value::Bytes(hex_bytes(m["$bytes"].as_str().unwrap()))
        }
        J::Object(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (Value::Text(k.clone()), value(v)))
                .collect(),
        ),
        J::Array(a) => Value::Array(a.iter().map(value).collect()),
        other => compat::from_json(other.clone()),
    }
}

/// A user value: in BARE the recorded `{"$bytes"}` is embedded CBOR.
fn user(j: &J, enc: Encoding) -> Value {
    match enc {
        Encoding::Bare if j.is_null() => Value::Null,
        Encoding::Bare => from_cbor(&hex_bytes(j["$bytes"].as_str().unwrap())).unwrap(),
        _ => value(j),
    }
}

fn user_list(j: &J, enc: Encoding) -> Vec<Value> {
    match user(j, enc) {
        Value::Array(items) => items,
        other => panic!("not a list: {other:?}"),
    }
}

fn uint(j: &J) -> u64 {
    match j {
        J::Number(n) => n.as_u64().unwrap(),
        J::Object(m) => m["$bigint"].as_str().unwrap().parse().unwrap(),
        J::Array(a) => a[1].as_str().unwrap().parse().unwrap(),
        other => panic!("not an id: {other}"),
    }
}

fn opt_str(j: &J) -> Option<String> {
    j.as_str().map(str::to_string)
}

fn error(val: &J, enc: Encoding) -> WireError {
    WireError {
        group: val["group"].as_str().unwrap().into(),
        code: val["code"].as_str().unwrap().into(),
        message: val["message"].as_str().unwrap().into(),
        metadata: val
            .get("metadata")
            .filter(|m| !m.is_null())
            .map(|m| user(m, enc)),
        actor: val
            .get("actor")
            .filter(|a| !a.is_null())
            .map(|a| ActorSpecifier {
                actor_id: a["actorId"].as_str().unwrap().into(),
                generation: uint(&a["generation"]),
                key: opt_str(&a["key"]),
            }),
    }
}

/// Numbers compare by value (JSON `1795632633370.0` is a float, the record says an integer).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Integer(x), Value::Float(y)) | (Value::Float(y), Value::Integer(x)) => {
            i128::from(*x) as f64 == *y
        }
        // cbor-x tags a Uint8Array (64); the record shows the bytes.
        (Value::Tag(64, x), y) | (y, Value::Tag(64, x)) => same(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same(v, v2)))
        }
        _ => a == b,
    }
}

fn same_list(a: &[Value], b: &[Value]) -> bool {
    same(&Value::Array(a.to_vec()), &Value::Array(b.to_vec()))
}

fn same_error(a: &WireError, b: &WireError) -> bool {
    a.group == b.group
        && a.code == b.code
        && a.message == b.message
        && a.actor == b.actor
        && match (&a.metadata, &b.metadata) {
            (Some(x), Some(y)) => same(x, y),
            (None, None) => true,
            _ => false,
        }
}

fn same_to_client(a: &ToClient, b: &ToClient) -> bool {
    match (a, b) {
        (
            ToClient::Error {
                error: e1,
                action_id: a1,
            },
            ToClient::Error {
                error: e2,
                action_id: a2,
            },
        ) => a1 == a2 && same_error(e1, e2),
        (
            ToClient::ActionResponse { id: i1, output: o1 },
            ToClient::ActionResponse { id: i2, output: o2 },
        ) => i1 == i2 && same(o1, o2),
        (ToClient::Event { name: n1, args: a1 }, ToClient::Event { name: n2, args: a2 }) => {
            n1 == n2 && same_list(a1, a2)
        }
        _ => a == b,
    }
}

fn same_to_server(a: &ToServer, b: &ToServer) -> bool {
    match (a, b) {
        (
            ToServer::ActionRequest {
                id: i1,
                name: n1,
                args: a1,
            },
            ToServer::ActionRequest {
                id: i2,
                name: n2,
                args: a2,
            },
        ) => i1 == i2 && n1 == n2 && same_list(a1, a2),
        _ => a == b,
    }
}

/// Whether every embedded CBOR item of a BARE message, and a CBOR message itself, is in the
/// canonical form ciborium writes (cbor-x writes two-byte map headers and float64 for 1.5).
fn canonical(enc: Encoding, bytes: &[u8], embedded: &[&J]) -> bool {
    match enc {
        Encoding::Json => true,
        Encoding::Cbor => to_cbor(&from_cbor(bytes).unwrap()) == bytes,
        Encoding::Bare => embedded.iter().filter_map(|j| j.get("$bytes")).all(|h| {
            let b = hex_bytes(h.as_str().unwrap());
            to_cbor(&from_cbor(&b).unwrap()) == b
        }),
    }
}

struct Tally {
    exact: usize,
    semantic: usize,
}

/// Asserts the re-encoding: byte-exact when the original is canonical, else semantically equal.
fn check_reencode(
    name: &str,
    original: &[u8],
    reencoded: &[u8],
    canonical: bool,
    semantic_ok: bool,
    tally: &mut Tally,
) {
    if canonical {
        assert_eq!(
            String::from_utf8_lossy(reencoded),
            String::from_utf8_lossy(original),
            "{name}: re-encoding is not byte-exact\n ours {}\n them {}",
            hex::encode(reencoded),
            hex::encode(original)
        );
        tally.exact += 1;
    } else {
        assert!(
            semantic_ok,
            "{name}: re-encoding does not decode to the same message"
        );
        tally.semantic += 1;
    }
}

#[test]
fn every_golden_vector_decodes_and_reencodes() {
    let mut tally = Tally {
        exact: 0,
        semantic: 0,
    };
    let mut upgrades = 0;
    let all = vectors();
    assert_eq!(all.len(), 109, "106 messages and 3 upgrade records");
    for v in &all {
        let name = v["name"].as_str().unwrap();
        let mut enc: Encoding = v["encoding"].as_str().unwrap().parse().unwrap();
        // Gateway-level errors are JSON whatever the request's encoding.
        if v["contentType"].as_str() == Some("application/json") {
            enc = Encoding::Json;
        }
        let d = &v["decoded"];
        let kind = v["kind"].as_str().unwrap();
        if kind == "Upgrade" {
            let protocols: Vec<&str> = v["requestProtocols"].as_str().unwrap().split(',').collect();
            assert_eq!(protocols, ["rivet", enc.subprotocol().as_str()], "{name}");
            assert_eq!(v["responseProtocol"], "rivet");
            check_target(v["target"].as_str().unwrap(), "/connect");
            upgrades += 1;
            continue;
        }
        let bytes = bytes_of(v);
        if let Some(version) = d.get("version") {
            assert_eq!(version, 4, "{name}");
        }
        match kind {
            "ToClient" => {
                let val = &d["body"]["val"];
                let expected = match d["body"]["tag"].as_str().unwrap() {
                    "Init" => ToClient::Init {
                        actor_id: val["actorId"].as_str().unwrap().into(),
                        connection_id: val["connectionId"].as_str().unwrap().into(),
                    },
                    "Error" => ToClient::Error {
                        error: error(val, enc),
                        action_id: (!val["actionId"].is_null()).then(|| uint(&val["actionId"])),
                    },
                    "ActionResponse" => ToClient::ActionResponse {
                        id: uint(&val["id"]),
                        output: user(&val["output"], enc),
                    },
                    "Event" => ToClient::Event {
                        name: val["name"].as_str().unwrap().into(),
                        args: user_list(&val["args"], enc),
                    },
                    t => panic!("{name}: tag {t}"),
                };
                let got = ToClient::decode(enc, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(
                    same_to_client(&got, &expected),
                    "{name}: decoded {got:?}\n expected {expected:?}"
                );
                let re = got.encode(enc).unwrap();
                let ok = same_to_client(&ToClient::decode(enc, &re).unwrap(), &got);
                let embedded = [&val["output"], &val["args"], &val["metadata"]];
                check_reencode(
                    name,
                    &bytes,
                    &re,
                    canonical(enc, &bytes, &embedded),
                    ok,
                    &mut tally,
                );
            }
            "ToServer" => {
                let val = &d["body"]["val"];
                let expected = match d["body"]["tag"].as_str().unwrap() {
                    "ActionRequest" => ToServer::ActionRequest {
                        id: uint(&val["id"]),
                        name: val["name"].as_str().unwrap().into(),
                        args: user_list(&val["args"], enc),
                    },
                    "SubscriptionRequest" => ToServer::SubscriptionRequest {
                        event_name: val["eventName"].as_str().unwrap().into(),
                        subscribe: val["subscribe"].as_bool().unwrap(),
                    },
                    t => panic!("{name}: tag {t}"),
                };
                let got = ToServer::decode(enc, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(
                    same_to_server(&got, &expected),
                    "{name}: decoded {got:?}\n expected {expected:?}"
                );
                let re = got.encode(enc).unwrap();
                let ok = same_to_server(&ToServer::decode(enc, &re).unwrap(), &got);
                check_reencode(
                    name,
                    &bytes,
                    &re,
                    canonical(enc, &bytes, &[&val["args"]]),
                    ok,
                    &mut tally,
                );
            }
            "HttpActionRequest" => {
                let got = HttpActionRequest::decode(enc, &bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(
                    same_list(&got.args, &user_list(&d["args"], enc)),
                    "{name}: {got:?}"
                );
                let re = got.encode(enc).unwrap();
                let ok = same_list(
                    &HttpActionRequest::decode(enc, &re).unwrap().args,
                    &got.args,
                );
                check_reencode(
                    name,
                    &bytes,
                    &re,
                    canonical(enc, &bytes, &[&d["args"]]),
                    ok,
                    &mut tally,
                );
                check_target(v["target"].as_str().unwrap(), "/action/");
            }
            "HttpActionResponse" => {
                let got = HttpActionResponse::decode(enc, &bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(
                    same(&got.output, &user(&d["output"], enc)),
                    "{name}: {got:?}"
                );
                let re = got.encode(enc).unwrap();
                let ok = same(
                    &HttpActionResponse::decode(enc, &re).unwrap().output,
                    &got.output,
                );
                check_reencode(
                    name,
                    &bytes,
                    &re,
                    canonical(enc, &bytes, &[&d["output"]]),
                    ok,
                    &mut tally,
                );
            }
            "HttpResponseError" => {
                let got =
                    WireError::decode_http(enc, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(same_error(&got, &error(d, enc)), "{name}: {got:?}");
                let re = got.encode_http(enc).unwrap();
                let ok = same_error(&WireError::decode_http(enc, &re).unwrap(), &got);
                check_reencode(
                    name,
                    &bytes,
                    &re,
                    canonical(enc, &bytes, &[&d["metadata"]]),
                    ok,
                    &mut tally,
                );
            }
            "HttpQueueSendRequest" => {
                let got = HttpQueueSendRequest::decode(enc, &bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(same(&got.body, &user(&d["body"], enc)), "{name}");
                assert_eq!(got.name, opt_str(&d["name"]), "{name}");
                assert_eq!(got.wait, d["wait"].as_bool(), "{name}");
                let re = got.encode(enc).unwrap();
                let back = HttpQueueSendRequest::decode(enc, &re).unwrap();
                let ok =
                    same(&back.body, &got.body) && back.name == got.name && back.wait == got.wait;
                check_reencode(
                    name,
                    &bytes,
                    &re,
                    canonical(enc, &bytes, &[&d["body"]]),
                    ok,
                    &mut tally,
                );
            }
            "HttpQueueSendResponse" => {
                let got = HttpQueueSendResponse::decode(enc, &bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(got.status, d["status"].as_str().unwrap(), "{name}");
                let re = got.encode(enc).unwrap();
                check_reencode(
                    name,
                    &bytes,
                    &re,
                    canonical(enc, &bytes, &[]),
                    false,
                    &mut tally,
                );
            }
            k => panic!("{name}: unknown kind {k}"),
        }
    }
    assert_eq!(upgrades, 3);
    assert_eq!(tally.exact + tally.semantic, 106);
    println!(
        "golden vectors: {} byte-exact, {} semantic (cbor-x forms), {upgrades} upgrades",
        tally.exact, tally.semantic
    );
}

/// Parses a recorded gateway target; without `rvt-input` (whose CBOR cbor-x wrote with a
/// two-byte map header) our URL builder reproduces it byte for byte.
fn check_target(target: &str, path_marker: &str) {
    let rest = target.strip_prefix("/gateway/").unwrap();
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let (segment, actor_path) = path.split_once('/').unwrap();
    assert!(
        format!("/{actor_path}").starts_with(path_marker.trim_end_matches('/')),
        "{target}"
    );
    let (parsed, leftover) = GatewayTarget::parse(segment, query).unwrap();
    assert!(leftover.is_empty());
    let rebuilt = parsed.path_and_query(&format!("/{actor_path}")).unwrap();
    if !target.contains("rvt-input=") {
        assert_eq!(rebuilt, target);
    } else if let GatewayTarget::Query(q) = &parsed {
        let input = gateway::decode_input(q.input.as_ref().unwrap()).unwrap();
        let rebuilt_input = gateway::decode_input(&gateway::encode_input(&input)).unwrap();
        assert_eq!(input, rebuilt_input);
    }
}
