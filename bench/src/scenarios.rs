//! The scenarios. Each starts the servers it needs as child processes, drives them with the
//! same load generator ([`crate::load`]) and adds rows to the [`Report`].

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::{Method, StatusCode};

use crate::load::{self, HttpConn, WsConn, gateway_path};
use crate::procs::{self, ActoriumOptions, Server};
use crate::report::{ACTORIUM, CEILING, RIVETKIT, Report, Row, fmt_num};
use crate::serve::SyncArg;
use crate::stats::{Samples, percentile};

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
pub const SCENARIOS: [&str; 8] = [
    "http-read",
    "ws-read",
    "http-write",
    "create",
    "wake",
    "memory",
    "map-reduce",
    "broadcast",
];

/// Runs the scenario `name`.
pub async fn run(name: &str, cfg: &Config, report: &mut Report) -> Result<()> {
    println!("== {name}");
    match name {
        "http-read" => read_scenario(cfg, report, "http-read", false).await,
        "ws-read" => read_scenario(cfg, report, "ws-read", true).await,
        "http-write" => http_write(cfg, report).await,
        "create" => create(cfg, report).await,
        "wake" => wake(cfg, report).await,
        "memory" => memory(cfg, report).await,
        "map-reduce" => map_reduce(cfg, report).await,
        "broadcast" => broadcast(cfg, report).await,
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

/// The read matrix (1/16/64 callers on 1 and 64 actors) against one server, over HTTP or WebSocket.
async fn closed_loop_matrix(
    report: &mut Report,
    scenario: &str,
    system: &str,
    server: &Server,
    cfg: &Config,
    ws: bool,
) -> Result<()> {
    let addr = load::addr_of(&server.endpoint)?;
    for actors in ACTOR_COUNTS {
        let ks = keys(&format!("{scenario}-{actors}-"), actors);
        let ks = touch_all(addr, "counter", &ks, "getCount", GET_COUNT, 16).await?;
        for callers in CALLERS {
            let row = read_case(scenario, system, server, cfg, ws, &ks, callers).await?;
            report.push(row);
        }
    }
    Ok(())
}

/// One read case: `callers` closed-loop callers spread over the actors `ks`.
#[allow(clippy::too_many_arguments)]
async fn read_case(
    scenario: &str,
    system: &str,
    server: &Server,
    cfg: &Config,
    ws: bool,
    ks: &[String],
    callers: usize,
) -> Result<Row> {
    let addr = load::addr_of(&server.endpoint)?;
    let window = if system == RIVETKIT {
        cfg.rk_window
    } else {
        cfg.window
    };
    let suffix = if ws { "/connect" } else { "/action/getCount" };
    let paths: Vec<String> = ks
        .iter()
        .map(|k| gateway_path("counter", k, suffix))
        .collect();
    let run = async |length: Duration| {
        if ws {
            load::ws_closed_loop(
                &server.endpoint,
                &paths,
                "getCount",
                callers,
                Duration::ZERO,
                length,
            )
            .await
        } else {
            load::http_closed_loop(addr, &paths, GET_COUNT, callers, Duration::ZERO, length).await
        }
    };
    // Warm-up as a separate run, so that the CPU figure covers the window only.
    run(cfg.warmup).await?;
    let cpu0 = procs::cpu_seconds(&server.pids());
    let samples = run(window).await?;
    let cpu = procs::cpu_seconds(&server.pids()) - cpu0;
    let ops = samples.latencies_us.len().max(1) as f64;
    let mut row = Row::throughput(
        scenario,
        &case(callers, ks.len()),
        system,
        "actions/s",
        &samples.summary(),
    );
    row.note = format!("server CPU {:.1} µs/action", cpu * 1e6 / ops);
    Ok(row)
}

/// The round with the median throughput, its note saying the spread of all rounds.
fn median_round(mut rows: Vec<Row>) -> Row {
    rows.sort_by(|a, b| a.value.total_cmp(&b.value));
    let n = rows.len();
    let (lo, hi) = (rows[0].value, rows[n - 1].value);
    let mut row = rows.swap_remove(n / 2);
    if n > 1 {
        row.note = format!(
            "{}; median of {n} rounds ({} – {})",
            row.note,
            crate::report::fmt_num(lo),
            crate::report::fmt_num(hi)
        );
    }
    row
}

/// Starts a server, printing (not failing) when it cannot start.
fn start_or_say(system: &str, start: impl FnOnce() -> Result<Server>) -> Option<Server> {
    match start() {
        Ok(s) => Some(s),
        Err(e) => {
            println!("  {system}: could not start: {e:#}");
            None
        }
    }
}

/// The read matrix for actorium and the ceiling together, case by case back to back: on a
/// shared, virtualised machine whose speed drifts during a run, both then see the same machine
/// in each case, and their ratio stays meaningful.
async fn paired_read_matrix(
    report: &mut Report,
    scenario: &str,
    servers: &[(&'static str, Server)],
    cfg: &Config,
    ws: bool,
) -> Result<()> {
    for actors in ACTOR_COUNTS {
        let mut keyed = Vec::new();
        for (system, server) in servers {
            let addr = load::addr_of(&server.endpoint)?;
            let ks = keys(&format!("{scenario}-{actors}-"), actors);
            keyed.push((
                *system,
                server,
                touch_all(addr, "counter", &ks, "getCount", GET_COUNT, 16).await?,
            ));
        }
        for callers in CALLERS {
            let mut rounds: Vec<Vec<Row>> = keyed.iter().map(|_| Vec::new()).collect();
            for _ in 0..cfg.rounds {
                for ((system, server, ks), rows) in keyed.iter().zip(&mut rounds) {
                    rows.push(read_case(scenario, system, server, cfg, ws, ks, callers).await?);
                }
            }
            for rows in rounds {
                report.push(median_round(rows));
            }
        }
    }
    Ok(())
}

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

/// `http-read` (`ws = false`): `getCount` over HTTP at 1/16/64 callers on 1 and 64 actors;
/// `ws-read` (`ws = true`): the same over one WebSocket connection per caller.
async fn read_scenario(cfg: &Config, report: &mut Report, name: &str, ws: bool) -> Result<()> {
    let mut local: Vec<(&'static str, Server)> = Vec::new();
    if cfg.systems.actorium
        && let Some(s) = start_or_say(ACTORIUM, || Server::actorium(ActoriumOptions::default()))
    {
        local.push((ACTORIUM, s));
    }
    if cfg.systems.ceiling
        && let Some(s) = start_or_say(CEILING, Server::axum)
    {
        local.push((CEILING, s));
    }
    if !local.is_empty() {
        let result = paired_read_matrix(report, name, &local, cfg, ws).await;
        for (_, s) in local {
            s.stop();
        }
        if let Err(e) = result {
            println!("  {name}: failed: {e:#}");
        }
    }
    if cfg.systems.rivetkit {
        with_server(report, RIVETKIT, Server::rivetkit, async |r, s| {
            closed_loop_matrix(r, name, RIVETKIT, s, cfg, ws).await
        })
        .await?;
    }
    Ok(())
}

/// `http-write`: `increment(1)` over HTTP; actorium replies after the commit (NORMAL and
/// FULL), RivetKit replies before its state is saved.
async fn http_write(cfg: &Config, report: &mut Report) -> Result<()> {
    let write_matrix = async |report: &mut Report, system: &str, server: &Server| -> Result<()> {
        let addr = load::addr_of(&server.endpoint)?;
        let window = if system == RIVETKIT {
            cfg.rk_window
        } else {
            cfg.window
        };
        for actors in ACTOR_COUNTS {
            let ks = keys(&format!("w{actors}-"), actors);
            let ks = touch_all(addr, "counter", &ks, "getCount", GET_COUNT, 16).await?;
            let paths: Vec<String> = ks
                .iter()
                .map(|k| gateway_path("counter", k, "/action/increment"))
                .collect();
            for callers in CALLERS {
                // Warm-up as a separate run, so the commit counters cover the window only.
                load::http_closed_loop(
                    addr,
                    &paths,
                    INCREMENT,
                    callers,
                    Duration::ZERO,
                    cfg.warmup,
                )
                .await?;
                let before = server.commit_stats().await?;
                let cpu0 = procs::cpu_seconds(&server.pids());
                let samples = load::http_closed_loop(
                    addr,
                    &paths,
                    INCREMENT,
                    callers,
                    Duration::ZERO,
                    window,
                )
                .await?;
                let cpu = procs::cpu_seconds(&server.pids()) - cpu0;
                let after = server.commit_stats().await?;
                let secs = samples.elapsed.as_secs_f64().max(1e-9);
                let ops = samples.latencies_us.len() as f64;
                let mut row = Row::throughput(
                    "http-write",
                    &case(callers, actors),
                    system,
                    "actions/s",
                    &samples.summary(),
                );
                row.note = format!("server CPU {:.1} µs/action", cpu * 1e6 / ops.max(1.0));
                if system != RIVETKIT {
                    let commits = (after.commits - before.commits) as f64;
                    let txns = (after.transactions - before.transactions) as f64;
                    row.note += &format!(
                        "; {} SQLite commits/s ({:.1} actions each); {} actor-turn commits/s ({:.1} actions each)",
                        fmt_num(txns / secs),
                        ops / txns.max(1.0),
                        fmt_num(commits / secs),
                        ops / commits.max(1.0),
                    );
                }
                report.push(row);
            }
        }
        Ok(())
    };
    if cfg.systems.actorium {
        for (sync, label) in [
            (SyncArg::Normal, "actorium NORMAL"),
            (SyncArg::Full, "actorium FULL"),
        ] {
            let opts = ActoriumOptions {
                sync,
                ..ActoriumOptions::default()
            };
            with_server(
                report,
                label,
                || Server::actorium(opts),
                async |r, s| write_matrix(r, label, s).await,
            )
            .await?;
        }
    }
    if cfg.systems.rivetkit {
        with_server(report, RIVETKIT, Server::rivetkit, async |r, s| {
            write_matrix(r, RIVETKIT, s).await
        })
        .await?;
    }
    Ok(())
}

/// `PUT /actors` (getOrCreate) of `n` new keys, `callers` at a time.
async fn create_keys(addr: SocketAddr, prefix: &str, n: usize, callers: usize) -> Result<Samples> {
    create_keys_within(addr, prefix, n, callers, Duration::from_secs(3600)).await
}

/// [`create_keys`], issuing no new request after `budget` (a stuck engine does not stall the
/// whole run).
async fn create_keys_within(
    addr: SocketAddr,
    prefix: &str,
    n: usize,
    callers: usize,
    budget: Duration,
) -> Result<Samples> {
    let start = Instant::now();
    let deadline = start + budget;
    let mut tasks = Vec::new();
    for c in 0..callers {
        let prefix = prefix.to_string();
        tasks.push(tokio::spawn(async move {
            let mut conn = HttpConn::connect(addr).await?;
            let mut s = Samples::default();
            let mut i = c;
            while i < n && Instant::now() < deadline {
                let body = format!(
                    r#"{{"name":"counter","key":"{prefix}{i}","runner_name_selector":"default","crash_policy":"sleep"}}"#
                );
                let t0 = Instant::now();
                let r = tokio::time::timeout(
                    Duration::from_secs(20),
                    conn.request(
                        Method::PUT,
                        "/actors?namespace=default",
                        Bytes::from(body),
                        false,
                    ),
                )
                .await;
                match r {
                    Ok(Ok(reply)) if reply.status == StatusCode::OK => {
                        s.latencies_us.push(t0.elapsed().as_micros() as u32)
                    }
                    Ok(Ok(reply)) => {
                        if s.errors == 0 {
                            tracing::warn!(status = %reply.status, body = %reply.text(), "create failed");
                        }
                        s.errors += 1;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "create failed");
                        s.errors += 1;
                        conn = HttpConn::connect(addr).await?;
                    }
                    Err(_) => {
                        s.errors += 1;
                        conn = HttpConn::connect(addr).await?;
                    }
                }
                i += callers;
            }
            Ok::<_, anyhow::Error>(s)
        }));
    }
    let mut all = Samples::default();
    for t in tasks {
        all.merge(t.await??);
    }
    all.elapsed = start.elapsed();
    Ok(all)
}

/// `create`: getOrCreate (`PUT /actors`) of N distinct keys.
async fn create(cfg: &Config, report: &mut Report) -> Result<()> {
    if cfg.systems.actorium {
        let n = cfg.pick(10_000, 1_000);
        with_server(
            report,
            ACTORIUM,
            || Server::actorium(ActoriumOptions::default()),
            async |r, s| {
                let addr = load::addr_of(&s.endpoint)?;
                for callers in [1, 16] {
                    let samples = create_keys(addr, &format!("c{callers}-"), n, callers).await?;
                    r.push(Row::throughput(
                        "create",
                        &format!(
                            "{n} keys, {callers} caller{}",
                            if callers == 1 { "" } else { "s" }
                        ),
                        ACTORIUM,
                        "actors/s",
                        &samples.summary(),
                    ));
                }
                Ok(())
            },
        )
        .await?;
    }
    if cfg.systems.rivetkit {
        let n = cfg.pick(200, 50);
        with_server(report, RIVETKIT, Server::rivetkit, async |r, s| {
            let addr = load::addr_of(&s.endpoint)?;
            for callers in [1, 16] {
                let samples = create_keys_within(
                    addr,
                    &format!("c{callers}-"),
                    n,
                    callers,
                    Duration::from_secs(cfg.pick(60, 20)),
                )
                .await?;
                let created = samples.latencies_us.len();
                let mut row = Row::throughput(
                    "create",
                    &format!(
                        "{} keys, {callers} caller{}",
                        cfg.pick(10_000, 1_000),
                        if callers == 1 { "" } else { "s" }
                    ),
                    RIVETKIT,
                    "actors/s",
                    &samples.summary(),
                );
                row.note = format!(
                    "{created} of {n} keys created within the {} s budget",
                    cfg.pick(60, 20)
                );
                r.push(row);
            }
            Ok(())
        })
        .await?;
    }
    Ok(())
}

/// Sequential first calls to sleeping actors: latency to the first reply.
async fn first_calls(addr: SocketAddr, name: &str, ks: &[String]) -> Result<Samples> {
    let mut conn = HttpConn::connect(addr).await?;
    let mut s = Samples::default();
    let start = Instant::now();
    for k in ks {
        let p = gateway_path(name, k, "/action/getCount");
        let t0 = Instant::now();
        match tokio::time::timeout(
            Duration::from_secs(30),
            load::checked_action(&mut conn, &p, GET_COUNT),
        )
        .await
        {
            Ok(Ok(())) => s.latencies_us.push(t0.elapsed().as_micros() as u32),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "wake call failed");
                s.errors += 1;
                conn = HttpConn::connect(addr).await?;
            }
            Err(_) => {
                s.errors += 1;
                conn = HttpConn::connect(addr).await?;
            }
        }
    }
    s.elapsed = start.elapsed();
    Ok(s)
}

/// `wake`: latency to the first reply from a sleeping actor (one caller, each actor once).
async fn wake(cfg: &Config, report: &mut Report) -> Result<()> {
    if cfg.systems.actorium {
        let n = cfg.pick(2_000, 200);
        let opts = ActoriumOptions {
            idle_timeout_ms: 300,
            ..ActoriumOptions::default()
        };
        with_server(
            report,
            ACTORIUM,
            || Server::actorium(opts),
            async |r, s| {
                let addr = load::addr_of(&s.endpoint)?;
                let ks = keys("sleepy-", n);
                let ks = touch_all(addr, "counter", &ks, "increment", INCREMENT, 16).await?;
                // Idle timeout 300 ms: give every actor time to commit and leave memory.
                tokio::time::sleep(Duration::from_millis(1500)).await;
                let samples = first_calls(addr, "counter", &ks).await?;
                let mut row = Row::throughput(
                    "wake",
                    "first call to a sleeping actor, 1 caller",
                    ACTORIUM,
                    "ms p50",
                    &samples.clone().summary(),
                );
                row.value = row.p50_ms.unwrap_or(f64::NAN);
                row.note = format!("{n} actors, idle timeout 300 ms");
                r.push(row);
                Ok(())
            },
        )
        .await?;
    }
    if cfg.systems.rivetkit {
        let n = cfg.pick(100, 20);
        with_server(report, RIVETKIT, Server::rivetkit, async |r, s| {
            let addr = load::addr_of(&s.endpoint)?;
            let ks = keys("sleepy-", n);
            let ks = touch_all(addr, "sleeper", &ks, "increment", INCREMENT, 8).await?;
            // sleepTimeout 500 ms in actors.mjs.
            tokio::time::sleep(Duration::from_millis(3000)).await;
            let samples = first_calls(addr, "sleeper", &ks).await?;
            let mut row = Row::throughput(
                "wake",
                "first call to a sleeping actor, 1 caller",
                RIVETKIT,
                "ms p50",
                &samples.summary(),
            );
            row.value = row.p50_ms.unwrap_or(f64::NAN);
            row.note = format!("{n} actors, sleepTimeout 500 ms");
            r.push(row);
            Ok(())
        })
        .await?;
    }
    Ok(())
}

/// `GET /actors?name=counter&key=K` for every key (records the actor's metadata in the host
/// without waking it: what the host keeps for a sleeping actor).
async fn look_up_keys(addr: SocketAddr, prefix: &str, n: usize, callers: usize) -> Result<()> {
    let mut tasks = Vec::new();
    for c in 0..callers {
        let prefix = prefix.to_string();
        tasks.push(tokio::spawn(async move {
            let mut conn = HttpConn::connect(addr).await?;
            let mut i = c;
            while i < n {
                let path = format!("/actors?name=counter&key={prefix}{i}&namespace=default");
                let r = conn
                    .request(Method::GET, &path, Bytes::new(), false)
                    .await?;
                if r.status != StatusCode::OK || !r.text().contains("actor_id") {
                    bail!("lookup of {prefix}{i}: {} {}", r.status, r.text());
                }
                i += callers;
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

async fn settle_rss(pid: u32) -> Result<u64> {
    tokio::time::sleep(Duration::from_millis(700)).await;
    procs::rss_bytes(pid)
}

/// `memory`: resident bytes per live idle actor and per sleeping actor (RSS of the actorium
/// server process before and after).
async fn memory(cfg: &Config, report: &mut Report) -> Result<()> {
    if !cfg.systems.actorium {
        return Ok(());
    }
    let sizes: Vec<usize> = cfg.pick(vec![10_000, 100_000], vec![1_000, 5_000]);
    for n in sizes {
        let dir = procs::fresh_dir("memory")?;
        let case = format!("{} actors", fmt_num(n as f64));
        // Live idle: created and kept in memory (idle timeout 1 h): parked after 100 ms idle
        // (the default), and with parking off (each actor keeps its task and mailbox).
        for (park_after_ms, what) in [
            (100, "live idle (parked)"),
            (3_600_000, "live idle, parking off"),
        ] {
            let live = ActoriumOptions {
                idle_timeout_ms: 3_600_000,
                park_after_ms,
                data_dir: Some(dir.clone()),
                ..ActoriumOptions::default()
            };
            let case = &case;
            with_server(
                report,
                ACTORIUM,
                || Server::actorium(live),
                async |r, s| {
                    let t = Instant::now();
                    let mut took = 0.0;
                    let (before, after) = rss_around(s, Duration::ZERO, async |addr| {
                        let prefix = format!("m{park_after_ms}-");
                        let created = create_keys(addr, &prefix, n, 16).await?;
                        if created.errors > 0 {
                            bail!("{} creations failed", created.errors);
                        }
                        took = t.elapsed().as_secs_f64();
                        Ok(())
                    })
                    .await?;
                    r.push(memory_row(
                        format!("{case}, {what}"),
                        n,
                        before,
                        after,
                        &format!("; created in {took:.1} s"),
                    ));
                    Ok(())
                },
            )
            .await?;
        }
        // Sleeping, clean: a new server on the same database; each actor looked up by key
        // (its metadata cached, as after it went to sleep) but never woken.
        let asleep = ActoriumOptions {
            idle_timeout_ms: 3_600_000,
            data_dir: Some(dir.clone()),
            ..ActoriumOptions::default()
        };
        with_server(
            report,
            ACTORIUM,
            || Server::actorium(asleep),
            async |r, s| {
                let (before, after) = rss_around(s, Duration::ZERO, async |addr| {
                    look_up_keys(addr, "m100-", n, 16).await
                })
                .await?;
                r.push(memory_row(
                    format!("{case}, sleeping"),
                    n,
                    before,
                    after,
                    " (metadata of sleeping actors, after restart)",
                ));
                Ok(())
            },
        )
        .await?;
        // Went to sleep in the same process: live, then idle timeout; RSS keeps what the
        // allocator did not return to the system.
        let _ = std::fs::remove_dir_all(&dir);
        let cycle = ActoriumOptions {
            idle_timeout_ms: 1_000,
            ..ActoriumOptions::default()
        };
        with_server(
            report,
            ACTORIUM,
            || Server::actorium(cycle),
            async |r, s| {
                let pause = Duration::from_millis(1500);
                let (before, after) = rss_around(s, pause, async |addr| {
                    create_keys(addr, "m-", n, 16).await?;
                    tokio::time::sleep(Duration::from_millis(2500)).await;
                    Ok(())
                })
                .await?;
                r.push(memory_row(
                    format!("{case}, slept after idle timeout"),
                    n,
                    before,
                    after,
                    " (includes memory the allocator keeps after the instances were freed)",
                ));
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// RSS of the actorium server `s` before and after `work`, each read once the allocator has
/// settled; before them, a warm-up of 100 actors and `pause`.
async fn rss_around(
    s: &Server,
    pause: Duration,
    work: impl AsyncFnOnce(SocketAddr) -> Result<()>,
) -> Result<(u64, u64)> {
    let addr = load::addr_of(&s.endpoint)?;
    create_keys(addr, "warm-", 100, 4).await?;
    tokio::time::sleep(pause).await;
    let before = settle_rss(s.pid()).await?;
    work(addr).await?;
    let after = settle_rss(s.pid()).await?;
    Ok((before, after))
}

/// A `memory` row: resident bytes per actor between two RSS readings of the actorium process.
fn memory_row(case: String, n: usize, before: u64, after: u64, note: &str) -> Row {
    Row {
        scenario: "memory".into(),
        case,
        system: ACTORIUM.into(),
        unit: "bytes/actor".into(),
        value: after.saturating_sub(before) as f64 / n as f64,
        p50_ms: None,
        p99_ms: None,
        errors: 0,
        note: format!("RSS {} → {} MiB{note}", before >> 20, after >> 20),
    }
}

fn tasks_json(run: usize, n: usize) -> String {
    let tasks: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"run{run}-task{i}","data":"item {i}"}}"#))
        .collect();
    format!("{{\"args\":[[{}]]}}", tasks.join(","))
}

/// `map-reduce`: the seed's coordinator fans N tasks out to N workers, each reports back.
async fn map_reduce(cfg: &Config, report: &mut Report) -> Result<()> {
    let n = cfg.pick(1_000, 100);
    let runs = cfg.pick(3, 1);
    let job = async |system: &str, s: &Server, runs: usize, n: usize| -> Result<Row> {
        let addr = load::addr_of(&s.endpoint)?;
        let mut conn = HttpConn::connect(addr).await?;
        let start_path = gateway_path("coordinator", "main", "/action/startJob");
        let results_path = gateway_path("coordinator", "main", "/action/getResults");
        let mut times = Vec::new();
        for run in 0..runs {
            let body = Bytes::from(tasks_json(run, n));
            let t0 = Instant::now();
            let r = tokio::time::timeout(
                Duration::from_secs(180),
                conn.request(Method::POST, &start_path, body, true),
            )
            .await
            .context("startJob timed out (180 s)")??;
            let took = t0.elapsed();
            if r.status != StatusCode::OK {
                bail!("startJob: {} {}", r.status, r.text());
            }
            let results = conn
                .request(
                    Method::POST,
                    &results_path,
                    Bytes::from_static(GET_COUNT),
                    true,
                )
                .await?;
            let v: serde_json::Value = serde_json::from_slice(&results.body)?;
            let got = v["output"].as_array().map(|a| a.len()).unwrap_or(0);
            if got != n * (run + 1) {
                bail!(
                    "expected {} results after run {run}, got {got}",
                    n * (run + 1)
                );
            }
            times.push(took.as_micros() as u32);
        }
        times.sort_unstable();
        let p50 = percentile(&times, 0.5).unwrap_or(f64::NAN);
        Ok(Row {
            scenario: "map-reduce".into(),
            case: format!("{n} tasks end to end"),
            system: system.into(),
            unit: "tasks/s".into(),
            value: n as f64 / (p50 / 1000.0),
            p50_ms: Some(p50),
            p99_ms: percentile(&times, 1.0),
            errors: 0,
            note: format!("{runs} run(s); p99 column = slowest run"),
        })
    };
    if cfg.systems.actorium {
        with_server(
            report,
            ACTORIUM,
            || Server::actorium(ActoriumOptions::default()),
            async |r, s| {
                let row = job(ACTORIUM, s, runs, n).await?;
                r.push(row);
                Ok(())
            },
        )
        .await?;
    }
    if cfg.systems.rivetkit {
        // RivetKit's startJob exceeds its own 60 s action timeout already at 100 tasks on
        // this machine (actor.action_timed_out), so it runs a smaller job.
        let rk_n = cfg.pick(50, 20);
        with_server(report, RIVETKIT, Server::rivetkit, async |r, s| {
            let mut row = job(RIVETKIT, s, 1, rk_n).await?;
            row.case = format!("{n} tasks end to end");
            row.note = format!(
                "RivetKit ran {rk_n} tasks (100 exceed its 60 s action timeout); tasks/s is for {rk_n}"
            );
            r.push(row);
            Ok(())
        })
        .await?;
    }
    Ok(())
}

/// `broadcast`: one `newCount` event (one `increment`) to N subscribed WebSocket clients; time
/// until every client has it.
async fn broadcast(cfg: &Config, report: &mut Report) -> Result<()> {
    let n = cfg.pick(1_000, 100);
    let rounds = cfg.pick(10, 3);
    let run = async |system: &str, s: &Server| -> Result<Row> {
        let addr = load::addr_of(&s.endpoint)?;
        let connect = gateway_path("counter", "bcast", "/connect");
        touch_all(
            addr,
            "counter",
            &["bcast".to_string()],
            "getCount",
            GET_COUNT,
            1,
        )
        .await?;
        // Connect and subscribe, 32 at a time; a round trip after the subscription proves it
        // was registered (the actor handles a connection's messages in order).
        let mut clients = Vec::with_capacity(n);
        let t_connect = Instant::now();
        let mut pending = Vec::new();
        for i in 0..n {
            let endpoint = s.endpoint.clone();
            let connect = connect.clone();
            pending.push(tokio::spawn(async move {
                let mut ws = WsConn::connect(&endpoint, &connect).await?;
                ws.subscribe("newCount").await?;
                ws.action("getCount", "[]").await?;
                Ok::<_, anyhow::Error>(ws)
            }));
            if pending.len() == 32 || i + 1 == n {
                for p in pending.drain(..) {
                    clients.push(p.await??);
                }
            }
        }
        let connect_secs = t_connect.elapsed().as_secs_f64();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
        let mut readers = Vec::new();
        for mut ws in clients {
            let tx = tx.clone();
            readers.push(tokio::spawn(async move {
                for round in 0..rounds {
                    if ws.next_event().await.is_err() {
                        return;
                    }
                    let _ = tx.send((round, Instant::now()));
                }
                ws.close().await;
            }));
        }
        drop(tx);
        let mut conn = HttpConn::connect(addr).await?;
        let path = gateway_path("counter", "bcast", "/action/increment");
        let mut all_received = Vec::new();
        let mut per_client = Vec::new();
        for round in 0..rounds {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let t0 = Instant::now();
            let trigger = load::checked_action(&mut conn, &path, INCREMENT);
            let collect = async {
                let mut got = 0;
                let mut last = t0;
                while got < n {
                    match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
                        Ok(Some((r, at))) if r == round => {
                            got += 1;
                            last = last.max(at);
                            per_client.push((at - t0).as_micros() as u32);
                        }
                        Ok(Some(_)) => {}
                        _ => break,
                    }
                }
                (got, last)
            };
            let (sent, (got, last)) = tokio::join!(trigger, collect);
            sent?;
            if got < n {
                bail!("round {round}: only {got} of {n} clients got the event");
            }
            all_received.push((last - t0).as_micros() as u32);
        }
        for r in readers {
            let _ = r.await;
        }
        all_received.sort_unstable();
        per_client.sort_unstable();
        let p50_all = percentile(&all_received, 0.5).unwrap_or(f64::NAN);
        Ok(Row {
            scenario: "broadcast".into(),
            case: format!("1 event to {n} clients, until all received"),
            system: system.into(),
            unit: "ms p50".into(),
            value: p50_all,
            p50_ms: Some(p50_all),
            p99_ms: percentile(&all_received, 0.99),
            errors: 0,
            note: format!(
                "{rounds} rounds; per-client delivery p50 {:.2} / p99 {:.2} ms; {n} connects took {connect_secs:.1} s",
                percentile(&per_client, 0.5).unwrap_or(f64::NAN),
                percentile(&per_client, 0.99).unwrap_or(f64::NAN)
            ),
        })
    };
    if cfg.systems.actorium {
        with_server(
            report,
            ACTORIUM,
            || Server::actorium(ActoriumOptions::default()),
            async |r, s| {
                let row = run(ACTORIUM, s).await?;
                r.push(row);
                Ok(())
            },
        )
        .await?;
    }
    if cfg.systems.rivetkit {
        with_server(report, RIVETKIT, Server::rivetkit, async |r, s| {
            let row = run(RIVETKIT, s).await?;
            r.push(row);
            Ok(())
        })
        .await?;
    }
    Ok(())
}
