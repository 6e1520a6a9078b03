//! `/connect`: one WebSocket connection to an actor (spec section 7).
//!
//! The server selects subprotocol `rivet`, asks the actor to admit the connection
//! (`on_before_connect`, `create_conn_state`, `on_connect`), sends `Init` first, then relays
//! `ActionRequest`/`SubscriptionRequest` to the actor and its `ActionResponse`/`Event`/`Error`
//! back. A rejected connection gets `Error{actionId: null}` and close `1011 group.code`; a
//! malformed frame gets the same with `actor.invalid_request`.

use std::future::Future;
use std::sync::Arc;

use actorium_protocol::{Encoding, ToClient, ToServer, Value, WireError, catalogue, compat};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{HeaderMap, header};
use percent_encoding::percent_decode_str;
use tokio::sync::mpsc;

use super::App;
use super::errors::escape_error;
use super::values::{escape, revive_args, specifier};
use crate::actor::effects::ConnOut;
use crate::meta::ActorMeta;

/// What the client offered in `Sec-WebSocket-Protocol`.
pub(crate) struct Offer {
    encoding: Result<Encoding, String>,
    params: Result<Option<Value>, String>,
    /// The upgrade request (for `Ctx::request` in the admission hooks).
    pub(crate) request: Option<Arc<crate::actor::Request>>,
}

impl Offer {
    pub(crate) fn parse(headers: &HeaderMap) -> Offer {
        let mut offer = Offer {
            encoding: Ok(Encoding::Json),
            params: Ok(None),
            request: None,
        };
        let protocols = headers
            .get_all(header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim);
        for p in protocols {
            if let Some(e) = p.strip_prefix("rivet_encoding.") {
                offer.encoding = e.parse().map_err(|_| e.to_string());
            } else if let Some(raw) = p.strip_prefix("rivet_conn_params.") {
                offer.params = percent_decode_str(raw)
                    .decode_utf8()
                    .map_err(|e| e.to_string())
                    .and_then(|s| {
                        serde_json::from_str::<serde_json::Value>(&s).map_err(|e| e.to_string())
                    })
                    .map(|j| Some(compat::from_json(j)));
            }
        }
        offer
    }
}

/// A WebSocket as the connection loop sees it: the bundled server's (axum) or one tunneled by
/// the Rivet Engine (feature `engine`).
pub(crate) trait FrameIo: Send {
    /// The next frame; `None` once the socket is closed or failed.
    fn recv_frame(&mut self) -> impl Future<Output = Option<Message>> + Send;
    /// Sends a frame; `false` if the socket is gone.
    fn send_frame(&mut self, frame: Message) -> impl Future<Output = bool> + Send;
}

impl FrameIo for WebSocket {
    async fn recv_frame(&mut self) -> Option<Message> {
        self.recv().await.and_then(Result::ok)
    }

    async fn send_frame(&mut self, frame: Message) -> bool {
        self.send(frame).await.is_ok()
    }
}

struct Socket<S> {
    socket: S,
    encoding: Encoding,
    limit: usize,
    meta: Arc<ActorMeta>,
}

impl<S: FrameIo> Socket<S> {
    /// Encodes and sends one message; `false` if the socket is gone.
    async fn send(&mut self, msg: ToClient) -> bool {
        let msg = match msg {
            ToClient::ActionResponse { id, output } => ToClient::ActionResponse {
                id,
                output: escape(output, self.encoding),
            },
            ToClient::Event { name, args } => ToClient::Event {
                name,
                args: args.into_iter().map(|a| escape(a, self.encoding)).collect(),
            },
            ToClient::Error { error, action_id } => ToClient::Error {
                error: escape_error(error, self.encoding),
                action_id,
            },
            init => init,
        };
        let bytes = match msg.encode(self.encoding) {
            Ok(b) if b.len() <= self.limit => b,
            result => {
                let reason = match result {
                    Ok(_) => WireError::outgoing_too_long(self.limit),
                    Err(e) => {
                        tracing::error!(actor = %self.meta.id, error = %e, "message does not encode");
                        WireError::internal()
                    }
                };
                let action_id = match &msg {
                    ToClient::ActionResponse { id, .. } => Some(*id),
                    ToClient::Error { action_id, .. } => *action_id,
                    _ => None,
                };
                if action_id.is_none() {
                    // An event that cannot be sent: dropped for this connection.
                    tracing::warn!(actor = %self.meta.id, error = %reason, "event not sent");
                    return true;
                }
                let error = ToClient::Error {
                    error: reason.with_actor(specifier(&self.meta)),
                    action_id,
                };
                match error.encode(self.encoding) {
                    Ok(b) => b,
                    Err(_) => return true,
                }
            }
        };
        let frame = if self.encoding.is_text() {
            match String::from_utf8(bytes) {
                Ok(s) => Message::Text(s.into()),
                Err(_) => return true,
            }
        } else {
            Message::Binary(bytes.into())
        };
        self.socket.send_frame(frame).await
    }

