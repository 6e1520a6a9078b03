//! Child processes: actorium and the axum ceiling (this binary's hidden subcommands) and the
//! RivetKit side (`node interop/engine.mjs --actors bench/rivetkit/actors.mjs`: a Rivet Engine
//! plus a RivetKit runner).
//! Every child is stopped by PID (SIGTERM, then SIGKILL after a grace period).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use actorium_test_support::{ServerProcess, StartOptions, signal, workspace_root};
use anyhow::{Context, Result, bail};

use crate::serve::{CommitStats, SyncArg};

/// A running server.
pub struct Server {
    /// `None` once stopped.
    process: Option<ServerProcess>,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// actorium's `GET /stats` side endpoint.
    stats: Option<String>,
    /// Extra PIDs to stop (RivetKit: engine and runner).
    extra_pids: Vec<u32>,
    /// Directory removed on stop.
    temp: Option<PathBuf>,
    name: &'static str,
    stopped: bool,
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    workspace_root()
}

/// A new empty directory under the system temporary directory.
pub fn fresh_dir(what: &str) -> Result<PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "actorium-bench-{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Starts `command` (stdin held open: the bench servers stop when it closes) and waits up to
/// `timeout` for its `READY …` line; returns the process and the words after `READY`.
fn start(command: &mut Command, timeout: Duration) -> Result<(ServerProcess, Vec<String>)> {
    fn ready(line: &str) -> Option<String> {
        line.strip_prefix("READY ")
            .map(|rest| rest.trim().to_string())
    }
    let options = StartOptions {
        timeout,
        ready,
        stdin: true,
    };
    let process = ServerProcess::spawn_with(command, &options)?;
    let words = process
        .url()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Ok((process, words))
}

/// How to run actorium.
#[derive(Debug, Clone)]
pub struct ActoriumOptions {
    /// SQLite synchronous mode.
    pub sync: SyncArg,
    /// Idle timeout, ms.
    pub idle_timeout_ms: u64,
    /// Idle time before an actor parks (gives up its task, keeps its state in memory), ms.
    pub park_after_ms: u64,
    /// Serve this data directory (kept on stop) instead of a fresh temporary one.
    pub data_dir: Option<PathBuf>,
}

impl Default for ActoriumOptions {
    fn default() -> Self {
        ActoriumOptions {
            sync: SyncArg::Normal,
            idle_timeout_ms: 30_000,
            park_after_ms: 100,
            data_dir: None,
        }
    }
}

impl Server {
    /// Starts actorium (this binary's `serve-actorium`) with SQLite in a fresh directory.
    pub fn actorium(opts: ActoriumOptions) -> Result<Server> {
        let (dir, temp) = match &opts.data_dir {
            Some(d) => (d.clone(), None),
            None => {
                let d = fresh_dir("actorium")?;
                (d.clone(), Some(d))
            }
        };
        let exe = std::env::current_exe()?;
        let sync = match opts.sync {
            SyncArg::Normal => "normal",
            SyncArg::Full => "full",
        };
        let mut command = Command::new(exe);
        command
            .args(["serve-actorium", "--data-dir"])
            .arg(&dir)
            .args(["--sync", sync, "--idle-timeout-ms"])
            .arg(opts.idle_timeout_ms.to_string())
            .arg("--park-after-ms")
            .arg(opts.park_after_ms.to_string());
        // READY http://A STATS http://B
        let (process, words) = start(&mut command, Duration::from_secs(30))?;
        let endpoint = words.first().context("READY line")?.clone();
        let stats = words.get(2).cloned();
        Ok(Server {
            process: Some(process),
            endpoint,
            stats,
            extra_pids: Vec::new(),
            temp,
            name: "actorium",
            stopped: false,
        })
    }

    /// Starts the bare axum ceiling.
    pub fn axum() -> Result<Server> {
        let exe = std::env::current_exe()?;
        let (process, words) = start(Command::new(exe).arg("serve-axum"), Duration::from_secs(30))?;
        let endpoint = words.first().context("READY line")?.clone();
        Ok(Server {
            process: Some(process),
            endpoint,
            stats: None,
            extra_pids: Vec::new(),
            temp: None,
            name: "axum",
            stopped: false,
        })
    }

