//! The serve helper: `actorium::cli::main(registry)` is what a server binary's `main` calls.
//!
//! ```text
//! my-server [serve] [--host 127.0.0.1] [--port 6420] [--data-dir ./.actorium] [--memory]
//!                   [--token T] [--sync normal|full] [--idle-timeout-ms 30000]
//!                   [--park-after-ms 100] [--action-timeout-ms 60000]
//!                   [--header-timeout-ms 10000] [--body-timeout-ms 30000]
//!                   [--keep-alive-timeout-ms 60000] [--max-connections 10000]
//!                   [--shutdown-timeout-ms 10000]
//! my-server schema              prints the registry's schema (JSON)
//! my-server --engine URL [--namespace default] [--pool default] [--engine-token T]
//!                               (feature `engine`) joins a Rivet Engine as an envoy instead of
//!                               listening; see [`crate::engine`]
//! ```
//!
//! Logs go to stderr (`RUST_LOG` filters them, default `info`); once the server listens it
//! prints `actorium listening on http://ADDR` on stdout (with `--port 0`, ADDR has the port
//! the system chose). SIGINT/SIGTERM shut down gracefully: in-flight requests get up to
//! `--shutdown-timeout-ms` to finish (then their connections are dropped), every actor
//! commits, the database is checkpointed.

use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tokio::net::TcpListener;

use crate::host::Registry;
use crate::host::{Host, HostConfig};
use crate::http::{self, ConnectionLimits, ServerConfig};
use crate::storage::{MemoryStorage, SqliteStorage, Storage, StorageError, SyncMode};

/// A failure of the serve helper.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Binding or serving failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The address to listen on could not be bound (taken, or not an address of this host).
    #[error("cannot listen on {addr}: {source}{hint}")]
    Bind {
        /// `host:port` as given.
        addr: String,
        /// Why.
        source: std::io::Error,
        /// What to do about it (empty if nothing specific).
        hint: &'static str,
    },
    /// `--data-dir` names something that is not a directory.
    #[error(
        "the data directory {} exists but is not a directory: choose another --data-dir \
         (ACTORIUM_DATA_DIR)",
        .0.display()
    )]
    DataDirNotADirectory(PathBuf),
    /// The storage could not be opened or loaded.
    #[error("storage error: {0}")]
    Storage(#[from] StorageError),
    /// Joining the Rivet Engine failed (`--engine`).
    #[cfg(feature = "engine")]
    #[error("{0}")]
    Engine(#[from] crate::engine::EngineError),
}

/// The command line.
#[derive(Debug, Parser)]
#[command(about = "An actorium actor server", version)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Serve options (when no subcommand is given).
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands.
// Parsed once per process: the size of the serve variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the registry's actors over HTTP and WebSocket (the default).
    Serve(ServeArgs),
    /// Print the registry's schema (JSON) and exit.
    Schema,
}

