//! The README's "Your own app" cannot rot: its code blocks (fenced as
//! ```` ```rust your-own-app:PATH ````) are written into a new crate outside the workspace, with
//! a path dependency on this checkout's facade, and that crate's `cargo test` must pass (it
//! builds the library, the server `main`, the client example and runs the test).
//!
//! Nothing is fetched or rebuilt needlessly: the build runs `--offline` on a copy of the
//! workspace's `Cargo.lock`, in the workspace's target directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use actorium_test_support::{run, workspace_root};

const TAG: &str = "your-own-app:";

/// Every block fenced with ```` ```LANG your-own-app:PATH ````: (path, contents).
fn blocks(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let Some(path) = info.split_whitespace().find_map(|w| w.strip_prefix(TAG)) else {
            continue;
        };
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        out.push((path.to_string(), body.join("\n") + "\n"));
    }
    out
}

/// The workspace's target directory: `CARGO_TARGET_DIR`, else the one this test binary was
/// built in (`<target>/debug/deps/readme_app-…`), else `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return root.join(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .filter(|dir| dir.join("debug").is_dir() || dir.join("release").is_dir())
        .unwrap_or_else(|| root.join("target"))
}

#[test]
fn readme_your_own_app_builds_and_its_test_passes() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = blocks(&readme);
    let paths: Vec<&str> = blocks.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Cargo.toml",
            "src/lib.rs",
            "src/main.rs",
            "examples/client.rs",
            "tests/counter.rs"
        ],
        "the README's \"Your own app\" blocks"
    );

    let app = tempfile::tempdir().unwrap();
    for (path, text) in &blocks {
        let text = if path == "Cargo.toml" {
            let dep = r#"actorium = { path = "../actorium" }"#;
            assert!(text.contains(dep), "the Cargo.toml block has `{dep}`");
            // The guide's relative path, pointed at this checkout.
            let facade = format!("actorium = {{ path = {:?} }}", root.display().to_string());
            text.replace(dep, &facade)
        } else {
            text.clone()
        };
        let file = app.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    std::fs::copy(root.join("Cargo.lock"), app.path().join("Cargo.lock")).unwrap();

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let result = run(
        Command::new(cargo)
            .args(["test", "--offline", "--quiet"])
            .current_dir(app.path())
            .env("CARGO_TARGET_DIR", target_dir(&root))
            .env_remove("RUSTFLAGS"),
        Duration::from_secs(1200),
    );
    assert!(
        result.success(),
        "`cargo test` of the README's app failed:\n{}",
        result.output
    );
    // The test ran and passed (not just compiled).
    assert!(
        result.output.contains("test result: ok. 1 passed"),
        "{}",
        result.output
    );
}
