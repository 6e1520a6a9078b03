//! The servers the harness runs as child processes of its own binary (hidden subcommands):
//! actorium (the real host and front door, with commit counters on a side port) and the bare
//! axum ceiling.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actorium_server::storage::{
    ActorRecord, MemoryStorage, SqliteStorage, Storage, StorageError, SyncMode, TimerRecord, Write,
};
use actorium_server::{ActorKey, Host, HostConfig, Registry};
use anyhow::{Context, Result};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use tokio::net::TcpListener;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The actors actorium hosts in the benchmarks: the test `counter` (increment / getCount /
/// newCount), the seed's map-reduce `coordinator` and `worker`, and the seed's `chatRoom`
/// (hibernatable connections).
pub fn registry() -> Registry {
    Registry::new()
        .with::<actorium_tests::actors::Counter>()
        .with::<actorium_examples::chat::Room>()
        .with::<actorium_examples::map_reduce::Results>()
        .with::<actorium_examples::map_reduce::Idle>()
}

/// `serve-actorium` options.
#[derive(Debug, Clone, clap::Args)]
pub struct ActoriumArgs {
    /// Port on 127.0.0.1 (0: any).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// SQLite data directory (ignored with --memory).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// In-memory storage instead of SQLite.
    #[arg(long)]
    pub memory: bool,
    /// SQLite `synchronous` mode.
    #[arg(long, default_value = "normal")]
    pub sync: SyncArg,
    /// Idle timeout before an actor sleeps, ms.
    #[arg(long, default_value_t = 30_000)]
    pub idle_timeout_ms: u64,
    /// Idle time before an actor parks (task and mailbox freed, state kept), ms.
    #[arg(long, default_value_t = 100)]
    pub park_after_ms: u64,
}

/// `synchronous=NORMAL` or `FULL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum SyncArg {
    /// WAL + `synchronous=NORMAL`.
    Normal,
    /// WAL + `synchronous=FULL` (an fsync per group commit).
    Full,
}

static COMMIT_CALLS: AtomicU64 = AtomicU64::new(0);
static LOGGED_GROUPS: AtomicU64 = AtomicU64::new(0);
static LOGGED_GROUP_COMMITS: AtomicU64 = AtomicU64::new(0);

/// Counts [`Storage::commit`] calls (one per actor turn that changed something) and passes
/// everything through unchanged (no extra allocation).
struct CountingStorage(Arc<dyn Storage>);

impl Storage for CountingStorage {
    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'static, Result<(), StorageError>> {
        COMMIT_CALLS.fetch_add(1, Ordering::Relaxed);
        self.0.commit(writes)
    }
    fn actor_by_id(
        &self,
        id: &str,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>> {
        self.0.actor_by_id(id)
    }
    fn actor_by_key(
        &self,
        name: &str,
        key: &ActorKey,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>> {
        self.0.actor_by_key(name, key)
    }
    fn list_actors(
        &self,
        name: &str,
        limit: usize,
    ) -> BoxFuture<'static, Result<Vec<ActorRecord>, StorageError>> {
        self.0.list_actors(name, limit)
    }
    fn load_state(&self, id: &str) -> BoxFuture<'static, Result<Option<Vec<u8>>, StorageError>> {
        self.0.load_state(id)
    }
    fn timers(&self) -> BoxFuture<'static, Result<Vec<TimerRecord>, StorageError>> {
        self.0.timers()
    }
    fn close(&self) -> BoxFuture<'static, Result<(), StorageError>> {
        self.0.close()
    }
}

/// Counts the SQLite writer's `group commit` trace events (emitted for every transaction that
/// carried more than one commit request, with the number in `commits`).
struct GroupCounter;

struct CommitsField(Option<u64>);