/// `synchronous` mode of the SQLite database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncArg {
    /// Committed changes survive a crash of the process (default).
    Normal,
    /// Committed changes also survive a power loss (slower).
    Full,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "ACTORIUM_HOST")]
    pub host: String,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 6420, env = "ACTORIUM_PORT")]
    pub port: u16,
    /// Directory of the SQLite database (created if missing).
    #[arg(long, default_value = "./.actorium", env = "ACTORIUM_DATA_DIR")]
    pub data_dir: PathBuf,
    /// Keep everything in memory (nothing survives the process).
    #[arg(long)]
    pub memory: bool,
    /// Require this token on every request but /metadata and /health.
    #[arg(long, env = "ACTORIUM_TOKEN")]
    pub token: Option<String>,
    /// SQLite durability.
    #[arg(long, value_enum, default_value = "normal")]
    pub sync: SyncArg,
    /// Milliseconds an actor with no connections and no work stays in memory.
    #[arg(long, default_value_t = 30_000)]
    pub idle_timeout_ms: u64,
    /// Milliseconds after which an idle actor gives up its task and mailbox but keeps its
    /// state and vars in memory (parked); its next message resumes it. At or above
    /// --idle-timeout-ms, actors never park.
    #[arg(long, default_value_t = 100)]
    pub park_after_ms: u64,
    /// Milliseconds an action may run before `actor.action_timed_out`.
    #[arg(long, default_value_t = 60_000)]
    pub action_timeout_ms: u64,
    /// Milliseconds a client has to send a complete request head (from connecting, or from
    /// the first byte after a keep-alive pause); then the connection closes.
    #[arg(long, default_value_t = 10_000, env = "ACTORIUM_HEADER_TIMEOUT_MS")]
    pub header_timeout_ms: u64,
    /// Milliseconds a client has to send a whole request body (`guard.request_timeout`).
    #[arg(long, default_value_t = 30_000, env = "ACTORIUM_BODY_TIMEOUT_MS")]
    pub body_timeout_ms: u64,
    /// Milliseconds an HTTP keep-alive connection may stay without a request.
    #[arg(long, default_value_t = 60_000, env = "ACTORIUM_KEEP_ALIVE_TIMEOUT_MS")]
    pub keep_alive_timeout_ms: u64,
    /// Most open connections, WebSockets included (lowered to fit the open-files limit).
    #[arg(long, default_value_t = 10_000, env = "ACTORIUM_MAX_CONNECTIONS")]
    pub max_connections: usize,
    /// Milliseconds requests in flight get to finish on SIGTERM/SIGINT before their
    /// connections are dropped (every actor still commits and sleeps).
    #[arg(long, default_value_t = 10_000, env = "ACTORIUM_SHUTDOWN_TIMEOUT_MS")]
    pub shutdown_timeout_ms: u64,
    /// Join the Rivet Engine at this endpoint as an envoy instead of listening (no port is
    /// opened; clients use the engine's endpoint).
    #[cfg(feature = "engine")]
    #[arg(long, env = "RIVET_ENDPOINT", value_name = "URL")]
    pub engine: Option<String>,
    /// Engine namespace (with --engine).
    #[cfg(feature = "engine")]
    #[arg(long, env = "RIVET_NAMESPACE", default_value = "default")]
    pub namespace: String,
    /// Engine pool (runner name) this envoy serves (with --engine).
    #[cfg(feature = "engine")]
    #[arg(long, env = "RIVET_POOL", default_value = "default")]
    pub pool: String,
    /// Token sent to the engine (with --engine; default: --token).
    #[cfg(feature = "engine")]
    #[arg(long, env = "RIVET_TOKEN")]
    pub engine_token: Option<String>,
    /// Printed (with the endpoint) once the server listens: a first thing to try.
    #[arg(skip)]
    pub hint: Option<fn(&str) -> String>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            host: "127.0.0.1".into(),
            port: 6420,
            data_dir: PathBuf::from("./.actorium"),
            memory: false,
            token: None,
            sync: SyncArg::Normal,
            idle_timeout_ms: 30_000,
            park_after_ms: 100,
            action_timeout_ms: 60_000,
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            keep_alive_timeout_ms: 60_000,
            max_connections: 10_000,
            shutdown_timeout_ms: 10_000,
            #[cfg(feature = "engine")]
            engine: None,
            #[cfg(feature = "engine")]
            namespace: "default".into(),
            #[cfg(feature = "engine")]
            pool: "default".into(),
            #[cfg(feature = "engine")]
            engine_token: None,
            hint: None,
        }
    }
}

/// Parses the command line and runs it; the exit code for `main`.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     actorium_server::cli::main(actorium_server::Registry::new())
/// }
/// ```
pub fn main(registry: Registry) -> ExitCode {
    main_with_hint(registry, None)
}

/// [`main`], printing `hint(endpoint)` once the server listens (e.g. a `curl` to try).
pub fn main_with_hint(registry: Registry, hint: Option<fn(&str) -> String>) -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Schema) => {
            print!("{}", registry.schema().to_json_pretty());
            ExitCode::SUCCESS
        }
        Some(Command::Serve(args)) => run(registry, ServeArgs { hint, ..args }),
        None => run(registry, ServeArgs { hint, ..cli.serve }),
    }
}

