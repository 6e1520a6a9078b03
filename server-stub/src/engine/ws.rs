//! WebSocket connections tunneled by the engine (`/connect`): the same connection loop as the
//! bundled server ([`crate::http::ws::run`]) over the envoy's tunnel.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use rivet_envoy_client::config::{WebSocketHandler, WebSocketSender};
use tokio::sync::mpsc;

use crate::host::Host;
use crate::http::ws::{FrameIo, Offer};
use crate::http::{AppState, ServerConfig};

/// One tunneled socket: frames in from the envoy's `on_message`, out through its sender.
struct Tunnel {
    rx: mpsc::UnboundedReceiver<Message>,
    sender: WebSocketSender,
    closed: bool,
}

impl FrameIo for Tunnel {
    async fn recv_frame(&mut self) -> Option<Message> {
        if self.closed {
            return None;
        }
        match self.rx.recv().await {
            None | Some(Message::Close(_)) => {
                self.closed = true;
                None
            }
            frame => frame,
        }
    }

    async fn send_frame(&mut self, frame: Message) -> bool {
        if self.closed {
            return false;
        }
        match frame {
            Message::Text(t) => self.sender.send(t.as_bytes().to_vec(), false),
            Message::Binary(b) => self.sender.send(b.to_vec(), true),
            Message::Close(c) => {
                let (code, reason) = match c {
                    Some(CloseFrame { code, reason }) => (Some(code), Some(reason.to_string())),
                    None => (None, None),
                };
                self.sender.close(code, reason);
                self.closed = true;
            }
            Message::Ping(_) | Message::Pong(_) => {}
        }
        true
    }
}

fn header_map(headers: &HashMap<String, String>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            map.append(k, v);
        }
    }
    map
}

/// The upgrade request of a tunnelled raw WebSocket as the actor sees it: its own path (after
/// `/websocket`) and query, the client's headers.
fn raw_head(
    route: &str,
    query: Option<&str>,
    headers: &HashMap<String, String>,
) -> anyhow::Result<Arc<crate::actor::Request>> {
    let uri = crate::http::raw::route_uri(route, query, "/websocket")
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let mut head = axum::http::Request::new(());
    *head.uri_mut() = uri;
    *head.headers_mut() = header_map(headers);
    Ok(Arc::new(crate::actor::Request::new(head.into_parts().0)))
}

pub(crate) async fn open(
    host: Host,
    actor_id: String,
    path: String,
    headers: HashMap<String, String>,
    _sender: WebSocketSender,
) -> anyhow::Result<WebSocketHandler> {
    let (route, query) = match path.split_once('?') {
        Some((r, q)) => (r.to_string(), Some(q.to_string())),
        None => (path.clone(), None),
    };
    let raw = route == "/websocket" || route.starts_with("/websocket/");
    if route != "/connect" && !raw {
        anyhow::bail!("WebSocket path `{path}` is not supported (`/connect`, `/websocket/...`)");
    }
    let head = raw
        .then(|| raw_head(&route, query.as_deref(), &headers))
        .transpose()?;
    let (tx, rx) = mpsc::unbounded_channel::<Message>();
    let offer = Offer::parse(&header_map(&headers));
    let on_message_tx = tx.clone();
    let on_close_tx = std::sync::Mutex::new(Some(tx));
    let rx = std::sync::Mutex::new(Some(rx));
    let offer = std::sync::Mutex::new(Some(offer));
    Ok(WebSocketHandler {
        on_message: Box::new(move |m| {
            let frame = if m.binary {
                Message::Binary(m.data.into())
            } else {
                match String::from_utf8(m.data) {
                    Ok(t) => Message::Text(t.into()),
                    Err(e) => Message::Binary(e.into_bytes().into()),
                }
            };
            let _ = on_message_tx.send(frame);
            Box::pin(async {})
        }),
        on_close: Box::new(move |_code, _reason| {
            // Ends the connection loop's input.
            if let Some(tx) = crate::sync::lock(&on_close_tx).take() {
                let _ = tx.send(Message::Close(None));
            }
            Box::pin(async {})
        }),
        on_open: Some(Box::new(move |sender: WebSocketSender| {
            let rx = crate::sync::lock(&rx).take();
            let offer = crate::sync::lock(&offer).take();
            if let (Some(rx), Some(offer)) = (rx, offer) {
                tokio::spawn(async move {
                    let mut tunnel = Tunnel {
                        rx,
                        sender,
                        closed: false,
                    };
                    let meta = match host.actor(&actor_id).await {
                        Ok(m) => m,
                        Err(e) => {
                            let reason = e.close_reason();
                            tunnel
                                .send_frame(Message::Close(Some(CloseFrame {
                                    code: 1011,
                                    reason: reason.into(),
                                })))
                                .await;
                            return;
                        }
                    };
                    let app = Arc::new(AppState {
                        host,
                        config: ServerConfig::default(),
                    });
                    match head {
                        Some(head) => {
                            let params = offer.into_params();
                            crate::http::raw_ws::run(tunnel, app, meta, params, head).await;
                        }
                        None => crate::http::ws::run(tunnel, app, meta, offer).await,
                    }
                });
            }
            Box::pin(async {})
        })),
    })
}
