//! Client behaviour that needs no actor server: the in-process router hook, the bounded
//! `/metadata` lookup, and configuration errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actorium_client::{
    ActorQuery, CallError, Client, ClientOptions, LocalCall, LocalFuture, LocalRouter, Value,
};

/// Answers `counter` actions in-process; everything else goes to the network.
struct Router {
    calls: AtomicUsize,
}

impl LocalRouter for Router {
    fn action(&self, call: &LocalCall) -> Option<LocalFuture<Value>> {
        if call.query.name() != "counter" {
            return None;
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        let call = call.clone();
        Some(Box::pin(async move {
            Ok(Value::Array(vec![
                Value::Text(call.action),
                Value::Array(call.args),
            ]))
        }))
    }

    fn resolve(&self, query: &ActorQuery) -> Option<LocalFuture<String>> {
        let name = query.name().to_string();
        (name == "counter").then(|| Box::pin(async move { Ok(format!("{name}-id")) }) as _)
    }
}

/// An endpoint where nothing listens.
async fn dead_endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test]
async fn local_router_is_asked_first() {
    let options = ClientOptions::new(dead_endpoint().await)
        .ignore_env(true)
        .metadata_attempts(1);
    let router = Arc::new(Router {
        calls: AtomicUsize::new(0),
    });
    let client = Client::with_options(options)
        .unwrap()
        .with_local_router(router.clone());

    let counter = client.actor("counter").get_or_create("k", None);
    let out: (String, Vec<u32>) = counter.call("increment", (5,)).await.unwrap();
    assert_eq!(out, ("increment".to_string(), vec![5]));
    assert_eq!(counter.resolve().await.unwrap(), "counter-id");
    assert_eq!(router.calls.load(Ordering::SeqCst), 1);

    // Not routed: goes to the (dead) network.
    let other = client.actor("other").get("k");
    let err = other.action("x", vec![]).await.unwrap_err();
    assert!(matches!(err, CallError::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn metadata_lookup_is_bounded() {
    let endpoint = dead_endpoint().await;
    let options = ClientOptions::new(endpoint.clone())
        .ignore_env(true)
        .metadata_attempts(2);
    let client = Client::with_options(options).unwrap();
    let start = Instant::now();
    let err = client
        .actor("counter")
        .get("k")
        .action("getCount", vec![])
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    let CallError::Transport { message, .. } = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    // Connection refused is retried once (a server may be starting), then named as such.
    assert!(
        message.contains("/metadata") && message.contains("nothing is listening"),
        "{message}"
    );
    assert!(message.contains(&endpoint), "{message}");
    // One 500 ms pause between the two attempts.
    assert!(elapsed >= Duration::from_millis(500) && elapsed < Duration::from_secs(5));
}

#[test]
fn configuration_errors() {
    // `https://` needs the `rustls` feature, and says so.
    let https = Client::try_new("https://api.example");
    if cfg!(feature = "rustls") {
        assert!(https.is_ok());
    } else {
        let err = https.unwrap_err().to_string();
        assert!(err.contains("`rustls` feature"), "{err}");
    }
    assert!(Client::try_new("ftp://api.example").is_err());
    // A root certificate that is not one is refused up front (with TLS) or unused (without).
    let bad_root = ClientOptions::new("http://h").add_root_certificate("not a certificate");
    assert_eq!(
        Client::with_options(bad_root).is_err(),
        cfg!(feature = "rustls")
    );
    assert!(Client::with_options(ClientOptions::new("http://ns:tok@h").token("other")).is_err());
    let client = Client::new("http://127.0.0.1:6420/base/");
    assert!(format!("{client:?}").contains("http://127.0.0.1:6420/base"));
}
