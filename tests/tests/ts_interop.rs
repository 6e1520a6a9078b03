//! The official TypeScript client (`rivetkit/client` 2.3.19) against actorium's `test-server`,
//! and — to prove the scenarios themselves right — against the real Rivet Engine 2.3.19 hosting
//! the RivetKit versions of the same actors (`interop/engine.mjs`).
//!
//! Both run `node interop/ts-scenarios.mjs <endpoint> <encodings>` (scenarios: see that file and
//! `tests/ACTORS.md`) and assert exit status 0, echoing its output on failure.
//!
//! Needs `node` (20+) on PATH and the Node packages installed at the repository root
//! (`npm install --no-audit --no-fund`); without `node_modules/rivetkit` the tests FAIL.
//!
//! The test-server is started as `test-server serve --host 127.0.0.1 --port 0 --memory` (an
//! `actorium_test_support::ServerProcess`); its endpoint is taken from the first line on stdout
//! containing `listening on http://HOST:PORT`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use actorium_test_support::{ServerProcess, StartOptions, require_node_packages, run, signal};

/// Upper bound for one `ts-scenarios.mjs` run (every check in it has its own 15 s timeout).
const SCENARIOS_TIMEOUT: Duration = Duration::from_secs(600);
/// How long a server may take to print its endpoint.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// Fails (never skips) when the Node side is not installed; the repository root.
fn require_node_side() -> PathBuf {
    require_node_packages(&["rivetkit"])
}

/// engine.mjs's `READY URL` line.
fn ready_url(line: &str) -> Option<String> {
    line.strip_prefix("READY ")
        .map(|url| url.trim().to_string())
}

/// A server process that is stopped when dropped.
struct Server {
    name: &'static str,
    process: ServerProcess,
    /// engine.mjs only: closing its stdin (EOF) makes the harness stop the engine and the
    /// runner; where its logs are.
    engine_logs: Option<PathBuf>,
}

impl Server {
    fn endpoint(&self) -> &str {
        self.process.url()
    }

