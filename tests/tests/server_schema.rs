//! `GET /actorium/schema`: the registry's schema document over HTTP, byte for byte what the
//! `schema` subcommand prints, behind the token like every route but `/metadata` and
//! `/health`.

mod common;

use std::process::Command;

use actorium_protocol::Encoding;
use actorium_protocol::schema::RegistrySchema;
use common::{http, send, start_process};

#[tokio::test]
async fn the_schema_route_serves_the_registry_schema() {
    let s = common::start().await;
    let expected = actorium_tests::registry().schema().to_json_pretty();
    let r = send(http().get(format!("{}/actorium/schema", s.endpoint()))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json");
    assert_eq!(String::from_utf8(r.body.clone()).unwrap(), expected);
    let doc: RegistrySchema = serde_json::from_slice(&r.body).unwrap();
    let names: Vec<&str> = doc.actors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["alpha", "beta", "counter", "lobby", "streamer", "timer"]
    );

    // CORS like every other route (no origins configured: no CORS headers); only GET (and
    // HEAD) are routed.
    let r = http()
        .get(format!("{}/actorium/schema", s.endpoint()))
        .header("origin", "http://example.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = send(http().post(format!("{}/actorium/schema", s.endpoint()))).await;
    assert_eq!(r.status, 405);
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn the_schema_route_needs_the_token() {
    let config = actorium::server::ServerConfig::default().token(Some("sekret".into()));
    let s =
        actorium_test_support::TestServer::start_with_config(actorium_tests::registry(), config)
            .await
            .unwrap();
    let url = format!("{}/actorium/schema", s.endpoint());
    for req in [
        http().get(&url),
        http().get(&url).header("x-rivet-token", "wrong"),
    ] {
        let r = send(req).await;
        let e = r.error(Encoding::Json);
        assert_eq!(
            (r.status, e.group.as_str(), e.code.as_str()),
            (403, "auth", "forbidden")
        );
    }
    let expected = actorium_tests::registry().schema().to_json_pretty();
    for req in [
        http().get(&url).bearer_auth("sekret"),
        http().get(&url).header("x-rivet-token", "sekret"),
    ] {
        let r = send(req).await;
        assert_eq!(r.status, 200);
        assert_eq!(String::from_utf8(r.body).unwrap(), expected);
    }
    // `/metadata` stays open.
    assert_eq!(
        send(http().get(format!("{}/metadata", s.endpoint())))
            .await
            .status,
        200
    );
    s.stop().await.expect("the test server stops cleanly");
}

#[tokio::test]
async fn the_served_schema_equals_what_the_schema_subcommand_prints() {
    let binary = env!("CARGO_BIN_EXE_test-server");
    let printed = Command::new(binary).arg("schema").output().unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let dir = tempfile::tempdir().unwrap();
    let server = start_process(dir.path(), &[]);
    let r = send(http().get(format!("{}/actorium/schema", server.url()))).await;
    server.kill();
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json");
    assert!(!printed.stdout.is_empty());
    assert_eq!(
        String::from_utf8(r.body).unwrap(),
        String::from_utf8(printed.stdout).unwrap()
    );
}
