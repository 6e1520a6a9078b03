//! # actorium-test-support
//!
//! What the workspace's tests share, written once:
//!
//! - [`TestServer`] (feature `server`, default): the facade's in-process test server
//!   (`actorium::testkit`), re-exported as is.
//! - [`ServerProcess`]: a server binary as a child process, ready once it printed
//!   `actorium listening on URL`, with its output captured and killed on drop; [`run`] for a
//!   child process that must finish within a deadline.
//! - [`require_node_packages`]: the one check that the Node side (`node` on PATH, the packages
//!   under `node_modules/`) is installed; tests fail, never skip, without it.
//! - [`workspace_root`]: where `Cargo.toml`, `package.json` and `node_modules/` are.

mod node;
mod process;

use std::path::{Path, PathBuf};

pub use node::require_node_packages;
pub use process::{
    DEFAULT_START_TIMEOUT, Run, ServerProcess, StartOptions, listening_url, run, signal,
};

#[cfg(feature = "server")]
pub use actorium::testkit::{TestServer, TestServerError};

/// The workspace root: the directory of the top-level `Cargo.toml`, `package.json` and
/// `node_modules/`.
pub fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support/ has a parent");
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

/// `ws://…` for an `http://…` endpoint (`wss://` for `https://`).
pub fn ws_url(endpoint: &str) -> String {
    if let Some(rest) = endpoint.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = endpoint.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        endpoint.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_root_has_the_workspace_manifest() {
        let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
        assert!(manifest.contains("[workspace]"));
    }

    #[test]
    fn ws_urls() {
        assert_eq!(ws_url("http://127.0.0.1:1"), "ws://127.0.0.1:1");
        assert_eq!(ws_url("https://h"), "wss://h");
    }
}
