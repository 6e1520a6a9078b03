//! [`Client`]: the entry point. Cheap to clone, `Send + Sync`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use actorium_protocol::rest::Metadata;
use actorium_protocol::{Encoding, IntoKey, Value, WireError};
use tokio::sync::OnceCell;

use crate::config::{Config, ConfigError, parse_endpoint};
use crate::{ActorHandle, ActorQuery, CallError, ClientOptions, LocalRouter};

/// Attempts of `create` when the engine answers `actor.destroyed_during_creation`.
const CREATE_ATTEMPTS: u32 = 5;

/// A client of a RivetKit-compatible server (the Rivet Engine, or actorium's own server).
///
/// Cheap to clone (an `Arc` inside); clones share the HTTP connection pool and the metadata
/// lookup. Handles are lazy: creating one sends nothing.
///
/// ```no_run
/// # async fn demo() -> Result<(), actorium_client::CallError> {
/// use actorium_client::{Client, Value};
/// let client = Client::new("http://127.0.0.1:6420");
/// let counter = client.actor("counter").get_or_create(["my-counter"], None);
/// let n: u64 = counter.call("increment", (5,)).await?;
/// let id = counter.resolve().await?;
/// let same = client.actor("counter").get_for_id(&id);
/// assert_eq!(same.action("getCount", vec![]).await?, Value::Integer(n.into()));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: Result<Config, ConfigError>,
    pub http: reqwest::Client,
    pub resolved: OnceCell<Arc<Resolved>>,
    pub router: Option<Arc<dyn LocalRouter>>,
}

