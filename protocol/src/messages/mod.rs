//! The client protocol's messages (v4 logical shape) and their three encodings.
//!
//! User values (arguments, outputs, event arguments, metadata) are kept exactly as they are on
//! the wire; [`crate::compat`] converts them to and from the host's value model.
//!
//! An optional user value (`metadata`, a queue `response`) that is `null` on the wire decodes as
//! absent: JSON and CBOR cannot tell the two apart, and neither can the official client.
//!
//! The message types are defined here; their codecs live in the submodules: `ws` for the
//! WebSocket messages, `http` for the HTTP bodies, both built on the JSON/CBOR field readers
//! of `fields` and the BARE parts of `bare_parts`.

mod bare_parts;
mod fields;
mod http;
mod ws;

use ciborium::Value;

use crate::WireError;

/// A WebSocket message from server to client.
#[derive(Debug, Clone, PartialEq)]
pub enum ToClient {
    /// First message of every connection.
    Init {
        /// The actor's id.
        actor_id: String,
        /// This connection's id (a UUID).
        connection_id: String,
    },
    /// An error: for one action (`action_id` set) or for the whole connection (then the server
    /// closes with 1011 and `group.code`).
    Error {
        /// The error.
        error: WireError,
        /// The failed action, or `None` for a connection-level error.
        action_id: Option<u64>,
    },
    /// The result of an action.
    ActionResponse {
        /// The request's id.
        id: u64,
        /// The action's output.
        output: Value,
    },
    /// A broadcast event, sent only to connections subscribed to `name`.
    Event {
        /// Event name.
        name: String,
        /// The broadcast's arguments.
        args: Vec<Value>,
    },
}

/// A WebSocket message from client to server.
#[derive(Debug, Clone, PartialEq)]
pub enum ToServer {
    /// Calls an action on the connection.
    ActionRequest {
        /// Per-connection id, echoed by the response.
        id: u64,
        /// Action name.
        name: String,
        /// Positional arguments.
        args: Vec<Value>,
    },
    /// Subscribes to (or unsubscribes from) an event.
    SubscriptionRequest {
        /// Event name.
        event_name: String,
        /// `true` to subscribe, `false` to unsubscribe.
        subscribe: bool,
    },
}

/// Body of a stateless action call (`POST {gateway}/action/{name}`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpActionRequest {
    /// Positional arguments.
    pub args: Vec<Value>,
}

/// Success body of a stateless action call.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpActionResponse {
    /// The action's output.
    pub output: Value,
}

/// Body of a queue send (`POST {gateway}/queue/{name}`).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpQueueSendRequest {
    /// The message.
    pub body: Value,
    /// Queue name.
    pub name: Option<String>,
    /// Whether to wait for completion.
    pub wait: Option<bool>,
    /// Wait timeout in milliseconds.
    pub timeout: Option<u64>,
}

/// Response to a queue send.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpQueueSendResponse {
    /// `completed` or `timedOut`.
    pub status: String,
    /// The response, when waited for.
    pub response: Option<Value>,
}
