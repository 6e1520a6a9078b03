//! Pipelining over one WebSocket with the official `rivetkit` 2.3.19 client
//! (`examples/ts/pipelining.mjs`): 20,000 concurrent `chatRoom.sendMessage` calls on one
//! connection against the real `seed-server` binary, in the bare and json encodings. Every call
//! must get its true outcome: the messages stored (read back over HTTP) are exactly the
//! fulfilled calls, and every rejected call carries a structured error (`group.code`) and left
//! nothing behind. With the defaults nothing is refused (reading pauses at the in-flight cap);
//! with an in-flight cap above the actor's mailbox, calls are refused with `actor.overloaded`,
//! and none of those ran.
//!
//! Needs `node` (20+) on PATH and the Node packages at the workspace root
//! (`npm install --no-audit --no-fund`); without `node_modules/rivetkit` the test FAILS.

mod common;

use std::process::Command;
use std::time::Duration;

use common::SeedServer;

/// Calls pipelined on the one connection.
const CALLS: u64 = 20_000;
/// Upper bound for one run of the script.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs the script against a seed server started with `flags`; the script's report.
fn pipelined(encoding: &str, flags: &[&str]) -> serde_json::Value {
    let root = actorium_test_support::require_node_packages(&["rivetkit"]);
    let server = SeedServer::start_with(flags);
    let run = common::run(
        Command::new("node")
            .arg("examples/ts/pipelining.mjs")
            .arg(&server.endpoint)
            .arg(encoding)
            .arg(CALLS.to_string())
            .current_dir(&root)
            .env_remove("RIVET_ENDPOINT")
            .env("RIVET_LOG_LEVEL", "error"),
        RUN_TIMEOUT,
    );
    let header = format!(
        "node examples/ts/pipelining.mjs {} {encoding} ({:.1} s, {:?})",
        server.endpoint,
        run.elapsed.as_secs_f64(),
        run.status
    );
    let report: Option<serde_json::Value> = run
        .output
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok());
    let Some(report) = report.filter(|_| run.success()) else {
        panic!(
            "{header}: no report\n{}\n---- seed-server output ----\n{}",
            run.output,
            server.log()
        );
    };
    println!("{header}\n{report}");
    let n = |k: &str| {
        report[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {report}"))
    };
    let context = || {
        format!(
            "{header}: {report}\n---- seed-server output ----\n{}",
            server.log()
        )
    };
    assert_eq!(n("fulfilled") + n("rejected"), CALLS, "{}", context());
    // The true outcome of every call: stored exactly when fulfilled.
    assert_eq!(
        n("stored"),
        n("storedDistinct"),
        "duplicates; {}",
        context()
    );
    assert_eq!(n("stored"), n("fulfilled"), "{}", context());
    assert_eq!(n("storedFulfilled"), n("fulfilled"), "{}", context());
    assert_eq!(n("storedRejected"), 0, "{}", context());
    assert_eq!(n("unstructured"), 0, "{}", context());
    report
}

#[test]
fn pipelined_calls_on_one_connection_get_their_true_outcome_bare() {
    let report = pipelined("bare", &[]);
    assert_eq!(
        report["rejected"], 0,
        "nothing refused by default: {report}"
    );
}

#[test]
fn pipelined_calls_on_one_connection_get_their_true_outcome_json() {
    let report = pipelined("json", &[]);
    assert_eq!(
        report["rejected"], 0,
        "nothing refused by default: {report}"
    );
}

/// 5,000 actions in flight do not fit the actor's mailbox (1,024): the excess is refused per
/// call, and a refused call did not run (checked by [`pipelined`]).
#[test]
fn calls_refused_for_a_full_mailbox_did_not_run() {
    let report = pipelined("bare", &["--ws-max-in-flight", "5000"]);
    let rejected = report["rejected"].as_u64().unwrap();
    assert!(rejected > 0, "the mailbox never filled: {report}");
    assert_eq!(
        report["errors"]["actor.overloaded"].as_u64(),
        Some(rejected),
        "{report}"
    );
}
