//! Hostile and broken clients against the front door's connection limits: slow request heads,
//! slow bodies and idle keep-alive connections are closed at their configured timeouts while
//! normal clients keep working; WebSockets are not HTTP-idle and count toward the cap; a flood
//! of silent connections beyond the open-files limit does not stop `/health` or actions; and
//! SIGTERM finishes within the shutdown deadline while a client stalls a body.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use actorium::server::{ConnectionLimits, ServerConfig};
use actorium_protocol::{Encoding, ToClient, ToServer};
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Short limits so the tests are quick: heads 1 s, bodies 1 s, keep-alive 2 s.
fn quick() -> ConnectionLimits {
    ConnectionLimits::default()
        .header_timeout(Duration::from_secs(1))
        .body_timeout(Duration::from_secs(1))
        .keep_alive_timeout(Duration::from_secs(2))
}

async fn start_with(limits: ConnectionLimits) -> TestServer {
    TestServer::start_with_config(
        actorium_tests::registry(),
        ServerConfig::default().connections(limits),
    )
    .await
    .expect("start the in-process test server")
}

fn addr(endpoint: &str) -> String {
    endpoint.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the socket (EOF or reset) or `limit` passes; what was read
/// and when it closed (`None`: still open at `limit`).
async fn read_until_closed(
    stream: &mut tokio::net::tcp::OwnedReadHalf,
    limit: Duration,
) -> (Vec<u8>, Option<Instant>) {
    let deadline = tokio::time::Instant::now() + limit;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return (got, None),
            Ok(Ok(0)) | Ok(Err(_)) => return (got, Some(Instant::now())),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Writes `bytes` one at a time, `every` apart, until done or the socket fails.
fn trickle(
    mut w: tokio::net::tcp::OwnedWriteHalf,
    bytes: Vec<u8>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for b in bytes {
            if w.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
        // Then hold the socket open without a word.
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
}

/// `/health` and an action through a fresh client succeed.
async fn normal_client_works(base: &str, key: &str) {
    let r = send(http().get(format!("{base}/health"))).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let inc = query_path("counter", key, "/action/increment");
    action(base, &inc, Encoding::Json, vec![int(1)])
        .await
        .expect("an action works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_request_head_is_closed_at_the_header_timeout() {
    let s = start_with(quick()).await;
    let base = s.endpoint();
    let started = Instant::now();
    let stream = TcpStream::connect(addr(&base)).await.unwrap();
    let (mut r, w) = stream.into_split();
    // A valid head, one byte every 200 ms: it would take 8 s.
    let head = b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n".to_vec();
    let writer = trickle(w, head, Duration::from_millis(200));
    // Meanwhile a normal client is served.
    normal_client_works(&base, "slow-head").await;
    let (got, closed) = read_until_closed(&mut r, Duration::from_secs(5)).await;
    writer.abort();
    let closed = closed.expect("the slow head's connection is still open after 5 s");
    let after = closed - started;
    assert!(
        after < Duration::from_millis(2500),
        "closed only after {after:?} (header timeout 1 s)"
    );
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    normal_client_works(&base, "slow-head").await;
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_at_the_header_timeout() {
    let s = start_with(quick()).await;
    let started = Instant::now();
    let stream = TcpStream::connect(addr(&s.endpoint())).await.unwrap();
    let (mut r, _w) = stream.into_split();
    let (_, closed) = read_until_closed(&mut r, Duration::from_secs(5)).await;
    let after = closed.expect("a silent connection is still open after 5 s") - started;
    assert!(
        after < Duration::from_millis(2500),
        "closed after {after:?}"
    );
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_gets_a_timeout_error_and_is_closed() {
    let s = start_with(quick()).await;
    let base = s.endpoint();
    let path = query_path("counter", "slow-body", "/action/increment");
    let stream = TcpStream::connect(addr(&base)).await.unwrap();
    let (mut r, mut w) = stream.into_split();
    let body = br#"{"args":[5]}"#.to_vec();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\nx-rivet-encoding: json\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    w.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // The body, one byte every 300 ms: it would take 3.6 s.
    let writer = trickle(w, body, Duration::from_millis(300));
    normal_client_works(&base, "slow-body-other").await;
    let (got, closed) = read_until_closed(&mut r, Duration::from_secs(5)).await;
    writer.abort();
    let after = closed.expect("the slow body's connection is still open after 5 s") - started;
    assert!(
        after < Duration::from_millis(2500),
        "closed after {after:?} (body timeout 1 s)"
    );
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
    // The cut-off action did not run.
    assert_eq!(count(&base, "slow-body").await, 0);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_at_the_keep_alive_timeout() {
    let s = start_with(quick()).await;
    let stream = TcpStream::connect(addr(&s.endpoint())).await.unwrap();
    let (mut r, mut w) = stream.into_split();
    let get = b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n";
    let mut buf = [0u8; 1024];
    w.write_all(get).await.unwrap();
    let n = r.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    // Idle for longer than the header timeout (1 s) but within keep-alive (2 s): still open.
    tokio::time::sleep(Duration::from_millis(1400)).await;
    w.write_all(get).await.unwrap();
    let n = r.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    let idle_since = Instant::now();
    let (got, closed) = read_until_closed(&mut r, Duration::from_secs(6)).await;
    let after = closed.expect("an idle connection is still open after 6 s") - idle_since;
    assert!(got.is_empty());
    assert!(
        after >= Duration::from_millis(1500) && after < Duration::from_millis(3500),
        "closed after {after:?} idle (keep-alive timeout 2 s)"
    );
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_websocket_is_not_http_idle_and_counts_toward_the_cap() {
    let s = start_with(quick().max_connections(3)).await;
    let base = s.endpoint();
    let url = format!(
        "{}{}",
        ws_url(&base),
        query_path("counter", "ws-quiet", "/connect")
    );
    let enc = Encoding::Json;
    let mut sockets = Vec::new();
    for _ in 0..3 {
        let (mut ws, _) = ws_connect(&url, "rivet,rivet_encoding.json").await;
        assert!(matches!(
            next_msg(&mut ws, enc).await,
            ToClient::Init { .. }
        ));
        sockets.push(ws);
    }
    // Past both HTTP timeouts: the sockets stay.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for (i, ws) in sockets.iter_mut().enumerate() {
        ws_send(
            ws,
            enc,
            ToServer::ActionRequest {
                id: i as u64,
                name: "getCount".into(),
                args: vec![],
            },
        )
        .await;
        assert!(matches!(
            next_msg(ws, enc).await,
            ToClient::ActionResponse { .. }
        ));
    }
    // Three WebSockets fill the cap and none can be evicted: a fourth connection is refused
    // at once with a structured error.
    let started = Instant::now();
    let r = send(http().get(format!("{base}/health"))).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["code"], "too_many_connections", "{}", r.json());
    // One closes: room again.
    drop(sockets.pop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = send(http().get(format!("{base}/health"))).await;
    assert_eq!(r.status, 200);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_silent_connections_make_room_for_real_requests() {
    // Long timeouts: only the cap can help here.
    let limits = ConnectionLimits::default().max_connections(8);
    let s = start_with(limits).await;
    let base = s.endpoint();
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(addr(&base)).await.unwrap());
    }
    let started = Instant::now();
    normal_client_works(&base, "cap").await;
    assert!(started.elapsed() < Duration::from_secs(3));
    // The oldest silent ones were closed for them.
    let mut buf = [0u8; 16];
    let first = tokio::time::timeout(Duration::from_secs(2), silent[0].read(&mut buf)).await;
    assert!(
        matches!(first, Ok(Ok(0)) | Ok(Err(_))),
        "the oldest silent connection is still open"
    );
    s.stop().await.unwrap();
}

/// `prlimit --nofile=N:N test-server serve …` (a process with few file descriptors).
fn start_with_fd_limit(dir: &std::path::Path, nofile: u32, extra: &[&str]) -> ServerProcess {
    let mut command = Command::new("prlimit");
    command
        .arg(format!("--nofile={nofile}:{nofile}"))
        .arg(env!("CARGO_BIN_EXE_test-server"))
        .arg("serve")
        .args(["--host", "127.0.0.1", "--port", "0", "--data-dir"])
        .arg(dir)
        .args(extra)
        .env("RUST_LOG", "error");
    ServerProcess::spawn(&mut command).unwrap_or_else(|e| panic!("{e:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_beyond_the_open_files_limit_does_not_stop_health_or_actions() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_with_fd_limit(dir.path(), 128, &[]);
    let base = p.url().to_string();
    normal_client_works(&base, "flood").await;
    // Twice as many silent connections as the server has descriptors.
    let mut silent = Vec::new();
    for _ in 0..256 {
        match TcpStream::connect(addr(&base)).await {
            Ok(s) => silent.push(s),
            Err(e) => panic!("connect: {e}"),
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for round in 0..3 {
        let started = Instant::now();
        let health = tokio::time::timeout(
            Duration::from_secs(5),
            send(http().get(format!("{base}/health"))),
        )
        .await
        .unwrap_or_else(|_| panic!("round {round}: /health did not answer within 5 s"));
        assert_eq!(health.status, 200, "round {round}");
        let inc = query_path("counter", "flood", "/action/increment");
        let Ok(done) = tokio::time::timeout(
            Duration::from_secs(5),
            action(&base, &inc, Encoding::Json, vec![int(1)]),
        )
        .await
        else {
            panic!("round {round}: the action did not answer within 5 s");
        };
        done.expect("the action works");
        assert!(started.elapsed() < Duration::from_secs(5));
        // More silent connections between rounds.
        for _ in 0..64 {
            if let Ok(s) = TcpStream::connect(addr(&base)).await {
                silent.push(s);
            }
        }
    }
    assert_eq!(count(&base, "flood").await, 4);
    drop(silent);
    let status = p.terminate();
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_stalled_body_finishes_within_the_shutdown_deadline() {
    let dir = tempfile::tempdir().unwrap();
    // The body timeout is long: only the shutdown deadline can end the stalled request.
    let extra = [
        "--shutdown-timeout-ms",
        "1500",
        "--body-timeout-ms",
        "60000",
    ];
    let mut p = start_process(dir.path(), &extra);
    let base = p.url().to_string();
    let inc = query_path("counter", "stalled", "/action/increment");
    for _ in 0..3 {
        action(&base, &inc, Encoding::Json, vec![int(2)])
            .await
            .unwrap();
    }
    // A request whose body never completes.
    let mut stalled = TcpStream::connect(addr(&base)).await.unwrap();
    let head = format!(
        "POST {inc} HTTP/1.1\r\nhost: x\r\nx-rivet-encoding: json\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"args\":"
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    actorium_test_support::signal(i64::from(p.pid()), "TERM");
    let status = p
        .wait_timeout(Duration::from_secs(6))
        .expect("the server still runs 6 s after SIGTERM (shutdown timeout 1.5 s)");
    assert!(status.success(), "{status}\n{}", p.output());
    assert!(
        started.elapsed() < Duration::from_millis(4500),
        "stopped after {:?}",
        started.elapsed()
    );
    drop(stalled);
    let p = start_process(dir.path(), &[]);
    assert_eq!(count(p.url(), "stalled").await, 6);
    p.kill();
}
