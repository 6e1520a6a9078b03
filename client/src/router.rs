//! The in-process routing hook: a server hosting actors gives them a `Client`
//! whose calls to actors it hosts itself skip the network.

use std::future::Future;
use std::pin::Pin;

use actorium_protocol::Value;

use crate::error::CallError;
use crate::query::ActorQuery;

/// A boxed, `Send` future returned by a [`LocalRouter`].
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, CallError>> + Send + 'static>>;

/// A stateless action call offered to a [`LocalRouter`].
///
/// Values are in the host's value model: plain CBOR values, no JSON-compat markers.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalCall {
    /// Which actor the handle addresses.
    pub query: ActorQuery,
    /// The action's wire name.
    pub action: String,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// The handle's connection params, if any.
    pub params: Option<Value>,
}

/// Routes calls in-process before the client goes to the network.
///
/// Install with `Client::with_local_router`. For every
/// stateless action (`ActorHandle::action` and the typed helpers
/// built on it) and every `ActorHandle::resolve`, the client first
/// asks the router; `None` means "not mine", and the call goes over HTTP as usual. The router
/// is responsible for its own semantics (get vs getOrCreate, retries, errors: return
/// [`CallError::Actor`] for errors the actor raised). WebSocket connections and `create` always
/// use the network.
pub trait LocalRouter: Send + Sync + 'static {
    /// Handles an action call, or returns `None` to let the client send it over HTTP.
    fn action(&self, call: &LocalCall) -> Option<LocalFuture<Value>>;

    /// Resolves a handle to an actor id, or returns `None` to let the client ask the REST API.
    fn resolve(&self, query: &ActorQuery) -> Option<LocalFuture<String>> {
        let _ = query;
        None
    }
}
