//! Standard validators from npm, run with Node, accept the generated documents (for the seed
//! registry's schema and for the edge-case fixture):
//! `@readme/openapi-parser` for the OpenAPI 3.1 document (plus Ajv checks of sample request and
//! response bodies against its component schemas), and Ajv (draft 2020-12, strict) for each
//! JSON Schema file on its own (plus sample instances). Each validator is also shown a broken
//! document, to prove it is really checking.
//!
//! The Node packages must be installed (`npm install --no-audit --no-fund` at the workspace
//! root); without them these tests fail, they never skip.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use actorium_codegen::openapi::OpenApiOptions;
use common::{Doc, output_text, require_node_packages, run, scratch_dir, tests_path};
use serde_json::Value;

fn node(script: &str, args: &[&Path]) -> Output {
    run(Command::new("node")
        .arg(tests_path("js").join(script))
        .args(args))
}

/// Validates the OpenAPI document of `doc` (with its samples); returns the file and its text.
fn check_openapi(doc: Doc, dir: &Path) -> (std::path::PathBuf, String) {
    let file = dir.join(format!("{}.openapi.json", doc.name()));
    let document = actorium_codegen::openapi::generate(&doc.load(), &OpenApiOptions::default())
        .expect("generate");
    std::fs::write(&file, &document).unwrap();
    let samples = doc.samples_path("openapi");
    let out = node("validate-openapi.mjs", &[&file, &samples]);
    let text = output_text(&out);
    assert!(
        out.status.success(),
        "the OpenAPI document of {} is invalid:\n{text}",
        doc.name()
    );
    assert!(text.starts_with("valid OpenAPI\n"), "{text}");
    assert!(!text.contains("warning:"), "{text}");
    assert!(
        text.contains("chatRoom.sendMessage.request: 1 valid and 4 invalid"),
        "{text}"
    );
    (file, document)
}

#[test]
fn the_openapi_documents_are_valid_openapi_3_1() {
    require_node_packages(&["@readme/openapi-parser/package.json", "ajv/package.json"]);
    let dir = scratch_dir("openapi");
    check_openapi(Doc::EdgeCases, &dir);
    let (_, document) = check_openapi(Doc::Seed, &dir);

    // The validator does reject a broken document.
    let mut broken: Value = serde_json::from_str(&document).unwrap();
    broken["paths"]["/gateway/chatRoom/action/sendMessage"]["post"]["responses"]["200"]["content"]
        ["application/json"]["schema"] = serde_json::json!({"$ref": "#/components/schemas/Nope"});
    let broken_file = dir.join("broken.json");
    std::fs::write(&broken_file, broken.to_string()).unwrap();
    let out = node("validate-openapi.mjs", &[&broken_file]);
    assert!(!out.status.success(), "{}", output_text(&out));
    assert!(
        output_text(&out).contains("#/components/schemas/Nope"),
        "{}",
        output_text(&out)
    );
    common::remove_dir(&dir);
}

#[test]
fn every_json_schema_file_is_valid_and_self_contained() {
    require_node_packages(&["ajv/package.json"]);
    for doc in Doc::ALL {
        let dir = scratch_dir(&format!("jsonschema-{}", doc.name()));
        let files = actorium_codegen::jsonschema::generate(&doc.load()).expect("generate");
        actorium_codegen::write_files(&dir, &files).unwrap();
        let samples = doc.samples_path("jsonschema");
        let out = node("validate-jsonschema.mjs", &[&dir, &samples]);
        let text = output_text(&out);
        assert!(
            out.status.success(),
            "invalid JSON Schema files of {}:\n{text}",
            doc.name()
        );
        assert!(
            text.ends_with(&format!("{} schema files valid\n", files.len())),
            "{text}"
        );

        // A file whose referenced definitions are not bundled does not compile on its own.
        let room = dir.join("Room.schema.json");
        let mut schema: Value =
            serde_json::from_str(&std::fs::read_to_string(&room).unwrap()).unwrap();
        schema.as_object_mut().unwrap().remove("$defs");
        std::fs::write(&room, schema.to_string()).unwrap();
        let out = node("validate-jsonschema.mjs", &[&dir, &samples]);
        let text = output_text(&out);
        assert!(!out.status.success(), "{text}");
        assert!(
            text.contains("Room.schema.json: does not compile"),
            "{text}"
        );
        common::remove_dir(&dir);
    }
}

#[test]
#[should_panic(expected = "Run `npm install --no-audit --no-fund` in")]
fn missing_node_packages_fail_with_instructions() {
    require_node_packages(&["actorium-codegen-no-such-package/package.json"]);
}
