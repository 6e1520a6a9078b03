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
//! The test-server is started as `test-server serve --host 127.0.0.1 --port 0 --memory`; its
//! endpoint is taken from the first line on stdout or stderr containing
//! `listening on http://HOST:PORT`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Upper bound for one `ts-scenarios.mjs` run (every check in it has its own 15 s timeout).
const SCENARIOS_TIMEOUT: Duration = Duration::from_secs(600);
/// How long a server may take to print its endpoint.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Fails (never skips) when the Node side is not installed.
fn require_node_side() -> PathBuf {
    let root = repo_root();
    assert!(
        root.join("node_modules/rivetkit/package.json").is_file(),
        "node_modules/rivetkit is missing in {}: install the Node packages first \
         (`npm install --no-audit --no-fund` at the repository root); the TypeScript interop \
         tests need the official client from it",
        root.display()
    );
    let version = Command::new("node").arg("--version").output();
    match version {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("`node --version` failed: {:?}", out.status),
        Err(e) => panic!("cannot run `node` (Node 20+ must be on PATH): {e}"),
    }
    root
}

/// Collects a child's output lines (for diagnostics) and reports the first line for which
/// `pick` returns `Some`.
fn drain_lines<R: Read + Send + 'static>(
    reader: R,
    prefix: &'static str,
    log: Arc<Mutex<String>>,
    pick: fn(&str) -> Option<String>,
    found: mpsc::Sender<String>,
) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(reader);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.trim_end();
                    if let Some(hit) = pick(line) {
                        let _ = found.send(hit);
                    }
                    let mut log = log.lock().unwrap();
                    log.push_str(prefix);
                    log.push_str(line);
                    log.push('\n');
                }
            }
        }
    });
}

/// `... listening on http://127.0.0.1:PORT ...` → `http://127.0.0.1:PORT` (ANSI codes and
/// trailing punctuation dropped).
fn listening_url(line: &str) -> Option<String> {
    let at = line.find("listening on http://")?;
    let rest = &line[at + "listening on ".len()..];
    let url: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || ".:-_[]/".contains(*c))
        .collect();
    let url = url.trim_end_matches(['/', '.', ':']).to_string();
    url.rsplit_once(':')
        .is_some_and(|(_, port)| port.parse::<u16>().is_ok_and(|p| p != 0))
        .then_some(url)
}

fn ready_url(line: &str) -> Option<String> {
    line.strip_prefix("READY ")
        .map(|url| url.trim().to_string())
}

