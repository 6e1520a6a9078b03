//! The load generator every system faces: HTTP/1.1 keep-alive connections (hyper, one per
//! caller) and WebSocket connections (tokio-tungstenite, one per caller), speaking the
//! RivetKit client protocol in the `json` encoding (HTTP actions and WebSocket connections).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::stats::Samples;

/// `http://127.0.0.1:PORT` → its socket address.
pub fn addr_of(endpoint: &str) -> Result<SocketAddr> {
    let hostport = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("endpoint must be http://HOST:PORT, got {endpoint}"))?
        .trim_end_matches('/');
    hostport
        .parse()
        .with_context(|| format!("endpoint {endpoint} is not HOST:PORT"))
}

/// The query-gateway path of an actor (`getOrCreate`, as the official client's
/// `client.NAME.getOrCreate(key)` handles send on every call), with `actor_path` appended.
pub fn gateway_path(name: &str, key: &str, actor_path: &str) -> String {
    format!(
        "/gateway/{name}{actor_path}?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key={key}&rvt-crash-policy=sleep"
    )
}

/// One HTTP/1.1 keep-alive connection.
pub struct HttpConn {
    sender: http1::SendRequest<Full<Bytes>>,
    host: String,
}

/// A response: status and body.
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// Body bytes.
    pub body: Bytes,
}

impl Reply {
    /// The body as text (lossy), for error messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(300)
            .collect()
    }
}

impl HttpConn {
    /// Opens a connection to `addr`.
    pub async fn connect(addr: SocketAddr) -> Result<HttpConn> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(HttpConn {
            sender,
            host: addr.to_string(),
        })
    }

    /// Sends one request and reads the whole response.
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Bytes,
        json: bool,
    ) -> Result<Reply> {
        self.request_as(method, path, body, json.then_some("json"))
            .await
    }

    /// Sends one request with `x-rivet-encoding: ENCODING` when given (a `bare` or `cbor` body
    /// goes as `application/octet-stream`) and reads the whole response.
    pub async fn request_as(
        &mut self,
        method: Method,
        path: &str,
        body: Bytes,
        encoding: Option<&str>,
    ) -> Result<Reply> {
        let content_type = match encoding {
            Some("bare" | "cbor") => "application/octet-stream",
            _ => "application/json",
        };
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, &self.host)
            .header(hyper::header::CONTENT_TYPE, content_type);
        if let Some(encoding) = encoding {
            req = req.header("x-rivet-encoding", encoding);
        }
        let req = req.body(Full::new(body))?;
        self.sender.ready().await?;
        let resp = self.sender.send_request(req).await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok(Reply { status, body })
    }

    /// `POST {path}` with a JSON action body (`{"args":[...]}`).
    pub async fn action(&mut self, path: &str, body: &'static [u8]) -> Result<Reply> {
        self.request(Method::POST, path, Bytes::from_static(body), true)
            .await
    }
}

/// One HTTP action, checked: status 200 and a `{"output":…}` body.
pub async fn checked_action(conn: &mut HttpConn, path: &str, body: &'static [u8]) -> Result<()> {
    let r = conn.action(path, body).await?;
    if r.status != StatusCode::OK || !r.body.starts_with(b"{\"output\"") {
        bail!("{} {}", r.status, r.text());
    }
    Ok(())
}

/// Runs `callers` closed-loop HTTP callers for `warmup + window`: caller `i` posts `body` to
/// `paths[i % paths.len()]` on its own connection, one request at a time; only requests sent
/// after the warm-up are recorded.
pub async fn http_closed_loop(
    addr: SocketAddr,
    paths: &[String],
    body: &'static [u8],
    callers: usize,
    warmup: Duration,
    window: Duration,
) -> Result<Samples> {
    let mut conns = Vec::with_capacity(callers);
    for _ in 0..callers {
        conns.push(HttpConn::connect(addr).await?);
    }
    let start = Instant::now() + warmup;
    let deadline = start + window;
    let mut tasks = Vec::with_capacity(callers);
    for (i, mut conn) in conns.into_iter().enumerate() {
        let path = paths[i % paths.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut s = Samples::default();
            let mut last_done = start;
            loop {
                let t0 = Instant::now();
                if t0 >= deadline {
                    break;
                }
                let r = checked_action(&mut conn, &path, body).await;
                let t1 = Instant::now();
                let broken = matches!(&r, Err(e) if e.downcast_ref::<hyper::Error>().is_some());
                if t0 >= start {
                    last_done = t1;
                    match r {
                        Ok(()) => s.latencies_us.push((t1 - t0).as_micros() as u32),
                        Err(e) => {
                            if s.errors == 0 {
                                tracing::warn!(error = %e, "HTTP action failed");
                            }
                            s.errors += 1;
                        }
                    }
                }
                if broken {
                    break;
                }
            }
            s.elapsed = last_done.saturating_duration_since(start);
            s
        }));
    }
    let mut all = Samples::default();
    for t in tasks {
        all.merge(t.await?);
    }
    Ok(all)
}

