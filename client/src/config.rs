//! Client configuration: endpoint, namespace, token, encoding, extra headers, and the RivetKit
//! environment variables (`RIVET_ENDPOINT`, `RIVET_NAMESPACE`, `RIVET_TOKEN`, ...).
//!
//! Precedence, as in the official client: an explicit option wins over the environment; an
//! endpoint written with URL auth syntax (`http://namespace:token@host`) sets the namespace and
//! token, and combining it with an explicit namespace or token is an error.

use std::time::Duration;

use actorium_protocol::Encoding;

use crate::backoff;
use crate::endpoint::parse_endpoint;
pub use crate::error::ConfigError;

/// The endpoint used when neither an option nor the environment names one.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:6420";
/// The namespace used when neither an option nor the environment names one.
pub const DEFAULT_NAMESPACE: &str = "default";
/// The pool (runner name) used when neither an option nor the environment names one.
pub const DEFAULT_POOL: &str = "default";
/// The official client's cap on the CBOR size of a query-gateway input (`rvt-input`).
pub const DEFAULT_MAX_INPUT_SIZE: usize = 4096;

/// Environment variable naming the endpoint (checked first, as in the official client).
pub const ENV_ENGINE: &str = "RIVET_ENGINE";
/// Environment variable naming the endpoint (checked after [`ENV_ENGINE`]).
pub const ENV_ENDPOINT: &str = "RIVET_ENDPOINT";
/// Environment variable naming the namespace.
pub const ENV_NAMESPACE: &str = "RIVET_NAMESPACE";
/// Environment variable carrying the token.
pub const ENV_TOKEN: &str = "RIVET_TOKEN";
/// Environment variable naming the pool (`rvt-runner`, `runner_name_selector`).
pub const ENV_POOL: &str = "RIVET_POOL";

/// Reconnection policy of WebSocket connections (`Connection`).
///
/// A connection that had reached `Connected` and then dropped is reopened with exponential
/// backoff from `min_delay` to `max_delay` (250 ms → 30 s by default, like the official client).
/// Transport failures and retryable actor errors (stale actor, placement timeouts, lifecycle
/// boundaries) are retried; any other actor error closes the connection for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Whether to reconnect at all.
    pub enabled: bool,
    /// First delay.
    pub min_delay: Duration,
    /// Largest delay.
    pub max_delay: Duration,
    /// Give up after this many failed attempts in a row (`None`: never give up, as in the
    /// official client).
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            enabled: true,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_attempts: None,
        }
    }
}

impl ReconnectPolicy {
    /// The delay before reconnect attempt `attempt` (0-based): `min_delay * 2^attempt`, capped.
    pub fn delay(&self, attempt: u32) -> Duration {
        backoff::exponential(self.min_delay, self.max_delay, attempt)
    }
}

/// Options of a `Client`. Build with [`ClientOptions::new`] or
/// [`ClientOptions::from_env`] and the builder methods.
///
/// Fields left `None` fall back to the environment (unless [`ClientOptions::ignore_env`] is
/// set) and then to the defaults.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Endpoint (origin plus optional base path). `None`: `RIVET_ENGINE`, then
    /// `RIVET_ENDPOINT`, then [`DEFAULT_ENDPOINT`].
    pub endpoint: Option<String>,
    /// Namespace. `None`: from the endpoint URL, then `RIVET_NAMESPACE`, then `default`.
    pub namespace: Option<String>,
    /// Token. `None`: from the endpoint URL, then `RIVET_TOKEN`, then none.
    pub token: Option<String>,
    /// Pool name for `getOrCreate`/`create`. `None`: `RIVET_POOL`, then `default`.
    pub pool_name: Option<String>,
    /// Wire encoding of actions and connections. Default: BARE, like the official client.
    pub encoding: Encoding,
    /// Headers added to every REST and gateway request (and to WebSocket upgrades).
    pub headers: Vec<(String, String)>,
    /// Skip the `GET /metadata` probe (actor-to-actor clients inside a server do).
    pub disable_metadata_lookup: bool,
    /// How many times `GET /metadata` is tried before the call fails with a transport error.
    /// Unlike the official client (which retries forever), the lookup is bounded; the delays
    /// double from 500 ms up to 15 s. Default 6 attempts (about 15 s). A refused connection
    /// (nothing listens at the endpoint) is tried twice only and then reported as such.
    pub metadata_attempts: u32,
    /// Largest CBOR size of a `getOrCreate` input sent through the query gateway.
    pub max_input_size: usize,
    /// Timeout of one HTTP request (`None`: no timeout). Default 90 s, above the actors'
    /// default 60 s action timeout.
    pub request_timeout: Option<Duration>,
    /// How long a WebSocket may take to upgrade and deliver `Init`. Default 90 s.
    pub connect_timeout: Duration,
    /// WebSocket reconnection policy.
    pub reconnect: ReconnectPolicy,
    /// Capacity of each event subscriber's queue; a subscriber that falls further behind loses
    /// events (a warning is logged). Default 1024.
    pub event_buffer: usize,
    /// Ignore the `RIVET_*` environment variables.
    pub ignore_env: bool,
    /// Extra trusted root certificates (PEM), on top of the Mozilla roots of `webpki-roots`,
    /// for `https://` requests and `wss://` connections alike. Used only with the `rustls`
    /// feature (without it `https://` endpoints are refused).
    pub root_certificates: Vec<Vec<u8>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            endpoint: None,
            namespace: None,
            token: None,
            pool_name: None,
            encoding: Encoding::Bare,
            headers: Vec::new(),
            disable_metadata_lookup: false,
            metadata_attempts: 6,
            max_input_size: DEFAULT_MAX_INPUT_SIZE,
            request_timeout: Some(Duration::from_secs(90)),
            connect_timeout: Duration::from_secs(90),
            reconnect: ReconnectPolicy::default(),
            event_buffer: 1024,
            ignore_env: false,
            root_certificates: Vec::new(),
        }
    }
}

