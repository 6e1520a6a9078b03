//! Raw WebSockets (RivetKit's `onWebSocket`): a client's socket at `{gateway}/websocket/{path}`,
//! handed to the actor as a [`RawSocket`] through three hooks: [`super::Actor::on_websocket`]
//! when it opens, [`super::Actor::on_websocket_message`] for each text or binary message, and
//! [`super::Actor::on_websocket_close`] when it closes. (Callbacks rather than a socket a
//! handler loops over: each message is one turn of the actor like an action, with the action
//! timeout, and the socket itself stays in the front door, as in Durable Objects' hibernation
//! API.)
//!
//! What the actor sends ([`RawSocket::send`], [`RawSocket::close`]) leaves after the turn's
//! commit, in order with its events and replies. The socket's outgoing queue is bounded: a
//! client that does not read falls behind, and once the queue is full the socket is closed with
//! `1011 actor.overloaded` (the actor is never blocked by a slow reader).

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};

use super::Request;
use super::effects::{Outgoing, TurnEffects};
pub use super::ws_message::{RawOut, WsMessage};
use crate::sync::lock;

/// The actor's side of a raw socket's outgoing queue: bounded, with a close beside it for when
/// the queue is full.
#[derive(Debug, Clone)]
pub struct RawSender {
    tx: mpsc::Sender<RawOut>,
    close: Arc<watch::Sender<Option<(u16, String)>>>,
}

/// The front door's side of a raw socket's outgoing queue.
#[derive(Debug)]
pub struct RawReceiver {
    rx: mpsc::Receiver<RawOut>,
    close: watch::Receiver<Option<(u16, String)>>,
}

impl RawSender {
    /// A queue in which at most `capacity` outgoing messages wait.
    pub fn channel(capacity: usize) -> (RawSender, RawReceiver) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let (close_tx, close) = watch::channel(None);
        let sender = RawSender {
            tx,
            close: Arc::new(close_tx),
        };
        (sender, RawReceiver { rx, close })
    }

    /// Queues `out`; a full queue closes the socket with `1011 actor.overloaded` instead.
    pub(crate) fn send(&self, out: RawOut) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(out) {
            self.close_now(1011, actorium_protocol::catalogue::OVERLOADED.name());
        }
    }

    /// Closes the socket now, before whatever is still queued.
    pub(crate) fn close_now(&self, code: u16, reason: String) {
        self.close.send_if_modified(|c| {
            let first = c.is_none();
            if first {
                *c = Some((code, reason));
            }
            first
        });
    }
}

impl RawReceiver {
    /// The next thing to write: a queued message or close, or a close that jumped the queue.
    /// `None` once the actor let go of the socket.
    pub async fn recv(&mut self) -> Option<RawOut> {
        if let Some(close) = self.pending_close() {
            return Some(close);
        }
        let changed = tokio::select! {
            biased;
            changed = self.close.changed() => changed,
            out = self.rx.recv() => return out,
        };
        match (changed, self.pending_close()) {
            (Ok(()), Some(close)) => Some(close),
            _ => self.rx.recv().await,
        }
    }

    /// The close that jumped the queue, if any (the watch guard is dropped at once).
    fn pending_close(&mut self) -> Option<RawOut> {
        let close = self.close.borrow_and_update().clone();
        close.map(|(code, reason)| RawOut::Close { code, reason })
    }
}

/// A raw WebSocket accepted by the actor (see the module docs).
#[derive(Debug)]
pub struct RawSocket {
    id: String,
    request: Arc<Request>,
    sender: RawSender,
    effects: Arc<Mutex<TurnEffects>>,
}

impl RawSocket {
    pub(crate) fn new(
        id: String,
        request: Arc<Request>,
        sender: RawSender,
        effects: Arc<Mutex<TurnEffects>>,
    ) -> Self {
        RawSocket {
            id,
            request,
            sender,
            effects,
        }
    }

    /// The socket's id, unique within the server.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The upgrade request: its [`Request::path`] is the actor's own (`/websocket/chat?x=1`
    /// arrives as `/chat`, query `x=1`), with the client's headers.
    pub fn request(&self) -> &Request {
        &self.request
    }

    pub(crate) fn request_arc(&self) -> Arc<Request> {
        self.request.clone()
    }

    /// Sends `message` once the current turn is committed.
    pub fn send(&self, message: impl Into<WsMessage>) {
        self.push(RawOut::Message(message.into()));
    }

    /// Closes the socket with `code` and `reason` once the current turn is committed (after
    /// what was sent before); [`super::Actor::on_websocket_close`] runs then.
    pub fn close(&self, code: u16, reason: impl Into<String>) {
        self.push(RawOut::Close {
            code,
            reason: reason.into(),
        });
    }

    fn push(&self, out: RawOut) {
        lock(&self.effects).outbox.push(Outgoing::Raw {
            socket: self.id.clone(),
            out,
        });
    }

    /// Writes to the socket's queue (after the commit).
    pub(crate) fn deliver(&self, out: RawOut) {
        self.sender.send(out);
    }

    /// Closes the socket after what is already queued (the actor is going away).
    pub(crate) fn close_after_queued(&self, code: u16, reason: String) {
        self.sender.send(RawOut::Close { code, reason });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_then_close_in_order() {
        let (tx, mut rx) = RawSender::channel(4);
        tx.send(RawOut::Message("a".into()));
        tx.send(RawOut::Close {
            code: 1000,
            reason: "bye".into(),
        });
        assert_eq!(rx.recv().await, Some(RawOut::Message("a".into())));
        assert!(matches!(
            rx.recv().await,
            Some(RawOut::Close { code: 1000, .. })
        ));
    }

    #[tokio::test]
    async fn a_full_queue_closes_with_overloaded_before_the_backlog() {
        let (tx, mut rx) = RawSender::channel(2);
        for _ in 0..3 {
            tx.send(RawOut::Message("x".into()));
        }
        match rx.recv().await {
            Some(RawOut::Close { code, reason }) => {
                assert_eq!((code, reason.as_str()), (1011, "actor.overloaded"));
            }
            other => panic!("expected the overload close first, got {other:?}"),
        }
    }
}
