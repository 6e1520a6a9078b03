//! `profile`: where actorium's CPU time goes under the `http-read` or `http-write` load, with
//! `perf record -e cpu-clock` (a software event: this VM exposes no hardware counters) attached
//! to the server process only, then `perf report` by thread, by library and by symbol.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::load::{self, gateway_path};
use crate::procs::{ActoriumOptions, Server};

/// Profiles actorium under `scenario` (`http-read`: 16 callers on 1 actor; `http-write`: 64
/// callers on 64 actors, NORMAL) for `seconds`; writes `profile-<scenario>.txt` into `out`.
pub async fn profile(scenario: &str, seconds: u64, out: &Path, ceiling: bool) -> Result<()> {
    let (body, action, callers, actors): (&'static [u8], &str, usize, usize) = match scenario {
        "http-read" => (b"{\"args\":[]}", "getCount", 16, 1),
        "http-write" => (b"{\"args\":[1]}", "increment", 64, 64),
        other => bail!("profile supports http-read and http-write, not {other}"),
    };
    let server = if ceiling {
        Server::axum()?
    } else {
        Server::actorium(ActoriumOptions::default())?
    };
    let who = if ceiling {
        "the axum ceiling"
    } else {
        "actorium"
    };
    let addr = load::addr_of(&server.endpoint)?;
    let paths: Vec<String> = (0..actors)
        .map(|i| gateway_path("counter", &format!("p{i}"), &format!("/action/{action}")))
        .collect();
    // Create the actors and warm up.
    load::http_closed_loop(
        addr,
        &paths,
        body,
        actors,
        Duration::ZERO,
        Duration::from_millis(500),
    )
    .await?;
    std::fs::create_dir_all(out)?;
    let data =
        std::env::temp_dir().join(format!("actorium-bench-perf-{}.data", std::process::id()));
    let mut perf = Command::new("perf")
        .args(["record", "-e", "cpu-clock", "-F", "1999", "-p"])
        .arg(server.pid().to_string())
        .arg("-o")
        .arg(&data)
        .args(["--", "sleep"])
        .arg(seconds.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("running perf (apt-get install linux-perf)")?;
    // ACTORIUM_BENCH_PERF_EVENTS overrides the counted events (e.g. syscall tracepoints).
    let events = std::env::var("ACTORIUM_BENCH_PERF_EVENTS").unwrap_or_else(|_| {
        "task-clock,context-switches,cpu-migrations,raw_syscalls:sys_enter".into()
    });
    let stat = Command::new("perf")
        .args(["stat", "-x", ",", "-e", &events, "-p"])
        .arg(server.pid().to_string())
        .args(["--", "sleep"])
        .arg(seconds.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("running perf stat")?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let samples = load::http_closed_loop(
        addr,
        &paths,
        body,
        callers,
        Duration::ZERO,
        Duration::from_secs(seconds.saturating_sub(1).max(1)),
    )
    .await?;
    let status = tokio::task::spawn_blocking(move || perf.wait()).await??;
    let stat_out = tokio::task::spawn_blocking(move || stat.wait_with_output()).await??;
    server.stop();
    if !status.success() {
        bail!("perf record failed: {status}");
    }
    let summary = samples.summary();
    let mut text = format!(
        "# {who} under {scenario} ({callers} callers, {actors} actor(s)), perf record -e cpu-clock -F 1999 on the server process\n# load during the profile: {:.0} actions/s, p50 {:?} ms, p99 {:?} ms\n\n",
        summary.per_sec, summary.p50_ms, summary.p99_ms
    );
    // perf stat counts over the whole profile; the load ran for all but its first 200 ms and last second (idle: no work to count).
    let actions = (summary.ops as f64).max(1.0);
    text.push_str(
        "## per action (perf stat over the whole profile, divided by the actions completed)\n",
    );
    for line in String::from_utf8_lossy(&stat_out.stderr).lines() {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() > 3
            && let Ok(v) = f[0].parse::<f64>()
        {
            let (value, unit) = if f[2].starts_with("task-clock") {
                (v * 1000.0 / actions, "µs CPU")
            } else {
                (v / actions, "")
            };
            text.push_str(&format!("{value:10.2} {unit} {}\n", f[2]));
        }
    }
    text.push('\n');
    let by_symbol = perf_report(&data, "dso,symbol")?;
    text.push_str("## by category (self time; symbol-name patterns, see profile.rs)\n");
    for (cat, pct) in categories(&by_symbol) {
        text.push_str(&format!("{pct:6.2}%  {cat}\n"));
    }
    text.push('\n');
    for (title, sort, lines) in [
        ("by thread", "comm", 20),
        ("by library", "dso", 20),
        ("by symbol (self time)", "dso,symbol", 60),
    ] {
        let report = perf_report(&data, sort)?;
        text.push_str(&format!("## {title}\n"));
        for (pct, what) in report.iter().take(lines) {
            text.push_str(&format!("{pct:6.2}%  {what}\n"));
        }
        text.push('\n');
    }
    let _ = std::fs::remove_file(&data);
    let file = out.join(format!(
        "profile-{scenario}{}.txt",
        if ceiling { "-ceiling" } else { "" }
    ));
    std::fs::write(&file, &text)?;
    println!("{text}");
    println!("written to {}", file.display());
    Ok(())
}

/// `perf report --sort SORT` as (percent, what) lines.
fn perf_report(data: &Path, sort: &str) -> Result<Vec<(f64, String)>> {
    let out = Command::new("perf")
        .args(["report", "--stdio", "--no-children", "--sort", sort, "-i"])
        .arg(data)
        .output()
        .context("perf report")?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let l = l.trim();
            let (pct, rest) = l.split_once('%')?;
            let pct: f64 = pct.trim().parse().ok()?;
            // Drop perf's trailing IPC columns ("-      -") and collapse the padding.
            let what = rest
                .trim()
                .trim_end_matches('-')
                .trim_end()
                .trim_end_matches('-')
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            Some((pct, what))
        })
        .collect())
}

