//! Scale-out: the same actors hosted on the Rivet Engine, this process joining it as an envoy
//! (feature `engine`; `my-server --engine http://127.0.0.1:6420`).
//!
//! The transport is upstream's `rivet-envoy-client` (envoy protocol v8, engine 2.3.19). What
//! we add on top:
//!
//! - **Preflight with clear errors** ([`preflight`]): the engine must answer `GET /metadata`
//!   within seconds as a Rivet Engine speaking our envoy protocol version; the namespace must
//!   exist and the token be accepted. (The envoy client itself retries silently forever.)
//! - **Runner configuration**: `PUT /runner-configs/{pool}?namespace=…` (kind `normal`: envoys
//!   connect out to the engine) for every datacenter, retried while the engine finishes
//!   booting; then we wait until the engine lists this envoy in the pool.
//! - **Hosting** (`envoy`): the engine starts an actor here (`on_actor_start`): its state
//!   and timers are read from the engine's KV ([`kv::KvStorage`]); a new actor runs
//!   `create_state(input)`/`on_create`. Tunneled HTTP requests go through the bundled front
//!   door (`/gateway/{actorId}/…`), WebSocket connections through the same connection protocol
//!   as the bundled server. Every commit writes the actor's KV; its earliest timer becomes the
//!   engine alarm. An actor that goes to sleep on its own reports it (engine sleep); the
//!   engine's stop (sleep, migration, destroy) commits and unloads it before it is
//!   acknowledged, so an actor is never active on two envoys at once.
//! - **Actor-to-actor calls** go through the engine's gateway (the target may live on another
//!   envoy), never in-process.
//!
//! Log lines with target `actorium::engine::activation` (`actor activated` / `actor
//! deactivated`, with `actor_id`, `generation`, `at_ms`) trace placement.

mod envoy;
pub mod kv;
mod setup;
mod ws;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rivet_envoy_client::config::{ActorName, EnvoyConfig};
use serde_json::json;

use crate::host::{Host, HostConfig, Registry};
use crate::http::ServerConfig;

pub use kv::KvStorage;
use setup::{base, envoy_listed};
pub use setup::{preflight, register_runner_config};

/// The engine release this envoy is built for.
pub const ENGINE_VERSION: &str = "2.3.19";

/// Where and how to join an engine.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EngineOptions {
    /// The engine's endpoint (`http://127.0.0.1:6420`).
    pub endpoint: String,
    /// Namespace (default `default`).
    pub namespace: String,
    /// Token sent to the engine, if it requires one.
    pub token: Option<String>,
    /// Pool (runner name) this envoy serves (default `default`).
    pub pool: String,
    /// How long startup waits for the engine before failing (default 5 s).
    pub startup_timeout: Duration,
}

impl EngineOptions {
    /// Options for `endpoint` with the defaults.
    pub fn new(endpoint: impl Into<String>) -> Self {
        EngineOptions {
            endpoint: endpoint.into(),
            namespace: "default".into(),
            token: None,
            pool: "default".into(),
            startup_timeout: Duration::from_secs(5),
        }
    }
}

setters!(EngineOptions {
    namespace: String,
    token: Option<String>,
    pool: String,
    startup_timeout: Duration,
});

/// Why joining the engine failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Nothing answers at the endpoint.
    #[error(
        "cannot reach the Rivet Engine at {endpoint} ({reason}); is it running? (start one with `npx @rivetkit/engine-cli@{ENGINE_VERSION} start`, or fix --engine / RIVET_ENDPOINT)"
    )]
    Unreachable {
        /// The endpoint.
        endpoint: String,
        /// The last connection error.
        reason: String,
    },
    /// Something answers, but not a Rivet Engine.
    #[error("{endpoint} is not a Rivet Engine: {detail}")]
    NotAnEngine {
        /// The endpoint.
        endpoint: String,
        /// What it answered.
        detail: String,
    },
    /// The engine speaks another envoy protocol.
    #[error(
        "the Rivet Engine at {endpoint} is version {version} with envoy protocol {got}; this server speaks envoy protocol {want} (engine {ENGINE_VERSION})"
    )]
    Incompatible {
        /// The endpoint.
        endpoint: String,
        /// The engine's version.
        version: String,
        /// The engine's envoy protocol version.
        got: String,
        /// Ours.
        want: u16,
    },
    /// The namespace does not exist.
    #[error(
        "namespace `{namespace}` does not exist on the engine at {endpoint} (create it, or fix --namespace / RIVET_NAMESPACE)"
    )]
    NamespaceNotFound {
        /// The endpoint.
        endpoint: String,
        /// The namespace.
        namespace: String,
    },
    /// The engine refused the token.
    #[error(
        "the Rivet Engine at {endpoint} refused the token ({status}: {body}); set --engine-token / RIVET_TOKEN"
    )]
    Unauthorized {
        /// The endpoint.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
    /// Registering the pool's runner configuration failed.
    #[error("cannot configure pool `{pool}` on the engine at {endpoint}: {detail}")]
    PoolConfig {
        /// The endpoint.
        endpoint: String,
        /// The pool.
        pool: String,
        /// What went wrong.
        detail: String,
    },
    /// The envoy connection was not accepted in time.
    #[error(
        "the engine at {endpoint} did not accept this envoy into pool `{pool}` within {secs} s: {detail}"
    )]
    NotRegistered {
        /// The endpoint.
        endpoint: String,
        /// The pool.
        pool: String,
        /// Seconds waited.
        secs: u64,
        /// What was seen.
        detail: String,
    },
}