fn run(registry: Registry, args: ServeArgs) -> ExitCode {
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(registry, args, shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}

/// Installs a readable tracing subscriber on stderr (`RUST_LOG`, default `info`); does
/// nothing if one is installed already.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Opens the storage `args` describe.
pub fn open_storage(args: &ServeArgs) -> Result<Arc<dyn Storage>, CliError> {
    Ok(if args.memory {
        Arc::new(MemoryStorage::new())
    } else {
        let sync = match args.sync {
            SyncArg::Normal => SyncMode::Normal,
            SyncArg::Full => SyncMode::Full,
        };
        if args.data_dir.exists() && !args.data_dir.is_dir() {
            return Err(CliError::DataDirNotADirectory(args.data_dir.clone()));
        }
        Arc::new(SqliteStorage::open(&args.data_dir, sync)?)
    })
}

/// Binds `host:port`, naming the address and what to do in the error.
async fn bind(host: &str, port: u16) -> Result<TcpListener, CliError> {
    TcpListener::bind((host, port))
        .await
        .map_err(|source| CliError::Bind {
            addr: format!("{host}:{port}"),
            hint: match source.kind() {
                std::io::ErrorKind::AddrInUse => {
                    " (another process listens there: stop it, or choose another --port / \
                     ACTORIUM_PORT; --port 0 picks a free one)"
                }
                std::io::ErrorKind::AddrNotAvailable => {
                    " (not an address of this machine: use --host 127.0.0.1, or 0.0.0.0 for \
                     every interface)"
                }
                _ => "",
            },
            source,
        })
}

/// Serves `registry` as `args` says until `shutdown` resolves, then shuts down gracefully.
pub async fn serve(
    registry: Registry,
    args: ServeArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), CliError> {
    #[cfg(feature = "engine")]
    if let Some(endpoint) = args.engine.clone() {
        let config = HostConfig {
            idle_timeout: Duration::from_millis(args.idle_timeout_ms),
            park_after: Duration::from_millis(args.park_after_ms),
            action_timeout: Duration::from_millis(args.action_timeout_ms),
            data_dir: actor_files_dir(&args)?,
            ..HostConfig::default()
        };
        let opts = crate::engine::EngineOptions {
            namespace: args.namespace.clone(),
            pool: args.pool.clone(),
            token: args.engine_token.clone().or(args.token.clone()),
            ..crate::engine::EngineOptions::new(endpoint)
        };
        crate::engine::run(registry, config, opts, shutdown).await?;
        return Ok(());
    }
    let storage = open_storage(&args)?;
    let listener = bind(&args.host, args.port).await?;
    let addr = listener.local_addr()?;
    let mut own = addr;
    if own.ip().is_unspecified() {
        own.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let config = HostConfig {
        idle_timeout: Duration::from_millis(args.idle_timeout_ms),
        park_after: Duration::from_millis(args.park_after_ms),
        action_timeout: Duration::from_millis(args.action_timeout_ms),
        client_endpoint: format!("http://{own}"),
        client_token: args.token.clone(),
        data_dir: actor_files_dir(&args)?,
        ..HostConfig::default()
    };
    let host = Host::new(registry, storage, config);
    host.start().await?;
    tracing::info!(%addr, actors = ?host.registry(), memory = args.memory, "listening");
    println!("actorium listening on http://{addr}");
    if let Some(hint) = args.hint {
        println!("{}", hint(&format!("http://{own}")));
    }
    let _ = std::io::stdout().flush();
    let connections = ConnectionLimits::default()
        .header_timeout(Duration::from_millis(args.header_timeout_ms))
        .body_timeout(Duration::from_millis(args.body_timeout_ms))
        .keep_alive_timeout(Duration::from_millis(args.keep_alive_timeout_ms))
        .max_connections(args.max_connections)
        .shutdown_timeout(Duration::from_millis(args.shutdown_timeout_ms));
    let server = ServerConfig {
        token: args.token,
        connections,
        ..ServerConfig::default()
    };
    http::serve(listener, host, server, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Where actors keep their own files: the data directory, or with `--memory` a per-process
/// directory under the system's temporary directory.
fn actor_files_dir(args: &ServeArgs) -> Result<PathBuf, CliError> {
    let dir = if args.memory {
        std::env::temp_dir().join(format!("actorium-memory-{}", std::process::id()))
    } else {
        args.data_dir.clone()
    };
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> ServeArgs {
        let argv = ["server"].iter().chain(extra).copied();
        Cli::try_parse_from(argv).expect("valid flags").serve
    }

    #[tokio::test]
    async fn a_taken_port_is_named_with_a_hint() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port().to_string();
        let e = serve(
            Registry::new(),
            args(&["--memory", "--port", &port]),
            std::future::pending(),
        )
        .await
        .unwrap_err();
        let text = e.to_string();
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
        assert!(text.contains("--port"), "{text}");
    }

    #[test]
    fn a_data_dir_that_is_a_file_says_so() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_str().unwrap();
        let Err(e) = open_storage(&args(&["--data-dir", path])) else {
            panic!("a file is not a data directory");
        };
        let text = e.to_string();
        assert!(text.contains("is not a directory"), "{text}");
        assert!(text.contains(path), "{text}");
    }
}
