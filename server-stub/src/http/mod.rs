//! The front door: the RivetKit 2.3.19 client protocol over HTTP/1.1 and WebSocket (axum).
//!
//! Routes (those of RivetKit's manager API): `GET /metadata`, `GET /health`, `GET|PUT|POST /actors`,
//! `DELETE /actors/{id}`, `GET /actors/names`, actorium's own `GET /actorium/schema` (the
//! registry's schema document), and the gateway in both forms
//! (`/gateway/{name}…?rvt-…` and `/gateway/{actorId}[@token]…`) for `/action/{name}` (HTTP) and
//! `/connect` (WebSocket). Raw `/request`, `/websocket` and `/queue` answer
//! `core.not_supported`. Responses carry CORS headers for the configured origins
//! ([`ServerConfig::cors_origins`]; none by default); an optional
//! token is checked on everything but `/metadata` and `/health`. Every bad input gets one
//! structured error (`{group, code, message}`) and the server goes on.

mod auth;
mod body;
mod errors;
mod field_watch;
mod gateway;
mod rest;
mod subscriptions;
pub(crate) mod values;
pub(crate) mod ws;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::{any, delete, get};
use tokio::net::TcpListener;

use crate::host::Host;

pub use errors::status_of;

/// Size limits of the front door (the reference's by default).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    /// Largest HTTP action body and WebSocket message, in and out (default 1 MiB).
    pub max_message: usize,
    /// Largest input through `rvt-input` (CBOR bytes; default 4 KiB, the official client's cap).
    pub max_query_input: usize,
    /// Largest input through `PUT/POST /actors` (CBOR bytes; default 4 MiB).
    pub max_rest_input: usize,
    /// Most event subscriptions one WebSocket connection holds (default 256); more get
    /// `actor.too_many_subscriptions`. Names the actor does not declare count too.
    pub max_subscriptions: usize,
    /// Longest event name a subscription may give, in bytes (default 256).
    pub max_event_name: usize,
    /// Most actions of one WebSocket connection awaiting their replies; at the cap the server
    /// reads no more frames from it until replies go out (default 256).
    pub ws_max_in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: 1 << 20,
            max_query_input: 4096,
            max_rest_input: 4 << 20,
            max_subscriptions: 256,
            max_event_name: 256,
            ws_max_in_flight: 256,
        }
    }
}

/// Front-door settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// If set, every request but `/metadata` and `/health` must carry this token
    /// (`Authorization: Bearer`, `x-rivet-token`, `/gateway/{id}@{token}`, `rvt-token`, or the
    /// WebSocket subprotocol `rivet_token.{token}`).
    pub token: Option<String>,
    /// Size limits.
    pub limits: Limits,
    /// The server pings every WebSocket this often and closes one that has not answered the
    /// previous ping (or takes longer than this to accept a frame); zero turns pings off
    /// (default 30 s).
    pub ws_ping_interval: std::time::Duration,
    /// Browser origins allowed to call (CORS). Empty (the default): no CORS headers, so
    /// browsers refuse cross-origin calls (non-browser clients never look). `"*"`: every
    /// origin, without credentials. Otherwise a request whose `Origin` is listed gets it back
    /// with credentials allowed (what the official browser client, which sends
    /// `credentials: "include"`, needs).
    pub cors_origins: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            token: None,
            limits: Limits::default(),
            ws_ping_interval: std::time::Duration::from_secs(30),
            cors_origins: Vec::new(),
        }
    }
}

setters!(Limits {
    max_message: usize,
    max_query_input: usize,
    max_rest_input: usize,
    max_subscriptions: usize,
    max_event_name: usize,
    ws_max_in_flight: usize,
});

setters!(ServerConfig {
    token: Option<String>,
    limits: Limits,
    ws_ping_interval: std::time::Duration,
    cors_origins: Vec<String>,
});

pub(crate) struct AppState {
    pub host: Host,
    pub config: ServerConfig,
}

pub(crate) type App = Arc<AppState>;

/// The axum router of the front door.
pub fn router(host: Host, config: ServerConfig) -> Router {
    let state: App = Arc::new(AppState { host, config });
    Router::new()
        .route("/metadata", get(rest::metadata))
        .route("/health", get(rest::health))
        .route(
            "/actors",
            get(rest::list_actors)
                .put(rest::get_or_create_actor)
                .post(rest::create_actor),
        )
        .route("/actors/names", get(rest::actor_names))
        .route("/actors/{id}", delete(rest::destroy_actor))
        // The registry's schema document, as the `schema` subcommand prints it. Not exempt from
        // the token (unlike `/metadata` and `/health`): it lists every actor, action, event and
        // type, more than `GET /actors/names` (which needs the token too) reveals, so a server
        // that hides its actors behind a token hides its contract as well. Tooling passes the
        // token like any client (`Authorization: Bearer …` or `x-rivet-token`).
        .route("/actorium/schema", get(rest::schema))
        .route("/gateway/{*rest}", any(gateway::gateway))
        .fallback(errors::no_route)
        .layer(auth::CorsAndAuthLayer(state.clone()))
        .with_state(state)
}

/// Serves the front door on `listener` until `shutdown` resolves, then shuts the host down
/// gracefully (in-flight requests finish, every actor commits and sleeps, storage closes).
pub async fn serve(
    listener: TcpListener,
    host: Host,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(host.clone(), config);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    host.shutdown().await;
    result
}