/// Joins the engine as an envoy hosting `registry`'s actors until `shutdown` resolves.
///
/// `config` is the host configuration (idle timeout, action timeout, data dir); its client
/// settings are replaced by the engine's.
pub async fn run(
    registry: Registry,
    config: HostConfig,
    opts: EngineOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), EngineError> {
    let dcs = preflight(&opts).await?;
    register_runner_config(&opts, &dcs).await?;

    let storage = KvStorage::new();
    let config = HostConfig {
        client_endpoint: base(&opts.endpoint).to_string(),
        client_token: opts.token.clone(),
        namespace: opts.namespace.clone(),
        ..config
    };
    let mut client_options = actorium_client::ClientOptions::new(base(&opts.endpoint))
        .namespace(opts.namespace.clone())
        .pool_name(opts.pool.clone())
        .disable_metadata_lookup(true)
        .ignore_env(true);
    if let Some(t) = &opts.token {
        client_options = client_options.token(t.clone());
    }
    let client = actorium_client::Client::with_options(client_options).map_err(|e| {
        EngineError::NotAnEngine {
            endpoint: opts.endpoint.clone(),
            detail: format!("invalid endpoint: {e}"),
        }
    })?;
    let host = Host::with_remote_client(registry, Arc::new(storage.clone()), config, client);
    // Nothing to load globally: timers are loaded per actor.
    let _ = host.start().await;
    let router = crate::http::router(host.clone(), ServerConfig::default());
    let stopping = Arc::new(Mutex::new(HashSet::new()));
    let callbacks = envoy::Callbacks {
        host: host.clone(),
        storage: storage.clone(),
        router,
        stopping: stopping.clone(),
    };
    let names: HashMap<String, ActorName> = host
        .registry()
        .names()
        .map(|n| {
            (
                n.to_string(),
                ActorName {
                    metadata: json!({}),
                },
            )
        })
        .collect();
    let handle = rivet_envoy_client::envoy::start_envoy_sync(EnvoyConfig {
        version: 1,
        endpoint: base(&opts.endpoint).to_string(),
        token: opts.token.clone(),
        namespace: opts.namespace.clone(),
        pool_name: opts.pool.clone(),
        prepopulate_actor_names: names,
        metadata: Some(json!({ "runtime": "actorium", "version": env!("CARGO_PKG_VERSION") })),
        not_global: true,
        debug_latency_ms: None,
        callbacks: Arc::new(callbacks),
    });
    storage.set_handle(handle.clone());
    {
        let handle = handle.clone();
        let storage = storage.clone();
        let live = host.clone();
        host.set_sleep_listener(Arc::new(move |id: &str| {
            if crate::sync::lock(&stopping).contains(id) || live.is_live(id) {
                return;
            }
            if let Some(generation) = storage.generation(id) {
                tracing::debug!(actor = %id, "idle; asking the engine to put it to sleep");
                handle.sleep_actor(id.to_string(), Some(generation), None);
            }
        }));
    }

    // Wait until the engine accepted the connection and lists this envoy in the pool.
    let wait = opts.startup_timeout.max(Duration::from_secs(5));
    let deadline = Instant::now() + wait;
    let not_registered = |detail: String| EngineError::NotRegistered {
        endpoint: opts.endpoint.clone(),
        pool: opts.pool.clone(),
        secs: wait.as_secs(),
        detail,
    };
    if tokio::time::timeout(wait, handle.started()).await.is_err() {
        handle.shutdown(true);
        return Err(not_registered(
            "the envoy WebSocket (/envoys/connect) never completed its handshake; see the log above".into(),
        ));
    }
    let key = handle.get_envoy_key().to_string();
    loop {
        let last = match envoy_listed(&opts, &key).await {
            Ok(true) => break,
            Ok(false) => "the engine does not list it in GET /envoys".to_string(),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            handle.shutdown(true);
            return Err(not_registered(last));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tracing::info!(endpoint = %opts.endpoint, namespace = %opts.namespace, pool = %opts.pool, envoy_key = %key, actors = ?host.registry(), "joined the engine");
    println!(
        "actorium envoy {key} joined {} (namespace {}, pool {})",
        base(&opts.endpoint),
        opts.namespace,
        opts.pool
    );
    let _ = std::io::stdout().flush();

    shutdown.await;
    // The engine stops (and we commit) every actor here, then the connection closes.
    if tokio::time::timeout(Duration::from_secs(15), handle.shutdown_and_wait(false))
        .await
        .is_err()
    {
        tracing::warn!("the engine did not drain this envoy within 15 s");
    }
    for id in storage.active_ids() {
        host.sleep(&id).await;
    }
    host.shutdown().await;
    tracing::info!("left the engine");
    Ok(())
}