/// A WebSocket connection to an actor (`/connect`, `json` encoding), past its `Init`.
pub struct WsConn {
    stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl WsConn {
    /// Connects to `{endpoint}{path}` (a gateway `/connect` path) and waits for `Init`.
    pub async fn connect(endpoint: &str, path: &str) -> Result<WsConn> {
        let url = format!("ws{}{path}", endpoint.trim_start_matches("http"));
        let mut req = url.as_str().into_client_request()?;
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "rivet, rivet_encoding.json".parse()?,
        );
        let (stream, _) = tokio_tungstenite::connect_async_with_config(req, None, true)
            .await
            .with_context(|| format!("WebSocket connect to {url}"))?;
        let mut ws = WsConn { stream, next_id: 0 };
        let first = ws.next_text().await?;
        if !first.contains("\"Init\"") {
            bail!("expected Init, got {first}");
        }
        Ok(ws)
    }

    /// The next text frame.
    pub async fn next_text(&mut self) -> Result<String> {
        loop {
            match self.stream.next().await {
                Some(Ok(Message::Text(t))) => return Ok(t.to_string()),
                Some(Ok(Message::Binary(b))) => {
                    return Ok(String::from_utf8_lossy(&b).into_owned());
                }
                Some(Ok(Message::Close(c))) => bail!("WebSocket closed: {c:?}"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => bail!("WebSocket ended"),
            }
        }
    }

    /// Sends an `ActionRequest` without waiting; returns its id.
    pub async fn send_action(&mut self, name: &str, args_json: &str) -> Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let msg = format!(
            r#"{{"body":{{"tag":"ActionRequest","val":{{"id":["$BigInt","{id}"],"name":"{name}","args":{args_json}}}}}}}"#
        );
        self.stream.send(Message::Text(msg.into())).await?;
        Ok(id)
    }

    /// Sends a `SubscriptionRequest`.
    pub async fn subscribe(&mut self, event: &str) -> Result<()> {
        let msg = format!(
            r#"{{"body":{{"tag":"SubscriptionRequest","val":{{"eventName":"{event}","subscribe":true}}}}}}"#
        );
        self.stream.send(Message::Text(msg.into())).await?;
        Ok(())
    }

    /// One action, waiting for its `ActionResponse` (events in between are skipped).
    pub async fn action(&mut self, name: &str, args_json: &str) -> Result<()> {
        self.send_action(name, args_json).await?;
        loop {
            let t = self.next_text().await?;
            if t.contains("\"ActionResponse\"") {
                return Ok(());
            }
            if t.contains("\"Error\"") {
                bail!("action error: {t}");
            }
        }
    }

    /// Waits for the next `Event` frame.
    pub async fn next_event(&mut self) -> Result<String> {
        loop {
            let t = self.next_text().await?;
            if t.contains("\"Event\"") {
                return Ok(t);
            }
        }
    }

    /// Closes the connection (best effort).
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// What each caller of [`ws_closed_loop`] sends, one at a time.
#[derive(Debug, Clone, Copy)]
pub enum WsRequest {
    /// A RivetKit action on a `/connect` connection (after `Init`), answered by its
    /// `ActionResponse`.
    Action(&'static str),
    /// A text message on a raw WebSocket (`{gateway}/websocket/`, after its greeting),
    /// answered by one text message.
    Raw(&'static str),
}

impl WsConn {
    /// Opens a raw WebSocket at `{endpoint}{path}` and reads its greeting.
    pub async fn connect_raw(endpoint: &str, path: &str) -> Result<WsConn> {
        let url = format!("ws{}{path}", endpoint.trim_start_matches("http"));
        let (stream, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .with_context(|| format!("raw WebSocket connect to {url}"))?;
        let mut conn = WsConn { stream, next_id: 0 };
        conn.next_text().await?;
        Ok(conn)
    }

    /// Sends `request` and waits for its answer.
    async fn request(&mut self, request: WsRequest) -> Result<()> {
        match request {
            WsRequest::Action(name) => self.action(name, "[]").await,
            WsRequest::Raw(text) => {
                self.stream.send(Message::Text(text.into())).await?;
                self.next_text().await.map(drop)
            }
        }
    }
}

/// Like [`http_closed_loop`], over one WebSocket per caller: caller `i` opens one to
/// `paths[i % len]` (a `/connect` path for actions, a `/websocket/` path for raw requests) and
/// sends `request` one at a time.
pub async fn ws_closed_loop(
    endpoint: &str,
    paths: &[String],
    request: WsRequest,
    callers: usize,
    warmup: Duration,
    window: Duration,
) -> Result<Samples> {
    let mut conns = Vec::with_capacity(callers);
    for i in 0..callers {
        let path = &paths[i % paths.len()];
        conns.push(match request {
            WsRequest::Action(_) => WsConn::connect(endpoint, path).await?,
            WsRequest::Raw(_) => WsConn::connect_raw(endpoint, path).await?,
        });
    }
    let start = Instant::now() + warmup;
    let deadline = start + window;
    let mut tasks = Vec::with_capacity(callers);
    for mut conn in conns {
        tasks.push(tokio::spawn(async move {
            let mut s = Samples::default();
            let mut last_done = start;
            loop {
                let t0 = Instant::now();
                if t0 >= deadline {
                    break;
                }
                let r = conn.request(request).await;
                let t1 = Instant::now();
                if t0 >= start {
                    last_done = t1;
                    match r {
                        Ok(()) => s.latencies_us.push((t1 - t0).as_micros() as u32),
                        Err(e) => {
                            tracing::warn!(error = %e, "WebSocket request failed");
                            s.errors += 1;
                            break;
                        }
                    }
                }
            }
            conn.close().await;
            s.elapsed = last_done.saturating_duration_since(start);
            s
        }));
    }
    let mut all = Samples::default();
    for t in tasks {
        all.merge(t.await?);
    }
    Ok(all)
}
