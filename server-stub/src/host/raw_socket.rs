//! Raw WebSockets at the host: admitting one ([`Host::open_raw_socket`]) and the front door's
//! handle on it ([`RawSocketHandle`]), which feeds the actor instance that admitted it.

use std::sync::Arc;

use actorium_protocol::{Value, WireError};
use tokio::sync::oneshot;

use super::Host;
use super::mailbox::{Envelope, MailboxTx};
use crate::actor::raw_ws::RawSender;
use crate::actor::{Request, WsMessage};
use crate::meta::ActorMeta;

impl Host {
    /// Admits a raw WebSocket (`on_before_connect`, then `on_websocket`), waking the actor if
    /// it sleeps. `request` is the upgrade request with the actor's own path; what the actor
    /// sends comes out of the receiver of `sender` (make it with [`RawSender::channel`]).
    pub async fn open_raw_socket(
        &self,
        meta: &Arc<ActorMeta>,
        params: Option<Value>,
        request: Arc<Request>,
        sender: RawSender,
    ) -> Result<RawSocketHandle, WireError> {
        let socket_id = uuid::Uuid::new_v4().to_string();
        let (reply, rx) = oneshot::channel();
        let env = Envelope::RawOpen {
            socket_id: socket_id.clone(),
            params,
            request,
            sender,
            reply,
        };
        let mailbox = self.deliver(meta, env).await?;
        rx.await.unwrap_or_else(|_| Err(WireError::internal()))?;
        Ok(RawSocketHandle { socket_id, mailbox })
    }
}

/// A raw WebSocket admitted by an actor instance: the front door hands it the socket's
/// messages and its close.
#[derive(Debug, Clone)]
pub struct RawSocketHandle {
    socket_id: String,
    mailbox: MailboxTx,
}

impl RawSocketHandle {
    /// The socket's id.
    pub fn id(&self) -> &str {
        &self.socket_id
    }

    /// Hands the actor a message, waiting for room in its mailbox (a client that sends faster
    /// than the actor handles is slowed down, not cut off); `actor.stopping` once the
    /// instance is gone.
    pub async fn message(&self, message: WsMessage) -> Result<(), WireError> {
        let env = Envelope::RawMessage {
            socket_id: self.socket_id.clone(),
            message,
        };
        self.mailbox
            .send(Box::new(env))
            .await
            .map_err(|_| WireError::stopping())
    }

    /// Tells the actor the socket closed.
    pub async fn closed(&self, code: u16, reason: String) {
        let env = Envelope::RawClosed {
            socket_id: self.socket_id.clone(),
            code,
            reason,
        };
        let _ = self.mailbox.send(Box::new(env)).await;
    }
}
