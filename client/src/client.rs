//! [`Client`]: the entry point. Cheap to clone, `Send + Sync`. Its constructors and shared
//! state live here; the handles it gives out are built in `accessor`.

use std::fmt;
use std::sync::Arc;

use actorium_protocol::Encoding;
use tokio::sync::OnceCell;

use crate::config::{ClientOptions, Config};
use crate::error::{CallError, ConfigError};
use crate::http::{self, Http, Resolved};
use crate::router::LocalRouter;
use crate::tls::Tls;

/// A client of a RivetKit-compatible server (the Rivet Engine, or actorium's own server).
///
/// Cheap to clone (an `Arc` inside); clones share the HTTP connection pool and the metadata
/// lookup. Handles are lazy: creating one sends nothing.
///
/// ```no_run
/// # async fn demo() -> Result<(), actorium_client::CallError> {
/// use actorium::client::{Client, Value};
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

/// What the clones of a client share.
pub(crate) struct Inner {
    /// The resolved options, or the error every call reports.
    pub config: Result<Config, ConfigError>,
    /// The HTTP connection pool.
    pub http: reqwest::Client,
    /// TLS for `wss://` connections (the pool has it too).
    pub tls: Tls,
    /// The `/metadata` lookup's outcome.
    pub resolved: OnceCell<Arc<Resolved>>,
    /// The in-process router, if any.
    pub router: Option<Arc<dyn LocalRouter>>,
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
        Self::build(Self::prepare(&ClientOptions::new(endpoint)))
    }

    /// Like [`Client::new`], but reports an invalid endpoint at once.
    pub fn try_new(endpoint: impl Into<String>) -> Result<Client, ConfigError> {
        Self::with_options(ClientOptions::new(endpoint))
    }

    /// A client configured entirely from the environment: `RIVET_ENGINE` or `RIVET_ENDPOINT`
    /// (default `http://localhost:6420`), `RIVET_NAMESPACE`, `RIVET_TOKEN`, `RIVET_POOL`.
    /// Like [`Client::new`], it never fails.
    pub fn from_env() -> Client {
        Self::build(Self::prepare(&ClientOptions::from_env()))
    }

    /// A client with explicit options.
    pub fn with_options(options: ClientOptions) -> Result<Client, ConfigError> {
        Ok(Self::build(Ok(Self::prepare(&options)?)))
    }

    /// Resolves the options and sets up TLS.
    fn prepare(options: &ClientOptions) -> Result<(Config, Tls), ConfigError> {
        let config = options.resolve()?;
        let tls = Tls::new(&options.root_certificates)?;
        Ok((config, tls))
    }

    fn build(prepared: Result<(Config, Tls), ConfigError>) -> Client {
        let (config, tls) = match prepared {
            Ok((config, tls)) => (Ok(config), tls),
            Err(e) => (Err(e), Tls::default()),
        };
        Client {
            inner: Arc::new(Inner {
                config,
                http: http::pool(&tls),
                tls,
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
                tls: self.inner.tls.clone(),
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
}

impl Inner {
    /// The configuration, or the deferred configuration error.
    pub fn config(&self) -> Result<&Config, CallError> {
        self.config
            .as_ref()
            .map_err(|e| CallError::Config(e.clone()))
    }

    /// The HTTP side: the pool and the configuration (or the deferred configuration error).
    pub fn http(&self) -> Result<Http<'_>, CallError> {
        Ok(Http {
            pool: &self.http,
            config: self.config()?,
        })
    }

    /// Endpoint, namespace and token, after the `/metadata` lookup (done once per client).
    pub async fn resolved(&self) -> Result<Arc<Resolved>, CallError> {
        let http = self.http()?;
        self.resolved
            .get_or_try_init(|| async { http.resolve().await.map(Arc::new) })
            .await
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handle::ActorHandle;

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Client>();
        assert_send_sync::<ActorHandle>();
        assert_send_sync::<crate::connection::Connection>();
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

    #[tokio::test]
    async fn invalid_endpoint_is_reported_on_use() {
        let client = Client::new("ftp://example.invalid");
        let err = client
            .actor("counter")
            .get("x")
            .action("getCount", vec![])
            .await
            .unwrap_err();
        assert!(matches!(err, CallError::Config(_)), "{err:?}");
        assert!(Client::try_new("ftp://x").is_err());
    }

    #[cfg(not(feature = "rustls"))]
    #[tokio::test]
    async fn https_needs_the_rustls_feature() {
        let err = Client::try_new("https://ns:secret@example.invalid").unwrap_err();
        assert_eq!(
            err,
            ConfigError::TlsNotEnabled("https://example.invalid".into())
        );
        let message = err.to_string();
        assert!(message.contains("enable the `rustls` feature"), "{message}");
        assert!(!message.contains("secret"), "{message}");
        let err = Client::new("https://example.invalid")
            .actor("counter")
            .get("x")
            .action("getCount", vec![])
            .await
            .unwrap_err();
        assert!(
            matches!(err, CallError::Config(ConfigError::TlsNotEnabled(_))),
            "{err:?}"
        );
    }
}
