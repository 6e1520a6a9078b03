//! Raw WebSockets to an actor's `on_websocket` (RivetKit's `handle.webSocket`):
//! [`ActorHandle::websocket`] opens `{gateway}/websocket/{path}` and returns a [`RawWebSocket`],
//! a `Stream` of the actor's messages and a `Sink` of yours. Frames are the actor's own
//! protocol: nothing of RivetKit's framing is added.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actorium_protocol::Encoding;
use bytes::Bytes;
use futures_util::{Sink, Stream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::connection::{handshake_error, subprotocols};
use crate::endpoint::ws_base;
use crate::error::CallError;
use crate::handle::ActorHandle;
use crate::tls::Ws;

/// A raw WebSocket message: text or binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsMessage {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Bytes),
}

impl From<&str> for WsMessage {
    fn from(t: &str) -> Self {
        WsMessage::Text(t.to_string())
    }
}

impl From<String> for WsMessage {
    fn from(t: String) -> Self {
        WsMessage::Text(t)
    }
}

impl From<Vec<u8>> for WsMessage {
    fn from(b: Vec<u8>) -> Self {
        WsMessage::Binary(b.into())
    }
}

/// A raw WebSocket to an actor (see the module docs). The stream ends when the socket closes;
/// [`RawWebSocket::close_frame`] then says how (e.g. `1011` with the actor's `group.code` when
/// `on_before_connect` or `on_websocket` refused it).
#[derive(Debug)]
pub struct RawWebSocket {
    ws: Ws,
    closed: Option<(u16, String)>,
}

impl RawWebSocket {
    /// The close code and reason the server sent, once the stream has ended.
    pub fn close_frame(&self) -> Option<(u16, &str)> {
        self.closed.as_ref().map(|(c, r)| (*c, r.as_str()))
    }

    /// Closes the socket with `code` and `reason`.
    pub async fn close(mut self, code: u16, reason: &str) -> Result<(), CallError> {
        let frame = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        self.ws
            .close(Some(frame))
            .await
            .map_err(|e| CallError::transport("closing the raw WebSocket failed", e))
    }
}

impl Stream for RawWebSocket {
    type Item = Result<WsMessage, CallError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let next = ready!(Pin::new(&mut self.ws).poll_next(cx));
            return Poll::Ready(match next {
                Some(Ok(Message::Text(t))) => Some(Ok(WsMessage::Text(t.to_string()))),
                Some(Ok(Message::Binary(b))) => Some(Ok(WsMessage::Binary(b))),
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    self.closed = Some((code, reason));
                    None
                }
                Some(Ok(_)) => continue,
                Some(Err(tungstenite::Error::ConnectionClosed)) | None => None,
                Some(Err(e)) => Some(Err(CallError::transport("raw WebSocket failed", e))),
            });
        }
    }
}

impl Sink<WsMessage> for RawWebSocket {
    type Error = CallError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), CallError>> {
        Pin::new(&mut self.ws).poll_ready(cx).map_err(send_error)
    }

    fn start_send(mut self: Pin<&mut Self>, item: WsMessage) -> Result<(), CallError> {
        let frame = match item {
            WsMessage::Text(t) => Message::Text(t.into()),
            WsMessage::Binary(b) => Message::Binary(b),
        };
        Pin::new(&mut self.ws).start_send(frame).map_err(send_error)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), CallError>> {
        Pin::new(&mut self.ws).poll_flush(cx).map_err(send_error)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), CallError>> {
        Pin::new(&mut self.ws).poll_close(cx).map_err(send_error)
    }
}

fn send_error(e: tungstenite::Error) -> CallError {
    CallError::transport("sending on the raw WebSocket failed", e)
}

impl ActorHandle {
    /// Opens a raw WebSocket to the actor's `on_websocket` at `path` (its own path and query,
    /// e.g. `/chat?room=1`), with the handle's connection params and the client's token and
    /// headers; resolves (or creates) the actor first. A refusal by the actor shows as a socket
    /// that closes at once ([`RawWebSocket::close_frame`]); a failed upgrade is an error.
    ///
    /// ```no_run
    /// # async fn demo(h: actorium::client::ActorHandle) -> Result<(), actorium::CallError> {
    /// use actorium::client::raw_ws::WsMessage;
    /// use futures_util::{SinkExt, StreamExt};
    /// let mut socket = h.websocket("/chat").await?;
    /// socket.send(WsMessage::from("hello")).await?;
    /// let reply = socket.next().await;
    /// # Ok(()) }
    /// ```
    pub async fn websocket(&self, path: &str) -> Result<RawWebSocket, CallError> {
        let inner = &self.client().inner;
        let config = inner.config()?;
        let resolved = inner.resolved().await?;
        let (route, query) = match path.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (path, None),
        };
        let route = format!("/websocket/{}", route.trim_start_matches('/'));
        let target = self.query().gateway_target(config, &resolved)?;
        let path = target
            .path_and_query(&route)
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        let mut url = format!("{}{path}", ws_base(&resolved.endpoint));
        if let Some(query) = query {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(query);
        }
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| CallError::InvalidRequest(format!("bad WebSocket URL {url}: {e}")))?;
        // As the official client: `rivet, rivet_encoding.bare[, rivet_conn_params.…]`.
        let protocols = subprotocols(Encoding::Bare, self.params())?;
        let headers = request.headers_mut();
        headers.insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(&protocols).map_err(|e| {
                CallError::InvalidRequest(format!("connection params do not fit a header: {e}"))
            })?,
        );
        for (name, value) in &config.headers {
            if let (Ok(n), Ok(v)) = (
                tungstenite::http::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(n, v);
            }
        }
        let ws = tokio::time::timeout(config.connect_timeout, inner.tls.connect_ws(request))
            .await
            .map_err(|_| {
                CallError::transport_msg(format!(
                    "no WebSocket upgrade within {:?} from {url}",
                    config.connect_timeout
                ))
            })?
            .map_err(handshake_error)?;
        Ok(RawWebSocket { ws, closed: None })
    }
}