/// Endpoint, namespace and token after the `/metadata` lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub endpoint: String,
    pub namespace: String,
    pub token: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Client");
        match &self.inner.config {
            Ok(c) => d
                .field("endpoint", &c.endpoint)
                .field("namespace", &c.namespace)
                .field("encoding", &c.encoding),
            Err(e) => d.field("config_error", e),
        };
        d.field("local_router", &self.inner.router.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `endpoint` (e.g. `http://127.0.0.1:6420`), with the namespace, token and
    /// pool from the environment (`RIVET_NAMESPACE`, `RIVET_TOKEN`, `RIVET_POOL`) or the
    /// defaults, and the BARE encoding.
    ///
    /// Never fails: an invalid endpoint makes every call return [`CallError::Config`]. Use
    /// [`Client::try_new`] or [`Client::with_options`] to check it up front.
    pub fn new(endpoint: impl Into<String>) -> Client {
        Self::build(ClientOptions::new(endpoint).resolve())
    }

    /// Like [`Client::new`], but reports an invalid endpoint at once.
    pub fn try_new(endpoint: impl Into<String>) -> Result<Client, ConfigError> {
        Self::with_options(ClientOptions::new(endpoint))
    }

    /// A client configured entirely from the environment: `RIVET_ENGINE` or `RIVET_ENDPOINT`
    /// (default `http://localhost:6420`), `RIVET_NAMESPACE`, `RIVET_TOKEN`, `RIVET_POOL`.
    /// Like [`Client::new`], it never fails.
    pub fn from_env() -> Client {
        Self::build(ClientOptions::from_env().resolve())
    }

    /// A client with explicit options.
    pub fn with_options(options: ClientOptions) -> Result<Client, ConfigError> {
        let config = options.resolve()?;
        Ok(Self::build(Ok(config)))
    }

    fn build(config: Result<Config, ConfigError>) -> Client {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Client {
            inner: Arc::new(Inner {
                config,
                http,
                resolved: OnceCell::new(),
                router: None,
            }),
        }
    }

    /// A client that asks `router` first for every stateless action and `resolve` (see
    /// [`LocalRouter`]). Shares this client's HTTP pool and metadata lookup state.
    pub fn with_local_router(&self, router: Arc<dyn LocalRouter>) -> Client {
        Client {
            inner: Arc::new(Inner {
                config: self.inner.config.clone(),
                http: self.inner.http.clone(),
                resolved: self.inner.resolved.clone(),
                router: Some(router),
            }),
        }
    }

    /// The wire encoding (BARE unless configured otherwise).
    pub fn encoding(&self) -> Encoding {
        self.inner
            .config
            .as_ref()
            .map(|c| c.encoding)
            .unwrap_or_default()
    }

    /// Untyped access to the actors named `name`: for actors without a Rust contract (e.g.
    /// TypeScript actors on the Rivet Engine). Actors with a contract use the typed accessors
    /// ([`Client::get`], [`Client::get_or_create`], [`Client::create`], [`Client::get_for_id`]).
    pub fn actor(&self, name: impl Into<String>) -> ActorAccessor {
        ActorAccessor {
            client: self.clone(),
            name: name.into(),
        }
    }

    /// A handle to the actor `name` with `key`, which must exist (`get`).
    pub(crate) fn get_untyped(&self, name: impl Into<String>, key: impl IntoKey) -> ActorHandle {
        self.handle(ActorQuery::Get {
            name: name.into(),
            key: key.into_key(),
        })
    }

    /// A handle to the actor `name` with `key`, created with `input` on first use if it does
    /// not exist (`getOrCreate`; the input is ignored when the actor exists).
    pub(crate) fn get_or_create_untyped(
        &self,
        name: impl Into<String>,
        key: impl IntoKey,
        input: Option<Value>,
    ) -> ActorHandle {
        self.handle(ActorQuery::GetOrCreate {
            name: name.into(),
            key: key.into_key(),
            input,
            region: None,
        })
    }

    /// Creates the actor `name` with `key` and `input` now (`POST /actors`) and returns a
    /// handle by its id. Fails with `actor.duplicate_key` if the key is taken.
    ///
    /// The Rivet Engine sometimes answers a taken key with `actor.destroyed_during_creation`
    /// (observed often with engine 2.3.19). The client then looks the key up: if it is taken,
    /// the call fails with `actor.duplicate_key` (the engine's message and metadata
    /// `{existing_actor_id, key}`); if not, the request is repeated, up to 5 times.
    pub(crate) async fn create_untyped(
        &self,
        name: impl Into<String>,
        key: impl IntoKey,
        input: Option<Value>,
    ) -> Result<ActorHandle, CallError> {
        let name = name.into();
        let key = key.into_key();
        key.validate()
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        let resolved = self.inner.resolved().await?;
        // The engine sometimes answers a taken key with `actor.destroyed_during_creation`
        // (the conflicting new actor destroyed itself) instead of `actor.duplicate_key`. No actor
        // was created then: if the key is taken, report `actor.duplicate_key` as the engine
        // otherwise does; if it is free, repeat the request (a few times at most).
        let mut attempt = 1;
        let actor = loop {
            match self
                .inner
                .create_actor(&resolved, &name, &key, input.as_ref(), None)
                .await
            {
                Err(e) if e.is("actor", "destroyed_during_creation") => {
                    if let Some(existing) = self.inner.actor_by_key(&resolved, &name, &key).await? {
                        return Err(CallError::from(WireError::duplicate_key(
                            &key.to_rest(),
                            &existing.actor_id,
                        )));
                    }
                    if attempt >= CREATE_ATTEMPTS {
                        return Err(e);
                    }
                    tracing::debug!(%name, %key, attempt, "create: destroyed during creation, retrying");
                    attempt += 1;
                    tokio::time::sleep(crate::retry::STALE_DELAY).await;
                }
                other => break other?,
            }
        };
        tracing::debug!(actor_id = %actor.actor_id, %name, %key, "created actor");
        Ok(self.get_for_id_untyped(name, actor.actor_id))
    }

    /// A handle to the actor `name` with id `actor_id`.
    pub(crate) fn get_for_id_untyped(
        &self,
        name: impl Into<String>,
        actor_id: impl Into<String>,
    ) -> ActorHandle {
        self.handle(ActorQuery::ForId {
            name: name.into(),
            actor_id: actor_id.into(),
        })
    }

    /// A handle for any query.
    pub fn handle(&self, query: ActorQuery) -> ActorHandle {
        ActorHandle::new(self.clone(), query)
    }
}

/// Untyped access to the actors of one name (see [`Client::actor`]).
#[derive(Debug, Clone)]
pub struct ActorAccessor {
    client: Client,
    name: String,
}

impl ActorAccessor {
    /// A handle to the actor with `key`, which must exist (`get`).
    pub fn get(&self, key: impl IntoKey) -> ActorHandle {
        self.client.get_untyped(self.name.clone(), key)
    }

