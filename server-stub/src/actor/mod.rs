//! The low-level actor interface: the contract the `#[actor]` macro generates code for, and
//! what hand-written actors implement directly.
//!
//! # The contract for generated code
//!
//! An actor is a type that *is* its persisted state (`Self`: serde, stored as CBOR) and
//! implements [`Actor`]:
//!
//! - [`Actor::NAME`]: the wire name (`"chatRoom"` for trait `ChatRoom`).
//! - Associated types: [`Actor::Input`] (creation input, deserialized from the client's value),
//!   [`Actor::ConnParams`] (connection params, from the client's JSON), [`Actor::ConnState`]
//!   (per-connection state, built by [`Actor::create_conn_state`]), [`Actor::Vars`] (ephemeral,
//!   rebuilt by [`Actor::create_vars`] on every wake).
//! - [`Actor::create_state`] (required): the initial state, from the input, run once when the
//!   actor is created.
//! - [`Actor::dispatch`] (required): from an action's wire name and its positional argument
//!   values (plain CBOR [`Value`]s, JSON-compat markers already revived) to a `Send` future of the
//!   output value. Unknown names return [`ActorError::action_not_found`](crate::error::ActorError::action_not_found); arguments that do not
//!   deserialize return [`ActorError::invalid_args`](crate::error::ActorError::invalid_args) (see [`Args`]).
//! - Lifecycle hooks with no-op defaults, mirroring RivetKit's.
//!
//! Every future returned by a hook or by `dispatch` must be `Send`; the state guards of
//! [`Ctx`] are not, so a guard held across an `.await` is a compile error.
//!
//! # Lifecycle
//!
//! - Creation (first `getOrCreate`/`create`): `create_state(input)`, `on_create(input)`, then
//!   the wake sequence; the new state is committed before the creator gets an answer.
//! - Wake (creation, or the first message after sleep or restart): state loaded from storage,
//!   `create_vars`, `on_wake`.
//! - Per turn: actions run interleaved on the actor's single task; after a turn that changed the
//!   state, the state is committed, then `on_state_change` runs, then replies and events leave.
//! - Connections (WebSocket, and the ephemeral connection of every HTTP action):
//!   `on_before_connect(params)` may reject, then `create_conn_state(params)`, then
//!   `on_connect`; `on_disconnect` when a WebSocket closes, or after an HTTP action.
//! - Sleep (idle, [`Ctx::sleep`], or server shutdown): `on_sleep`, commit, dropped from memory;
//!   its WebSocket connections are closed, or, with
//!   [`ActorOptions::hibernatable_connections`], kept open with their state and subscriptions
//!   until the next wake (no `on_connect` then).
//! - Raw HTTP ([`Actor::on_request`]): on an ephemeral connection, like an HTTP action.
//! - Raw WebSockets: `on_before_connect` admits one, then [`Actor::on_websocket`],
//!   [`Actor::on_websocket_message`] per message, [`Actor::on_websocket_close`].
//! - Destroy ([`Ctx::destroy`] or `DELETE /actors/{id}`): `on_destroy`, then the actor, its
//!   state and its timers are deleted and its connections closed.

mod args;
mod conn;
mod ctx;
pub(crate) mod effects;
mod options;
mod outbound;
pub mod raw_http;
pub mod raw_ws;
mod request;
mod scoped;
mod state;
mod ws_message;

pub use args::{Args, to_value};
pub use conn::Conn;
pub(crate) use conn::{HibernatedConn, with_conn};
pub use ctx::{ActorClient, Ctx, Events, InitCtx, Schedule};
pub use options::ActorOptions;
pub use outbound::{ConnOut, ConnReceiver, ConnSender};
pub use raw_http::{HttpRequest, HttpResponse};
pub use raw_ws::{RawSocket, WsMessage};
pub use request::Request;
pub(crate) use request::with_request;
pub use state::{StateMut, StateRef};

use std::future::Future;
use std::sync::Arc;

use actorium_protocol::Value;
use actorium_protocol::schema::ActorSchema;
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Result;

