//! The accept loop: one hyper HTTP/1.1 connection per socket (WebSocket upgrades included)
//! serving the router, under the front door's connection limits.
//!
//! - **Header timeout**: a request head must be complete within it, counted from accept or
//!   from the first byte of a request that follows a keep-alive pause; else the socket closes.
//! - **Body timeout**: a request body must arrive within it ([`TimeoutBody`]); the action gets
//!   `guard.request_timeout` (408) and the connection closes (the rest of the body is unread).
//! - **Keep-alive timeout**: a connection with no request for that long closes. A request in
//!   flight is never timed out here (the host's action timeout covers it); an upgraded
//!   WebSocket is not subject to any of these (`http/ws` watches it).
//! - **Cap**: at most `max_connections` sockets (WebSockets included). At the cap a new
//!   socket is served if the oldest socket without a complete request head, else the oldest
//!   idle keep-alive socket, can be closed for it; otherwise it gets a canned 503
//!   `guard.too_many_connections` (after its request head, within a second) and is closed. `EMFILE` on accept evicts the same way
//!   and pauses 10–100 ms instead of spinning.
//! - **Shutdown**: stop accepting, close idle sockets, let requests in flight finish for up to
//!   the shutdown timeout, then drop what is left.
//!
//! The timers are our own rather than hyper's `header_read_timeout`, which starts again as soon
//! as a response is written and so would also be the keep-alive timeout; each socket's task
//! sleeps until its own next deadline.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tower::Service as _;

use super::ConnectionLimits;
use super::body::TimeoutBody;
use super::connections::{
    Admission, ConnState, Connections, Phase, Stop, Tracked, deadline_ms, effective_cap, now_ms,
};

/// Serves `router` on `listener` until `shutdown` resolves, then drains the connections within
/// `limits.shutdown_timeout`.
pub(crate) async fn run(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let (cap, reserve) = effective_cap(limits.max_connections);
    if cap < limits.max_connections {
        tracing::info!(
            cap,
            configured = limits.max_connections,
            "connection cap lowered to fit the open-files limit (raise `ulimit -n` for more)"
        );
    }
    let table = Connections::new(cap, reserve / 2);
    let refusal = Arc::new(refusal_response());
    let refusing = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match table.admit() {
                    Admission::Admitted(conn) => {
                        let io = Tracked::new(stream, conn.clone(), table.clone());
                        tasks.spawn(serve_one(io, conn, router.clone(), limits.clone()));
                    }
                    Admission::Refused => refuse(stream, &refusal, &refusing),
                },
                Err(e) => accept_failed(e, &table).await,
            },
        }
    }
    drop(listener);
    table.stop_all();
    let drained = tokio::time::timeout(limits.shutdown_timeout, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = tasks.len(),
            timeout_ms = limits.shutdown_timeout.as_millis() as u64,
            "dropping connections still busy at the shutdown deadline"
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

/// One HTTP/1.1 connection: hyper with upgrades, watched for its timeouts and the server's
/// requests to stop.
async fn serve_one(
    io: Tracked<TcpStream>,
    conn: Arc<ConnState>,
    router: Router,
    limits: ConnectionLimits,
) {
    let body_timeout = limits.body_timeout;
    let state = conn.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let state = state.clone();
        let mut router = router.clone();
        state.busy();
        let req = req.map(|b| Body::new(TimeoutBody::new(b, body_timeout)));
        async move {
            let resp = router.call(req).await;
            if let Ok(resp) = &resp {
                state.responded(resp.status() == StatusCode::SWITCHING_PROTOCOLS);
            }
            resp
        }
    });
    let mut http = http1::Builder::new();
    http.keep_alive(true);
    let served = http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    let mut served = std::pin::pin!(served);
    let header = limits.header_timeout;
    let idle = limits.keep_alive_timeout;
    // While a request is served there is no deadline; look again after this long.
    let recheck = header.min(idle);
    let sleep = tokio::time::sleep(header);
    let mut sleep = std::pin::pin!(sleep);
    loop {
        tokio::select! {
            biased;
            result = served.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = conn.wake.notified() => match conn.stop() {
                Stop::Now => return,
                Stop::Graceful => match conn.phase().0 {
                    Phase::Head | Phase::Idle => return,
                    Phase::Busy | Phase::Upgraded => served.as_mut().graceful_shutdown(),
                },
                Stop::No => {}
            },
            () = &mut sleep => {
                let (phase, since) = conn.phase();
                let now = now_ms();
                match deadline_ms(phase, since, header, idle) {
                    Some(at) if at <= now => {
                        tracing::debug!(?phase, "closing a connection at its timeout");
                        return;
                    }
                    Some(at) => sleep
                        .as_mut()
                        .reset(tokio::time::Instant::now() + Duration::from_millis(at - now)),
                    None => sleep.as_mut().reset(tokio::time::Instant::now() + recheck),
                }
            }
        }
    }
}

/// The bytes of the answer to a connection over the cap: a JSON `guard.too_many_connections`.
fn refusal_response() -> Vec<u8> {
    let e = actorium_protocol::WireError::too_many_connections();
    let body = e
        .encode_http(actorium_protocol::Encoding::Json)
        .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\nretry-after: 1\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Answers a socket over the cap with the canned 503 once its request head is in (a response
/// sent before the request confuses clients), waiting at most a second, then closes it. At
/// most `MAX_REFUSING` sockets wait like this; beyond them a socket is closed at once.
fn refuse(stream: TcpStream, refusal: &Arc<Vec<u8>>, refusing: &Arc<AtomicUsize>) {
    if refusing.fetch_add(1, Ordering::AcqRel) >= MAX_REFUSING {
        refusing.fetch_sub(1, Ordering::AcqRel);
        tracing::debug!("closed a connection over the cap");
        return;
    }
    let (refusal, refusing) = (refusal.clone(), refusing.clone());
    tokio::spawn(async move {
        let mut stream = stream;
        let mut head = [0u8; 4096];
        let mut got = 0;
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while got < head.len() {
                match stream.read(&mut head[got..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got += n,
                }
                if head[..got].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        })
        .await;
        let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&refusal)).await;
        let _ = stream.shutdown().await;
        refusing.fetch_sub(1, Ordering::AcqRel);
        tracing::debug!("refused a connection over the cap");
    });
}

/// Most sockets over the cap answered at once (each waits at most two seconds).
const MAX_REFUSING: usize = 16;

/// After a failed accept: out of descriptors (or memory), make room and pause briefly; a
/// connection that failed before it was accepted is not the server's problem.
async fn accept_failed(e: io::Error, table: &Connections) {
    use io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock
    ) {
        return;
    }
    let evicted = table.evict_one();
    tracing::warn!(
        error = %e,
        open = table.len(),
        evicted,
        "accept failed (raise `ulimit -n`, or lower --max-connections)"
    );
    let pause = if evicted { 10 } else { 100 };
    tokio::time::sleep(Duration::from_millis(pause)).await;
}
