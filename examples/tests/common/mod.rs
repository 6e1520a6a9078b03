//! Shared by the tests that drive the real `seed-server` binary: starting it on a free port with
//! a fresh data directory, and running child processes with a deadline.

#![allow(dead_code)] // each test file uses part of it

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How long the seed server may take to print its endpoint.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The workspace root (where `node_modules` and `examples/ts` are found from).
pub fn workspace_root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .canonicalize()
        .expect("the workspace root exists")
}

/// A running `seed-server --host 127.0.0.1 --port 0 --data-dir <tempdir>`, killed on drop.
pub struct SeedServer {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    child: Child,
    log: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl SeedServer {
    /// Starts the seed server binary of this package and waits for `actorium listening on URL`.
    pub fn start() -> SeedServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_seed-server"))
            .args(["--host", "127.0.0.1", "--port", "0", "--data-dir"])
            .arg(dir.path())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn seed-server");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        drain(child.stdout.take().unwrap(), "", log.clone(), Some(tx));
        drain(child.stderr.take().unwrap(), "[stderr] ", log.clone(), None);
        let endpoint = match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(endpoint) => endpoint,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "seed-server printed no `actorium listening on URL` within {STARTUP_TIMEOUT:?} \
                     ({status:?}); its output:\n{}",
                    log.lock().unwrap()
                );
            }
        };
        SeedServer {
            endpoint,
            child,
            log,
            _dir: dir,
        }
    }

    /// Everything the server printed so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for SeedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends a child's output lines to `log`; with `endpoint`, sends the URL of the first
/// `actorium listening on URL` line.
fn drain<R: Read + Send + 'static>(
    reader: R,
    prefix: &'static str,
    log: Arc<Mutex<String>>,
    endpoint: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        let mut endpoint = endpoint;
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.strip_prefix("actorium listening on ")
                && let Some(tx) = endpoint.take()
            {
                let _ = tx.send(url.trim().to_string());
            }
            let mut log = log.lock().unwrap();
            log.push_str(prefix);
            log.push_str(&line);
            log.push('\n');
        }
    });
}

/// What a child process did: its exit status (`None`: killed at the deadline) and its stdout and
/// stderr interleaved by line (stderr lines prefixed `[stderr] `).
pub struct Run {
    pub status: Option<ExitStatus>,
    pub output: String,
    pub elapsed: Duration,
}

impl Run {
    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
}

/// Runs `cmd` (stdin null, output captured) and kills it if it runs longer than `timeout`.
pub fn run(cmd: &mut Command, timeout: Duration) -> Run {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
    let output = Arc::new(Mutex::new(String::new()));
    let readers = [
        reader_thread(child.stdout.take().unwrap(), "", output.clone()),
        reader_thread(child.stderr.take().unwrap(), "[stderr] ", output.clone()),
    ];
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if started.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    for reader in readers {
        let _ = reader.join();
    }
    let output = output.lock().unwrap().clone();
    Run {
        status,
        output,
        elapsed: started.elapsed(),
    }
}

fn reader_thread<R: Read + Send + 'static>(
    reader: R,
    prefix: &'static str,
    out: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            let mut out = out.lock().unwrap();
            out.push_str(prefix);
            out.push_str(&line);
            out.push('\n');
        }
    })
}
