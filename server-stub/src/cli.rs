//! The serve helper: `actorium::cli::main(registry)` is what a server binary's `main` calls.
//!
//! ```text
//! my-server [serve] [--host 127.0.0.1] [--port 6420] [--data-dir ./.actorium] [--memory]
//!                   [--token T] [--sync normal|full] [--idle-timeout-ms 30000]
//!                   [--park-after-ms 100] [--action-timeout-ms 60000]
//!                   [--header-timeout-ms 10000] [--body-timeout-ms 30000]
//!                   [--keep-alive-timeout-ms 60000] [--max-connections 10000]
//!                   [--shutdown-timeout-ms 10000]
//!                   [--max-key-part-chars 128] [--max-key-parts 32] [--max-key-bytes 2048]
//!                   [--max-subscriptions 256] [--max-event-name-bytes 256]
//!                   [--log-format text|json] [--cors-origin ORIGIN,...]
//!                   [--max-state-bytes 1048576] [--max-incoming-message-bytes 1048576]
//!                   [--max-outgoing-message-bytes 1048576] [--max-raw-body-bytes 16777216]
//! my-server schema              prints the registry's schema (JSON)
//! my-server --engine URL [--namespace default] [--pool default] [--engine-token T]
//!                               (feature `engine`) joins a Rivet Engine as an envoy instead of
//!                               listening; see [`crate::engine`]
//! ```
//!
//! Every serve flag has an environment variable (`ACTORIUM_*`; the engine flags RivetKit's
//! `RIVET_*`); a flag on the command line wins. Logs go to stderr (`RUST_LOG` filters them,
//! default `info`; colour only on a terminal without `NO_COLOR`); once the server listens it
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

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use tokio::net::TcpListener;

use crate::host::Registry;
use crate::host::{Host, HostConfig};
use crate::http::{self, ConnectionLimits, ServerConfig};
use crate::storage::{MemoryStorage, SqliteStorage, Storage, StorageError, SyncMode};

mod logging;

