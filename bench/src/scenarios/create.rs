//! `create`: getOrCreate (`PUT /actors`) of N distinct keys.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Result;
use bytes::Bytes;
use hyper::{Method, StatusCode};

use super::{Config, with_server};
use crate::load::{self, HttpConn};
use crate::procs::{ActoriumOptions, Server};
use crate::report::{ACTORIUM, RIVETKIT, Report, Row};
use crate::stats::Samples;

/// `PUT /actors` (getOrCreate) of `n` new keys, `callers` at a time.
pub(super) async fn create_keys(
    addr: SocketAddr,
    prefix: &str,
    n: usize,
    callers: usize,
) -> Result<Samples> {
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
pub(super) async fn create(cfg: &Config, report: &mut Report) -> Result<()> {
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
