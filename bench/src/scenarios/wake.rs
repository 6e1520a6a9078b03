//! `wake`: latency to the first reply from a sleeping actor.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::{Config, GET_COUNT, INCREMENT, keys, touch_all, with_server};
use crate::load::{self, HttpConn, gateway_path};
use crate::procs::{ActoriumOptions, Server};
use crate::report::{ACTORIUM, RIVETKIT, Report, Row};
use crate::stats::Samples;

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
pub(super) async fn wake(cfg: &Config, report: &mut Report) -> Result<()> {
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
