//! Shared by the tests that drive the real `seed-server` binary: starting it on a free port with
//! a fresh data directory (an `actorium_test_support::ServerProcess`). Child processes with a
//! deadline and the workspace root come from `actorium-test-support` too.

#![allow(dead_code, unused_imports)] // each test file uses part of it

pub use actorium_test_support::{run, workspace_root};

use actorium_test_support::{ServerProcess, StartOptions};

/// How long the seed server may take to print its endpoint.
const STARTUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A running `seed-server --host 127.0.0.1 --port 0 --data-dir <tempdir>`, killed on drop.
pub struct SeedServer {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    process: ServerProcess,
    _dir: tempfile::TempDir,
}

impl SeedServer {
    /// Starts the seed server binary of this package and waits for `actorium listening on URL`.
    pub fn start() -> SeedServer {
        SeedServer::start_with(&[])
    }

    /// [`SeedServer::start`] with more command-line flags.
    pub fn start_with(extra: &[&str]) -> SeedServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_seed-server"));
        command
            .args(["--host", "127.0.0.1", "--port", "0", "--data-dir"])
            .arg(dir.path())
            .args(extra)
            .env("RUST_LOG", "warn");
        let options = StartOptions {
            timeout: STARTUP_TIMEOUT,
            ..StartOptions::default()
        };
        let process =
            ServerProcess::spawn_with(&mut command, &options).unwrap_or_else(|e| panic!("{e:#}"));
        SeedServer {
            endpoint: process.url().to_string(),
            process,
            _dir: dir,
        }
    }

    /// Everything the server printed so far (stderr lines prefixed `[stderr] `).
    pub fn log(&self) -> String {
        self.process.output()
    }
}
