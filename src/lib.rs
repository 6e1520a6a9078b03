//! # actorium
//!
//! Durable, key-addressed actors in Rust, wire-compatible with RivetKit 2.3.19: the official
//! TypeScript client (`rivetkit/client`) calls actorium actors without knowing they are Rust,
//! and actorium's Rust client calls actors on the Rivet Engine.
//!
//! - [`macro@actor`]: one trait (the contract) becomes the typed client handle, the server
//!   dispatch, typed events and the schema; see its documentation for the tutorial.
//! - [`client`] (feature `client`, default): [`Client`], typed and untyped handles,
//!   connections with event streams.
//! - [`server`] (feature `server`, default): the actor host, durable storage (SQLite) and the
//!   bundled HTTP/WebSocket server; [`cli`] is the serve helper a server binary's `main` calls.
//! - [`protocol`]: the wire protocol (messages, encodings, keys, the schema document).
//!
//! A crate that only calls actors depends on `actorium` with `default-features = false,
//! features = ["client"]`: contracts then compile into their client half alone (no server, no
//! SQLite).

pub use actorium_macros::actor;
pub use actorium_protocol as protocol;

#[cfg(feature = "client")]
pub use actorium_client as client;
#[cfg(feature = "client")]
pub use actorium_client::{CallError, Client, ClientOptions};

#[cfg(feature = "server")]
pub use actorium_server as server;
#[cfg(feature = "server")]
pub use actorium_server::{Result, UserError};
#[cfg(feature = "server")]
pub use actorium_server::{cli, testkit};

/// The names most actor code needs: `use actorium::prelude::*;`.
pub mod prelude {
    pub use crate::actor;
    #[cfg(feature = "client")]
    pub use crate::{CallError, Client};
    #[cfg(feature = "server")]
    pub use actorium_server::{Ctx, InitCtx, Registry, UserError};
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
