//! Snapshot tests: each generator's output for the seed registry's schema
//! (`examples/schema.json`) and for the hand-written edge-case fixture
//! (`tests/fixtures/edge-cases.json`) must equal the committed files under
//! `tests/snapshots/seed/` and `tests/snapshots/edge-cases/`. After an intended change, rewrite
//! them with
//!
//! ```sh
//! UPDATE_SNAPSHOTS=1 cargo test -p actorium-codegen --test snapshots
//! ```
//!
//! and review the diff. (`examples/schema.json` itself is checked against the registry by
//! `cargo test -p actorium-examples --test schema`, which rewrites it the same way.)

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use actorium_codegen::openapi::OpenApiOptions;
use actorium_codegen::{jsonschema, openapi, typescript};
use common::{Doc, output_text, run, scratch_dir};

fn updating() -> bool {
    std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1")
}

/// Compares `actual` with the snapshot file `path`, or rewrites it.
fn check_snapshot(path: &Path, actual: &str) {
    if updating() {
        actorium_codegen::write_file(path, actual).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "cannot read the snapshot {}: {e}\n(create it with UPDATE_SNAPSHOTS=1)",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the generated output, first at line {}:\n  snapshot:  {:?}\n  generated: {:?}\n\
             If the change is intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff.",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end of file>"),
            actual.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

/// The files of a snapshot directory (name -> contents).
fn read_dir_files(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let entry = entry.expect("directory entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let contents = std::fs::read_to_string(entry.path()).expect("read a snapshot file");
        files.insert(name, contents);
    }
    files
}

#[test]
fn typescript_matches_the_snapshots() {
    for doc in Doc::ALL {
        let ts = typescript::generate(&doc.load()).unwrap();
        assert!(ts.ends_with(";\n"));
        check_snapshot(&doc.snapshot_path("ts/index.ts"), &ts);
    }
}

#[test]
fn openapi_matches_the_snapshots() {
    for doc in Doc::ALL {
        let document = openapi::generate(&doc.load(), &OpenApiOptions::default()).unwrap();
        assert!(document.ends_with("}\n"));
        check_snapshot(&doc.snapshot_path("openapi.json"), &document);
    }
}

#[test]
fn jsonschema_matches_the_snapshots() {
    for doc in Doc::ALL {
        let files = jsonschema::generate(&doc.load()).unwrap();
        let dir = doc.snapshot_path("jsonschema");
        if updating() && dir.exists() {
            std::fs::remove_dir_all(&dir).expect("remove old JSON Schema snapshots");
        }
        for file in &files {
            check_snapshot(&dir.join(&file.path), &file.contents);
        }
        let generated: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        let committed: Vec<String> = read_dir_files(&dir).into_keys().collect();
        assert_eq!(
            committed,
            generated,
            "{} must hold exactly the generated files",
            dir.display()
        );
    }
}

#[test]
fn the_seed_snapshots_cover_every_actor_and_action() {
    let schema = common::seed();
    let ts = std::fs::read_to_string(Doc::Seed.snapshot_path("ts/index.ts")).unwrap();
    let document: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Doc::Seed.snapshot_path("openapi.json")).unwrap(),
    )
    .unwrap();
    let mut actions = 0;
    for actor in &schema.actors {
        assert!(
            ts.contains(&format!("  {}: ", actor.name)),
            "`{}` is not in the Registry type",
            actor.name
        );
        for action in &actor.actions {
            let path = format!("/gateway/{}/action/{}", actor.name, action.name);
            assert!(document["paths"].get(&path).is_some(), "no path {path}");
            actions += 1;
        }
    }
    // Every seed pattern is there (chat, coordinator, sharding, map-reduce, database state,
    // raw HTTP).
    assert_eq!(schema.actors.len(), 10);
    assert_eq!(actions, 18);
}

#[test]
fn output_does_not_depend_on_the_order_of_the_document() {
    for doc in Doc::ALL {
        let schema = doc.load();
        let mut shuffled = schema.clone();
        shuffled.actors.reverse();
        assert_eq!(
            typescript::generate(&schema).unwrap(),
            typescript::generate(&shuffled).unwrap()
        );
        let options = OpenApiOptions::default();
        assert_eq!(
            openapi::generate(&schema, &options).unwrap(),
            openapi::generate(&shuffled, &options).unwrap()
        );
        assert_eq!(
            jsonschema::generate(&schema).unwrap(),
            jsonschema::generate(&shuffled).unwrap()
        );
    }
}

#[test]
fn the_binary_writes_what_the_library_generates() {
    let dir = scratch_dir("cli");
    let binary = env!("CARGO_BIN_EXE_actorium-codegen");
    let schema_path = Doc::Seed.path();
    let schema = common::seed();

    let ts_dir = dir.join("generated");
    let out = run(Command::new(binary)
        .args(["ts", "--schema"])
        .arg(&schema_path)
        .arg("--out")
        .arg(&ts_dir));
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(
        std::fs::read_to_string(ts_dir.join("index.ts")).unwrap(),
        typescript::generate(&schema).unwrap()
    );

    let openapi_file = dir.join("api/openapi.json");
    let out = run(Command::new(binary)
        .args(["openapi", "--schema"])
        .arg(&schema_path)
        .arg("--out")
        .arg(&openapi_file)
        .args([
            "--title",
            "Seed",
            "--api-version",
            "2.0.0",
            "--server",
            "http://127.0.0.1:6420",
        ]));
    assert!(out.status.success(), "{}", output_text(&out));
    let options = OpenApiOptions {
        title: "Seed".to_owned(),
        version: "2.0.0".to_owned(),
        server_url: "http://127.0.0.1:6420".to_owned(),
    };
    assert_eq!(
        std::fs::read_to_string(&openapi_file).unwrap(),
        openapi::generate(&schema, &options).unwrap()
    );

    // `--schema -` reads standard input.
    let json_dir = dir.join("schemas");
    let out = run(Command::new(binary)
        .args(["jsonschema", "--schema", "-", "--out"])
        .arg(&json_dir)
        .stdin(std::fs::File::open(&schema_path).unwrap()));
    assert!(out.status.success(), "{}", output_text(&out));
    let written = read_dir_files(&json_dir);
    let expected: BTreeMap<String, String> = jsonschema::generate(&schema)
        .unwrap()
        .into_iter()
        .map(|f| (f.path.display().to_string(), f.contents))
        .collect();
    assert_eq!(written, expected);
    common::remove_dir(&dir);
}

#[test]
fn the_binary_reports_bad_documents() {
    let dir = scratch_dir("cli-errors");
    let bad = dir.join("schema.json");
    std::fs::write(
        &bad,
        r##"{"version": 1, "actors": [{"name": "a", "events": [], "actions": [
            {"name": "x", "params": [], "returns": {"$ref": "#/$defs/Missing"}}]}]}"##,
    )
    .unwrap();
    let out = run(Command::new(env!("CARGO_BIN_EXE_actorium-codegen"))
        .args(["ts", "--schema"])
        .arg(&bad)
        .arg("--out")
        .arg(dir.join("out")));
    assert!(!out.status.success());
    let text = output_text(&out);
    assert!(
        text.contains("cannot use the schema document")
            && text.contains(
                "the result of action `x` of actor `a`: reference to `Missing`, which `$defs` does not define"
            ),
        "{text}"
    );
    assert!(!dir.join("out").exists());
    common::remove_dir(&dir);
}
