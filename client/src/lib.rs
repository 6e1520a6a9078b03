//! # actorium-client
//!
//! The Rust client for RivetKit-compatible actor servers: the Rivet Engine (TypeScript actors
//! included) and actorium's own server. It speaks the public client protocol of RivetKit 2.3.19
//! (see `actorium-protocol`) in all three encodings, BARE by default like the official client.
//!
//! ```no_run
//! # async fn demo() -> Result<(), actorium_client::CallError> {
//! use actorium_client::{Client, Value};
//! use futures_util::StreamExt;
//!
//! let client = Client::new("http://127.0.0.1:6420");
//! // Lazy handles: nothing is sent until a call.
//! let counter = client.get_or_create("counter", ["room-1"], None);
//! let count: u64 = counter.call("increment", (1,)).await?;          // HTTP action
//! let id = counter.resolve().await?;                                   // actor id
//!
//! let conn = counter.connect().await?;                                 // WebSocket
//! let mut new_counts = conn.events("newCount");                        // subscribe
//! conn.action("increment", vec![Value::from(2)]).await?;
//! let args = new_counts.next().await;                                  // Some([count])
//! conn.dispose().await;
//! # let _ = (count, id, args); Ok(()) }
//! ```
//!
//! ## What goes on the wire
//!
//! - [`Client`] (options in [`ClientOptions`]: endpoint, namespace, token, encoding, extra
//!   headers, the `RIVET_ENDPOINT`/`RIVET_NAMESPACE`/`RIVET_TOKEN`/`RIVET_POOL` environment
//!   variables). Before its first request a client calls `GET /metadata` once and honours
//!   `clientEndpoint`/`clientNamespace`/`clientToken`; unlike the official client, which
//!   retries forever, the lookup is tried [`ClientOptions::metadata_attempts`] times and then
//!   fails with a [`CallError::Transport`] naming the endpoint.
//! - [`ActorHandle`]s: [`Client::get`], [`Client::get_or_create`] (query gateway),
//!   [`Client::create`] (`POST /actors`, then by id), [`Client::get_for_id`] (direct gateway),
//!   with [`ActorHandle::resolve`], [`ActorHandle::action`] (stateless, over HTTP) and
//!   [`ActorHandle::connect`] (a [`Connection`] over WebSocket: actions, events as a
//!   [`Stream`](futures_util::Stream), automatic reconnect with resubscription,
//!   [`Connection::dispose`]).
//! - Retries where the official client retries, with the same limits ([`retry`]).
//! - Errors: [`CallError::Actor`] carries what the actor or server sent (group, code, message,
//!   metadata); transport failures and local problems are other variants.
//!
//! ## Values
//!
//! The API takes and returns [`Value`]s (CBOR values, the host's value model); typed helpers
//! ([`ActorHandle::call`], [`Connection::call`], [`Connection::events_as`], [`to_value`],
//! [`from_value`]) convert with serde. Outgoing values get the JSON-compat markers the official
//! client writes (json: compat; bare: CBOR of compat values; cbor: plain); incoming outputs,
//! event arguments and error metadata are revived in every encoding.
//!
//! ## Limits of this build
//!
//! Plain `http://` / `ws://` only: the crate is built without TLS to keep the build lean, and
//! refuses `https://` endpoints with [`ConfigError::UnsupportedScheme`]. Connections need a
//! tokio runtime (they run on a spawned task).
//!
//! ## In-process routing
//!
//! A server that hosts actors can give them a client whose calls to its own actors skip the
//! network: [`Client::with_local_router`] with a [`LocalRouter`].

pub mod config;
mod connection;
mod error;
mod handle;
pub mod http;
pub mod retry;
mod router;
mod values;

mod client;

pub use actorium_protocol::{ActorKey, Encoding, IntoKey, Value, WireError};
pub use client::Client;
pub use config::{ClientOptions, ConfigError, ReconnectPolicy};
pub use connection::{Connection, ConnectionStatus, EventStream};
pub use error::CallError;
pub use handle::{ActorHandle, ActorQuery};
pub use router::{LocalCall, LocalFuture, LocalRouter};
pub use values::{from_args, from_value, to_args, to_value};
