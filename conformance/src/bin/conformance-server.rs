//! The fixture actors of RivetKit's driver test suite behind actorium's serve helper (every flag
//! of `actorium::cli`); `conformance/driver.test.ts` starts one per test with
//! `--memory --port 0` and reads the `actorium listening on http://ADDR` line.
//!
//! Defaults that differ from the seed server's, so the suite measures RivetKit's limits:
//! `--max-incoming-message-bytes 65536` (RivetKit's `maxIncomingMessageSize`; actorium's own
//! default is 1 MiB). The outgoing limit is 1 MiB in both.

use actorium::cli::{MainOptions, main_with};

fn main() -> std::process::ExitCode {
    let options = MainOptions::default().defaults(vec![("max-incoming-message-bytes", "65536")]);
    main_with(actorium_conformance::registry(), options)
}