    /// A handle to the actor with `key`, created with `input` on first use if it does not exist
    /// (`getOrCreate`; the input is ignored when the actor exists).
    pub fn get_or_create(&self, key: impl IntoKey, input: Option<Value>) -> ActorHandle {
        self.client
            .get_or_create_untyped(self.name.clone(), key, input)
    }

    /// Creates the actor with `key` and `input` now and returns a handle by its id; fails with
    /// `actor.duplicate_key` if the key is taken.
    pub async fn create(
        &self,
        key: impl IntoKey,
        input: Option<Value>,
    ) -> Result<ActorHandle, CallError> {
        self.client
            .create_untyped(self.name.clone(), key, input)
            .await
    }

    /// A handle to the actor with id `actor_id`.
    pub fn get_for_id(&self, actor_id: impl Into<String>) -> ActorHandle {
        self.client.get_for_id_untyped(self.name.clone(), actor_id)
    }
}

impl Inner {
    /// The configuration, or the deferred configuration error.
    pub fn config(&self) -> Result<&Config, CallError> {
        self.config
            .as_ref()
            .map_err(|e| CallError::Config(e.clone()))
    }

    /// Endpoint, namespace and token, after the `/metadata` lookup (done once per client).
    pub async fn resolved(&self) -> Result<Arc<Resolved>, CallError> {
        let config = self.config()?;
        self.resolved
            .get_or_try_init(|| async {
                let mut resolved = Resolved {
                    endpoint: config.endpoint.clone(),
                    namespace: config.namespace.clone(),
                    token: config.token.clone(),
                };
                if !config.disable_metadata_lookup {
                    let metadata = self.fetch_metadata(config).await?;
                    apply_metadata(&mut resolved, metadata);
                }
                Ok(Arc::new(resolved))
            })
            .await
            .cloned()
    }
}

/// Applies `clientEndpoint`, `clientNamespace` and `clientToken` from `/metadata`.
fn apply_metadata(resolved: &mut Resolved, metadata: Metadata) {
    tracing::debug!(
        runtime = ?metadata.runtime,
        version = ?metadata.version,
        "metadata lookup done"
    );
    if let Some(endpoint) = metadata.client_endpoint {
        match parse_endpoint(&endpoint) {
            Ok(p) => resolved.endpoint = p.base,
            Err(e) => {
                tracing::warn!(%endpoint, error = %e, "ignoring the server's clientEndpoint")
            }
        }
    }
    if let Some(ns) = metadata.client_namespace {
        resolved.namespace = ns;
    }
    if let Some(token) = metadata.client_token {
        resolved.token = Some(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Client>();
        assert_send_sync::<ActorHandle>();
        assert_send_sync::<crate::Connection>();
    }

    #[test]
    fn futures_are_send() {
        // Actor code awaits these inside `Send` futures.
        fn assert_send<T: Send>(_: T) {}
        let client = Client::new("http://127.0.0.1:1");
        let handle = client.actor("counter").get_or_create("k", None);
        assert_send(handle.action("x", vec![]));
        assert_send(handle.call::<_, u64>("x", (1,)));
        assert_send(handle.resolve());
        assert_send(handle.connect());
        assert_send(client.actor("counter").create("k", None));
    }

    #[test]
    fn metadata_redirects() {
        let mut r = Resolved {
            endpoint: "http://a:1".into(),
            namespace: "default".into(),
            token: None,
        };
        let m: Metadata = serde_json::from_str(
            r#"{"runtime":"engine","clientEndpoint":"http://b:2/base/","clientNamespace":"ns","clientToken":"t"}"#,
        )
        .unwrap();
        apply_metadata(&mut r, m);
        assert_eq!(
            r,
            Resolved {
                endpoint: "http://b:2/base".into(),
                namespace: "ns".into(),
                token: Some("t".into())
            }
        );
        apply_metadata(&mut r, Metadata::default());
        assert_eq!(r.endpoint, "http://b:2/base");
    }

    #[tokio::test]
    async fn invalid_endpoint_is_reported_on_use() {
        let client = Client::new("https://example.invalid");
        let err = client
            .actor("counter")
            .get("x")
            .action("getCount", vec![])
            .await
            .unwrap_err();
        assert!(matches!(err, CallError::Config(_)), "{err:?}");
        assert!(Client::try_new("ftp://x").is_err());
    }
}
