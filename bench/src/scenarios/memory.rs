//! `memory`: resident bytes per live idle actor and per sleeping actor.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use bytes::Bytes;
use hyper::{Method, StatusCode};

use super::create::create_keys;
use super::{Config, with_server};
use crate::load::{self, HttpConn};
use crate::procs::{self, ActoriumOptions, Server};
use crate::report::{ACTORIUM, Report, Row, fmt_num};

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

/// RSS of process `pid` once the allocator has settled (0.7 s).
pub(super) async fn settle_rss(pid: u32) -> Result<u64> {
    tokio::time::sleep(Duration::from_millis(700)).await;
    procs::rss_bytes(pid)
}

/// `memory`: resident bytes per live idle actor and per sleeping actor (RSS of the actorium
/// server process before and after).
pub(super) async fn memory(cfg: &Config, report: &mut Report) -> Result<()> {
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
