//! The TypeScript walkthrough (`examples/ts/walkthrough.mjs`: every seed pattern through the
//! official `rivetkit` 2.3.19 client, in the bare, json and cbor encodings) against the real
//! `seed-server` binary on a free port with a fresh data directory.
//!
//! Needs `node` (20+) on PATH and the Node packages at the workspace root
//! (`npm install --no-audit --no-fund`); without `node_modules/rivetkit` the test FAILS.

mod common;

use std::process::Command;
use std::time::Duration;

use common::SeedServer;

/// Upper bound for one walkthrough run (every check in it has its own 15 s timeout).
const WALKTHROUGH_TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn ts_walkthrough_passes_against_the_seed_server() {
    // The walkthrough needs the official client.
    let root = actorium_test_support::require_node_packages(&["rivetkit"]);

    let server = SeedServer::start();
    let run = common::run(
        Command::new("node")
            .arg("examples/ts/walkthrough.mjs")
            .arg(&server.endpoint)
            .current_dir(&root)
            .env_remove("RIVET_ENDPOINT")
            .env("RIVET_LOG_LEVEL", "error"),
        WALKTHROUGH_TIMEOUT,
    );
    let header = format!(
        "node examples/ts/walkthrough.mjs {} ({:.1} s, {:?})",
        server.endpoint,
        run.elapsed.as_secs_f64(),
        run.status
    );
    let last = run.output.lines().last().unwrap_or_default();
    if !run.success() || !last.ends_with(" passed, 0 failed") {
        panic!(
            "{header}: failed\n{}\n---- seed-server output ----\n{}",
            run.output,
            server.log()
        );
    }
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(
        passed >= 22,
        "{header}: only {passed} checks ran\n{}",
        run.output
    );
    println!("{header}\n{}", run.output);
}