impl ClientOptions {
    /// Options for `endpoint`; everything else from the environment or the defaults.
    pub fn new(endpoint: impl Into<String>) -> Self {
        ClientOptions {
            endpoint: Some(endpoint.into()),
            ..Default::default()
        }
    }

    /// Options entirely from the environment (`RIVET_ENDPOINT`, `RIVET_NAMESPACE`,
    /// `RIVET_TOKEN`, `RIVET_POOL`) and the defaults.
    pub fn from_env() -> Self {
        ClientOptions::default()
    }

    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Sets the token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets the pool name.
    pub fn pool_name(mut self, pool: impl Into<String>) -> Self {
        self.pool_name = Some(pool.into());
        self
    }

    /// Sets the wire encoding.
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Adds a header to every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Skips the `GET /metadata` probe.
    pub fn disable_metadata_lookup(mut self, disable: bool) -> Self {
        self.disable_metadata_lookup = disable;
        self
    }

    /// Sets how many times `GET /metadata` is tried (at least once).
    pub fn metadata_attempts(mut self, attempts: u32) -> Self {
        self.metadata_attempts = attempts.max(1);
        self
    }

    /// Sets the HTTP request timeout.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the WebSocket reconnection policy.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// Ignores the `RIVET_*` environment variables.
    pub fn ignore_env(mut self, ignore: bool) -> Self {
        self.ignore_env = ignore;
        self
    }

    /// Trusts the root certificate(s) in `pem` (one or more `BEGIN CERTIFICATE` blocks) for
    /// `https://` and `wss://`, besides the built-in Mozilla roots: for a private CA or a
    /// self-signed server. Needs the `rustls` feature; an invalid PEM makes
    /// `Client::with_options` fail with
    /// [`ConfigError::InvalidCertificate`].
    pub fn add_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Resolves the options against the process environment.
    pub(crate) fn resolve(&self) -> Result<Config, ConfigError> {
        if self.ignore_env {
            self.resolve_with(|_| None)
        } else {
            self.resolve_with(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        }
    }

    /// Resolves the options with `env` as the environment.
    pub(crate) fn resolve_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let endpoint = self
            .endpoint
            .clone()
            .or_else(|| env(ENV_ENGINE))
            .or_else(|| env(ENV_ENDPOINT))
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        let namespace = self.namespace.clone().or_else(|| env(ENV_NAMESPACE));
        let token = self.token.clone().or_else(|| env(ENV_TOKEN));
        let parsed = parse_endpoint(&endpoint)?;
        // An explicit option conflicts with URL auth; the environment yields to it.
        if parsed.namespace.is_some() && self.namespace.is_some() {
            return Err(ConfigError::Conflict("namespace"));
        }
        if parsed.token.is_some() && self.token.is_some() {
            return Err(ConfigError::Conflict("token"));
        }
        for (name, value) in &self.headers {
            let ok = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
                && reqwest::header::HeaderValue::from_str(value).is_ok();
            if !ok {
                return Err(ConfigError::InvalidHeader(name.clone()));
            }
        }
        Ok(Config {
            endpoint: parsed.base,
            namespace: parsed
                .namespace
                .or(namespace)
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string()),
            token: parsed.token.or(token),
            pool: self
                .pool_name
                .clone()
                .or_else(|| env(ENV_POOL))
                .unwrap_or_else(|| DEFAULT_POOL.to_string()),
            encoding: self.encoding,
            headers: self.headers.clone(),
            disable_metadata_lookup: self.disable_metadata_lookup,
            metadata_attempts: self.metadata_attempts.max(1),
            max_input_size: self.max_input_size,
            request_timeout: self.request_timeout,
            connect_timeout: self.connect_timeout,
            reconnect: self.reconnect.clone(),
            event_buffer: self.event_buffer.max(1),
        })
    }
}