    async fn close(&mut self, code: u16, reason: &str) {
        let _ = self
            .socket
            .send_frame(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    }

    /// Connection-level error: `Error{actionId: null}`, then close 1011 `group.code`.
    async fn fail(&mut self, error: WireError) {
        let reason = error.close_reason();
        self.send(ToClient::Error {
            error,
            action_id: None,
        })
        .await;
        self.close(1011, &reason).await;
    }
}

/// Runs one connection until either side closes it.
pub(crate) async fn run<S: FrameIo>(socket: S, app: App, meta: Arc<ActorMeta>, offer: Offer) {
    let limit = app.config.limits.max_message;
    let encoding = match offer.encoding {
        Ok(e) => e,
        Err(unknown) => {
            tracing::debug!(encoding = %unknown, "unsupported WebSocket encoding");
            let mut s = Socket {
                socket,
                encoding: Encoding::Json,
                limit,
                meta,
            };
            s.close(1003, &catalogue::UNSUPPORTED_WEBSOCKET_ENCODING.name())
                .await;
            return;
        }
    };
    let mut s = Socket {
        socket,
        encoding,
        limit,
        meta: meta.clone(),
    };
    let params = match offer.params {
        Ok(p) => p,
        Err(e) => {
            s.fail(WireError::invalid_request(format!(
                "Invalid connection params: {e}"
            )))
            .await;
            return;
        }
    };
    let (tx, mut out) = mpsc::channel(app.host.config().conn_queue_capacity);
    let conn = match app
        .host
        .connect_with_request(&meta, params, tx, offer.request)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(actor = %meta.id, error = %e, "connection rejected");
            s.fail(e).await;
            return;
        }
    };
    tracing::debug!(actor = %meta.id, conn = %conn.id(), %encoding, "connected");
    let init = ToClient::Init {
        actor_id: meta.id.clone(),
        connection_id: conn.id().to_string(),
    };
    if s.send(init).await {
        loop {
            tokio::select! {
                frame = s.socket.recv_frame() => {
                    let bytes = match frame {
                        None => break,
                        // The reply to a close is queued by the WebSocket layer and written by
                        // the next read, which then ends the stream.
                        Some(Message::Close(_) | Message::Ping(_) | Message::Pong(_)) => continue,
                        Some(Message::Text(t)) => {
                            if encoding != Encoding::Json {
                                s.fail(WireError::invalid_request(format!("Text frames are not valid in the {encoding} encoding."))).await;
                                break;
                            }
                            t.as_bytes().to_vec()
                        }
                        Some(Message::Binary(b)) => b.to_vec(),
                    };
                    if bytes.len() > limit {
                        s.fail(WireError::incoming_too_long(limit)).await;
                        break;
                    }
                    let msg = match ToServer::decode(encoding, &bytes) {
                        Ok(m) => m,
                        Err(e) => {
                            tracing::debug!(actor = %meta.id, error = %e, "malformed frame");
                            s.fail(WireError::invalid_request(format!("Invalid message: {e}"))).await;
                            break;
                        }
                    };
                    let queued = match msg {
                        ToServer::ActionRequest { id, name, args } => match revive_args(args, encoding) {
                            Ok(args) => conn.action(id, name, args).map_err(|e| (Some(id), e)),
                            Err(e) => Err((Some(id), e)),
                        },
                        ToServer::SubscriptionRequest { event_name, subscribe } => {
                            conn.subscribe(event_name, subscribe).map_err(|e| (None, e))
                        }
                    };
                    if let Err((action_id, e)) = queued {
                        if e.code == "stopping" {
                            s.close(1001, &catalogue::GOING_AWAY.name()).await;
                            break;
                        }
                        let error = ToClient::Error { error: e.with_actor(specifier(&meta)), action_id };
                        if !s.send(error).await {
                            break;
                        }
                    }
                }
                msg = out.recv() => match msg {
                    Some(ConnOut::Msg(m)) => {
                        if !s.send(m).await {
                            break;
                        }
                    }
                    Some(ConnOut::Close { code, reason }) => {
                        s.close(code, &reason).await;
                        break;
                    }
                    None => {
                        s.close(1011, &catalogue::OVERLOADED.name()).await;
                        break;
                    }
                },
            }
        }
    }
    conn.disconnect().await;
    tracing::debug!(actor = %meta.id, conn = %conn.id(), "disconnected");
}
