//! What travels on a raw WebSocket ([`WsMessage`]) and what the actor's side queues for the
//! front door to write ([`RawOut`]): plain data, below both the socket API and the turn's
//! effects.

use axum::body::Bytes;

/// A raw WebSocket message: text or binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsMessage {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Bytes),
}

impl WsMessage {
    /// The text of a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            WsMessage::Text(t) => Some(t),
            WsMessage::Binary(_) => None,
        }
    }

    /// The message's bytes (a text message's UTF-8).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            WsMessage::Text(t) => t.as_bytes(),
            WsMessage::Binary(b) => b,
        }
    }
}

impl From<String> for WsMessage {
    fn from(t: String) -> Self {
        WsMessage::Text(t)
    }
}

impl From<&str> for WsMessage {
    fn from(t: &str) -> Self {
        WsMessage::Text(t.to_string())
    }
}

impl From<Vec<u8>> for WsMessage {
    fn from(b: Vec<u8>) -> Self {
        WsMessage::Binary(b.into())
    }
}

impl From<Bytes> for WsMessage {
    fn from(b: Bytes) -> Self {
        WsMessage::Binary(b)
    }
}

/// What the front door writes to a raw socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawOut {
    /// A message.
    Message(WsMessage),
    /// Close the socket with this code and reason.
    Close {
        /// WebSocket close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
}
