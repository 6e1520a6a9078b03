//! # actorium-server
//!
//! The runtime: the actor host, its storage and the bundled HTTP/WebSocket server. Users reach
//! it through the `actorium` facade; this crate's own paths are not a stable API.
//!
//! # Layers
//!
//! Every module uses only the modules on its own row or below it (checked by the workspace's
//! architecture test: no import cycle between sibling modules at any depth):
//!
//! ```text
//!   cli, testkit           the serve helper and the in-process test server
//!   engine  ──▶  http      front doors: the Rivet Engine envoy reuses the bundled server's routes
//!   host                   instances, turn loop, mailboxes, sleep/park, timers, registry, router
//!   actor                  the actor API: Actor trait, Ctx, Conn, state guards, turn effects
//!   storage   error        durable records (SQLite, memory); ActorError / UserError
//!   meta   sync            ActorMeta, ids, clock; the one lock helper
//! ```
//!
//! - [`meta`]: who an actor is ([`ActorMeta`]), new actor ids, the clock.
//! - `sync`: the one poison-tolerant `lock` helper.
//! - [`error`]: [`ActorError`] and [`UserError`], what actions return; named wire errors come
//!   from the protocol's error catalogue (`actorium_protocol::catalogue`).
//! - [`storage`]: the driver trait, SQLite (default, group commit) and in-memory.
//! - [`actor`]: the low-level [`Actor`] trait `#[actor]` implements; [`Ctx`], [`Conn`], the
//!   state guards, [`Args`], and the effects a turn leaves (events, replies, timers).
//! - [`host`]: [`Host`] and [`HostConfig`]; `lookup` (find/create), `delivery` (mailboxes,
//!   calls, connections), `lifecycle` (start, park, sleep, destroy, shutdown), `instance/`
//!   (boot, turn, commit, stop of one live actor), `mailbox`, `registry` ([`Registry`]),
//!   `router` (in-process actor-to-actor calls), `directory`, `parking`, `timers`.
//! - [`http`]: the front door (the RivetKit 2.3.19 client protocol over axum): `rest`,
//!   `gateway`, `ws`, `auth`, `errors`, `values` (JSON-compat revival and escaping), `body`.
//! - `engine` (feature `engine`): joins a Rivet Engine as an envoy; storage on the engine's KV.
//! - [`cli`]: `actorium::cli::main(registry)`, the serve helper; [`testkit`]: `TestServer`.
//!
//! # Choices where the design is silent
//!
//! - **Durability.** A turn's state change, new timers and fired timers are committed in one
//!   storage commit (grouped with other actors' commits) before any reply or event of the turn
//!   leaves; `on_state_change` runs after the commit, before the replies.
//! - **HTTP actions** run on an ephemeral connection, as in RivetKit: `on_before_connect` and
//!   `create_conn_state` see the `x-rivet-conn-params` ([`Ctx::conn`] is that connection), and
//!   `on_connect` and `on_disconnect` run before and after the action (it is never in
//!   [`Ctx::conns`]).
//! - **Values.** Arguments and inputs are revived from RivetKit's JSON-compat markers; every
//!   `["$BigInt","N"]` becomes a CBOR bignum (tag 2/3), so a JavaScript `bigint` passed through
//!   untyped comes back a `bigint` while typed Rust integers still read it.
//! - **Errors.** Params or input that do not deserialize into the actor's types are
//!   `actor.invalid_request`; an unregistered actor name is `actor.invalid_name` (400); a user
//!   error raised by another actor and propagated with `?` stays a user error.
//! - **Timers** fire at least once (the timer row is deleted by the commit of the turn that ran
//!   it); missed timers fire on start; a timer whose action fails or panics is not retried.
//! - **Namespaces.** One namespace ([`HostConfig::namespace`], `default`); others are
//!   `namespace.not_found`.

// `WireError` (the protocol's error body, ~160 bytes) is returned by value across the host and
// front-door APIs; these are cold paths and boxing it everywhere would only add noise.
#![allow(clippy::result_large_err)]

/// Builder-style setters for a `#[non_exhaustive]` settings struct: one method per field, named
/// like it, taking `self` (`HostConfig::default().idle_timeout(d)`).
macro_rules! setters {
    ($ty:ident { $($field:ident: $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Sets [`", stringify!($ty), "::", stringify!($field), "`].")]
                #[must_use]
                pub fn $field(mut self, value: $t) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}

pub mod actor;
pub mod cli;
#[cfg(feature = "engine")]
pub mod engine;
pub mod error;
pub mod host;
pub mod http;
pub mod meta;
pub mod storage;
mod sync;
pub mod testkit;

pub use actor::{
    Actor, ActorClient, ActorOptions, Args, Conn, Ctx, Events, HttpRequest, HttpResponse, InitCtx,
    RawSocket, Request, Schedule, StateMut, StateRef, WsMessage, to_value,
};
pub use actorium_client::{CallError, Client};
pub use actorium_protocol::compat::{deserialize, serialize};
pub use actorium_protocol::{ActorKey, Value, WireError};
pub use error::{ActorError, Result, UserError};
pub use host::{Host, HostConfig, Registry};
pub use meta::ActorMeta;
