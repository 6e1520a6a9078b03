//! [`ActorHandle`]: a lazy, untyped handle to one actor.
//!
//! - Where its requests go is its [`ActorQuery`]'s business; stale-actor and placement errors
//!   are retried (see [`crate::retry`]).
//! - [`ActorHandle::resolve`]: getOrCreate → `PUT /actors`; get → `GET /actors?name=&key=`;
//!   by id → no traffic.

use actorium_protocol::{Value, WireError, catalogue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::connection::Connection;
use crate::error::CallError;
use crate::query::ActorQuery;
use crate::retry;
use crate::router::LocalCall;
use crate::values;

/// A lazy handle to one actor: creating it sends nothing.
///
/// The untyped API takes and returns [`Value`]s ([`ActorHandle::action`]); the typed helpers
/// ([`ActorHandle::call`]) convert with serde. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ActorHandle {
    client: Client,
    query: ActorQuery,
    params: Option<Value>,
}

impl ActorHandle {
    pub(crate) fn new(client: Client, query: ActorQuery) -> Self {
        ActorHandle {
            client,
            query,
            params: None,
        }
    }

    /// Sets the connection params sent with every action (`x-rivet-conn-params`) and used by
    /// [`ActorHandle::connect`]. The actor's `onBeforeConnect` sees them.
    pub fn with_params(mut self, params: Value) -> Self {
        self.params = Some(params);
        self
    }

    /// Which actor this handle addresses.
    pub fn query(&self) -> &ActorQuery {
        &self.query
    }

    /// The actor name.
    pub fn name(&self) -> &str {
        self.query.name()
    }

    /// The connection params, if set.
    pub fn params(&self) -> Option<&Value> {
        self.params.as_ref()
    }

    /// The client this handle belongs to.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The actor's id: getOrCreate handles get or create the actor (`PUT /actors`), get
    /// handles look it up (`GET /actors`, `actor.not_found` if missing), handles by id answer
    /// at once. Not retried, as in the official client.
    pub async fn resolve(&self) -> Result<String, CallError> {
        let inner = &self.client.inner;
        if let ActorQuery::ForId { actor_id, .. } = &self.query {
            return Ok(actor_id.clone());
        }
        if let Some(fut) = inner.router.as_ref().and_then(|r| r.resolve(&self.query)) {
            return fut.await;
        }
        let resolved = inner.resolved().await?;
        match &self.query {
            ActorQuery::Get { name, key } => {
                key.validate()
                    .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
                match inner.http()?.actor_by_key(&resolved, name, key).await? {
                    Some(a) => Ok(a.actor_id),
                    None => Err(CallError::from(WireError::actor_not_found())),
                }
            }
            ActorQuery::GetOrCreate {
                name,
                key,
                input,
                region,
            } => {
                key.validate()
                    .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
                let actor = inner
                    .http()?
                    .get_or_create_actor(&resolved, name, key, input.as_ref(), region.as_deref())
                    .await?;
                Ok(actor.actor_id)
            }
            ActorQuery::ForId { actor_id, .. } => Ok(actor_id.clone()),
        }
    }

    /// Calls the action `name` with positional `args` over HTTP and returns its output.
    ///
    /// This is the low-level entry point generated code calls. A [`LocalRouter`](crate::LocalRouter)
    /// installed on the client is asked first. Retries follow the official client (see
    /// [`crate::retry`]).
    pub async fn action(&self, name: &str, args: Vec<Value>) -> Result<Value, CallError> {
        let inner = &self.client.inner;
        if let Some(router) = &inner.router {
            let call = LocalCall {
                query: self.query.clone(),
                action: name.to_string(),
                args,
                params: self.params.clone(),
            };
            match router.action(&call) {
                Some(fut) => return fut.await,
                None => return self.remote_action(name, &call.args).await,
            }
        }
        self.remote_action(name, &args).await
    }

    async fn remote_action(&self, name: &str, args: &[Value]) -> Result<Value, CallError> {
        let inner = &self.client.inner;
        let http = inner.http()?;
        let resolved = inner.resolved().await?;
        let target = self.query.gateway_target(http.config, &resolved)?;
        let result = retry::run(self.query.retry_policy(name), || {
            http.gateway_action(&resolved, &target, name, args, self.params.as_ref())
        })
        .await;
        match result {
            // As the official client: by id, "destroyed while waiting" means "not found".
            Err(e)
                if !self.query.is_dynamic()
                    && e.is_code(catalogue::DESTROYED_WHILE_WAITING_FOR_READY) =>
            {
                let mut w = WireError::actor_not_found();
                if let CallError::Actor(orig) = e {
                    w.metadata = orig.metadata;
                    w.actor = orig.actor;
                }
                Err(CallError::from(w))
            }
            other => other,
        }
    }

    /// Calls an action with typed arguments and output.
    ///
    /// `args` must serialize as a sequence: a tuple such as `()`, `(5,)` or `("a", 1)`, or a
    /// `Vec`/array whose elements are the positional arguments.
    ///
    /// ```no_run
    /// # async fn demo(h: actorium_client::ActorHandle) -> Result<(), actorium_client::CallError> {
    /// let count: u64 = h.call("increment", (5,)).await?;
    /// let count: u64 = h.call("getCount", ()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call<A: Serialize, R: DeserializeOwned>(
        &self,
        name: &str,
        args: A,
    ) -> Result<R, CallError> {
        let args = values::to_args(&args)?;
        values::from_value(self.action(name, args).await?)
    }

    /// Opens a WebSocket connection with this handle's params (see [`Connection`]).
    /// Returns once the server's `Init` arrived.
    pub async fn connect(&self) -> Result<Connection, CallError> {
        Connection::open(self.client.clone(), self.query.clone(), self.params.clone()).await
    }

    /// Opens a WebSocket connection with `params` instead of the handle's.
    pub async fn connect_with_params(&self, params: Value) -> Result<Connection, CallError> {
        Connection::open(self.client.clone(), self.query.clone(), Some(params)).await
    }

    /// The gateway URL prefix of this actor (e.g. `http://h/gateway/<id>` or
    /// `http://h/gateway/counter?rvt-namespace=…`); sends nothing except the one-time
    /// metadata lookup.
    pub async fn gateway_url(&self) -> Result<String, CallError> {
        let inner = &self.client.inner;
        let config = inner.config()?;
        let resolved = inner.resolved().await?;
        let target = self.query.gateway_target(config, &resolved)?;
        let path = target
            .path_and_query("")
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        Ok(format!("{}{path}", resolved.endpoint))
    }
}
