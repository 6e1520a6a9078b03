//! Raw WebSockets through the gateway (spec §8): `{gateway}/websocket{path}` is upgraded (the
//! `rivet` subprotocol selected when offered), admitted by the actor (`on_before_connect`,
//! `on_websocket`; a refusal closes with `1011 group.code`), and then relayed: every text or
//! binary frame to `on_websocket_message`, what the actor sends back out, the close either way
//! to `on_websocket_close`. The same loop serves sockets the engine tunnels.
//!
//! The actor's first frames wait until the client has shown it is reading: it answered a ping
//! the server sends right after the upgrade, or sent a frame itself (at most [`OPEN_GRACE`]).
//! A client that attaches its message listener only once `open` has fired (as RivetKit's own
//! tests do) would otherwise lose a greeting sent from `on_websocket` whenever it arrived in the
//! same read as the upgrade response.

use std::sync::Arc;

use actorium_protocol::{Value, WireError, catalogue};
use axum::extract::ws::{CloseFrame, Message};
use axum::extract::{FromRequestParts, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::App;
use super::errors::json_error;
use super::raw::actor_uri;
use super::ws::{FrameIo, Offer};
use crate::actor::raw_ws::{RawOut, RawReceiver, RawSender};
use crate::actor::{Request, WsMessage};
use crate::host::RawSocketHandle;
use crate::meta::ActorMeta;

/// Upgrades `{gateway}/websocket{path}` to a raw WebSocket of the actor `meta`.
pub(super) async fn upgrade(app: App, meta: Arc<ActorMeta>, mut parts: Parts) -> Response {
    let offer = Offer::parse(&parts.headers);
    let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut parts, &()).await else {
        return json_error(WireError::invalid_request(
            "`/websocket` expects a WebSocket upgrade.",
        ));
    };
    parts.uri = match actor_uri(&parts.uri, "/websocket") {
        Ok(u) => u,
        Err(e) => return json_error(e),
    };
    let head = Arc::new(Request::new(parts));
    // The WebSocket layer's own bound is looser: a message over the limit (but under four
    // times it) is answered with close 1009 by the relay, not a dropped connection.
    let max = app.config.limits.max_incoming_message.saturating_mul(4);
    upgrade
        .protocols(["rivet"])
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| run(socket, app, meta, offer.into_params(), head))
        .into_response()
}

/// The payload of the server's first ping.
const OPEN_PING: &[u8] = b"actorium-open";

/// Longest the actor's first frames wait for the client's pong.
const OPEN_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// What to do after writing to the socket.
enum Flow {
    Go,
    /// The socket is closed (by the actor, or it broke); the actor has been told.
    Done,
}

/// Relays one raw WebSocket between the client and the actor until either side closes it.
pub(crate) async fn run<S: FrameIo>(
    mut socket: S,
    app: App,
    meta: Arc<ActorMeta>,
    params: Result<Option<Value>, String>,
    head: Arc<Request>,
) {
    let params = match params {
        Ok(p) => p,
        Err(e) => {
            let e = WireError::invalid_request(format!("Invalid connection params: {e}"));
            close(&mut socket, 1011, e.close_reason()).await;
            return;
        }
    };
    let (sender, mut out) = RawSender::channel(app.host.config().conn_queue_capacity);
    let handle = match app.host.open_raw_socket(&meta, params, head, sender).await {
        Ok(h) => h,
        Err(e) => {
            tracing::debug!(actor = %meta.id, error = %e, "raw WebSocket refused");
            close(&mut socket, 1011, e.close_reason()).await;
            return;
        }
    };
    let limit = app.config.limits.max_incoming_message;
    // Until the client answers (or the grace ends), what the actor sends waits in its queue.
    let mut held = socket.pings() && socket.send_frame(Message::Ping(OPEN_PING.into())).await;
    let grace = tokio::time::sleep(OPEN_GRACE);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            _ = &mut grace, if held => held = false,
            frame = socket.recv_frame() => {
                let message = match frame {
                    Some(Message::Text(t)) => WsMessage::Text(t.to_string()),
                    Some(Message::Binary(b)) => WsMessage::Binary(b),
                    Some(Message::Pong(_)) => {
                        held = false;
                        continue;
                    }
                    Some(Message::Ping(_)) => continue,
                    Some(Message::Close(frame)) => {
                        let (code, reason) = frame
                            .map(|f| (f.code, f.reason.to_string()))
                            .unwrap_or((1005, String::new()));
                        handle.closed(code, reason).await;
                        return;
                    }
                    None => {
                        handle.closed(1006, String::new()).await;
                        return;
                    }
                };
                if message.as_bytes().len() > limit {
                    let reason = catalogue::INCOMING_TOO_LONG.name();
                    close(&mut socket, 1009, reason.clone()).await;
                    handle.closed(1009, reason).await;
                    return;
                }
                held = false;
                if let Flow::Done = hand_over(&mut socket, &handle, &mut out, message).await {
                    return;
                }
            }
            next = out.recv(), if !held => {
                let Some(next) = next else { return };
                if let Flow::Done = write(&mut socket, &handle, next).await {
                    return;
                }
            }
        }
    }
}

/// Gives the actor `message`, writing what it sends meanwhile: a client that sends faster than
/// the actor reads waits for room in the mailbox, but its replies keep flowing.
async fn hand_over<S: FrameIo>(
    socket: &mut S,
    handle: &RawSocketHandle,
    out: &mut RawReceiver,
    message: WsMessage,
) -> Flow {
    let send = handle.message(message);
    tokio::pin!(send);
    loop {
        tokio::select! {
            sent = &mut send => {
                // An error: the instance is stopping, and its close is queued for us.
                let _ = sent;
                return Flow::Go;
            }
            next = out.recv() => {
                let Some(next) = next else { return Flow::Done };
                if let Flow::Done = write(socket, handle, next).await {
                    return Flow::Done;
                }
            }
        }
    }
}

/// Writes one message or close from the actor.
async fn write<S: FrameIo>(socket: &mut S, handle: &RawSocketHandle, next: RawOut) -> Flow {
    match next {
        RawOut::Message(m) => {
            let frame = match m {
                WsMessage::Text(t) => Message::Text(t.into()),
                WsMessage::Binary(b) => Message::Binary(b),
            };
            if socket.send_frame(frame).await {
                return Flow::Go;
            }
            handle.closed(1006, String::new()).await;
            Flow::Done
        }
        RawOut::Close { code, reason } => {
            close(socket, code, reason.clone()).await;
            handle.closed(code, reason).await;
            Flow::Done
        }
    }
}

async fn close<S: FrameIo>(socket: &mut S, code: u16, reason: String) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send_frame(Message::Close(Some(frame))).await;
}
