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
//!
//! Connections are accepted by our own loop (`listener`, over hyper) rather than `axum::serve`,
//! so that hostile or broken clients cannot hold the server: a request head must arrive within
//! [`ConnectionLimits::header_timeout`], a body within [`ConnectionLimits::body_timeout`]
//! (`guard.request_timeout`, 408), a keep-alive connection without a request closes after
//! [`ConnectionLimits::keep_alive_timeout`], at most [`ConnectionLimits::max_connections`]
//! sockets are open (lowered to fit the open-files limit; at the cap the oldest connection
//! without a complete request is closed to make room, else the new one gets a 503
//! `guard.too_many_connections`), and shutdown waits at most
//! [`ConnectionLimits::shutdown_timeout`] for requests in flight. Upgraded WebSockets count
//! toward the cap but not toward the HTTP timeouts.

mod auth;
mod body;
mod connections;
mod errors;
mod field_watch;
mod gateway;
mod headers;
mod listener;
pub(crate) mod raw;
pub(crate) mod raw_ws;
mod rest;
mod subscriptions;
pub(crate) mod values;
pub(crate) mod ws;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{any, delete, get};
use tokio::net::TcpListener;

use crate::host::Host;

pub use errors::status_of;

/// Size limits of the front door (the reference's by default).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    /// Largest message a client may send: an HTTP action body or a WebSocket message (default
    /// 1 MiB; RivetKit's is 64 KiB). A larger one is `message.incoming_too_long`.
    pub max_incoming_message: usize,
    /// Largest message the server sends: an HTTP action response or a WebSocket message
    /// (default 1 MiB, as RivetKit's). A larger reply is `message.outgoing_too_long` for that
    /// call.
    pub max_outgoing_message: usize,
    /// Largest body of a raw HTTP request (`/request`, [`crate::Actor::on_request`]; default
    /// 16 MiB). The body streams to the actor; reading past this fails with
    /// `message.incoming_too_long` ([`crate::actor::raw_http::body_bytes`]).
    pub max_raw_body: usize,
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
            max_incoming_message: 1 << 20,
            max_outgoing_message: 1 << 20,
            max_raw_body: 16 << 20,
            max_query_input: 4096,
            max_rest_input: 4 << 20,
            max_subscriptions: 256,
            max_event_name: 256,
            ws_max_in_flight: 256,
        }
    }
}

/// Time and count limits on the front door's connections. The defaults suit a public server:
/// generous for slow mobile clients, short enough that idle or stalled sockets cannot pile up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionLimits {
    /// Time to receive a complete request head, from accept or from the first byte of a
    /// request after a keep-alive pause (default 10 s; a head is a few hundred bytes).
    pub header_timeout: Duration,
    /// Time to receive a whole request body once the server waits for it (default 30 s: a
    /// 1 MiB action body at 35 KB/s). A late body is `guard.request_timeout` (408).
    pub body_timeout: Duration,
    /// Time a keep-alive connection may stay without a request (default 60 s, longer than
    /// browsers and the official client keep idle connections).
    pub keep_alive_timeout: Duration,
    /// Most open connections, WebSockets included (default 10,000; lowered to the soft
    /// open-files limit minus a reserve).
    pub max_connections: usize,
    /// On shutdown, time requests in flight get to finish before their connections are dropped
    /// (default 10 s); every actor commits and sleeps afterwards either way.
    pub shutdown_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            shutdown_timeout: Duration::from_secs(10),
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
    /// Connection timeouts and cap.
    pub connections: ConnectionLimits,
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
            connections: ConnectionLimits::default(),
        }
    }
}

setters!(Limits {
    max_incoming_message: usize,
    max_outgoing_message: usize,
    max_raw_body: usize,
    max_query_input: usize,
    max_rest_input: usize,
    max_subscriptions: usize,
    max_event_name: usize,
    ws_max_in_flight: usize,
});

setters!(ConnectionLimits {
    header_timeout: Duration,
    body_timeout: Duration,
    keep_alive_timeout: Duration,
    max_connections: usize,
    shutdown_timeout: Duration,
});

setters!(ServerConfig {
    token: Option<String>,
    limits: Limits,
    ws_ping_interval: std::time::Duration,
    cors_origins: Vec<String>,
    connections: ConnectionLimits,
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
/// gracefully: requests in flight get up to [`ConnectionLimits::shutdown_timeout`] to finish
/// (then their connections are dropped), every actor commits and sleeps, storage closes.
pub async fn serve(
    listener: TcpListener,
    host: Host,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = config.connections.clone();
    let app = router(host.clone(), config);
    listener::run(listener, app, limits, shutdown).await;
    host.shutdown().await;
    Ok(())
}