fn send_signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn wait_deadline(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A server process that is stopped when dropped.
struct Server {
    name: &'static str,
    endpoint: String,
    child: Child,
    /// engine.mjs only: closing it (EOF) makes the harness stop the engine and the runner.
    stdin: Option<ChildStdin>,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id();
        if let Some(stdin) = self.stdin.take() {
            // engine.mjs --watch-stdin: graceful stop on EOF (runner, then engine, then its
            // temp dir), else SIGTERM (same path), else SIGKILL of its process group.
            drop(stdin);
            if wait_deadline(&mut self.child, Duration::from_secs(15)).is_none() {
                send_signal(pid, "TERM");
                if wait_deadline(&mut self.child, Duration::from_secs(10)).is_none() {
                    let _ = Command::new("kill")
                        .args(["-KILL", "--", &format!("-{pid}")])
                        .status();
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                }
            }
        } else {
            send_signal(pid, "TERM");
            if wait_deadline(&mut self.child, Duration::from_secs(5)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

fn wait_for_endpoint(
    name: &'static str,
    mut child: Child,
    stdin: Option<ChildStdin>,
    log: Arc<Mutex<String>>,
    rx: mpsc::Receiver<String>,
) -> Server {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(endpoint) => {
                return Server {
                    name,
                    endpoint,
                    child,
                    stdin,
                    log,
                };
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // Both output streams closed: only the exit check below is left to do.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(100))
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            std::thread::sleep(Duration::from_millis(200)); // let the readers finish
            panic!(
                "{name} exited ({status}) before reporting its endpoint; output:\n{}",
                log.lock().unwrap()
            );
        }
        if Instant::now() >= deadline {
            let server = Server {
                name,
                endpoint: String::new(),
                child,
                stdin,
                log,
            };
            panic!(
                "{name} did not report its endpoint within {STARTUP_TIMEOUT:?}; output:\n{}",
                server.log()
            );
        }
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
    let mut child = Command::new(bin)
        .args(["serve", "--host", "127.0.0.1", "--port", "0", "--memory"])
        .env("NO_COLOR", "1")
        .env("RUST_LOG_STYLE", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {bin}: {e}"));
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    drain_lines(
        stdout,
        "[test-server stdout] ",
        log.clone(),
        listening_url,
        tx.clone(),
    );
    drain_lines(
        stderr,
        "[test-server stderr] ",
        log.clone(),
        listening_url,
        tx,
    );
    wait_for_endpoint("test-server", child, None, log, rx)
}

/// The real Rivet Engine 2.3.19 + the RivetKit actors of `interop/engine-actors.mjs`.
fn start_real_engine(root: &Path) -> Server {
    use std::os::unix::process::CommandExt;
    let log_dir = std::env::temp_dir().join(format!("actorium-ts-interop-{}", std::process::id()));
    let mut child = Command::new("node")
        .arg("interop/engine.mjs")
        .arg("--watch-stdin")
        .arg("--log-dir")
        .arg(&log_dir)
        .current_dir(root)
        // Own process group: a last-resort SIGKILL of the group takes the engine and the
        // runner along (they are engine.mjs's children).
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn `node interop/engine.mjs`");
    let stdin = child.stdin.take();
    let log = Arc::new(Mutex::new(format!(
        "(engine logs in {})\n",
        log_dir.display()
    )));
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    drain_lines(
        stdout,
        "[engine.mjs stdout] ",
        log.clone(),
        ready_url,
        tx.clone(),
    );
    drain_lines(stderr, "[engine.mjs stderr] ", log.clone(), |_| None, tx);
    wait_for_endpoint("engine.mjs", child, stdin, log, rx)
}

/// Runs `node interop/ts-scenarios.mjs` against `server` and asserts that every check passed.
fn try_scenarios(
    root: &Path,
    server: &Server,
    encodings: &str,
    env: &[(&str, &str)],
) -> Result<(), String> {
    let started = Instant::now();
    let mut child = Command::new("node")
        .arg("interop/ts-scenarios.mjs")
        .arg(&server.endpoint)
        .arg(encodings)
        .current_dir(root)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn `node interop/ts-scenarios.mjs`");
    let output = Arc::new(Mutex::new(String::new()));
    let (tx, _rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    drain_lines(stdout, "", output.clone(), |_| None, tx.clone());
    drain_lines(stderr, "[stderr] ", output.clone(), |_| None, tx);
    let status = wait_deadline(&mut child, SCENARIOS_TIMEOUT);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    std::thread::sleep(Duration::from_millis(100)); // let the readers finish
    let output = output.lock().unwrap().clone();
    let header = format!(
        "ts-scenarios.mjs {} {encodings} against {} ({:.1} s)",
        server.endpoint,
        server.name,
        started.elapsed().as_secs_f64()
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

#[test]
fn listening_url_parsing() {
    assert_eq!(
        listening_url("2026-01-01T00:00:00Z  INFO test_server: listening on http://127.0.0.1:4321"),
        Some("http://127.0.0.1:4321".into())
    );
    assert_eq!(
        listening_url("\u{1b}[32mINFO\u{1b}[0m listening on http://127.0.0.1:80/\u{1b}[0m"),
        Some("http://127.0.0.1:80".into())
    );
    assert_eq!(listening_url("listening on http://127.0.0.1:0"), None);
    assert_eq!(listening_url("starting"), None);
}
