//! The fixture actors of RivetKit's driver test suite behind actorium's serve helper (every flag
//! of `actorium::cli`); `conformance/driver.test.ts` starts one per test with
//! `--memory --port 0` and reads the `actorium listening on http://ADDR` line.

fn main() -> std::process::ExitCode {
    actorium::cli::main(actorium_conformance::registry())
}
