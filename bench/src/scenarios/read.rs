//! `http-read`, `ws-read` and `raw-http-read`: `getCount` at 1/16/64 callers on 1 and 64
//! actors, over HTTP, over one WebSocket connection per caller, or as a raw HTTP request to the
//! counter's `on_request` (`/request/count`, the same `{"output":n}` body).

use std::time::Duration;

use anyhow::Result;

use super::{ACTOR_COUNTS, CALLERS, Config, GET_COUNT, case, keys, touch_all, with_server};
use crate::load::{self, WsRequest, gateway_path};
use crate::procs::{self, ActoriumOptions, Server};
use crate::report::{ACTORIUM, CEILING, RIVETKIT, Report, Row};

/// How a read reaches the actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadVia {
    /// `POST {gateway}/action/getCount`.
    HttpAction,
    /// `getCount` over one WebSocket connection per caller.
    WebSocket,
    /// `POST {gateway}/request/count`, the counter's raw HTTP handler.
    RawHttp,
    /// `count` on one raw WebSocket per caller (`{gateway}/websocket/`), the counter's
    /// `on_websocket_message`.
    RawWebSocket,
}

/// The read matrix (1/16/64 callers on 1 and 64 actors) against one server.
async fn closed_loop_matrix(
    report: &mut Report,
    scenario: &str,
    system: &str,
    server: &Server,
    cfg: &Config,
    via: ReadVia,
) -> Result<()> {
    let addr = load::addr_of(&server.endpoint)?;
    for actors in ACTOR_COUNTS {
        let ks = keys(&format!("{scenario}-{actors}-"), actors);
        let ks = touch_all(addr, "counter", &ks, "getCount", GET_COUNT, 16).await?;
        for callers in CALLERS {
            let row = read_case(scenario, system, server, cfg, via, &ks, callers).await?;
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
    via: ReadVia,
    ks: &[String],
    callers: usize,
) -> Result<Row> {
    let addr = load::addr_of(&server.endpoint)?;
    let window = if system == RIVETKIT {
        cfg.rk_window
    } else {
        cfg.window
    };
    let suffix = match via {
        ReadVia::HttpAction => "/action/getCount",
        ReadVia::WebSocket => "/connect",
        ReadVia::RawHttp => "/request/count",
        ReadVia::RawWebSocket => "/websocket/",
    };
    let paths: Vec<String> = ks
        .iter()
        .map(|k| gateway_path("counter", k, suffix))
        .collect();
    let run = async |length: Duration| {
        let ws = match via {
            ReadVia::WebSocket => WsRequest::Action("getCount"),
            ReadVia::RawWebSocket => WsRequest::Raw("count"),
            ReadVia::HttpAction | ReadVia::RawHttp => {
                let z = Duration::ZERO;
                return load::http_closed_loop(addr, &paths, GET_COUNT, callers, z, length).await;
            }
        };
        load::ws_closed_loop(
            &server.endpoint,
            &paths,
            ws,
            callers,
            Duration::ZERO,
            length,
        )
        .await
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
    via: ReadVia,
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
                    rows.push(read_case(scenario, system, server, cfg, via, ks, callers).await?);
                }
            }
            for rows in rounds {
                report.push(median_round(rows));
            }
        }
    }
    Ok(())
}

/// `http-read`: `getCount` over HTTP at 1/16/64 callers on 1 and 64 actors; `ws-read`: the same
/// over one WebSocket connection per caller; `raw-http-read`: the counter's raw `/count`;
/// `raw-ws-read`: `count` on one raw WebSocket per caller (both against the ceiling only:
/// RivetKit's bench counter has no `onRequest` or `onWebSocket`).
pub(super) async fn read_scenario(
    cfg: &Config,
    report: &mut Report,
    name: &str,
    via: ReadVia,
) -> Result<()> {
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
        let result = paired_read_matrix(report, name, &local, cfg, via).await;
        for (_, s) in local {
            s.stop();
        }
        if let Err(e) = result {
            println!("  {name}: failed: {e:#}");
        }
    }
    if cfg.systems.rivetkit && !matches!(via, ReadVia::RawHttp | ReadVia::RawWebSocket) {
        with_server(report, RIVETKIT, Server::rivetkit, async |r, s| {
            closed_loop_matrix(r, name, RIVETKIT, s, cfg, via).await
        })
        .await?;
    }
    Ok(())
}