/// Self time summed by what the symbol belongs to.
fn categories(by_symbol: &[(f64, String)]) -> Vec<(&'static str, f64)> {
    const CATS: [(&str, &[&str]); 12] = [
        (
            "kernel: TCP/loopback, syscalls, scheduling, futex",
            &["[kernel.kallsyms]"],
        ),
        (
            "malloc/free (glibc)",
            &[
                "malloc",
                "_int_free",
                "cfree",
                "realloc",
                "unlink_chunk",
                "free@",
                "_int_realloc",
                "tcache",
            ],
        ),
        (
            "memcpy/memmove/memset",
            &["memmove", "memcpy", "memset", "memcmp", "strlen"],
        ),
        ("SQLite", &["sqlite3", "libsqlite3"]),
        (
            "hyper/http/httparse (HTTP/1 parsing and writing)",
            &["hyper::", "http::", "httparse", "h1::"],
        ),
        (
            "axum/tower/matchit (routing, extractors)",
            &["axum::", "tower::", "matchit"],
        ),
        ("tungstenite (WebSocket)", &["tungstenite"]),
        (
            "tokio (scheduler, channels, timers, I/O driver)",
            &["tokio::", "mio::"],
        ),
        (
            "serde/serde_json/ciborium (encoding)",
            &["serde", "ciborium"],
        ),
        (
            "actorium (host, gateway, instance, protocol)",
            &["actorium_"],
        ),
        ("uuid/rand", &["uuid", "rand::", "rand_"]),
        ("futures-util", &["futures_util"]),
    ];
    let mut sums: Vec<(&'static str, f64)> = CATS.iter().map(|(c, _)| (*c, 0.0)).collect();
    let mut other = 0.0;
    for (pct, what) in by_symbol {
        match CATS
            .iter()
            .position(|(_, pats)| pats.iter().any(|p| what.contains(p)))
        {
            Some(i) => sums[i].1 += pct,
            None => other += pct,
        }
    }
    sums.push(("other (std, core, alloc, …)", other));
    sums.retain(|(_, p)| *p > 0.0);
    sums.sort_by(|a, b| b.1.total_cmp(&a.1));
    sums
}
