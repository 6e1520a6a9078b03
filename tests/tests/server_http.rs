//! actorium's server over raw HTTP: actions in the three encodings, the REST API, CORS, the
//! token, and the bad-input matrix (each bad input gets one structured error, the server keeps
//! serving, the stored state is unchanged).

mod common;

use actorium_protocol::{Encoding, Value, WireError};
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[tokio::test]
async fn actions_in_every_encoding() {
    let s = common::start().await;
    let path = query_path("counter", "enc", "/action/increment");
    for (i, enc) in Encoding::ALL.into_iter().enumerate() {
        let out = action(&s.endpoint(), &path, enc, vec![int(1)])
            .await
            .unwrap();
        assert_eq!(out, int(i as i64 + 1), "{enc}");
    }
    // The reference's byte-exact bare exchange: 04 00 | data len 02 | CBOR [3].
    let r = post_raw(&s.endpoint(), &path, "bare", vec![4, 0, 2, 0x81, 3]).await;
    assert_eq!((r.status, r.body.as_slice()), (200, &[4u8, 0, 1, 6][..]));
    // No encoding header means JSON.
    let r = send(
        http()
            .post(format!("{}{path}", s.endpoint()))
            .body(r#"{"args":[1]}"#),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (200, serde_json::json!({"output": 7}))
    );

    // echo keeps values (big integers, bytes, `$`-arrays, small bigints) in every encoding.
    let echo = query_path("counter", "enc", "/action/echo");
    let big = Value::Tag(
        2,
        Box::new(Value::Bytes(vec![0x40, 0, 0, 0, 0, 0, 0, 0, 0])),
    );
    let args = vec![
        int(1),
        text("two"),
        Value::Map(vec![(text("b"), Value::Bool(true))]),
        Value::Null,
        Value::Float(-7.5),
        Value::Array(vec![text("$weird"), int(1)]),
        big.clone(),
        Value::Bytes(vec![1, 2, 3]),
    ];
    for enc in [Encoding::Json, Encoding::Bare] {
        // What the official client sends: compat-escaped values.
        let sent: Vec<Value> = args
            .iter()
            .cloned()
            .map(actorium_protocol::compat::escape_for_json)
            .collect();
        let out = action(&s.endpoint(), &echo, enc, sent).await.unwrap();
        let out = actorium_protocol::compat::revive(out).unwrap();
        assert_eq!(out, Value::Array(args.clone()), "{enc}");
    }
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn user_internal_and_panic_errors() {
    let s = common::start().await;
    let base = &s.endpoint();
    action(
        base,
        &query_path("counter", "err", "/action/increment"),
        Encoding::Json,
        vec![int(5)],
    )
    .await
    .unwrap();
    for enc in Encoding::ALL {
        let e = action(
            base,
            &query_path("counter", "err", "/action/fail"),
            enc,
            vec![text("nope")],
        )
        .await
        .unwrap_err();
        assert_eq!(
            (e.group.as_str(), e.code.as_str(), e.message.as_str()),
            ("user", "bad_thing", "nope"),
            "{enc}"
        );
        assert_eq!(
            e.metadata,
            Some(Value::Map(vec![(text("why"), text("test"))])),
            "{enc}"
        );
        assert!(
            e.actor.is_some(),
            "{enc}: actor-level errors name the actor"
        );
        let e = action(
            base,
            &query_path("counter", "err", "/action/internalFail"),
            enc,
            vec![],
        )
        .await
        .unwrap_err();
        assert_eq!(
            e,
            WireError::internal().with_actor(e.actor.clone().unwrap()),
            "{enc}"
        );
        // A panicking action: internal error for that call, state rolled back, actor recovers.
        let e = action(
            base,
            &query_path("counter", "err", "/action/panic"),
            enc,
            vec![],
        )
        .await
        .unwrap_err();
        assert_eq!(
            (e.group.as_str(), e.code.as_str()),
            ("rivetkit", "internal_error"),
            "{enc}"
        );
        assert_eq!(
            count(base, "err").await,
            5,
            "{enc}: the panicking action's change was rolled back"
        );
    }
    let r = post_raw(
        base,
        &query_path("counter", "err", "/action/fail"),
        "json",
        br#"{"args":["x"]}"#.to_vec(),
    )
    .await;
    assert_eq!(r.status, 500);
    assert_eq!(
        action(
            base,
            &query_path("counter", "err", "/action/increment"),
            Encoding::Bare,
            vec![int(1)]
        )
        .await
        .unwrap(),
        int(6)
    );
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn rest_api() {
    let s = common::start().await;
    let c = http();
    let b = &s.endpoint();
    let r = send(c.get(format!("{b}/metadata?namespace=default"))).await;
    assert_eq!(r.status, 200);
    assert!(r.json().is_object());
    assert_eq!(
        send(c.get(format!("{b}/health"))).await.json()["status"],
        "ok"
    );

    // PUT = get or create; input is base64(CBOR(compat(input))): {start: 10}.
    let input =
        actorium_protocol::gateway::input_to_rest(&Value::Map(vec![(text("start"), int(10))]));
    let body = serde_json::json!({"name": "counter", "key": "rest/a", "runner_name_selector": "default", "input": input, "crash_policy": "sleep"});
    let r = send(
        c.put(format!("{b}/actors?namespace=default"))
            .body(body.to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    assert_eq!(j["created"], true);
    let id = j["actor"]["actor_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 30);
    assert!(id.ends_with("00"));
    assert_eq!(j["actor"]["key"], "rest/a");
    let r = send(
        c.put(format!("{b}/actors?namespace=default"))
            .body(body.to_string()),
    )
    .await;
    assert_eq!(
        (
            r.json()["created"].clone(),
            r.json()["actor"]["actor_id"].clone()
        ),
        (serde_json::json!(false), serde_json::json!(id))
    );
    // The input was used: the query gateway (key a,b is ["rest","a"]) sees count 10.
    assert_eq!(count(b, "rest,a").await, 10);

    // POST = create; duplicate key.
    let r = send(
        c.post(format!("{b}/actors?namespace=default"))
            .body(serde_json::json!({"name": "counter", "key": "rest/a"}).to_string()),
    )
    .await;
    let e = r.error(Encoding::Json);
    assert_eq!((r.status, e.code.as_str()), (400, "duplicate_key"));
    assert!(e.metadata.is_some());
    let r = send(
        c.post(format!("{b}/actors?namespace=default"))
            .body(serde_json::json!({"name": "counter", "key": "rest/b"}).to_string()),
    )
    .await;
    let id_b = r.json()["actor"]["actor_id"].as_str().unwrap().to_string();

    // GET by key, by ids, by name.
    let r = send(c.get(format!(
        "{b}/actors?name=counter&key=rest%2Fa&namespace=default"
    )))
    .await;
    assert_eq!(r.json()["actors"][0]["actor_id"], serde_json::json!(id));
    let r = send(c.get(format!(
        "{b}/actors?name=counter&key=missing&namespace=default"
    )))
    .await;
    assert_eq!(r.json()["actors"], serde_json::json!([]));
    let r = send(c.get(format!(
        "{b}/actors?actor_ids={id},{id_b},nope&namespace=default"
    )))
    .await;
    assert_eq!(r.json()["actors"].as_array().unwrap().len(), 2);
    let r = send(c.get(format!("{b}/actors?name=counter&namespace=default"))).await;
    assert_eq!(r.json()["actors"].as_array().unwrap().len(), 2);
    let r = send(c.get(format!("{b}/actors/names?namespace=default"))).await;
    assert!(r.json()["names"]["counter"].is_object());

    // Direct gateway form by id, with a token segment that is ignored without --token.
    let direct = format!("/gateway/{id}@whatever/action/getCount");
    assert_eq!(
        action(b, &direct, Encoding::Cbor, vec![]).await.unwrap(),
        int(10)
    );

    // DELETE destroys; the key is free again.
    let r = send(c.delete(format!("{b}/actors/{id}?namespace=default"))).await;
    assert_eq!((r.status, r.json()), (200, serde_json::json!({})));
    let e = action(
        b,
        &format!("/gateway/{id}/action/getCount"),
        Encoding::Json,
        vec![],
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "not_found");
    let r = send(
        c.put(format!("{b}/actors?namespace=default"))
            .body(body.to_string()),
    )
    .await;
    assert_eq!(r.json()["created"], true);
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn a_to_b_to_a_and_headers() {
    let s = common::start().await;
    let r = post_raw(
        &s.endpoint(),
        &query_path("alpha", "x,y", "/action/ping"),
        "json",
        br#"{"args":[]}"#.to_vec(),
    )
    .await;
    assert_eq!(r.json(), serde_json::json!({"output": "beta:pong"}));
    let out = action(
        &s.endpoint(),
        &query_path("alpha", "x,y", "/action/getPongs"),
        Encoding::Json,
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(out, int(1));
    // CORS and actor headers.
    let resp = http()
        .post(format!(
            "{}{}",
            s.endpoint(),
            query_path("counter", "h", "/action/getCount")
        ))
        .header("origin", "http://example.test")
        .body(r#"{"args":[]}"#)
        .send()
        .await
        .unwrap();
    let h = resp.headers();
    // No CORS origins configured (the default): no CORS headers (examples/tests/operations.rs
    // tests configured origins).
    assert!(h.get("access-control-allow-origin").is_none(), "{h:?}");
    assert!(h.get("access-control-allow-credentials").is_none(), "{h:?}");
    assert_eq!(h["x-rivet-actor-key"], "h");
    assert_eq!(h["x-rivet-actor"].len(), 30);
    let pre = http()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/gateway/counter/action/x", s.endpoint()),
        )
        .header("origin", "http://example.test")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-rivet-encoding")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 204);
    assert!(
        pre.headers().get("access-control-allow-headers").is_none(),
        "{:?}",
        pre.headers()
    );
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn chunked_request_bodies() {
    let s = common::start().await;
    let addr = s.endpoint().trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let path = query_path("counter", "chunked", "/action/increment");
    let req = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\nx-rivet-encoding: json\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\n{{\"arg\r\n7\r\ns\":[4]}}\r\n0\r\n\r\n"
    );
    sock.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    sock.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.ends_with(r#"{"output":4}"#), "{out}");
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn tokens() {
    let config = actorium::server::ServerConfig::default().token(Some("sekret".into()));
    let s =
        actorium_test_support::TestServer::start_with_config(actorium_tests::registry(), config)
            .await
            .unwrap();
    let endpoint = s.endpoint();
    let b = endpoint.as_str();
    let c = http();
    // Open routes.
    assert_eq!(send(c.get(format!("{b}/metadata"))).await.status, 200);
    // Missing and wrong tokens.
    let path = query_path("counter", "tok", "/action/increment");
    for req in [
        c.post(format!("{b}{path}")),
        c.post(format!("{b}{path}"))
            .header("x-rivet-token", "wrong"),
        c.post(format!("{b}{path}&rvt-token=wrong")),
        c.get(format!("{b}/actors?name=counter")),
    ] {
        let r = send(req.body(r#"{"args":[1]}"#)).await;
        let e = r.error(Encoding::Json);
        assert_eq!(
            (r.status, e.group.as_str(), e.code.as_str()),
            (403, "auth", "forbidden")
        );
    }
    // Every accepted form.
    let r = send(
        c.post(format!("{b}{path}"))
            .header("x-rivet-token", "sekret")
            .body(r#"{"args":[1]}"#),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = send(
        c.post(format!("{b}{path}&rvt-token=sekret"))
            .body(r#"{"args":[1]}"#),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = send(
        c.get(format!("{b}/actors?name=counter&key=tok&namespace=default"))
            .bearer_auth("sekret"),
    )
    .await;
    assert_eq!(r.status, 200);
    let id = r.json()["actors"][0]["actor_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        c.post(format!("{b}/gateway/{id}@sekret/action/getCount"))
            .body(r#"{"args":[]}"#),
    )
    .await;
    assert_eq!(r.json(), serde_json::json!({"output": 2}));
    let r = send(
        c.post(format!("{b}/gateway/{id}@wrong/action/getCount"))
            .body(r#"{"args":[]}"#),
    )
    .await;
    assert_eq!(r.status, 403);
    s.stop().await.expect("the test server stops cleanly");
}

/// One bad request: the expected status and `group.code`.
struct Bad {
    what: &'static str,
    req: reqwest::RequestBuilder,
    status: u16,
    code: &'static str,
}

#[tokio::test]
async fn bad_http_input_gets_one_structured_error_each() {
    let s = common::start().await;
    let b = s.endpoint();
    let c = http();
    let inc = query_path("counter", "victim", "/action/increment");
    action(&b, &inc, Encoding::Json, vec![int(42)])
        .await
        .unwrap();
    let id = send(c.get(format!(
        "{b}/actors?name=counter&key=victim&namespace=default"
    )))
    .await
    .json()["actors"][0]["actor_id"]
        .as_str()
        .unwrap()
        .to_string();
    let post = |path: &str, enc: &str, body: Vec<u8>| {
        c.post(format!("{b}{path}"))
            .header("x-rivet-encoding", enc)
            .body(body)
    };
    let long_key = "k".repeat(129);
    let cases = vec![
        Bad {
            what: "malformed JSON",
            req: post(&inc, "json", b"{\"args\":[1".to_vec()),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "JSON args not an array",
            req: post(&inc, "json", br#"{"args":5}"#.to_vec()),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "JSON body not an object",
            req: post(&inc, "json", b"[1]".to_vec()),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "unknown compat marker",
            req: post(&inc, "json", br#"{"args":[["$Nope",1]]}"#.to_vec()),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "malformed CBOR",
            req: post(&inc, "cbor", vec![0xbf, 0x61]),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "CBOR trailing bytes",
            req: post(
                &inc,
                "cbor",
                vec![0xa1, 0x64, b'a', b'r', b'g', b's', 0x80, 0x00],
            ),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "BARE unknown version",
            req: post(&inc, "bare", vec![9, 0, 2, 0x81, 1]),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "BARE truncated",
            req: post(&inc, "bare", vec![4, 0, 9, 0x81]),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "BARE args not CBOR",
            req: post(&inc, "bare", vec![4, 0, 1, 0xff]),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "empty body",
            req: post(&inc, "bare", vec![]),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "unknown encoding",
            req: post(&inc, "xml", b"<a/>".to_vec()),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "wrong argument type",
            req: post(&inc, "json", br#"{"args":["five"]}"#.to_vec()),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "missing argument",
            req: post(&inc, "json", br#"{"args":[]}"#.to_vec()),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "oversize body",
            req: post(&inc, "json", vec![b' '; (1 << 20) + 1]),
            status: 400,
            code: "message.incoming_too_long",
        },
        Bad {
            what: "unknown action",
            req: post(
                &query_path("counter", "victim", "/action/nope"),
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 404,
            code: "actor.action_not_found",
        },
        Bad {
            what: "unknown actor name",
            req: post(
                &query_path("nosuch", "victim", "/action/x"),
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 400,
            code: "actor.invalid_name",
        },
        Bad {
            what: "unknown actor id",
            req: post(
                "/gateway/zzzzzzzzzzzzzzzzzzzzzzzzzzzz00/action/getCount",
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 404,
            code: "actor.not_found",
        },
        Bad {
            what: "get on a missing key",
            req: post(
                "/gateway/counter/action/getCount?rvt-namespace=default&rvt-method=get&rvt-key=missing",
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 404,
            code: "actor.not_found",
        },
        Bad {
            what: "key part too long",
            req: post(
                &query_path("counter", &long_key, "/action/getCount"),
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 400,
            code: "validation.invalid_input",
        },
        Bad {
            what: "missing namespace",
            req: post(
                "/gateway/counter/action/getCount?rvt-method=get&rvt-key=victim",
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 400,
            code: "guard.query_invalid_params",
        },
        Bad {
            what: "unknown namespace",
            req: post(
                "/gateway/counter/action/getCount?rvt-namespace=other&rvt-method=get&rvt-key=victim",
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 400,
            code: "namespace.not_found",
        },
        Bad {
            what: "bad rvt-method",
            req: post(
                "/gateway/counter/action/getCount?rvt-namespace=default&rvt-method=fetch",
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 400,
            code: "guard.query_invalid_params",
        },
        Bad {
            what: "getOrCreate without runner",
            req: post(
                "/gateway/counter/action/getCount?rvt-namespace=default&rvt-method=getOrCreate",
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 400,
            code: "guard.query_invalid_params",
        },
        Bad {
            what: "rvt-input not base64url",
            req: post(
                &format!(
                    "{}&rvt-input=%%%",
                    query_path("counter", "new1", "/action/getCount")
                ),
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 400,
            code: "guard.query_invalid_params",
        },
        Bad {
            what: "rvt-input not CBOR",
            req: post(
                &format!(
                    "{}&rvt-input=_w",
                    query_path("counter", "new2", "/action/getCount")
                ),
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "rvt-input over 4 KiB",
            req: post(
                &format!(
                    "{}&rvt-input={}",
                    query_path("counter", "new3", "/action/getCount"),
                    "A".repeat(6000)
                ),
                "json",
                br#"{"args":[]}"#.to_vec(),
            ),
            status: 400,
            code: "message.incoming_too_long",
        },
        Bad {
            what: "bad conn params header",
            req: post(&inc, "json", br#"{"args":[1]}"#.to_vec())
                .header("x-rivet-conn-params", "{nope"),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "rejected conn params",
            req: post(&inc, "json", br#"{"args":[1]}"#.to_vec())
                .header("x-rivet-conn-params", r#"{"reject":true}"#),
            status: 500,
            code: "user.conn_rejected",
        },
        Bad {
            what: "GET on an action",
            req: c.get(format!("{b}{inc}")),
            status: 405,
            code: "actor.method_not_allowed",
        },
        Bad {
            what: "connect without upgrade",
            req: c.get(format!(
                "{b}{}",
                query_path("counter", "victim", "/connect")
            )),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "raw request with connection params that are not JSON",
            req: post(
                &query_path("counter", "victim", "/request/add"),
                "json",
                b"1".to_vec(),
            )
            .header("x-rivet-conn-params", "{not json"),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "raw websocket without upgrade",
            req: c.get(format!(
                "{b}{}",
                query_path("counter", "victim", "/websocket/x")
            )),
            status: 400,
            code: "actor.invalid_request",
        },
        Bad {
            what: "queue",
            req: post(
                &query_path("counter", "victim", "/queue/jobs"),
                "json",
                vec![],
            ),
            status: 501,
            code: "core.not_supported",
        },
        Bad {
            what: "unknown gateway path",
            req: post(&query_path("counter", "victim", "/nope"), "json", vec![]),
            status: 404,
            code: "guard.no_route",
        },
        Bad {
            what: "unknown route",
            req: c.get(format!("{b}/nope")),
            status: 404,
            code: "guard.no_route",
        },
        Bad {
            what: "REST malformed JSON",
            req: c.put(format!("{b}/actors?namespace=default")).body("{"),
            status: 400,
            code: "api.bad_request",
        },
        Bad {
            what: "REST missing name",
            req: c.get(format!("{b}/actors?namespace=default")),
            status: 400,
            code: "validation.invalid_input",
        },
        Bad {
            what: "REST unknown name",
            req: c
                .put(format!("{b}/actors?namespace=default"))
                .body(r#"{"name":"nosuch","key":"a"}"#),
            status: 400,
            code: "actor.invalid_name",
        },
        Bad {
            what: "REST unknown namespace",
            req: c.get(format!("{b}/actors?name=counter&namespace=nope")),
            status: 400,
            code: "namespace.not_found",
        },
        Bad {
            what: "REST bad input",
            req: c
                .put(format!("{b}/actors?namespace=default"))
                .body(r#"{"name":"counter","key":"x","input":"!!"}"#),
            status: 400,
            code: "validation.invalid_input",
        },
        Bad {
            what: "REST key too long",
            req: c
                .put(format!("{b}/actors?namespace=default"))
                .body(format!(r#"{{"name":"counter","key":"{long_key}"}}"#)),
            status: 400,
            code: "validation.invalid_input",
        },
        Bad {
            what: "REST destroy unknown id",
            req: c.delete(format!("{b}/actors/nope?namespace=default")),
            status: 404,
            code: "actor.not_found",
        },
    ];
    let n = cases.len();
    for case in cases {
        let r = send(case.req).await;
        let e = r.error(Encoding::Json);
        assert_eq!(
            (r.status, format!("{}.{}", e.group, e.code)),
            (case.status, case.code.to_string()),
            "{}: {}",
            case.what,
            e.message
        );
        assert!(!e.message.is_empty(), "{}", case.what);
        // Still serving, state unchanged.
        assert_eq!(count(&b, "victim").await, 42, "after {}", case.what);
    }
    assert!(n >= 40);
    // Nothing was created by the failed getOrCreate calls with bad input.
    let r = send(c.get(format!("{b}/actors?name=counter&namespace=default"))).await;
    let keys: Vec<String> = r.json()["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, vec!["victim".to_string()], "{keys:?}");
    assert_eq!(
        action(
            &b,
            &format!("/gateway/{id}/action/getCount"),
            Encoding::Bare,
            vec![]
        )
        .await
        .unwrap(),
        int(42)
    );
    s.stop().await.expect("the test server stops cleanly");
}
