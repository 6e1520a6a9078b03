//! Errors a newcomer can act on: a client pointed at a port with nothing listening says so
//! within a second (instead of retrying for 15 s), and an argument of the wrong type names the
//! action and the parameter, over HTTP and over WebSocket alike.

mod common;

use std::time::{Duration, Instant};

use actorium::Client;
use actorium::protocol::Value;

/// `relay(alpha_key: String)` of the `beta` test actor, called with an integer.
const WRONG_ARGUMENT: &str =
    "argument 1 (`alphaKey`) of `relay`: invalid type: integer `42`, expected str";

#[tokio::test]
async fn a_refused_connection_fails_fast_and_names_the_endpoint() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = Client::new(endpoint.as_str());
    let started = Instant::now();
    let err = client
        .actor("beta")
        .get_or_create(["k"], None)
        .action("relay", vec![Value::Text("a".into())])
        .await
        .unwrap_err();
    let took = started.elapsed();
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "nothing is listening at {endpoint} (connection refused)"
        )),
        "{text}"
    );
    assert!(text.contains("is the server running"), "{text}");
    // Two attempts 500 ms apart (the feature's own schedule) plus slack; the bounded retries
    // of other failures take about 15 s.
    assert!(took < Duration::from_secs(5), "took {took:?}: {text}");
}

#[tokio::test]
async fn a_wrong_argument_type_names_the_action_and_the_parameter() {
    let server = common::start().await;
    let beta = server.client().actor("beta").get_or_create(["args"], None);

    // Over HTTP (the client's default BARE encoding).
    let err = beta
        .action("relay", vec![Value::Integer(42.into())])
        .await
        .unwrap_err();
    let wire = err.actor_error().expect("a structured actor error");
    assert_eq!(
        (wire.group.as_str(), wire.code.as_str()),
        ("actor", "invalid_request")
    );
    assert_eq!(wire.message, WRONG_ARGUMENT);

    // Over HTTP in JSON, as curl or any HTTP client sees it.
    let resp = common::send(
        common::http()
            .post(format!(
                "{}{}",
                server.endpoint(),
                common::query_path("beta", "args", "/action/relay")
            ))
            .header("x-rivet-encoding", "json")
            .header("content-type", "application/json")
            .body(r#"{"args":[42]}"#),
    )
    .await;
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.json()["message"], WRONG_ARGUMENT);

    // Over a WebSocket connection.
    let conn = beta.connect().await.unwrap();
    let err = conn
        .action("relay", vec![Value::Integer(42.into())])
        .await
        .unwrap_err();
    let wire = err.actor_error().expect("a structured actor error");
    assert_eq!(
        (wire.group.as_str(), wire.code.as_str()),
        ("actor", "invalid_request")
    );
    assert_eq!(wire.message, WRONG_ARGUMENT);
    conn.dispose().await;

    server.stop().await.unwrap();
}