/// An actor implementation: what `#[actorium::actor]` generates for a contract's
/// implementation, or what a hand-written actor implements directly. The hooks' signatures and
/// when they run, and the context API, are tabled in the docs of `#[actorium::actor]`.
///
/// Implemented on the state type itself. Use `()`-like types for unused associated types;
/// use [`serde::de::IgnoredAny`] as `Input` to accept and ignore any value (with `()` a client
/// that sends input gets `actor.invalid_request`). An actor whose `ConnParams` is `()` ignores
/// any params a client sends, as RivetKit does.
///
/// ```
/// use actorium::protocol::Value;
/// use actorium::server::{Args, BoxFuture};
/// use actorium::{Actor, ActorError, Ctx, InitCtx, Result};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Counter { count: i64 }
///
/// impl Actor for Counter {
///     const NAME: &'static str = "counter";
///     type Input = serde::de::IgnoredAny;
///     type ConnParams = serde::de::IgnoredAny;
///     type ConnState = ();
///     type Vars = ();
///     type Events<'a> = actorium::Events<'a, Self>;
///
///     async fn create_state(_: &InitCtx<'_>, _: Option<Self::Input>) -> Result<Self> {
///         Ok(Counter { count: 0 })
///     }
///
///     fn dispatch<'a>(c: &'a Ctx<Self>, action: &'a str, args: Vec<Value>)
///         -> BoxFuture<'a, Result<Value>> {
///         Box::pin(async move {
///             let mut args = Args::new(action, args);
///             match action {
///                 "increment" => {
///                     let n: i64 = args.next()?;
///                     let count = { let mut s = c.state_mut(); s.count += n; s.count };
///                     args.output(&count)
///                 }
///                 _ => Err(ActorError::action_not_found(action)),
///             }
///         })
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an actor: its `impl ...Actor for {Self}` block needs `#[actorium::actor]`",
    label = "not an actor",
    note = "write `#[actorium::actor]` on the impl block of the server trait the contract generated \
            (e.g. `#[actorium::actor] impl ChatRoomActor for {Self} {{ ... }}`): it implements \
            `Actor` (dispatch, hooks, schema) for `{Self}`"
)]
pub trait Actor: Serialize + DeserializeOwned + Send + Sync + Sized + 'static {
    /// The actor's wire name (e.g. `"counter"`).
    const NAME: &'static str;

    /// The creation input (`createWithInput` / `rvt-input` / `input` of `PUT/POST /actors`).
    type Input: DeserializeOwned + Send + Sync + 'static;
    /// Connection params (WebSocket `rivet_conn_params.*`, HTTP `x-rivet-conn-params`).
    type ConnParams: DeserializeOwned + Send + Sync + 'static;
    /// Per-connection state, built by [`Actor::create_conn_state`].
    type ConnState: Default + Send + Sync + 'static;
    /// Ephemeral variables, rebuilt by [`Actor::create_vars`] on every wake (never persisted).
    type Vars: Default + Send + Sync + 'static;
    /// What [`Ctx::events`] returns: the typed broadcasts the `#[actor]` macro generates, or
    /// the untyped [`Events`] for hand-written actors
    /// (`type Events<'a> = actorium::Events<'a, Self>;`).
    type Events<'a>: From<&'a Ctx<Self>>
    where
        Self: 'a;

    /// The initial state, from the creation input; runs once, when the actor is created.
    fn create_state(
        ctx: &InitCtx<'_>,
        input: Option<Self::Input>,
    ) -> impl Future<Output = Result<Self>> + Send;

    /// Runs the action `action` with positional `args`; the output is a CBOR value.
    ///
    /// Unknown names must return [`ActorError::action_not_found`](crate::error::ActorError::action_not_found).
    fn dispatch<'a>(
        ctx: &'a Ctx<Self>,
        action: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value>>;

    /// The actor's schema (actions, events, input, params, state as JSON Schemas; named types
    /// go to `generator`'s definitions). The `#[actor]` macro fills it in; the default only
    /// names the actor.
    fn schema(generator: &mut schemars::SchemaGenerator) -> ActorSchema {
        let _ = generator;
        ActorSchema {
            name: Self::NAME.to_string(),
            docs: String::new(),
            actions: Vec::new(),
            events: Vec::new(),
            input: None,
            conn_params: None,
            state: None,
            raw_http: false,
            raw_websocket: false,
        }
    }

    /// After `create_state`, once, when the actor is created.
    fn on_create(
        ctx: &Ctx<Self>,
        input: Option<Self::Input>,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (ctx, input);
        async { Ok(()) }
    }

    /// Builds the ephemeral variables; runs on every wake (default: `Vars::default()`).
    fn create_vars(ctx: &Ctx<Self>) -> impl Future<Output = Result<Self::Vars>> + Send {
        let _ = ctx;
        async { Ok(Self::Vars::default()) }
    }

    /// After the state is loaded (or created) and the vars are built, on every wake.
    fn on_wake(ctx: &Ctx<Self>) -> impl Future<Output = Result<()>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Before the actor is put to sleep (idle, [`Ctx::sleep`] or server shutdown); state
    /// changes made here are committed.
    fn on_sleep(ctx: &Ctx<Self>) -> impl Future<Output = Result<()>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// After each committed state change, before the replies and events of the turn that made
    /// it leave the server. Changes it makes to the state are committed right after it (before
    /// those replies leave) and do not trigger it again.
    fn on_state_change(ctx: &Ctx<Self>) {
        let _ = ctx;
    }

    /// Admission of a connection (WebSocket, or the ephemeral connection of an HTTP action);
    /// an error rejects it and reaches the client.
    fn on_before_connect(
        ctx: &Ctx<Self>,
        params: Option<&Self::ConnParams>,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (ctx, params);
        async { Ok(()) }
    }

    /// The state of an admitted connection (default: `ConnState::default()`).
    fn create_conn_state(
        ctx: &Ctx<Self>,
        params: Option<&Self::ConnParams>,
    ) -> impl Future<Output = Result<Self::ConnState>> + Send {
        let _ = (ctx, params);
        async { Ok(Self::ConnState::default()) }
    }

    /// A connection is established (after admission: before `Init` is sent on a WebSocket,
    /// before the action of an HTTP action).
    fn on_connect(ctx: &Ctx<Self>, conn: &Conn<Self>) -> impl Future<Output = Result<()>> + Send {
        let _ = (ctx, conn);
        async { Ok(()) }
    }

    /// A connection closed (a WebSocket, or an HTTP action's connection after its action).
    fn on_disconnect(
        ctx: &Ctx<Self>,
        conn: &Conn<Self>,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (ctx, conn);
        async { Ok(()) }
    }

    /// Raw HTTP (RivetKit's `onRequest`): a request to `{gateway}/request/{path}`, with the
    /// path after `/request` as its URI (see [`raw_http`]). It runs on the ephemeral connection
    /// of the request like an HTTP action (`on_before_connect` may refuse it, e.g. with
    /// `auth.forbidden` for a 403; then `create_conn_state`, `on_connect`, this,
    /// `on_disconnect`), as a turn: state it changes is committed before the response leaves.
    /// An error is answered as a JSON error with its status. The default answers 404.
    fn on_request(
        ctx: &Ctx<Self>,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse>> + Send {
        let _ = (ctx, request);
        async { Ok(raw_http::no_handler()) }
    }

    /// A raw WebSocket opened at `{gateway}/websocket/{path}` (RivetKit's `onWebSocket`; see
    /// [`raw_ws`]): after `on_before_connect` admitted it (its params from the
    /// `rivet_conn_params.` subprotocol; [`Ctx::request`] is the upgrade request in every
    /// socket hook). Send a greeting here; an error closes the socket with `1011` and the
    /// error's `group.code`. The default refuses every raw WebSocket that way.
    fn on_websocket(
        ctx: &Ctx<Self>,
        socket: &Arc<RawSocket>,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (ctx, socket);
        async {
            Err(crate::error::ActorError::public(
                actorium_protocol::WireError::not_supported("Raw WebSockets (`on_websocket`)"),
            ))
        }
    }

    /// A text or binary message on a raw WebSocket, as a turn (what it changes is committed
    /// before what it sends leaves). An error is logged; the socket stays open.
    fn on_websocket_message(
        ctx: &Ctx<Self>,
        socket: &Arc<RawSocket>,
        message: WsMessage,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (ctx, socket, message);
        async { Ok(()) }
    }

    /// A raw WebSocket closed (by the client, `1006` when it just went away, or by
    /// [`RawSocket::close`]); it is no longer in [`Ctx::raw_sockets`].
    fn on_websocket_close(
        ctx: &Ctx<Self>,
        socket: &Arc<RawSocket>,
        code: u16,
        reason: &str,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (ctx, socket, code, reason);
        async { Ok(()) }
    }

    /// The actor is being destroyed (its state and timers are deleted afterwards).
    fn on_destroy(ctx: &Ctx<Self>) -> impl Future<Output = Result<()>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Settings of this actor type that override the host's (RivetKit's `options`): its action
    /// timeout, its sleep timeout, and whether its connections hibernate. The default
    /// overrides nothing.
    fn options() -> ActorOptions {
        ActorOptions::default()
    }
}
