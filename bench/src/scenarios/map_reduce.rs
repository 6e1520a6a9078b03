//! `map-reduce`: the seed's coordinator fans N tasks out to N workers, each reports back.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::{Method, StatusCode};

use super::{Config, GET_COUNT, with_server};
use crate::load::{self, HttpConn, gateway_path};
use crate::procs::{ActoriumOptions, Server};
use crate::report::{ACTORIUM, RIVETKIT, Report, Row};
use crate::stats::percentile;

fn tasks_json(run: usize, n: usize) -> String {
    let tasks: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"run{run}-task{i}","data":"item {i}"}}"#))
        .collect();
    format!("{{\"args\":[[{}]]}}", tasks.join(","))
}

/// `map-reduce`: the seed's coordinator fans N tasks out to N workers, each reports back.
pub(super) async fn map_reduce(cfg: &Config, report: &mut Report) -> Result<()> {
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
