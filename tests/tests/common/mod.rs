//! Shared helpers of the `server_*` tests: the test actors on an in-process [`TestServer`] or in
//! the `test-server` binary as a [`ServerProcess`] (both from `actorium-test-support`), raw HTTP
//! and WebSocket helpers.

#![allow(dead_code, unused_imports)] // each test file uses part of it

use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub use actorium_test_support::{ServerProcess, TestServer, ws_url};

use actorium_protocol::{Encoding, ToClient, ToServer, Value, WireError};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The test actors (`actorium_tests::registry()`) served in-process on memory storage.
pub async fn start() -> TestServer {
    TestServer::start(actorium_tests::registry())
        .await
        .expect("start the in-process test server")
}

/// `/gateway/{name}{path}?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=…`
pub fn query_path(name: &str, key: &str, path: &str) -> String {
    format!(
        "/gateway/{name}{path}?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key={key}&rvt-crash-policy=sleep"
    )
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

/// A response: status, content type, body.
pub struct Resp {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as an error in the response's content type.
    pub fn error(&self, sent: Encoding) -> WireError {
        let enc = if self.content_type.contains("application/json") {
            Encoding::Json
        } else {
            sent
        };
        WireError::decode_http(enc, &self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body {:?} is not an error ({e})",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

pub async fn send(req: reqwest::RequestBuilder) -> Resp {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = r.bytes().await.unwrap().to_vec();
    Resp {
        status,
        content_type,
        body,
    }
}

/// POSTs raw `body` to an action in `encoding`.
pub async fn post_raw(base: &str, path: &str, encoding: &str, body: Vec<u8>) -> Resp {
    send(
        http()
            .post(format!("{base}{path}"))
            .header("x-rivet-encoding", encoding)
            .header(
                "content-type",
                if encoding == "json" {
                    "application/json"
                } else {
                    "application/octet-stream"
                },
            )
            .body(body),
    )
    .await
}

/// Calls an action over HTTP in `encoding`; the output, or the error.
pub async fn action(
    base: &str,
    path: &str,
    encoding: Encoding,
    args: Vec<Value>,
) -> Result<Value, WireError> {
    let body = actorium_protocol::HttpActionRequest { args }
        .encode(encoding)
        .unwrap();
    let r = post_raw(base, path, encoding.as_str(), body).await;
    if r.status == 200 {
        Ok(
            actorium_protocol::HttpActionResponse::decode(encoding, &r.body)
                .unwrap()
                .output,
        )
    } else {
        Err(r.error(encoding))
    }
}

/// Like [`action`], but a transport failure (server gone) is `None`.
pub async fn try_action(
    base: &str,
    path: &str,
    encoding: Encoding,
    args: Vec<Value>,
) -> Option<Result<Value, WireError>> {
    let body = actorium_protocol::HttpActionRequest { args }
        .encode(encoding)
        .unwrap();
    let r = http()
        .post(format!("{base}{path}"))
        .header("x-rivet-encoding", encoding.as_str())
        .body(body)
        .send()
        .await
        .ok()?;
    let ok = r.status().is_success();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = r.bytes().await.ok()?;
    Some(if ok {
        Ok(
            actorium_protocol::HttpActionResponse::decode(encoding, &body)
                .unwrap()
                .output,
        )
    } else {
        Err(Resp {
            status: 0,
            content_type: ct,
            body: body.to_vec(),
        }
        .error(encoding))
    })
}

/// `counter.getCount()` of the counter with `key` (JSON).
pub async fn count(base: &str, key: &str) -> i64 {
    match action(
        base,
        &query_path("counter", key, "/action/getCount"),
        Encoding::Json,
        vec![],
    )
    .await
    .unwrap()
    {
        Value::Integer(i) => i64::try_from(i).unwrap(),
        other => panic!("getCount returned {other:?}"),
    }
}

pub fn int(n: i64) -> Value {
    Value::Integer(n.into())
}

// ---------------------------------------------------------------------------------------------
// WebSocket

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens `/connect` with the given subprotocols; returns the socket and the selected protocol.
pub async fn ws_connect(url: &str, protocols: &str) -> (Ws, Option<String>) {
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", protocols.parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    let selected = resp
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (ws, selected)
}

pub enum Frame {
    Msg(ToClient),
    Close(u16, String),
}

/// The next message or close frame (5 s timeout).
pub async fn next(ws: &mut Ws, encoding: Encoding) -> Frame {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("no frame within 5 s")
            .expect("socket ended without a close frame")
            .expect("socket error");
        match msg {
            Message::Text(t) => {
                return Frame::Msg(ToClient::decode(encoding, t.as_bytes()).unwrap());
            }
            Message::Binary(b) => return Frame::Msg(ToClient::decode(encoding, &b).unwrap()),
            Message::Close(Some(c)) => return Frame::Close(c.code.into(), c.reason.to_string()),
            Message::Close(None) => return Frame::Close(1005, String::new()),
            _ => continue,
        }
    }
}

pub async fn next_msg(ws: &mut Ws, encoding: Encoding) -> ToClient {
    match next(ws, encoding).await {
        Frame::Msg(m) => m,
        Frame::Close(code, reason) => panic!("closed {code} {reason}"),
    }
}

pub async fn ws_send(ws: &mut Ws, encoding: Encoding, msg: ToServer) {
    let bytes = msg.encode(encoding).unwrap();
    let frame = if encoding == Encoding::Json {
        Message::Text(String::from_utf8(bytes).unwrap().into())
    } else {
        Message::Binary(bytes.into())
    };
    ws.send(frame).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// The test-server binary

/// Starts `test-server serve --host 127.0.0.1 --port 0 --data-dir DIR [extra…]` and waits for
/// its address.
pub fn start_process(data_dir: &Path, extra: &[&str]) -> ServerProcess {
    start_process_bin(env!("CARGO_BIN_EXE_test-server"), data_dir, extra)
}

/// Like [`start_process`], with another build of the binary.
pub fn start_process_bin(bin: &str, data_dir: &Path, extra: &[&str]) -> ServerProcess {
    let mut command = Command::new(bin);
    command
        .arg("serve")
        .args(["--host", "127.0.0.1", "--port", "0", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .env("RUST_LOG", "warn");
    ServerProcess::spawn(&mut command).unwrap_or_else(|e| panic!("{e:#}"))
}
