//! Shared helpers of the integration tests.
#![allow(dead_code, unused_imports)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use actorium_codegen::RegistrySchema;

/// `codegen/`.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub use actorium_test_support::{require_node_packages, workspace_root};

/// `codegen/tests/<rel>`.
pub fn tests_path(rel: &str) -> PathBuf {
    crate_dir().join("tests").join(rel)
}

/// The schema documents every generator is tested on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// The real seed registry's schema, `examples/schema.json` (`actorium-examples` checks that
    /// it is byte for byte what `actorium_examples::registry().schema()` prints).
    Seed,
    /// The hand-written `tests/fixtures/edge-cases.json`: what the seed schema does not have
    /// (an event with two arguments, a string enum, optional and nullable fields, connection
    /// params, an optional result taking a parameter, actions without docs, a schema with no
    /// state).
    EdgeCases,
}

impl Doc {
    /// Both documents.
    pub const ALL: [Doc; 2] = [Doc::Seed, Doc::EdgeCases];

    /// Its name in snapshot and sample paths (`seed`, `edge-cases`).
    pub fn name(self) -> &'static str {
        match self {
            Doc::Seed => "seed",
            Doc::EdgeCases => "edge-cases",
        }
    }

    /// The document's file.
    pub fn path(self) -> PathBuf {
        match self {
            Doc::Seed => workspace_root().join("examples/schema.json"),
            Doc::EdgeCases => tests_path("fixtures/edge-cases.json"),
        }
    }

    /// The parsed (and validated) document.
    pub fn load(self) -> RegistrySchema {
        let path = self.path();
        actorium_codegen::read_schema(&path)
            .unwrap_or_else(|e| panic!("{} is not a valid schema document: {e}", path.display()))
    }

    /// `tests/snapshots/<name>/<rel>`.
    pub fn snapshot_path(self, rel: &str) -> PathBuf {
        tests_path("snapshots").join(self.name()).join(rel)
    }

    /// `tests/js/samples/<name>.<what>.json`: sample instances for the validators.
    pub fn samples_path(self, what: &str) -> PathBuf {
        tests_path("js/samples").join(format!("{}.{what}.json", self.name()))
    }
}

/// The hand-written edge-case document.
pub fn edge_cases() -> RegistrySchema {
    Doc::EdgeCases.load()
}

/// The seed registry's schema.
pub fn seed() -> RegistrySchema {
    Doc::Seed.load()
}

/// A fresh, empty directory for one test's files, inside the workspace (so that Node resolves
/// packages from the workspace's `node_modules/`).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = workspace_root()
        .join("target")
        .join("codegen-tests")
        .join(format!("{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove an old scratch directory");
    }
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// Runs a command to completion; panics if it cannot start.
pub fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

/// stdout and stderr of a finished command, for messages.
pub fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Removes a scratch directory after a passing test.
pub fn remove_dir(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