    /// Starts the Rivet Engine and the RivetKit runner of `bench/rivetkit/actors.mjs`
    /// (`npm install` at the repository root first if `rivetkit` is not installed).
    pub fn rivetkit() -> Result<Server> {
        let root = repo_root();
        ensure_node_modules(&root)?;
        let logs = fresh_dir("rivetkit-logs")?;
        let mut command = Command::new("node");
        command
            .arg(root.join("interop/engine.mjs"))
            .arg("--actors")
            .arg(root.join("bench/rivetkit/actors.mjs"))
            .env("INTEROP_RUNNER_LOG_LEVEL", "warn")
            .arg("--log-dir")
            .arg(&logs)
            .arg("--watch-stdin")
            .current_dir(&root);
        let (process, words) = match start(&mut command, Duration::from_secs(120)) {
            Ok(started) => started,
            Err(e) => bail!("RivetKit did not start: {e}; logs in {}", logs.display()),
        };
        let endpoint = words.first().context("READY line")?.clone();
        let mut extra_pids = Vec::new();
        if let Ok(text) = std::fs::read_to_string(logs.join("interop-state.json"))
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            for k in ["runnerPid", "enginePid"] {
                if let Some(pid) = v.get(k).and_then(|p| p.as_u64()) {
                    extra_pids.push(pid as u32);
                }
            }
        }
        tracing::info!(%endpoint, logs = %logs.display(), "RivetKit ready");
        Ok(Server {
            process: Some(process),
            endpoint,
            stats: None,
            extra_pids,
            // Logs are kept only when startup fails (above).
            temp: Some(logs),
            name: "rivetkit",
            stopped: false,
        })
    }

    /// The server's PID.
    pub fn pid(&self) -> u32 {
        self.process.as_ref().map_or(0, ServerProcess::pid)
    }

    /// PIDs of every process of this server (RivetKit: engine.mjs, runner, engine).
    pub fn pids(&self) -> Vec<u32> {
        let mut v = vec![self.pid()];
        v.extend(&self.extra_pids);
        v
    }

    /// actorium's commit counters.
    pub async fn commit_stats(&self) -> Result<CommitStats> {
        let Some(stats) = &self.stats else {
            return Ok(CommitStats::default());
        };
        let addr = crate::load::addr_of(stats)?;
        let mut conn = crate::load::HttpConn::connect(addr).await?;
        let r = conn
            .request(hyper::Method::GET, "/stats", bytes::Bytes::new(), false)
            .await?;
        Ok(serde_json::from_slice(&r.body)?)
    }

    /// Stops the server: SIGTERM to its PID, SIGKILL after `grace`; then its extra PIDs.
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        self.stopped = true;
        let grace = Duration::from_secs(if self.name == "rivetkit" { 12 } else { 15 });
        if let Some(mut process) = self.process.take() {
            signal(i64::from(process.pid()), "TERM");
            if process.wait_timeout(grace).is_none() {
                tracing::warn!(server = self.name, "did not stop in time; SIGKILL");
                process.kill();
            }
        }
        for pid in std::mem::take(&mut self.extra_pids) {
            if Path::new(&format!("/proc/{pid}")).exists() {
                signal(i64::from(pid), "KILL");
            }
        }
        if let Some(dir) = self.temp.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.stopped {
            self.stop_inner();
        }
    }
}

/// Installs the node packages of the root `package.json` if `rivetkit` is missing.
fn ensure_node_modules(root: &Path) -> Result<()> {
    if root.join("node_modules/rivetkit/package.json").exists() {
        return Ok(());
    }
    tracing::info!("installing node packages (npm install at the repository root)");
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund"])
        .current_dir(root)
        .status()
        .context("running npm install")?;
    if !status.success() {
        bail!("npm install failed: {status}");
    }
    Ok(())
}

/// Resident set size of `pid` in bytes (`VmRSS` of `/proc/PID/status`).
pub fn rss_bytes(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS")?;
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .context("VmRSS value")?
        .parse()?;
    Ok(kb * 1024)
}

/// CPU time (user + system) used so far by the processes `pids`, in seconds (`/proc/PID/stat`,
/// clock ticks of 1/100 s).
pub fn cpu_seconds(pids: &[u32]) -> f64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| {
            // Fields after the command name (which may contain spaces) start after ')'.
            let rest = stat.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            // rest[0] is field 3 (state): utime is field 14, stime field 15.
            let utime: u64 = f.get(11)?.parse().ok()?;
            let stime: u64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) as f64 / 100.0)
        })
        .sum()
}
