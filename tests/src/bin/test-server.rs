//! The test actors of `tests/ACTORS.md` behind actorium's serve helper, for process-level
//! tests: `test-server [--port 0] [--data-dir DIR | --memory] [--idle-timeout-ms N] ...`
//! (every flag of `actorium::cli`). Prints `actorium listening on http://ADDR` when ready.

fn main() -> std::process::ExitCode {
    actorium_server::cli::main(actorium_tests::registry())
}
