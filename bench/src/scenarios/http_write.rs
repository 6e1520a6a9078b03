//! `http-write`: `increment(1)` over HTTP at 1/16/64 callers on 1 and 64 actors.

use std::time::Duration;

use anyhow::Result;

use super::{
    ACTOR_COUNTS, CALLERS, Config, GET_COUNT, INCREMENT, case, keys, touch_all, with_server,
};
use crate::load::{self, gateway_path};
use crate::procs::{self, ActoriumOptions, Server};
use crate::report::{RIVETKIT, Report, Row, fmt_num};
use crate::serve::SyncArg;

/// `http-write`: `increment(1)` over HTTP; actorium replies after the commit (NORMAL and
/// FULL), RivetKit replies before its state is saved.
pub(super) async fn http_write(cfg: &Config, report: &mut Report) -> Result<()> {
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