pub use logging::{LogFormat, colour_on_stderr, init_logging, init_tracing};

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
    #[arg(long, env = "ACTORIUM_MEMORY", value_parser = clap::builder::BoolishValueParser::new())]
    pub memory: bool,
    /// Require this token on every request but /metadata and /health.
    #[arg(long, env = "ACTORIUM_TOKEN")]
    pub token: Option<String>,
    /// SQLite durability.
    #[arg(long, value_enum, default_value = "normal", env = "ACTORIUM_SYNC")]
    pub sync: SyncArg,
    /// Milliseconds an actor with no connections and no work stays in memory.
    #[arg(long, default_value_t = 30_000, env = "ACTORIUM_IDLE_TIMEOUT_MS")]
    pub idle_timeout_ms: u64,
    /// Milliseconds after which an idle actor gives up its task and mailbox but keeps its
    /// state and vars in memory (parked); its next message resumes it. At or above
    /// --idle-timeout-ms, actors never park.
    #[arg(long, default_value_t = 100, env = "ACTORIUM_PARK_AFTER_MS")]
    pub park_after_ms: u64,
    /// Milliseconds an action may run before `actor.action_timed_out`.
    #[arg(long, default_value_t = 60_000, env = "ACTORIUM_ACTION_TIMEOUT_MS")]
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
    /// Longest key part, in characters (every path: REST, gateway, WebSocket, actor to actor).
    #[arg(long, default_value_t = 128, env = "ACTORIUM_MAX_KEY_PART_CHARS")]
    pub max_key_part_chars: usize,
    /// Most parts of a key.
    #[arg(long, default_value_t = 32, env = "ACTORIUM_MAX_KEY_PARTS")]
    pub max_key_parts: usize,
    /// Most bytes of all parts of a key together.
    #[arg(long, default_value_t = 2048, env = "ACTORIUM_MAX_KEY_BYTES")]
    pub max_key_bytes: usize,
    /// Most event subscriptions per WebSocket connection.
    #[arg(long, default_value_t = 256, env = "ACTORIUM_MAX_SUBSCRIPTIONS")]
    pub max_subscriptions: usize,
    /// Longest event name of a subscription, in bytes.
    #[arg(long, default_value_t = 256, env = "ACTORIUM_MAX_EVENT_NAME_BYTES")]
    pub max_event_name_bytes: usize,
    /// Milliseconds between the server's WebSocket pings; a socket that has not answered the
    /// previous ping is closed (0: no pings).
    #[arg(long, default_value_t = 30_000, env = "ACTORIUM_WS_PING_INTERVAL_MS")]
    pub ws_ping_interval_ms: u64,
    /// Most actions of one WebSocket connection awaiting replies; at the cap the server reads
    /// no more of its frames until replies go out.
    #[arg(long, default_value_t = 256, env = "ACTORIUM_WS_MAX_IN_FLIGHT")]
    pub ws_max_in_flight: usize,
    /// Largest message a client may send (an HTTP action body or a WebSocket message), in
    /// bytes; a larger one is refused with `message.incoming_too_long`.
    #[arg(long, default_value_t = 1 << 20, env = "ACTORIUM_MAX_INCOMING_MESSAGE_BYTES")]
    pub max_incoming_message_bytes: usize,
    /// Largest message the server sends (an action's reply or an event), in bytes; a larger
    /// reply fails that call with `message.outgoing_too_long`.
    #[arg(long, default_value_t = 1 << 20, env = "ACTORIUM_MAX_OUTGOING_MESSAGE_BYTES")]
    pub max_outgoing_message_bytes: usize,
    /// Largest body of a raw HTTP request (`/request`), in bytes; the handler's read fails
    /// past it.
    #[arg(long, default_value_t = 16 << 20, env = "ACTORIUM_MAX_RAW_BODY_BYTES")]
    pub max_raw_body_bytes: usize,
    /// Largest state an actor may commit, in bytes of its stored (CBOR) form: a turn that
    /// would grow it past this is rolled back with `actor.state_too_large`.
    #[arg(long, default_value_t = 1 << 20, env = "ACTORIUM_MAX_STATE_BYTES")]
    pub max_state_bytes: usize,
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
    /// Log lines on stderr: readable text, or one JSON object per line.
    #[arg(long, value_enum, default_value = "text", env = "ACTORIUM_LOG_FORMAT")]
    pub log_format: LogFormat,
    /// Browser origins allowed to call the server (CORS), e.g. `https://app.example.com`;
    /// repeat the flag or separate with commas. `*` allows every origin, without credentials.
    /// Default: none (browsers refuse cross-origin calls; non-browser clients are unaffected).
    #[arg(
        long = "cors-origin",
        env = "ACTORIUM_CORS_ORIGIN",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
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
            max_key_part_chars: 128,
            max_key_parts: 32,
            max_key_bytes: 2048,
            max_subscriptions: 256,
            max_event_name_bytes: 256,
            ws_ping_interval_ms: 30_000,
            ws_max_in_flight: 256,
            max_incoming_message_bytes: 1 << 20,
            max_outgoing_message_bytes: 1 << 20,
            max_raw_body_bytes: 16 << 20,
            max_state_bytes: 1 << 20,
            #[cfg(feature = "engine")]
            engine: None,
            #[cfg(feature = "engine")]
            namespace: "default".into(),
            #[cfg(feature = "engine")]
            pool: "default".into(),
            #[cfg(feature = "engine")]
            engine_token: None,
            log_format: LogFormat::Text,
            cors_origins: Vec::new(),
            hint: None,
        }
    }
}

/// Parses the command line and runs it; the exit code for `main`.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     actorium::cli::main(actorium::Registry::new())
/// }
/// ```
pub fn main(registry: Registry) -> ExitCode {
    main_with(registry, MainOptions::default())
}

/// [`main`], printing `hint(endpoint)` once the server listens (e.g. a `curl` to try).
pub fn main_with_hint(registry: Registry, hint: Option<fn(&str) -> String>) -> ExitCode {
    main_with(registry, MainOptions::default().hint(hint))
}

/// What a server binary changes of the serve helper besides its registry.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct MainOptions {
    /// Printed (given the endpoint) once the server listens: a first thing to try.
    pub hint: Option<fn(&str) -> String>,
    /// Serve flags whose default this binary changes, as `(flag without dashes, value)`, e.g.
    /// `("max-incoming-message-bytes", "65536")`; the command line and the environment still
    /// win, and `--help` shows the new default. Naming a flag that does not exist panics.
    pub defaults: Vec<(&'static str, &'static str)>,
}

setters!(MainOptions {
    hint: Option<fn(&str) -> String>,
    defaults: Vec<(&'static str, &'static str)>,
});

