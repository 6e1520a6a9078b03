//! The Rust client examples (`examples/examples/*.rs`) against the real `seed-server` binary:
//! the server is started on a free port with a fresh data directory, the examples are built
//! with `cargo build -p actorium-examples --examples` (the same target directory), and each runs
//! twice — with `--endpoint URL`, then with `RIVET_ENDPOINT` — to prove its keys do not collide
//! between runs. Each must exit 0 and print the line that shows its pattern worked.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::SeedServer;

/// Upper bound for building the examples (a cold build on two cores).
const BUILD_TIMEOUT: Duration = Duration::from_secs(900);
/// Upper bound for one example run.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Each example and a line (part) its output must contain.
const EXAMPLES: [(&str, &str); 8] = [
    ("chat", "newMessage event: alice: Hello!"),
    (
        "analytics",
        "tracked page_view /home in shard hourlyAnalytics:",
    ),
    ("rate_limit", "limit enforced: 3 allowed, then refused"),
    ("map_reduce", ": Processed plums"),
    ("user_session", "profile of user-123: name \"User\""),
    ("user_actor", "after updateEmail: email alice2@example.com"),
    ("bulletin", "sse event: #2 bob: Hi there"),
    ("ws_chat", "bob got: alice: hello bob"),
];

/// Builds the examples and returns each one's executable, from cargo's JSON messages.
fn build_examples() -> BTreeMap<String, PathBuf> {
    let run = common::run(
        Command::new(env!("CARGO"))
            .args(["build", "-p", "actorium-examples", "--examples"])
            .args(["--message-format", "json-render-diagnostics"])
            .current_dir(common::workspace_root()),
        BUILD_TIMEOUT,
    );
    assert!(
        run.success(),
        "building the examples failed ({:?}):\n{}",
        run.status,
        run.output
    );
    let mut exes = BTreeMap::new();
    for line in run.output.lines().filter(|l| l.starts_with('{')) {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_example = msg["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "example"));
        if msg["reason"] == "compiler-artifact"
            && is_example
            && let (Some(name), Some(exe)) =
                (msg["target"]["name"].as_str(), msg["executable"].as_str())
        {
            exes.insert(name.to_string(), PathBuf::from(exe));
        }
    }
    exes
}

#[test]
fn every_client_example_runs_against_the_seed_server() {
    let exes = build_examples();
    let server = SeedServer::start();
    let mut failures = Vec::new();
    for pass in ["--endpoint", "RIVET_ENDPOINT"] {
        for (name, expected) in EXAMPLES {
            let exe = exes
                .get(name)
                .unwrap_or_else(|| panic!("cargo built no example `{name}`: {exes:?}"));
            let mut cmd = Command::new(exe);
            cmd.env_remove("RIVET_ENDPOINT").env_remove("RIVET_ENGINE");
            if pass == "--endpoint" {
                cmd.args(["--endpoint", &server.endpoint]);
            } else {
                cmd.env("RIVET_ENDPOINT", &server.endpoint);
            }
            let run = common::run(&mut cmd, RUN_TIMEOUT);
            let header = format!(
                "example {name} ({pass}, {:.1} s, {:?})",
                run.elapsed.as_secs_f64(),
                run.status
            );
            println!("---- {header}\n{}", run.output);
            if !run.success() {
                failures.push(format!("{header}: failed\n{}", run.output));
            } else if !run.output.contains(expected) {
                failures.push(format!(
                    "{header}: output lacks {expected:?}\n{}",
                    run.output
                ));
            } else if !run
                .output
                .contains(&format!("endpoint: {}", server.endpoint))
            {
                failures.push(format!("{header}: did not use the server's endpoint"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} example run(s) failed:\n{}\n---- seed-server output ----\n{}",
        failures.len(),
        failures.join("\n"),
        server.log()
    );
}
