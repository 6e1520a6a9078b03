//! The typed layer the `#[actor]` macro builds on: a contract marker ([`Contract`]) names an
//! actor and its handle types, and [`Client::get`], [`Client::get_or_create`],
//! [`Client::create`] and [`Client::get_for_id`] return the contract's typed handle.
//!
//! ```no_run
//! # use actorium_client::{CallError, Client, Contract};
//! # async fn demo<ChatRoomRef: Contract<Input = ()>>(client: Client) -> Result<(), CallError> {
//! let room = client.get_or_create::<ChatRoomRef>(["general"]);   // lazy typed handle
//! let made = client.create::<ChatRoomRef>(["other"], &()).await?; // created now
//! # let _ = (room, made); Ok(()) }
//! ```

use std::future::Future;

use actorium_protocol::{IntoKey, Value};
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::connection::Connection;
use crate::error::CallError;
use crate::handle::ActorHandle;
use crate::values::to_value;

/// An actor contract, implemented by the marker type `#[actor]` generates (`ChatRoomRef`).
pub trait Contract: Send + Sync + 'static {
    /// The actor's wire name.
    const NAME: &'static str;
    /// The creation input (`()` when the contract declares none).
    type Input: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The connection params (`()` when the contract declares none).
    type ConnParams: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The typed handle (actions over HTTP, `resolve`, `connect`).
    type Handle;
    /// The typed connection (actions over WebSocket, typed event streams).
    type Connection;

    /// Wraps an untyped handle.
    fn handle(raw: ActorHandle) -> Self::Handle;
    /// Wraps an untyped connection.
    fn connection(raw: Connection) -> Self::Connection;
}

/// Something that runs an action by name: a handle (HTTP) or a connection (WebSocket). The
/// generated typed methods call it.
pub trait Caller: Send + Sync {
    /// Runs `name` with positional `args`.
    fn call_action(
        &self,
        name: &str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Value, CallError>> + Send;
}

impl Caller for ActorHandle {
    fn call_action(
        &self,
        name: &str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Value, CallError>> + Send {
        self.action(name, args)
    }
}

impl Caller for Connection {
    fn call_action(
        &self,
        name: &str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Value, CallError>> + Send {
        self.action(name, args)
    }
}

/// A typed stream of one event: `decode` turns the event's argument list into an item; an
/// event it cannot decode is logged and skipped.
pub fn typed_events<T, F>(
    conn: &Connection,
    name: &'static str,
    decode: F,
) -> impl Stream<Item = T> + Send + 'static
where
    T: Send + 'static,
    F: Fn(Vec<Value>) -> Option<T> + Send + Sync + 'static,
{
    conn.events(name).filter_map(move |args| {
        let item = decode(args);
        if item.is_none() {
            tracing::warn!(
                event = name,
                "skipping an event whose arguments do not match the contract"
            );
        }
        std::future::ready(item)
    })
}

impl Client {
    /// A typed handle to the actor `M` with `key`, which must exist.
    pub fn get<M: Contract>(&self, key: impl IntoKey) -> M::Handle {
        M::handle(self.get_untyped(M::NAME, key))
    }

    /// A typed handle to the actor `M` with `key`, created on first use if it does not exist.
    pub fn get_or_create<M: Contract>(&self, key: impl IntoKey) -> M::Handle {
        M::handle(self.get_or_create_untyped(M::NAME, key, None))
    }

    /// Like [`Client::get_or_create`], with the input used if this call creates the actor.
    pub fn get_or_create_with_input<M: Contract>(
        &self,
        key: impl IntoKey,
        input: &M::Input,
    ) -> Result<M::Handle, CallError> {
        Ok(M::handle(self.get_or_create_untyped(
            M::NAME,
            key,
            Some(to_value(input)?),
        )))
    }

    /// Creates the actor `M` with `key` and `input` now; fails with `actor.duplicate_key` if the
    /// key is taken.
    pub async fn create<M: Contract>(
        &self,
        key: impl IntoKey,
        input: &M::Input,
    ) -> Result<M::Handle, CallError> {
        let input = to_value(input)?;
        let input = (input != Value::Null).then_some(input);
        Ok(M::handle(self.create_untyped(M::NAME, key, input).await?))
    }

    /// A typed handle to the actor `M` with id `actor_id`.
    pub fn get_for_id<M: Contract>(&self, actor_id: impl Into<String>) -> M::Handle {
        M::handle(self.get_for_id_untyped(M::NAME, actor_id))
    }
}
