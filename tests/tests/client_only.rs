//! The client half of a contract builds alone: `tests/client-only` depends on `actorium` with
//! `default-features = false, features = ["client"]`; built on its own it must compile and pull
//! in no server crate (no actorium-server, axum or SQLite).

use std::process::Command;

fn cargo() -> Command {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    cmd
}

#[test]
fn client_only_contract_pulls_in_no_server_crate() {
    let out = cargo()
        .args([
            "tree",
            "-p",
            "actorium-client-only",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--locked",
        ])
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        tree.contains("actorium-client"),
        "the client is there:\n{tree}"
    );
    for server_crate in ["actorium-server", "axum", "rusqlite", "libsqlite3-sys"] {
        assert!(
            !tree
                .lines()
                .any(|l| l.starts_with(&format!("{server_crate} "))),
            "{server_crate} is in the client-only build:\n{tree}"
        );
    }
}

#[test]
fn client_only_contract_compiles_alone() {
    // Selected alone, the package gets only its own features: the contract expands to its client
    // half, and anything that needs the server half would fail to compile here.
    let out = cargo()
        .args(["check", "-q", "-p", "actorium-client-only", "--locked"])
        .output()
        .expect("run cargo check");
    assert!(
        out.status.success(),
        "client-only build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
