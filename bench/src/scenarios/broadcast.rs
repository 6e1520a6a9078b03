//! `broadcast`: one event to N subscribed WebSocket clients.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use super::{Config, GET_COUNT, INCREMENT, touch_all, with_server};
use crate::load::{self, HttpConn, WsConn, gateway_path};
use crate::procs::{ActoriumOptions, Server};
use crate::report::{ACTORIUM, RIVETKIT, Report, Row};
use crate::stats::percentile;

/// `broadcast`: one `newCount` event (one `increment`) to N subscribed WebSocket clients; time
/// until every client has it.
pub(super) async fn broadcast(cfg: &Config, report: &mut Report) -> Result<()> {
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
