//! An actor's mailbox: the messages ([`Envelope`]) the host and the front doors send to a live
//! instance.

use std::sync::Arc;

use actorium_protocol::{Value, WireError};
use tokio::sync::{mpsc, oneshot};

use crate::actor::ConnSender;
use crate::actor::raw_ws::RawSender;
use crate::actor::{HttpRequest, HttpResponse, Request, WsMessage};
use crate::storage::TimerRecord;

/// What goes through an actor's mailbox: boxed, so the mailbox's buffer (a tokio channel
/// allocates room for 32 messages at a time) stays small for the many actors that are in
/// memory but rarely called.
pub(crate) type Mail = Box<Envelope>;
/// The sending half of an actor's mailbox.
pub(crate) type MailboxTx = mpsc::Sender<Mail>;
/// The receiving half of an actor's mailbox.
pub(crate) type MailboxRx = mpsc::Receiver<Mail>;

/// A message to an actor.
pub(crate) enum Envelope {
    /// A stateless call on an ephemeral connection (HTTP action, actor-to-actor call).
    Call {
        action: String,
        args: Vec<Value>,
        params: Option<Value>,
        /// The HTTP request of an HTTP action (none for actor-to-actor calls).
        request: Option<Arc<Request>>,
        reply: oneshot::Sender<std::result::Result<Value, WireError>>,
    },
    /// A raw HTTP request (`/request`), on an ephemeral connection.
    Request {
        request: HttpRequest,
        params: Option<Value>,
        /// The request's head again, for the admission hooks ([`crate::Ctx::request`]).
        head: Arc<Request>,
        reply: oneshot::Sender<std::result::Result<HttpResponse, WireError>>,
    },
    /// A raw WebSocket asks to be admitted (`on_before_connect`, then `on_websocket`).
    RawOpen {
        socket_id: String,
        params: Option<Value>,
        /// The upgrade request (its path the actor's own).
        request: Arc<Request>,
        sender: RawSender,
        reply: oneshot::Sender<std::result::Result<(), WireError>>,
    },
    /// A message on a raw WebSocket.
    RawMessage {
        socket_id: String,
        message: WsMessage,
    },
    /// A raw WebSocket closed.
    RawClosed {
        socket_id: String,
        code: u16,
        reason: String,
    },
    /// A WebSocket connection asks to be admitted.
    Connect {
        conn_id: String,
        params: Option<Value>,
        /// The WebSocket upgrade request.
        request: Option<Arc<Request>>,
        sender: ConnSender,
        reply: oneshot::Sender<std::result::Result<(), WireError>>,
    },
    /// An action request on a connection.
    ConnAction {
        conn_id: String,
        id: u64,
        action: String,
        args: Vec<Value>,
    },
    /// A subscription change on a connection.
    Subscribe {
        conn_id: String,
        event: String,
        subscribe: bool,
    },
    /// A connection closed.
    Disconnect { conn_id: String },
    /// A durable timer is due.
    Timer(TimerRecord),
    /// A streamed raw HTTP response ended: nothing to run, the actor re-checks whether it is
    /// idle.
    StreamEnded,
    /// Put the actor to sleep now (tests, tooling).
    Sleep,
    /// Destroy the actor.
    Destroy {
        reply: oneshot::Sender<std::result::Result<(), WireError>>,
    },
    /// Server shutdown: commit and stop.
    Stop { reply: oneshot::Sender<()> },
}

impl Envelope {
    /// Answers the envelope with `error` without running it.
    pub(crate) fn fail(self, error: WireError) {
        match self {
            Envelope::Call { reply, .. } => {
                let _ = reply.send(Err(error));
            }
            Envelope::Request { reply, .. } => {
                let _ = reply.send(Err(error));
            }
            Envelope::RawOpen { reply, .. } => {
                let _ = reply.send(Err(error));
            }
            Envelope::Connect { reply, .. } | Envelope::Destroy { reply } => {
                let _ = reply.send(Err(error));
            }
            Envelope::Stop { reply } => {
                let _ = reply.send(());
            }
            Envelope::ConnAction { .. }
            | Envelope::Subscribe { .. }
            | Envelope::Disconnect { .. }
            | Envelope::RawMessage { .. }
            | Envelope::RawClosed { .. }
            | Envelope::Timer(_)
            | Envelope::StreamEnded
            | Envelope::Sleep => {}
        }
    }
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Envelope::Call { .. } => "Call",
            Envelope::Request { .. } => "Request",
            Envelope::RawOpen { .. } => "RawOpen",
            Envelope::RawMessage { .. } => "RawMessage",
            Envelope::RawClosed { .. } => "RawClosed",
            Envelope::Connect { .. } => "Connect",
            Envelope::ConnAction { .. } => "ConnAction",
            Envelope::Subscribe { .. } => "Subscribe",
            Envelope::Disconnect { .. } => "Disconnect",
            Envelope::Timer(_) => "Timer",
            Envelope::StreamEnded => "StreamEnded",
            Envelope::Sleep => "Sleep",
            Envelope::Destroy { .. } => "Destroy",
            Envelope::Stop { .. } => "Stop",
        })
    }
}
