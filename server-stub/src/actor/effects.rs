//! What a turn sends out, held until the turn's changes are committed: events, the replies owed
//! to callers (in the order they were produced), new and cancelled timers. What then reaches a
//! connection's writer goes through [`super::outbound`].

use actorium_protocol::{Value, WireError};
use tokio::sync::oneshot;

use super::HttpResponse;
use super::ws_message::RawOut;
use crate::storage::TimerRecord;

/// Something an actor sends during a turn; held until the turn's changes are committed.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// An event for every connection subscribed to `name`.
    Broadcast { name: String, args: Vec<Value> },
    /// An event for one connection (if it is subscribed or not: direct sends always go out).
    Send {
        conn: String,
        name: String,
        args: Vec<Value>,
    },
    /// The reply of a finished call (queued by the host in completion order).
    Reply(Reply),
    /// A message or close for a raw WebSocket.
    Raw { socket: String, out: RawOut },
}

/// What a turn left for the host: outgoing messages, timers, sleep/destroy requests.
#[derive(Debug, Default)]
pub(crate) struct TurnEffects {
    pub outbox: Vec<Outgoing>,
    pub timers: Vec<TimerRecord>,
    pub cancelled_timers: Vec<String>,
}

/// A reply waiting for the turn's commit.
#[derive(Debug)]
pub(crate) enum Reply {
    Call(
        oneshot::Sender<std::result::Result<Value, WireError>>,
        std::result::Result<Value, WireError>,
    ),
    Conn {
        conn_id: String,
        action_id: u64,
        result: std::result::Result<Value, WireError>,
    },
    Connect(
        oneshot::Sender<std::result::Result<(), WireError>>,
        std::result::Result<(), WireError>,
    ),
    /// The response to a raw HTTP request.
    Request(
        oneshot::Sender<std::result::Result<HttpResponse, WireError>>,
        std::result::Result<HttpResponse, WireError>,
    ),
}

impl Reply {
    pub(crate) fn into_error(self, error: WireError) -> Reply {
        match self {
            Reply::Call(tx, _) => Reply::Call(tx, Err(error)),
            Reply::Conn {
                conn_id, action_id, ..
            } => Reply::Conn {
                conn_id,
                action_id,
                result: Err(error),
            },
            Reply::Connect(tx, _) => Reply::Connect(tx, Err(error)),
            Reply::Request(tx, _) => Reply::Request(tx, Err(error)),
        }
    }
}
