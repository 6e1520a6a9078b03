//! The raw front doors inside an instance: raw HTTP requests (`on_request`, on an ephemeral
//! connection) and raw WebSockets (admission, `on_websocket`, one turn per message, close).

use std::sync::Arc;

use actorium_protocol::{Value, WireError};

use super::Instance;
use super::inflight::{ResponseSlot, Target};
use super::turn::{decode_params, on_ephemeral_conn};
use crate::actor::raw_ws::RawSocket;
use crate::actor::{Actor, with_request};
use crate::host::mailbox::Envelope;
use crate::sync::lock;

impl<A: Actor> Instance<A> {
    /// Takes a raw HTTP request or raw WebSocket message into the turn.
    pub(super) fn accept_raw(&mut self, env: Envelope) {
        let ctx = self.ctx.clone();
        match env {
            Envelope::Request {
                request,
                params,
                head,
                reply,
            } => {
                let response = ResponseSlot::default();
                let slot = response.clone();
                self.push(Target::Request { response, reply }, async move {
                    let handler = Box::pin(A::on_request(&ctx, request));
                    let output = on_ephemeral_conn(&ctx, params, Some(head), handler).await?;
                    *lock(&slot) = Some(output);
                    Ok(Value::Null)
                });
            }
            Envelope::RawOpen {
                socket_id,
                params,
                request,
                sender,
                reply,
            } => {
                let socket = Arc::new(RawSocket::new(
                    socket_id.clone(),
                    request.clone(),
                    sender,
                    ctx.effects.clone(),
                ));
                let target = Target::Connect {
                    conn_id: socket_id,
                    reply,
                };
                self.push(target, async move {
                    let params = decode_params::<A>(params)?;
                    let admit = Box::pin(A::on_before_connect(&ctx, params.as_ref()));
                    with_request(Some(request.clone()), admit).await?;
                    lock(&ctx.raw_sockets).insert(socket.id().to_string(), socket.clone());
                    let open = Box::pin(A::on_websocket(&ctx, &socket));
                    let opened = with_request(Some(request), open).await;
                    if opened.is_err() {
                        lock(&ctx.raw_sockets).remove(socket.id());
                    }
                    opened.map(|()| Value::Null)
                });
            }
            Envelope::RawMessage { socket_id, message } => {
                let Some(socket) = lock(&ctx.raw_sockets).get(&socket_id).cloned() else {
                    tracing::debug!(actor = %self.meta.id, socket = %socket_id, "message for a closed raw socket dropped");
                    return;
                };
                let target = Target::RawMessage { socket_id };
                self.push(target, async move {
                    let handle = Box::pin(A::on_websocket_message(&ctx, &socket, message));
                    with_request(Some(socket.request_arc()), handle).await?;
                    Ok(Value::Null)
                });
            }
            Envelope::RawClosed {
                socket_id,
                code,
                reason,
            } => {
                let Some(socket) = lock(&ctx.raw_sockets).remove(&socket_id) else {
                    return;
                };
                self.push(Target::Hook("on_websocket_close"), async move {
                    let close = Box::pin(A::on_websocket_close(&ctx, &socket, code, &reason));
                    with_request(Some(socket.request_arc()), close).await?;
                    Ok(Value::Null)
                });
            }
            other => {
                tracing::error!(actor = %self.meta.id, envelope = ?other, "not a raw envelope")
            }
        }
    }

    /// Closes raw socket `socket_id` with `1011` and `error`'s `group.code` (after what was
    /// already queued for it): one of its messages was lost to a panic.
    pub(super) fn close_raw_socket(&self, socket_id: &str, error: &WireError) {
        let socket = lock(&self.ctx.raw_sockets).get(socket_id).cloned();
        if let Some(socket) = socket {
            socket.close_after_queued(1011, error.close_reason());
        }
    }
}
