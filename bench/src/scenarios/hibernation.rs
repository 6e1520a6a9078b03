//! `hibernation`: resident bytes per open WebSocket connection (`/connect`, subscribed to an
//! event) whose actor went to sleep with it (the seed's `chatRoom`, hibernatable connections),
//! against the same connections to actors they keep awake (the test `counter`, whose
//! connections do not hibernate). One connection per actor; the server's idle timeout is 1 s.

use std::time::Duration;

use anyhow::{Result, bail};

use super::memory::settle_rss;
use super::{Config, with_server};
use crate::load::{WsConn, gateway_path};
use crate::procs::{ActoriumOptions, Server};
use crate::report::{ACTORIUM, Report, Row, fmt_num};

/// One measured case: which actor, the event its connections subscribe to, the action that
/// creates it, and what the host should hold once the idle timeout has passed.
struct Case {
    name: &'static str,
    event: &'static str,
    action: &'static str,
    what: &'static str,
    hibernates: bool,
}

const CASES: [Case; 2] = [
    Case {
        name: "chatRoom",
        event: "newMessage",
        action: "getHistory",
        what: "hibernated: the actor asleep, the connection open",
        hibernates: true,
    },
    Case {
        name: "counter",
        event: "newCount",
        action: "getCount",
        what: "awake: the connection keeps its actor in memory",
        hibernates: false,
    },
];

/// `hibernation`: bytes per connection, hibernated and awake.
pub(super) async fn hibernation(cfg: &Config, report: &mut Report) -> Result<()> {
    if !cfg.systems.actorium {
        return Ok(());
    }
    let n: usize = cfg.pick(1_000, 200);
    for case in CASES {
        let opts = ActoriumOptions {
            idle_timeout_ms: 1_000,
            ..ActoriumOptions::default()
        };
        with_server(
            report,
            ACTORIUM,
            || Server::actorium(opts),
            async |r, s| {
                let path = |i: usize| gateway_path(case.name, &format!("h{i}"), "/connect");
                // Warm-up: the allocator's and the runtime's first connections.
                for i in 0..20 {
                    let mut c = WsConn::connect(&s.endpoint, &path(n + i)).await?;
                    c.action(case.action, "[]").await?;
                    c.close().await;
                }
                tokio::time::sleep(Duration::from_millis(1_500)).await;
                let before = settle_rss(s.pid()).await?;
                let mut conns = Vec::with_capacity(n);
                for i in 0..n {
                    let mut c = WsConn::connect(&s.endpoint, &path(i)).await?;
                    c.subscribe(case.event).await?;
                    c.action(case.action, "[]").await?;
                    conns.push(c);
                }
                // Past the idle timeout: the chat rooms sleep, the counters cannot.
                tokio::time::sleep(Duration::from_millis(2_500)).await;
                let after = settle_rss(s.pid()).await?;
                let stats = s.commit_stats().await?;
                let hibernated = stats.hibernated_connections;
                let expected = if case.hibernates { n } else { 0 };
                if hibernated != expected {
                    bail!("{}: {hibernated} hibernated connections, expected {expected}", case.name);
                }
                // A hibernated connection still answers (its call wakes the actor).
                conns[0].action(case.action, "[]").await?;
                r.push(Row {
                    scenario: "hibernation".into(),
                    case: format!("{} connections, {}", fmt_num(n as f64), case.what),
                    system: ACTORIUM.into(),
                    unit: "bytes/connection".into(),
                    value: after.saturating_sub(before) as f64 / n as f64,
                    p50_ms: None,
                    p99_ms: None,
                    errors: 0,
                    note: format!(
                        "RSS {} → {} MiB; actor `{}`; {} actors in memory, {hibernated} connections hibernated",
                        before >> 20,
                        after >> 20,
                        case.name,
                        stats.live_actors
                    ),
                });
                for c in conns {
                    c.close().await;
                }
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}