/// Resolved configuration.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Endpoint without a trailing slash, e.g. `http://127.0.0.1:6420` or `http://h/api/rivet`.
    pub endpoint: String,
    pub namespace: String,
    pub token: Option<String>,
    pub pool: String,
    pub encoding: Encoding,
    pub headers: Vec<(String, String)>,
    pub disable_metadata_lookup: bool,
    pub metadata_attempts: u32,
    pub max_input_size: usize,
    pub request_timeout: Option<Duration>,
    pub connect_timeout: Duration,
    pub reconnect: ReconnectPolicy,
    pub event_buffer: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn environment_and_precedence() {
        let env = env_of(&[
            ("RIVET_ENDPOINT", "http://env-host:1"),
            ("RIVET_NAMESPACE", "env-ns"),
            ("RIVET_TOKEN", "env-tok"),
            ("RIVET_POOL", "env-pool"),
        ]);
        let c = ClientOptions::from_env().resolve_with(&env).unwrap();
        assert_eq!(c.endpoint, "http://env-host:1");
        assert_eq!(c.namespace, "env-ns");
        assert_eq!(c.token.as_deref(), Some("env-tok"));
        assert_eq!(c.pool, "env-pool");
        assert_eq!(c.encoding, Encoding::Bare);

        // RIVET_ENGINE wins over RIVET_ENDPOINT; an explicit endpoint wins over both.
        let env2 = env_of(&[
            ("RIVET_ENGINE", "http://engine:2"),
            ("RIVET_ENDPOINT", "http://env-host:1"),
        ]);
        let c = ClientOptions::from_env().resolve_with(&env2).unwrap();
        assert_eq!(c.endpoint, "http://engine:2");
        let c = ClientOptions::new("http://x:3")
            .resolve_with(&env2)
            .unwrap();
        assert_eq!(c.endpoint, "http://x:3");

        // URL auth wins over the environment, conflicts with explicit options.
        let c = ClientOptions::new("http://url-ns:url-tok@h")
            .resolve_with(&env)
            .unwrap();
        assert_eq!(c.namespace, "url-ns");
        assert_eq!(c.token.as_deref(), Some("url-tok"));
        assert_eq!(
            ClientOptions::new("http://url-ns@h")
                .namespace("x")
                .resolve_with(|_| None)
                .unwrap_err(),
            ConfigError::Conflict("namespace")
        );

        let c = ClientOptions::new("http://h")
            .resolve_with(|_| None)
            .unwrap();
        assert_eq!(c.namespace, "default");
        assert_eq!(c.token, None);
        assert_eq!(c.pool, "default");
        let c = ClientOptions::default().resolve_with(|_| None).unwrap();
        assert_eq!(c.endpoint, "http://localhost:6420");
    }

    #[test]
    fn bad_header_is_rejected() {
        let e = ClientOptions::new("http://h")
            .header("bad header", "v")
            .resolve_with(|_| None)
            .unwrap_err();
        assert_eq!(e, ConfigError::InvalidHeader("bad header".into()));
    }

    #[test]
    fn backoff() {
        let p = ReconnectPolicy::default();
        assert_eq!(p.delay(0), Duration::from_millis(250));
        assert_eq!(p.delay(1), Duration::from_millis(500));
        assert_eq!(p.delay(6), Duration::from_secs(16));
        assert_eq!(p.delay(7), Duration::from_secs(30));
        assert_eq!(p.delay(1000), Duration::from_secs(30));
    }
}
