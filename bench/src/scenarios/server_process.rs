//! `server-process`: the `test-server` binary of `actorium-tests` (the test actors behind
//! actorium's own CLI, SQLite storage with `synchronous=NORMAL`) as a separate process, driven
//! by closed-loop HTTP callers of `counter.increment` on one actor with BARE bodies, for a fixed
//! time; prints requests/s and the latency percentiles, then checks that the actor's count is
//! the number of acknowledged increments.
//!
//! Not one of the scenarios of `all`: it runs a binary built apart (`--server`, or
//! `ACTORIUM_BENCH_SERVER`), e.g. a build of another commit, to compare two builds of the whole
//! server with the same load:
//!
//! ```text
//! cargo build --release -p actorium-tests --bin test-server
//! cargo run --release -p actorium-bench -- server-process [--server target/release/test-server]
//! ```

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actorium_protocol::{Encoding, HttpActionRequest, Value};
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::Method;

use crate::load::{self, HttpConn, gateway_path};
use crate::procs;
use crate::stats::{Samples, Summary};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `test-server` binary.
    pub server: PathBuf,
    /// Concurrent callers.
    pub callers: usize,
    /// Measured time.
    pub duration: Duration,
}

/// The default `test-server`: next to this binary (same target directory and profile).
pub fn default_server() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("test-server")))
        .unwrap_or_else(|| PathBuf::from("test-server"))
}

/// A `test-server serve` child process, killed on drop with its data directory removed.
struct TestServer {
    child: Child,
    dir: PathBuf,
    /// `http://127.0.0.1:PORT`.
    endpoint: String,
}

impl TestServer {
    fn start(bin: &PathBuf) -> Result<TestServer> {
        if !bin.is_file() {
            bail!(
                "no test-server at {}: build it (cargo build --release -p actorium-tests --bin \
                 test-server) or pass --server",
                bin.display()
            );
        }
        let dir = procs::fresh_dir("server-process")?;
        let mut child = Command::new(bin)
            .arg("serve")
            .args(["--host", "127.0.0.1", "--port", "0", "--data-dir"])
            .arg(&dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        let mut line = String::new();
        let stdout = child.stdout.take().context("child stdout")?;
        BufReader::new(stdout).read_line(&mut line)?;
        let mut server = TestServer {
            child,
            dir,
            endpoint: String::new(),
        };
        server.endpoint = line
            .trim()
            .strip_prefix("actorium listening on ")
            .with_context(|| format!("unexpected first line {line:?}"))?
            .to_string();
        Ok(server)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn int(n: i64) -> Value {
    Value::Integer(n.into())
}

/// Runs the benchmark and prints its line; the summary of the measured window.
pub async fn server_process(opts: &Options) -> Result<Summary> {
    let server = TestServer::start(&opts.server)?;
    let addr = load::addr_of(&server.endpoint)?;
    let path = gateway_path("counter", "bench", "/action/increment");
    let bare = |n: i64| -> Result<Bytes> {
        Ok(HttpActionRequest { args: vec![int(n)] }
            .encode(Encoding::Bare)?
            .into())
    };
    // Create the actor (increment by 0) before the clock starts.
    let mut conn = HttpConn::connect(addr).await?;
    let r = conn
        .request_as(Method::POST, &path, bare(0)?, Some("bare"))
        .await?;
    if !r.status.is_success() {
        bail!("first increment: {} {}", r.status, r.text());
    }
    let start = Instant::now();
    let deadline = start + opts.duration;
    let mut callers = Vec::new();
    for _ in 0..opts.callers.max(1) {
        let path = path.clone();
        let body = bare(1)?;
        callers.push(tokio::spawn(async move {
            let mut conn = HttpConn::connect(addr).await?;
            let mut s = Samples::default();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = conn
                    .request_as(Method::POST, &path, body.clone(), Some("bare"))
                    .await?;
                if !r.status.is_success() {
                    bail!("increment: {} {}", r.status, r.text());
                }
                s.latencies_us.push(t.elapsed().as_micros() as u32);
            }
            Ok::<_, anyhow::Error>(s)
        }));
    }
    let mut all = Samples::default();
    for c in callers {
        all.merge(c.await??);
    }
    all.elapsed = start.elapsed();
    let elapsed = all.elapsed;
    let summary = all.summary();
    let ms = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.2} ms"));
    println!(
        "{} callers, counter.increment over HTTP (bare, SQLite NORMAL): {} requests in {:.2} s = \
         {:.0} req/s, p50 {}, p99 {}, max {}",
        opts.callers.max(1),
        summary.ops,
        elapsed.as_secs_f64(),
        summary.per_sec,
        ms(summary.p50_ms),
        ms(summary.p99_ms),
        ms(summary.max_ms)
    );
    let count_path = gateway_path("counter", "bench", "/action/getCount");
    let r = conn.action(&count_path, b"{\"args\":[]}").await?;
    let v: serde_json::Value = serde_json::from_slice(&r.body)
        .with_context(|| format!("getCount: {} {}", r.status, r.text()))?;
    let count = v["output"].as_u64();
    if count != Some(summary.ops) {
        bail!(
            "getCount returned {}, {} increments were acknowledged",
            v["output"],
            summary.ops
        );
    }
    Ok(summary)
}
