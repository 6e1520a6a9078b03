//! The Rust client over TLS (`actorium`'s `rustls` feature): the in-process server behind a
//! TLS-terminating proxy with a certificate from a private CA, reached over `https://` (an
//! action) and `wss://` (a connection receiving an event), trusting the CA with
//! `ClientOptions::add_root_certificate`. A client that does not trust it is refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actorium::testkit::TestServer;
use actorium_client::{CallError, Client, ClientOptions, ConnectionStatus, Value};
use futures_util::StreamExt;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

/// A private CA (its PEM) and a server certificate it signed for `127.0.0.1`/`localhost`.
fn certificates() -> (String, rustls::ServerConfig) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "actorium test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();

    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca_cert, &ca_key)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (ca_cert.pem(), config)
}

/// A TLS-terminating proxy on `127.0.0.1:0` in front of `backend`; counts the completed
/// handshakes.
async fn tls_proxy(config: rustls::ServerConfig, backend: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let handshakes = Arc::new(AtomicUsize::new(0));
    let count = handshakes.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, backend, count) = (acceptor.clone(), backend.clone(), count.clone());
            tokio::spawn(async move {
                // A client that does not trust the certificate aborts the handshake.
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let mut upstream = TcpStream::connect(&backend).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    (format!("https://{addr}"), handshakes)
}

fn int(n: i64) -> Value {
    Value::Integer(n.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_action_and_wss_connection_through_a_tls_proxy() {
    let server = TestServer::start(actorium_tests::registry()).await.unwrap();
    let backend = server.endpoint().trim_start_matches("http://").to_string();
    let (ca_pem, tls_config) = certificates();
    let (endpoint, handshakes) = tls_proxy(tls_config, backend).await;

    let client = Client::with_options(
        ClientOptions::new(endpoint.clone())
            .ignore_env(true)
            .add_root_certificate(ca_pem),
    )
    .unwrap();
    let counter = client.actor("counter").get_or_create(["tls"], None);

    // A stateless action over https:// (after the /metadata lookup, over https:// too).
    assert_eq!(
        counter.action("increment", vec![int(1)]).await.unwrap(),
        int(1)
    );
    let after_http = handshakes.load(Ordering::SeqCst);
    assert!(after_http >= 1, "no TLS handshake for the HTTP calls");

    // A connection over wss://: an action on it and the event it broadcasts.
    let conn = counter.connect().await.unwrap();
    assert_eq!(conn.status(), ConnectionStatus::Connected);
    assert!(
        handshakes.load(Ordering::SeqCst) > after_http,
        "the WebSocket did not go through the TLS proxy"
    );
    let mut counts = conn.events("newCount");
    assert_eq!(
        conn.action("increment", vec![int(2)]).await.unwrap(),
        int(3)
    );
    let event = tokio::time::timeout(Duration::from_secs(5), counts.next())
        .await
        .expect("no event within 5 s")
        .expect("event stream ended");
    assert_eq!(event, vec![int(3)]);
    conn.dispose().await;

    // Without the CA the server's certificate is refused, over https:// and wss:// alike.
    let untrusting = Client::with_options(
        ClientOptions::new(endpoint.clone())
            .ignore_env(true)
            .metadata_attempts(1),
    )
    .unwrap();
    let err = untrusting
        .actor("counter")
        .get_or_create(["tls"], None)
        .action("getCount", vec![])
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Transport { .. }), "{err:?}");
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");
    let untrusting = Client::with_options(
        ClientOptions::new(endpoint)
            .ignore_env(true)
            .disable_metadata_lookup(true),
    )
    .unwrap();
    let err = untrusting
        .actor("counter")
        .get_or_create(["tls"], None)
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Transport { .. }), "{err:?}");
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");

    server.stop().await.expect("the test server stops cleanly");
}