/// [`main`] with `options`.
pub fn main_with(registry: Registry, options: MainOptions) -> ExitCode {
    let cli = match parse(&options.defaults, std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let hint = options.hint;
    match cli.command {
        Some(Command::Schema) => {
            print!("{}", registry.schema().to_json_pretty());
            ExitCode::SUCCESS
        }
        Some(Command::Serve(args)) => run(registry, ServeArgs { hint, ..args }),
        None => run(registry, ServeArgs { hint, ..cli.serve }),
    }
}

/// Parses `argv` into a [`Cli`] after giving the flags in `defaults` their new default values.
fn parse(
    defaults: &[(&'static str, &'static str)],
    argv: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Cli, clap::Error> {
    let mut command = Cli::command();
    for &(flag, value) in defaults {
        let id = flag.replace('-', "_");
        command = command
            .mut_arg(&id, |a| a.default_value(value))
            .mut_subcommand("serve", |s| s.mut_arg(&id, |a| a.default_value(value)));
    }
    let matches = command.try_get_matches_from(argv)?;
    Cli::from_arg_matches(&matches)
}

fn run(registry: Registry, args: ServeArgs) -> ExitCode {
    init_logging(args.log_format);
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
            max_state_bytes: args.max_state_bytes,
            data_dir: actor_files_dir(&args)?,
            key_policy: key_policy(&args),
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
        max_state_bytes: args.max_state_bytes,
        client_endpoint: format!("http://{own}"),
        client_token: args.token.clone(),
        data_dir: actor_files_dir(&args)?,
        key_policy: key_policy(&args),
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
    let limits = http::Limits::default()
        .max_incoming_message(args.max_incoming_message_bytes)
        .max_outgoing_message(args.max_outgoing_message_bytes)
        .max_raw_body(args.max_raw_body_bytes)
        .max_subscriptions(args.max_subscriptions)
        .max_event_name(args.max_event_name_bytes)
        .ws_max_in_flight(args.ws_max_in_flight);
    let server = ServerConfig {
        token: args.token,
        limits,
        ws_ping_interval: Duration::from_millis(args.ws_ping_interval_ms),
        cors_origins: args.cors_origins,
        connections,
        ..ServerConfig::default()
    };
    http::serve(listener, host, server, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The key policy the `--max-key-*` flags describe.
fn key_policy(args: &ServeArgs) -> actorium_protocol::KeyPolicy {
    actorium_protocol::KeyPolicy::DEFAULT
        .max_part_chars(args.max_key_part_chars)
        .max_parts(args.max_key_parts)
        .max_bytes(args.max_key_bytes)
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

    /// Every serve flag can be set from the environment (so a new flag cannot forget it):
    /// `ACTORIUM_*`, or RivetKit's `RIVET_*` for the engine flags.
    #[test]
    fn every_serve_flag_has_an_environment_variable() {
        let cli = <Cli as clap::CommandFactory>::command();
        let serve = cli.find_subcommand("serve").expect("the serve subcommand");
        let mut checked = 0;
        for command in [&cli, serve] {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                let env = arg
                    .get_env()
                    .and_then(|e| e.to_str())
                    .unwrap_or_else(|| panic!("--{id} has no environment variable (env = \"…\")"));
                let engine = ["engine", "namespace", "pool", "engine_token"].contains(&id);
                let prefix = if engine { "RIVET_" } else { "ACTORIUM_" };
                assert!(
                    env.starts_with(prefix),
                    "--{id}: {env} should start with {prefix}"
                );
                checked += 1;
            }
        }
        // At least host, port, data-dir, memory, token, sync, three timeouts, five limits, log
        // format and CORS, on the command and on `serve`.
        assert!(checked >= 2 * 16, "only {checked} flags seen");
    }

    /// A binary's own defaults (the conformance server's 64 KiB incoming limit) apply with and
    /// without `serve`, and the command line still wins.
    #[test]
    fn a_binary_changes_defaults_and_the_command_line_wins() {
        let defaults = [("max-incoming-message-bytes", "65536")];
        let parse = |argv: &[&str]| parse(&defaults, argv.iter().map(Into::into)).expect("parses");
        assert_eq!(parse(&["s"]).serve.max_incoming_message_bytes, 65536);
        assert_eq!(parse(&["s"]).serve.max_outgoing_message_bytes, 1 << 20);
        match parse(&["s", "serve"]).command {
            Some(Command::Serve(a)) => assert_eq!(a.max_incoming_message_bytes, 65536),
            other => panic!("expected serve, got {other:?}"),
        }
        let given = parse(&["s", "--max-incoming-message-bytes", "10"]);
        assert_eq!(given.serve.max_incoming_message_bytes, 10);
        assert_eq!(args(&[]).max_incoming_message_bytes, 1 << 20);
    }

    #[test]
    fn cors_origins_repeat_or_separate_with_commas() {
        let a = args(&[
            "--cors-origin",
            "https://a.test,https://b.test",
            "--cors-origin",
            "*",
        ]);
        assert_eq!(a.cors_origins, ["https://a.test", "https://b.test", "*"]);
        assert_eq!(args(&[]).cors_origins, Vec::<String>::new());
        assert_eq!(args(&["--log-format", "json"]).log_format, LogFormat::Json);
        assert_eq!(args(&[]).log_format, LogFormat::Text);
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
