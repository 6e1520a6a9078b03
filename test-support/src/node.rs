//! The Node prerequisite check.

use std::path::PathBuf;
use std::process::Command;

use crate::workspace_root;

/// Fails the test (panics; never skips it) unless the Node side is installed: `node` runs and
/// each entry exists under `<workspace root>/node_modules/`. An entry is a path there: a
/// package name (`"rivetkit"`, `"@types/node"`; its directory must hold a `package.json`) or a
/// file (`".bin/tsc"`, `"ajv/package.json"`). Returns the workspace root.
///
/// The message says how to install them: `npm install --no-audit --no-fund` at the workspace
/// root, or `bash scripts/test.sh`, which does it before running the suite.
pub fn require_node_packages(entries: &[&str]) -> PathBuf {
    let root = workspace_root();
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "`node --version` failed ({}): these tests need Node 20 or later on PATH",
            out.status
        ),
        Err(e) => panic!("cannot run `node` ({e}): these tests need Node 20 or later on PATH"),
    }
    let node_modules = root.join("node_modules");
    for entry in entries {
        let path = node_modules.join(entry);
        let present = if path.is_dir() {
            path.join("package.json").is_file()
        } else {
            path.is_file()
        };
        assert!(
            present,
            "node_modules/{entry} is missing: the Node packages of the workspace are not \
             installed. Run `npm install --no-audit --no-fund` in {} (or `bash scripts/test.sh`, \
             which installs them first); package.json pins rivetkit, the Rivet Engine, \
             typescript and the validators",
            root.display()
        );
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "Run `npm install --no-audit --no-fund` in")]
    fn a_missing_package_fails_with_instructions() {
        // Without node on PATH this panics too, with its own message; the expected text is the
        // missing-package one, so the test needs node (like every test that uses the check).
        require_node_packages(&["actorium-test-support-no-such-package"]);
    }
}
