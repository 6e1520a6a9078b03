//! [`ActorHandle`]: a lazy, untyped handle to one actor.
//!
//! - `get`/`getOrCreate` handles address the actor by name and key through the *query gateway*
//!   (`/gateway/{name}/…?rvt-method=get|getOrCreate&…`), which resolves it on every request;
//!   stale-actor and placement errors are retried (see [`crate::retry`]).
//! - `create` (`POST /actors`) and `get_for_id` handles use the direct form
//!   `/gateway/{actorId}[@token]/…`.
//! - [`ActorHandle::resolve`]: getOrCreate → `PUT /actors`; get → `GET /actors?name=&key=`;
//!   by id → no traffic.

use actorium_protocol::gateway::encode_input;
use actorium_protocol::{ActorKey, GatewayTarget, QueryTarget, Value, WireError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Resolved;
use crate::config::Config;
use crate::retry::{self, RetryPolicy};
use crate::router::LocalCall;
use crate::{CallError, Client, Connection, values};

/// Which actor a handle addresses.
#[derive(Debug, Clone, PartialEq)]
pub enum ActorQuery {
    /// The actor `name` with `key`; it must exist.
    Get {
        /// Actor name.
        name: String,
        /// Actor key.
        key: ActorKey,
    },
    /// The actor `name` with `key`, created with `input` if it does not exist.
    GetOrCreate {
        /// Actor name.
        name: String,
        /// Actor key.
        key: ActorKey,
        /// Input used only on creation.
        input: Option<Value>,
        /// Region (datacenter) to create the actor in.
        region: Option<String>,
    },
    /// The actor with id `actor_id`.
    ForId {
        /// Actor name.
        name: String,
        /// Actor id.
        actor_id: String,
    },
}

impl ActorQuery {
    /// The actor name.
    pub fn name(&self) -> &str {
        match self {
            ActorQuery::Get { name, .. }
            | ActorQuery::GetOrCreate { name, .. }
            | ActorQuery::ForId { name, .. } => name,
        }
    }

    /// Whether the gateway re-resolves the actor on every request (get/getOrCreate).
    pub fn is_dynamic(&self) -> bool {
        !matches!(self, ActorQuery::ForId { .. })
    }

    /// The official client's retry policy for an action named `action`.
    pub(crate) fn retry_policy(&self, action: &str) -> RetryPolicy {
        RetryPolicy {
            dynamic_attempts: match self {
                ActorQuery::Get { .. } => retry::GET_ATTEMPTS,
                ActorQuery::GetOrCreate { .. } => retry::GET_OR_CREATE_ATTEMPTS,
                ActorQuery::ForId { .. } => 1,
            },
            // A `destroy` action is never replayed across a lifecycle boundary.
            lifecycle: action != "destroy",
        }
    }

    /// Where gateway requests for this handle go.
    pub(crate) fn gateway_target(
        &self,
        config: &Config,
        resolved: &Resolved,
    ) -> Result<GatewayTarget, CallError> {
        let check_key = |key: &ActorKey| {
            key.validate()
                .and_then(|_| key.to_query().map(|_| ()))
                .map_err(|e| CallError::InvalidRequest(e.to_string()))
        };
        let mut target = match self {
            ActorQuery::ForId { actor_id, .. } => {
                return Ok(GatewayTarget::Direct {
                    actor_id: actor_id.clone(),
                    token: resolved.token.clone(),
                });
            }
            ActorQuery::Get { name, key } => {
                check_key(key)?;
                QueryTarget::get(name.clone(), key.clone(), resolved.namespace.clone())
            }
            ActorQuery::GetOrCreate {
                name,
                key,
                input,
                region,
            } => {
                check_key(key)?;
                let mut q = QueryTarget::get_or_create(
                    name.clone(),
                    key.clone(),
                    resolved.namespace.clone(),
                );
                q.runner = Some(config.pool.clone());
                q.region = region.clone();
                if let Some(input) = input {
                    let bytes = encode_input(input);
                    if bytes.len() > config.max_input_size {
                        return Err(CallError::InvalidRequest(format!(
                            "the input is {} bytes of CBOR, above the query gateway limit of {} \
                             bytes; create the actor with `create` instead",
                            bytes.len(),
                            config.max_input_size
                        )));
                    }
                    q.input = Some(bytes);
                }
                q
            }
        };
        target.token = resolved.token.clone();
        Ok(GatewayTarget::Query(target))
    }
}

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
                match inner.actor_by_key(&resolved, name, key).await? {
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
        let config = inner.config()?;
        let resolved = inner.resolved().await?;
        let target = self.query.gateway_target(config, &resolved)?;
        let result = retry::run(self.query.retry_policy(name), || {
            inner.gateway_action(&resolved, &target, name, args, self.params.as_ref())
        })
        .await;
        match result {
            // As the official client: by id, "destroyed while waiting" means "not found".
            Err(e)
                if !self.query.is_dynamic()
                    && e.is("actor", "destroyed_while_waiting_for_ready") =>
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

#[cfg(test)]
mod tests {
    use actorium_protocol::IntoKey;

    use super::*;
    use crate::ClientOptions;

    fn config() -> Config {
        ClientOptions::new("http://h:1")
            .ignore_env(true)
            .resolve()
            .unwrap()
    }

    fn resolved(token: Option<&str>) -> Resolved {
        Resolved {
            endpoint: "http://h:1".into(),
            namespace: "default".into(),
            token: token.map(str::to_string),
        }
    }

    fn url(q: &ActorQuery, token: Option<&str>, path: &str) -> String {
        q.gateway_target(&config(), &resolved(token))
            .unwrap()
            .path_and_query(path)
            .unwrap()
    }

    #[test]
    fn gateway_urls() {
        let get = ActorQuery::Get {
            name: "counter".into(),
            key: ["a", "b"].into_key(),
        };
        assert_eq!(
            url(&get, None, "/action/getCount"),
            "/gateway/counter/action/getCount?rvt-namespace=default&rvt-method=get&rvt-key=a%2Cb"
        );
        let goc = ActorQuery::GetOrCreate {
            name: "counter".into(),
            key: "tok".into_key(),
            input: None,
            region: None,
        };
        assert_eq!(
            url(&goc, Some("secret-tok"), "/connect"),
            "/gateway/counter/connect?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=tok&rvt-crash-policy=sleep&rvt-token=secret-tok"
        );
        let with_input = ActorQuery::GetOrCreate {
            name: "counter".into(),
            key: ().into_key(),
            input: Some(Value::Map(vec![(
                Value::Text("hello".into()),
                Value::Text("world".into()),
            )])),
            region: None,
        };
        // ciborium writes the one-entry map as a1 (cbor-x writes b9 0001).
        assert_eq!(
            url(&with_input, None, "/action/x"),
            "/gateway/counter/action/x?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-input=oWVoZWxsb2V3b3JsZA&rvt-crash-policy=sleep"
        );
        let by_id = ActorQuery::ForId {
            name: "counter".into(),
            actor_id: "abc00".into(),
        };
        assert_eq!(
            url(&by_id, Some("secret-tok"), "/connect"),
            "/gateway/abc00@secret-tok/connect"
        );
        assert_eq!(
            url(&by_id, None, "/action/a%20b"),
            "/gateway/abc00/action/a%20b"
        );
    }

    #[test]
    fn client_side_limits() {
        let long = ActorQuery::Get {
            name: "counter".into(),
            key: "x".repeat(129).into_key(),
        };
        assert!(matches!(
            long.gateway_target(&config(), &resolved(None)),
            Err(CallError::InvalidRequest(_))
        ));
        let comma = ActorQuery::Get {
            name: "counter".into(),
            key: "a,b".into_key(),
        };
        assert!(matches!(
            comma.gateway_target(&config(), &resolved(None)),
            Err(CallError::InvalidRequest(_))
        ));
        let big = ActorQuery::GetOrCreate {
            name: "counter".into(),
            key: "k".into_key(),
            input: Some(Value::Bytes(vec![0; 5000])),
            region: None,
        };
        assert!(matches!(
            big.gateway_target(&config(), &resolved(None)),
            Err(CallError::InvalidRequest(_))
        ));
    }

    #[test]
    fn retry_policies() {
        let q = |query: ActorQuery| query.retry_policy("x").dynamic_attempts;
        assert_eq!(
            q(ActorQuery::Get {
                name: "c".into(),
                key: ActorKey::default()
            }),
            24
        );
        assert_eq!(
            q(ActorQuery::GetOrCreate {
                name: "c".into(),
                key: ActorKey::default(),
                input: None,
                region: None
            }),
            60
        );
        let by_id = ActorQuery::ForId {
            name: "c".into(),
            actor_id: "i".into(),
        };
        assert_eq!(q(by_id.clone()), 1);
        assert!(by_id.retry_policy("x").lifecycle);
        assert!(!by_id.retry_policy("destroy").lifecycle);
    }
}
