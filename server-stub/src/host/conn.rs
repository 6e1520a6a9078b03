//! What the host sends to a WebSocket connection's task.

use actorium_protocol::ToClient;
use tokio::sync::mpsc;

/// A message for a connection's socket.
#[derive(Debug, Clone)]
pub enum ConnOut {
    /// A protocol message (event, action response, error).
    Msg(ToClient),
    /// Close the socket with this code and reason (`group.code`).
    Close {
        /// WebSocket close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
}

/// The sending half of a connection's outgoing queue (bounded: a connection that does not
/// keep up is closed instead of buffering without limit).
pub type ConnSender = mpsc::Sender<ConnOut>;