    fn log(&self) -> String {
        match &self.engine_logs {
            Some(dir) => format!(
                "(engine logs in {})\n{}",
                dir.display(),
                self.process.output()
            ),
            None => self.process.output(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = i64::from(self.process.pid());
        if self.engine_logs.is_some() {
            // engine.mjs --watch-stdin: graceful stop on EOF (runner, then engine, then its
            // temp dir), else SIGTERM (same path), else SIGKILL of its process group.
            drop(self.process.take_stdin());
            if self.process.wait_timeout(Duration::from_secs(15)).is_none() {
                signal(pid, "TERM");
                if self.process.wait_timeout(Duration::from_secs(10)).is_none() {
                    signal(-pid, "KILL");
                }
            }
        } else {
            signal(pid, "TERM");
            let _ = self.process.wait_timeout(Duration::from_secs(5));
        }
        // Whatever still runs is killed when `process` drops.
    }
}

/// actorium's own test server (`tests/src/bin/test-server.rs`), in memory, on a free port.
fn start_test_server() -> Server {
    let Some(bin) = option_env!("CARGO_BIN_EXE_test-server") else {
        panic!(
            "the `test-server` binary of actorium-tests does not exist \
             (expected tests/src/bin/test-server.rs); cannot run the TypeScript client against it"
        )
    };
    let mut command = Command::new(bin);
    command
        .args(["serve", "--host", "127.0.0.1", "--port", "0", "--memory"])
        .env("NO_COLOR", "1")
        .env("RUST_LOG_STYLE", "never");
    let options = StartOptions {
        timeout: STARTUP_TIMEOUT,
        ..StartOptions::default()
    };
    let process =
        ServerProcess::spawn_with(&mut command, &options).unwrap_or_else(|e| panic!("{e:#}"));
    Server {
        name: "test-server",
        process,
        engine_logs: None,
    }
}

/// The real Rivet Engine 2.3.19 + the RivetKit actors of `interop/engine-actors.mjs`.
fn start_real_engine(root: &Path) -> Server {
    use std::os::unix::process::CommandExt;
    let log_dir = std::env::temp_dir().join(format!("actorium-ts-interop-{}", std::process::id()));
    let mut command = Command::new("node");
    command
        .arg("interop/engine.mjs")
        .arg("--watch-stdin")
        .arg("--log-dir")
        .arg(&log_dir)
        .current_dir(root)
        // Own process group: a last-resort SIGKILL of the group takes the engine and the
        // runner along (they are engine.mjs's children).
        .process_group(0);
    let options = StartOptions {
        timeout: STARTUP_TIMEOUT,
        ready: ready_url,
        stdin: true,
    };
    let process = ServerProcess::spawn_with(&mut command, &options)
        .unwrap_or_else(|e| panic!("{e:#}\n(engine logs in {})", log_dir.display()));
    Server {
        name: "engine.mjs",
        process,
        engine_logs: Some(log_dir),
    }
}

/// Runs `node interop/ts-scenarios.mjs` against `server` and asserts that every check passed.
fn try_scenarios(
    root: &Path,
    server: &Server,
    encodings: &str,
    env: &[(&str, &str)],
) -> Result<(), String> {
    let run = run(
        Command::new("node")
            .arg("interop/ts-scenarios.mjs")
            .arg(server.endpoint())
            .arg(encodings)
            .current_dir(root)
            .envs(env.iter().copied()),
        SCENARIOS_TIMEOUT,
    );
    let (status, output) = (run.status, run.output);
    let header = format!(
        "ts-scenarios.mjs {} {encodings} against {} ({:.1} s)",
        server.endpoint(),
        server.name,
        run.elapsed.as_secs_f64()
    );
    match status {
        Some(status) if status.success() && output.contains(" passed, 0 failed") => {
            println!("{header}\n{output}");
            Ok(())
        }
        Some(status) => Err(format!(
            "{header}: exit {status}\n{output}\n---- {} output ----\n{}",
            server.name,
            server.log()
        )),
        None => Err(format!(
            "{header}: no exit within {SCENARIOS_TIMEOUT:?}, killed\n{output}\n---- {} output ----\n{}",
            server.name,
            server.log()
        )),
    }
}

fn run_scenarios(root: &Path, server: &Server, encodings: &str, env: &[(&str, &str)]) {
    if let Err(report) = try_scenarios(root, server, encodings, env) {
        panic!("{report}");
    }
}

fn against_test_server(encoding: &str) {
    let root = require_node_side();
    let server = start_test_server();
    // Strict: none of the real engine's known quirks are tolerated here.
    run_scenarios(&root, &server, encoding, &[("TS_SCENARIO_STRICT", "1")]);
}

#[test]
fn ts_client_against_test_server_bare() {
    against_test_server("bare");
}

#[test]
fn ts_client_against_test_server_json() {
    against_test_server("json");
}

#[test]
fn ts_client_against_test_server_cbor() {
    against_test_server("cbor");
}

/// The same scenarios against the real engine: proves the scenarios (and the RivetKit actors)
/// match the reference. The engine occasionally needs 15 s to place a new actor
/// (`pegboard.route_resolve_query_timeout`), so such stalls are retried with fresh keys; on a
/// loaded machine it can stall for minutes, so a failed run is repeated once on a fresh engine
/// (the first failure is printed). Both runs failing fails the test.
#[test]
fn ts_client_against_real_engine() {
    let root = require_node_side();
    let env = [("TS_SCENARIO_RETRIES", "2")];
    let first = {
        let engine = start_real_engine(&root);
        try_scenarios(&root, &engine, "bare,json,cbor", &env)
    };
    if let Err(report) = first {
        println!("first run against the real engine failed; retrying on a fresh engine:\n{report}");
        let engine = start_real_engine(&root);
        run_scenarios(&root, &engine, "bare,json,cbor", &env);
    }
}
