//! # actorium
//!
//! Durable, key-addressed actors in Rust, wire-compatible with RivetKit 2.3.19.
//!
//! This facade re-exports the workspace crates:
//! - [`protocol`]: the RivetKit client protocol (wire types, keys, encodings, the value model);
//! - [`client`] (feature `client`, default): the Rust client;
//! - [`server`] (feature `server`, default): the actor host and the bundled server.

pub use actorium_protocol as protocol;

#[cfg(feature = "client")]
pub use actorium_client as client;
#[cfg(feature = "client")]
pub use actorium_client::{CallError, Client, ClientOptions};

#[cfg(feature = "server")]
pub use actorium_server as server;