impl Visit for CommitsField {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "commits" {
            self.0 = Some(value);
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "commits" {
            self.0 = Some(value.max(0) as u64);
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for GroupCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut v = CommitsField(None);
        event.record(&mut v);
        if let Some(n) = v.0 {
            LOGGED_GROUPS.fetch_add(1, Ordering::Relaxed);
            LOGGED_GROUP_COMMITS.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// What `GET /stats` on the side port answers: commit counters and what the host holds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct CommitStats {
    /// Storage commits requested (actor turns that changed state, creations, …).
    pub commits: u64,
    /// SQLite transactions (group commits) that carried at least one commit.
    pub transactions: u64,
    /// Actors in memory (running or parked).
    #[serde(default)]
    pub live_actors: usize,
    /// Open connections of sleeping actors (hibernated).
    #[serde(default)]
    pub hibernated_connections: usize,
}

fn commit_stats(host: &Host) -> CommitStats {
    let commits = COMMIT_CALLS.load(Ordering::Relaxed);
    let groups = LOGGED_GROUPS.load(Ordering::Relaxed);
    let grouped = LOGGED_GROUP_COMMITS.load(Ordering::Relaxed);
    CommitStats {
        commits,
        // Transactions with one commit are not logged: each is one of the remaining commits.
        transactions: groups + commits.saturating_sub(grouped),
        live_actors: host.live_actors(),
        hibernated_connections: host.hibernated_connections(),
    }
}

/// Resolves on SIGTERM/SIGINT or when stdin reaches EOF (the harness holds the other end, so
/// a crashed harness does not leak servers).
async fn shutdown_signal() {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        let _ = tx.send(());
    });
    tokio::select! {
        _ = actorium_server::cli::shutdown_signal() => {}
        _ = rx => {}
    }
}

/// `serve-actorium`: the real actorium host and front door, plus `GET /stats` on a side port.
pub fn serve_actorium(args: ActoriumArgs) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter),
        )
        .with(
            GroupCounter.with_filter(
                tracing_subscriber::filter::Targets::new()
                    .with_target("actorium_server::storage::sqlite", tracing::Level::TRACE),
            ),
        )
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let inner: Arc<dyn Storage> = if args.memory {
            Arc::new(MemoryStorage::new())
        } else {
            let sync = match args.sync {
                SyncArg::Normal => SyncMode::Normal,
                SyncArg::Full => SyncMode::Full,
            };
            Arc::new(SqliteStorage::open(&args.data_dir, sync)?)
        };
        let storage: Arc<dyn Storage> = Arc::new(CountingStorage(inner));
        let listener = TcpListener::bind(("127.0.0.1", args.port)).await?;
        let addr = listener.local_addr()?;
        std::fs::create_dir_all(&args.data_dir)?;
        let config = HostConfig::default()
            .idle_timeout(Duration::from_millis(args.idle_timeout_ms))
            .park_after(Duration::from_millis(args.park_after_ms))
            .client_endpoint(format!("http://{addr}"))
            .data_dir(args.data_dir.clone());
        let host = Host::new(registry(), storage, config);
        host.start().await?;
        let stats_listener = TcpListener::bind("127.0.0.1:0").await?;
        let stats_addr = stats_listener.local_addr()?;
        let stats_host = host.clone();
        let stats = axum::Router::new().route(
            "/stats",
            axum::routing::get(move || async move {
                serde_json::to_string(&commit_stats(&stats_host)).unwrap_or_default()
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(stats_listener, stats).await;
        });
        println!("READY http://{addr} STATS http://{stats_addr}");
        std::io::stdout().flush()?;
        actorium_server::http::serve(
            listener,
            host,
            actorium_server::http::ServerConfig::default(),
            shutdown_signal(),
        )
        .await?;
        Ok(())
    })
}

/// `serve-axum` options.
#[derive(Debug, Clone, clap::Args)]
pub struct AxumArgs {
    /// Port on 127.0.0.1 (0: any).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

type Counts = Arc<Mutex<HashMap<String, i64>>>;

/// `serve-axum`: the ceiling. The same URLs and wire format as the gateway (json encoding), but
/// an action is a lookup in a shared map: what any axum service pays for HTTP and routing.
pub fn serve_axum(args: AxumArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let counts: Counts = Arc::default();
        let app = axum::Router::new()
            .route("/gateway/{*rest}", axum::routing::any(ceiling))
            .with_state(counts);
        let listener = TcpListener::bind(("127.0.0.1", args.port)).await?;
        println!("READY http://{}", listener.local_addr()?);
        std::io::stdout().flush()?;
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("axum server")
    })
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

async fn ceiling(State(counts): State<Counts>, req: Request) -> Response {
    let key = query_param(req.uri().query().unwrap_or(""), "rvt-key")
        .unwrap_or("")
        .to_string();
    if req.method() == Method::GET && req.uri().path().contains("/websocket") {
        let (mut parts, _) = req.into_parts();
        return match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(up) => up
                .on_upgrade(move |socket| ceiling_raw_ws(socket, counts, key))
                .into_response(),
            Err(e) => e.into_response(),
        };
    }
    if req.method() == Method::GET && req.uri().path().ends_with("/connect") {
        let (mut parts, _) = req.into_parts();
        return match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(up) => up
                .protocols(["rivet"])
                .on_upgrade(move |socket| ceiling_ws(socket, counts, key))
                .into_response(),
            Err(e) => e.into_response(),
        };
    }
    let path = req.uri().path().to_string();
    let increment = path.ends_with("/action/increment");
    let _ = axum::body::to_bytes(req.into_body(), 1 << 20).await;
    let value = {
        let mut map = counts.lock().unwrap_or_else(|p| p.into_inner());
        if increment {
            let v = map.entry(key).or_insert(0);
            *v += 1;
            *v
        } else {
            map.get(&key).copied().unwrap_or(0)
        }
    };
    let mut resp = format!("{{\"output\":{value}}}").into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The ceiling of a raw WebSocket: a greeting, then the count for every text message.
async fn ceiling_raw_ws(mut socket: WebSocket, counts: Counts, key: String) {
    let count = |counts: &Counts| {
        let map = counts.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&key).copied().unwrap_or(0)
    };
    let hello = format!("hello {}", count(&counts));
    if socket.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    while let Some(Ok(msg)) = socket.recv().await {
        if let Message::Text(_) = msg {
            let reply = count(&counts).to_string();
            if socket.send(Message::Text(reply.into())).await.is_err() {
                return;
            }
        }
    }
}

async fn ceiling_ws(mut socket: WebSocket, counts: Counts, key: String) {
    let init = r#"{"body":{"tag":"Init","val":{"actorId":"ceiling00","connectionId":"c"}}}"#;
    if socket.send(Message::Text(init.into())).await.is_err() {
        return;
    }
    while let Some(Ok(msg)) = socket.recv().await {
        let Message::Text(t) = msg else { continue };
        let Some(rest) = t.split_once(r#""id":["$BigInt",""#).map(|(_, r)| r) else {
            continue;
        };
        let id = rest.split('"').next().unwrap_or("0");
        let value = counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .copied()
            .unwrap_or(0);
        let reply = format!(
            r#"{{"body":{{"tag":"ActionResponse","val":{{"id":["$BigInt","{id}"],"output":{value}}}}}}}"#
        );
        if socket.send(Message::Text(reply.into())).await.is_err() {
            return;
        }
    }
}
