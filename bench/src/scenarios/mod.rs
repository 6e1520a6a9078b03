//! The scenarios, one per file. Each starts the servers it needs as child processes, drives
//! them with the same load generator ([`crate::load`]) and adds rows to the [`Report`].
//! `server-process` ([`server_process`]) is apart: it measures a separately built `test-server`
//! binary and is not one of [`SCENARIOS`].

mod broadcast;
mod create;
mod hibernation;
mod http_write;
mod map_reduce;
mod memory;
mod read;
pub mod server_process;
mod wake;

use read::ReadVia;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::load::{self, HttpConn, gateway_path};
use crate::procs::Server;
use crate::report::Report;

/// Which systems to run.
#[derive(Debug, Clone, Copy)]
pub struct Systems {
    /// actorium (always the reference).
    pub actorium: bool,
    /// The RivetKit stack (engine + runner).
    pub rivetkit: bool,
    /// The bare axum ceiling.
    pub ceiling: bool,
}

/// Run settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Smaller sizes and shorter windows (a smoke run).
    pub quick: bool,
    /// Measured window of one closed-loop run (actorium and the ceiling).
    pub window: Duration,
    /// Measured window of one closed-loop run against RivetKit (slower: longer, for samples).
    pub rk_window: Duration,
    /// Unrecorded warm-up before each closed-loop run.
    pub warmup: Duration,
    /// Rounds of each read case for actorium and the ceiling (the median round is reported).
    pub rounds: usize,
    /// Which systems.
    pub systems: Systems,
}

impl Config {
    fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }
}

/// Every scenario name, in `all` order.
pub const SCENARIOS: [&str; 11] = [
    "http-read",
    "ws-read",
    "raw-http-read",
    "raw-ws-read",
    "http-write",
    "create",
    "wake",
    "memory",
    "hibernation",
    "map-reduce",
    "broadcast",
];

/// Runs the scenario `name`.
pub async fn run(name: &str, cfg: &Config, report: &mut Report) -> Result<()> {
    println!("== {name}");
    match name {
        "http-read" => read::read_scenario(cfg, report, "http-read", ReadVia::HttpAction).await,
        "ws-read" => read::read_scenario(cfg, report, "ws-read", ReadVia::WebSocket).await,
        "raw-http-read" => {
            read::read_scenario(cfg, report, "raw-http-read", ReadVia::RawHttp).await
        }
        "raw-ws-read" => {
            read::read_scenario(cfg, report, "raw-ws-read", ReadVia::RawWebSocket).await
        }
        "http-write" => http_write::http_write(cfg, report).await,
        "create" => create::create(cfg, report).await,
        "wake" => wake::wake(cfg, report).await,
        "memory" => memory::memory(cfg, report).await,
        "hibernation" => hibernation::hibernation(cfg, report).await,
        "map-reduce" => map_reduce::map_reduce(cfg, report).await,
        "broadcast" => broadcast::broadcast(cfg, report).await,
        other => bail!("unknown scenario {other}; one of {}", SCENARIOS.join(", ")),
    }
}

const GET_COUNT: &[u8] = b"{\"args\":[]}";
const INCREMENT: &[u8] = b"{\"args\":[1]}";
const CALLERS: [usize; 3] = [1, 16, 64];
const ACTOR_COUNTS: [usize; 2] = [1, 64];

fn case(callers: usize, actors: usize) -> String {
    format!(
        "{callers} caller{}, {actors} actor{}",
        if callers == 1 { "" } else { "s" },
        if actors == 1 { "" } else { "s" }
    )
}

fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// Calls `action` once on every key (creating the actors), `concurrency` at a time, retrying
/// a key a few times (the Rivet Engine sometimes times out placing a new actor); returns the
/// keys that answered.
async fn touch_all(
    addr: SocketAddr,
    name: &str,
    keys: &[String],
    action: &str,
    body: &'static [u8],
    concurrency: usize,
) -> Result<Vec<String>> {
    let mut tasks = Vec::new();
    for c in 0..concurrency.max(1) {
        let mine: Vec<String> = keys
            .iter()
            .skip(c)
            .step_by(concurrency.max(1))
            .cloned()
            .collect();
        if mine.is_empty() {
            continue;
        }
        let name = name.to_string();
        let action = action.to_string();
        tasks.push(tokio::spawn(async move {
            let mut conn = HttpConn::connect(addr).await?;
            let mut ok = Vec::new();
            for k in mine {
                let p = gateway_path(&name, &k, &format!("/action/{action}"));
                // A key the engine failed to place usually stays stuck: two tries.
                for attempt in 0..2 {
                    match tokio::time::timeout(
                        Duration::from_secs(20),
                        load::checked_action(&mut conn, &p, body),
                    )
                    .await
                    {
                        Ok(Ok(())) => {
                            ok.push(k.clone());
                            break;
                        }
                        Ok(Err(e)) => {
                            tracing::warn!(key = %k, attempt, error = %e, "first call failed")
                        }
                        Err(_) => tracing::warn!(key = %k, attempt, "first call timed out (20 s)"),
                    }
                    conn = HttpConn::connect(addr).await?;
                }
            }
            Ok::<_, anyhow::Error>(ok)
        }));
    }
    let mut ok = Vec::new();
    for t in tasks {
        ok.extend(t.await??);
    }
    if ok.is_empty() {
        bail!("no actor answered its first call");
    }
    if ok.len() < keys.len() {
        tracing::warn!(
            ok = ok.len(),
            wanted = keys.len(),
            "some actors never answered; going on with the others"
        );
    }
    ok.sort_by_key(|k| keys.iter().position(|x| x == k));
    Ok(ok)
}

/// Runs `body` against the server `start` gives, then stops it; a server that cannot start or
/// a failing `body` is printed, not returned.
async fn with_server<F>(
    report: &mut Report,
    system: &str,
    start: impl FnOnce() -> Result<Server>,
    body: F,
) -> Result<()>
where
    F: AsyncFnOnce(&mut Report, &Server) -> Result<()>,
{
    let server = match start() {
        Ok(s) => s,
        Err(e) => {
            println!("  {system}: could not start: {e:#}");
            return Ok(());
        }
    };
    let result = body(report, &server).await;
    server.stop();
    if let Err(e) = result {
        println!("  {system}: failed: {e:#}");
    }
    Ok(())
}
