//! # actorium
//!
//! Durable, key-addressed actors in Rust, wire-compatible with RivetKit 2.3.19: the official
//! TypeScript client (`rivetkit/client`) calls actorium actors without knowing they are Rust,
//! and actorium's Rust client calls actors on the Rivet Engine.
//!
//! - [`macro@actor`]: one trait (the contract) becomes the typed client handle, the server
//!   dispatch, typed events and the schema; see its documentation for the tutorial.
//! - Writing actors: [`Ctx`] (state, vars, events, connections, timers, the actors' client),
//!   [`InitCtx`], [`Conn`], [`Result`], [`UserError`], [`ActorError`], the state guards
//!   [`StateRef`]/[`StateMut`], [`Events`], [`Schedule`]; [`Registry`] lists the actors a
//!   server hosts; [`Actor`] is the low-level trait `#[actor]` implements (the hooks with their
//!   signatures and the context API are tabled in [`macro@actor`]).
//! - Calling actors: [`Client`], [`ClientOptions`], [`CallError`]; the [`client`] module has
//!   the handles and connections.
//! - Running a server: [`cli`] (`actorium::cli::main(registry)`, the serve helper), [`server`]
//!   (embedding: host, storage, front door settings), [`testkit`] (an in-process test server).
//! - [`protocol`]: the wire protocol (messages, encodings, keys, the error catalogue, the schema
//!   document).
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `client` | yes | [`Client`], typed handles, connections with event streams; contracts compile their client half |
//! | `server` | yes | the actor host, SQLite storage, the bundled HTTP/WebSocket server, [`cli`], [`testkit`]; contracts compile their server half (implies `client`) |
//! | `engine` | no | `--engine URL`: join a Rivet Engine as an envoy instead of listening (implies `server` and `rustls`) |
//! | `rustls` | no | `https://` and `wss://` endpoints for the client (rustls, no system OpenSSL; `ClientOptions::add_root_certificate` trusts a private CA) |
//!
//! A crate that only calls actors depends on `actorium` with `default-features = false,
//! features = ["client"]`: contracts then compile into their client half alone (no server, no
//! SQLite).

pub use actorium_macros::actor;
// Inlined, so their pages are part of these docs (`cargo doc -p actorium --no-deps`).
#[doc(inline)]
pub use actorium_protocol as protocol;
pub use actorium_protocol::ActorKey;

#[cfg(feature = "client")]
#[doc(inline)]
pub use actorium_client as client;
#[cfg(feature = "client")]
pub use actorium_client::{CallError, Client, ClientOptions};

/// Raw HTTP handlers (`on_request`): the request and response types (the `http` crate's, with
/// axum's streaming body) and helpers to read a body and build a response.
#[cfg(feature = "server")]
pub use actorium_server::actor::raw_http;
/// Raw WebSockets (`on_websocket`): the socket the hooks get, its messages.
#[cfg(feature = "server")]
pub use actorium_server::actor::raw_ws;
#[cfg(feature = "server")]
pub use actorium_server::{
    Actor, ActorClient, ActorError, ActorMeta, ActorOptions, Conn, Ctx, Events, InitCtx, Registry,
    Request, Result, Schedule, StateMut, StateRef, UserError,
};
#[cfg(feature = "server")]
pub use actorium_server::{cli, testkit};

/// Embedding the runtime yourself instead of through [`cli`]: the host and its settings,
/// storage drivers, the front door. Most servers need none of it.
#[cfg(feature = "server")]
pub mod server {
    pub use actorium_server::actor::{ConnOut, ConnReceiver, ConnSender};
    #[cfg(feature = "engine")]
    pub use actorium_server::engine;
    pub use actorium_server::host::{ConnHandle, Host, HostConfig};
    pub use actorium_server::http::{ConnectionLimits, Limits, ServerConfig, router, serve};
    pub use actorium_server::storage::{
        self, MemoryStorage, SqliteStorage, Storage, StorageError, SyncMode,
    };
    /// For hand-written [`Actor`](crate::Actor) implementations: reading an action's
    /// arguments, serializing its output, the future `dispatch` returns.
    pub use actorium_server::{Args, to_value};
    pub use futures_util::future::BoxFuture;
}

/// The names most actor code needs: `use actorium::prelude::*;`.
pub mod prelude {
    pub use crate::ActorKey;
    pub use crate::actor;
    #[cfg(feature = "server")]
    pub use crate::raw_http::{HttpRequest, HttpResponse};
    #[cfg(feature = "server")]
    pub use crate::raw_ws::{RawSocket, WsMessage};
    #[cfg(feature = "client")]
    pub use crate::{CallError, Client};
    #[cfg(feature = "server")]
    pub use crate::{Conn, Ctx, InitCtx, Registry, UserError};
    /// `.next().await` on a connection's event streams (re-exported from `futures-util`, so a
    /// client needs no extra dependency).
    #[cfg(feature = "client")]
    pub use futures_util::StreamExt;
}

/// What generated code reaches the runtime through. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use actorium_protocol::Value;
    pub use actorium_protocol::schema;
    pub use schemars;

    /// Checks at compile time that a contract's value type crosses the wire.
    pub const fn assert_wire_type<
        T: serde::Serialize + serde::de::DeserializeOwned + schemars::JsonSchema,
    >() {
    }

    /// The JSON Schema of `T`, registering named types in the generator's definitions.
    pub fn schema_of<T: schemars::JsonSchema>(
        generator: &mut schemars::SchemaGenerator,
    ) -> schema::JsonSchema {
        generator.subschema_for::<T>().to_value()
    }

    #[cfg(feature = "client")]
    pub mod client {
        pub use actorium_client::{
            ActorHandle, CallError, Caller, Connection, Contract, from_value, to_value,
            typed_events,
        };
        pub use futures_util::Stream;
    }

    #[cfg(feature = "server")]
    pub mod server {
        pub use actorium_server::{Actor, ActorError, Args, Ctx, InitCtx, Result, to_value};
        pub use futures_util::future::BoxFuture;
    }
}

/// Expands to its input when `actorium` is built with the `client` feature. Generated code
/// wraps its client half in it, so the feature of *this* crate decides, not the user's.
#[cfg(feature = "client")]
#[doc(hidden)]
#[macro_export]
macro_rules! __client_only {
    ($($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "client"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __client_only {
    ($($tokens:tt)*) => {};
}

/// Expands to its input when `actorium` is built with the `server` feature.
#[cfg(feature = "server")]
#[doc(hidden)]
#[macro_export]
macro_rules! __server_only {
    ($($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "server"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __server_only {
    ($($tokens:tt)*) => {};
}
