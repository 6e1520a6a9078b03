//! The seed server: every seed pattern (chat rooms and their coordinator, hourly analytics
//! shards, rate limiter shards, map-reduce coordinator and workers, user sessions loaded from and
//! users synced to a SQLite users database) on one server, with durable state in
//! `./.actorium/` (the users database is `./.actorium/users.db`).
//!
//! ```sh
//! cargo run --release -p actorium-examples --bin seed-server            # serve on 127.0.0.1:6420
//! cargo run --release -p actorium-examples --bin seed-server -- --help   # every flag
//! cargo run --release -p actorium-examples --bin seed-server -- schema   # the registry's schema
//! ```

use std::process::ExitCode;

fn hint(endpoint: &str) -> String {
    format!(
        "try: curl -s -X POST '{endpoint}/gateway/chatRoom/action/sendMessage?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=lobby' \\\n       -H 'content-type: application/json' --data '{{\"args\":[\"alice\",\"Hello!\"]}}'\n  or: cargo run -p actorium-examples --example chat\n  stop with Ctrl-C"
    )
}

fn main() -> ExitCode {
    actorium::cli::main_with_hint(actorium_examples::registry(), Some(hint))
}
