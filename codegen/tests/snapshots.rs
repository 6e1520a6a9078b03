//! Snapshot tests: each generator's output for the seed fixture must equal the committed files
//! under `tests/snapshots/`. After an intended change, rewrite them with
//!
//! ```sh
//! UPDATE_SNAPSHOTS=1 cargo test -p actorium-codegen --test snapshots
//! ```
//!
//! and review the diff.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use actorium_codegen::openapi::OpenApiOptions;
use actorium_codegen::{jsonschema, openapi, typescript};
use common::{fixture, output_text, run, scratch_dir, tests_path};

fn updating() -> bool {
    std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1")
}

/// Compares `actual` with the snapshot file `rel` (under `tests/snapshots/`), or rewrites it.
fn check_snapshot(rel: &str, actual: &str) {
    let path = tests_path("snapshots").join(rel);
    if updating() {
        actorium_codegen::write_file(&path, actual).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
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
fn typescript_matches_the_snapshot() {
    let ts = typescript::generate(&fixture()).unwrap();
    assert!(ts.ends_with(";\n"));
    check_snapshot("ts/index.ts", &ts);
}

#[test]
fn openapi_matches_the_snapshot() {
    let doc = openapi::generate(&fixture(), &OpenApiOptions::default()).unwrap();
    assert!(doc.ends_with("}\n"));
    check_snapshot("openapi.json", &doc);
}

#[test]
fn jsonschema_matches_the_snapshots() {
    let files = jsonschema::generate(&fixture()).unwrap();
    let dir = tests_path("snapshots/jsonschema");
    if updating() && dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove old JSON Schema snapshots");
    }
    for file in &files {
        check_snapshot(
            &format!("jsonschema/{}", file.path.display()),
            &file.contents,
        );
    }
    let generated: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    let committed: Vec<String> = read_dir_files(&dir).into_keys().collect();
    assert_eq!(
        committed, generated,
        "the snapshot directory must hold exactly the generated files"
    );
}

#[test]
fn output_does_not_depend_on_the_order_of_the_document() {
    let schema = fixture();
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

#[test]
fn the_binary_writes_what_the_library_generates() {
    let dir = scratch_dir("cli");
    let binary = env!("CARGO_BIN_EXE_actorium-codegen");
    let schema_path = tests_path("fixtures/seed-schema.json");
    let schema = fixture();

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
