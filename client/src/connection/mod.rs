//! [`Connection`]: a stateful WebSocket connection to one actor (`{gateway}/connect`).
//!
//! - Subprotocols `rivet`, `rivet_encoding.<enc>` and, for truthy params,
//!   `rivet_conn_params.<url-encoded JSON>`. The token travels in the URL.
//! - `ActorHandle::connect` returns once the server's `Init`
//!   arrived. Failures before `Init` (an HTTP error on upgrade, an `Error` with no action id, a
//!   close `1011 group.code`) are actor errors; stale-actor and placement errors are retried
//!   like actions.
//! - Actions are pipelined, with ids counting from 0 for the whole life of the connection, and
//!   matched to responses by id.
//! - Events: [`Connection::events`] returns a [`Stream`](futures_util::Stream) of argument
//!   lists. A `SubscriptionRequest` is sent when the first subscriber of an event appears (and
//!   `subscribe: false` when the last one goes away); every subscription is replayed after each
//!   reconnect. The server sends events only to subscribed connections.
//! - Reconnect: if the socket drops after the connection was connected, it is reopened with
//!   backoff (250 ms doubling to 30 s by default, [`ReconnectPolicy`](crate::ReconnectPolicy)).
//!   Actions in flight when it drops fail with [`CallError::ConnectionLost`] (or the close
//!   reason's actor error); actions called while reconnecting wait and are sent after the next
//!   `Init`.
//! - A connection-level `Error` (no action id) that is not retryable, e.g. a rejection by the
//!   actor's `onBeforeConnect`, closes the connection for good: pending calls fail with that
//!   error, event streams end, no reconnect.
//! - [`Connection::dispose`] closes with `1000 "Disposed"`. Dropping every clone of the
//!   connection and every event stream disposes it too.
//!
//! The connection runs on a task spawned on the current tokio runtime. Its parts:
//! - `api`: the [`Connection`] handle and [`EventStream`]s, which send [`Command`]s to
//! - `driver`: the task, serving one socket at a time and reconnecting;
//! - `pending`: the driver's book of actions in flight or queued, and of subscribers;
//! - `socket`: opening a socket up to `Init`, and what close frames and upgrade errors mean.

mod api;
mod driver;
mod pending;
mod socket;

use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use actorium_protocol::Value;
use tokio::sync::{mpsc, oneshot, watch};

use crate::error::CallError;

pub use api::{Connection, EventStream};
pub(crate) use socket::{handshake_error, subprotocols};

/// How long a polite close may take.
const DISPOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The state of a [`Connection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionStatus {
    /// Opening a socket and waiting for `Init`.
    Connecting,
    /// `Init` received; actions and subscriptions flow.
    Connected,
    /// The socket dropped; waiting before the next attempt.
    Disconnected,
    /// Disposed, or closed for good by an error (see [`Connection::close_error`]).
    Closed,
}

/// Where an action's result goes.
type Reply = oneshot::Sender<Result<Value, CallError>>;

/// What the handles ask of the task.
enum Command {
    Action {
        name: String,
        args: Vec<Value>,
        reply: Reply,
    },
    Subscribe {
        event: String,
        id: u64,
        tx: mpsc::Sender<Vec<Value>>,
    },
    Unsubscribe {
        event: String,
        id: u64,
    },
    Dispose {
        done: oneshot::Sender<()>,
    },
}

/// State shared between the connection's handles and its task.
struct Shared {
    status: watch::Sender<ConnectionStatus>,
    ids: Mutex<Option<(String, String)>>,
    close_error: Mutex<Option<CallError>>,
    next_sub: AtomicU64,
    event_buffer: usize,
}

impl Shared {
    fn new(event_buffer: usize) -> Shared {
        Shared {
            status: watch::channel(ConnectionStatus::Connecting).0,
            ids: Mutex::new(None),
            close_error: Mutex::new(None),
            next_sub: AtomicU64::new(0),
            event_buffer,
        }
    }

    fn set_status(&self, status: ConnectionStatus) {
        self.status.send_replace(status);
    }

    /// The actor and connection ids of the latest `Init`.
    fn ids(&self) -> Option<(String, String)> {
        lock(&self.ids).clone()
    }

    fn set_ids(&self, actor_id: String, connection_id: String) {
        *lock(&self.ids) = Some((actor_id, connection_id));
    }

    fn close_error(&self) -> Option<CallError> {
        lock(&self.close_error).clone()
    }

    fn set_close_error(&self, error: CallError) {
        *lock(&self.close_error) = Some(error);
    }
}

/// Locks `mutex`, ignoring poisoning (the data are plain values, valid whatever panicked).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
