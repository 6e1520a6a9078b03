//! # actorium-bench
//!
//! Benchmarks of actorium against the real RivetKit stack (Rivet Engine 2.3.19 plus a
//! RivetKit runner hosting the TypeScript actors of `bench/rivetkit/actors.mjs`) and a bare
//! axum ceiling, all driven by the same Rust load generator ([`load`]).
//!
//! Every server runs as a child process (actorium and the ceiling are hidden subcommands of the
//! `actorium-bench` binary itself; RivetKit is `node interop/engine.mjs --actors bench/rivetkit/actors.mjs`), so the load
//! generator and the server share this machine's cores the same way for every system.
//! See `BENCHMARKS.md` at the repository root for the figures and how to run them.
//!
//! The scenarios are in [`scenarios`], one per file. Apart from them, `server-process`
//! ([`scenarios::server_process`]) measures a separately built `test-server` binary (the test
//! actors behind actorium's own CLI), e.g. to compare two builds:
//! `cargo build --release -p actorium-tests --bin test-server && cargo run --release -p
//! actorium-bench -- server-process` (`--server PATH` or `ACTORIUM_BENCH_SERVER=PATH` for another
//! build; `--callers 16 --seconds 5` by default).

pub mod load;
pub mod procs;
pub mod profile;
pub mod report;
pub mod scenarios;
pub mod serve;
pub mod stats;

/// A one-line description of this machine (CPU model, cores, memory).
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown CPU")
        .to_string();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    format!("{model}, {cores} cores, {mem_gib:.0} GiB")
}
