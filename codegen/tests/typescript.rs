//! The generated module type-checks with the official client, and the type checker rejects
//! misuse for the intended reason.
//!
//! The programs in `tests/ts/` import `rivetkit/client` and either `./generated/index` (the
//! module generated from the seed registry's schema, `examples/schema.json`) or, for
//! `edge-cases-*.ts`, `./generated-edge-cases/index` (the module generated from the edge-case
//! fixture: two-argument events, enums, nullable fields, connection params). One
//! `tsc --noEmit --strict` run checks them all; then:
//!
//! - `ok.ts`, `edge-cases-ok.ts`, the generated modules and the TypeScript of the guides
//!   (`README.md` and the crate docs) must have no error at all;
//! - each `bad-*.ts` and `edge-cases-bad-*.ts` must fail exactly as its `// @expect-error TSnnnn <message>` comments say:
//!   each comment expects an error with that code, whose message contains `<message>`, on the
//!   next line that is not such a comment; any other error fails the test.
//!
//! The Node packages must be installed (`npm install --no-audit --no-fund` at the workspace
//! root); without them these tests fail, they never skip.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;

use common::{
    Doc, output_text, require_node_packages, run, scratch_dir, tests_path, workspace_root,
};

/// One diagnostic of `tsc --pretty false`.
#[derive(Debug, Clone)]
struct Diagnostic {
    line: usize,
    code: String,
    /// The whole message, continuation lines included.
    message: String,
}

/// The result of the one `tsc` run: diagnostics per file, and the raw output.
struct TscRun {
    by_file: BTreeMap<String, Vec<Diagnostic>>,
    output: String,
}

/// The generated modules the programs import: the seed registry's and the edge cases'.
const MODULES: [(Doc, &str); 2] = [
    (Doc::Seed, "generated/index.ts"),
    (Doc::EdgeCases, "generated-edge-cases/index.ts"),
];

/// The guides whose TypeScript must compile: (file written for tsc, source, whether the
/// source is Rust with `//!` docs).
const GUIDES: [(&str, &str, bool); 2] = [
    ("guide-readme.ts", "README.md", false),
    ("guide-crate-docs.ts", "src/lib.rs", true),
];

/// The one ```` ```ts ```` block of a guide (Markdown, or the `//!` docs of a Rust file).
fn guide_code(source: &str, rust_docs: bool) -> String {
    let lines: Vec<&str> = if rust_docs {
        source
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect()
    } else {
        source.lines().collect()
    };
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for line in lines {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match &mut current {
            None if trimmed == "```ts" => current = Some((indent, String::new())),
            None => {}
            Some(_) if trimmed == "```" => blocks.push(current.take().unwrap().1),
            Some((fence_indent, code)) => {
                code.push_str(line.get(*fence_indent..).unwrap_or(trimmed));
                code.push('\n');
            }
        }
    }
    assert_eq!(blocks.len(), 1, "expected one ```ts block");
    blocks.pop().unwrap()
}

/// The TypeScript programs of `tests/ts/`.
fn programs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(tests_path("ts"))
        .expect("read tests/ts")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ts"))
        .collect();
    names.sort();
    names
}

fn tsc_run() -> &'static TscRun {
    static RUN: OnceLock<TscRun> = OnceLock::new();
    RUN.get_or_init(|| {
        require_node_packages(&[
            ".bin/tsc",
            "rivetkit/package.json",
            "@standard-schema/spec/package.json",
            "@types/node/package.json",
        ]);
        let dir = scratch_dir("ts-check");
        for (doc, module) in MODULES {
            let ts = actorium_codegen::typescript::generate(&doc.load()).unwrap();
            actorium_codegen::write_file(&dir.join(module), &ts).unwrap();
        }
        let programs = programs();
        for name in &programs {
            std::fs::copy(tests_path("ts").join(name), dir.join(name)).expect("copy a program");
        }
        for (file, source, rust_docs) in GUIDES {
            let source = std::fs::read_to_string(common::crate_dir().join(source)).unwrap();
            std::fs::write(dir.join(file), guide_code(&source, rust_docs)).unwrap();
        }
        let tsc = workspace_root().join("node_modules/.bin/tsc");
        let out = run(Command::new(&tsc)
            .current_dir(&dir)
            .args([
                "--noEmit",
                "--strict",
                "--target",
                "es2022",
                "--module",
                "esnext",
                "--moduleResolution",
                "bundler",
                "--pretty",
                "false",
            ])
            .args(MODULES.map(|(_, module)| module))
            .args(GUIDES.map(|(file, _, _)| file))
            .args(&programs));
        let output = output_text(&out);
        let by_file = parse_diagnostics(&output);
        assert!(
            out.status.success() == by_file.is_empty(),
            "tsc's exit status does not agree with its diagnostics:\n{output}"
        );
        // The programs are copies of tests/ts/ and the modules equal the snapshots.
        common::remove_dir(&dir);
        TscRun { by_file, output }
    })
}

/// Parses `file(line,col): error TSnnnn: message` lines (and their indented continuations).
fn parse_diagnostics(output: &str) -> BTreeMap<String, Vec<Diagnostic>> {
    let mut by_file: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in output.lines() {
        if line.starts_with(' ') {
            if let Some(file) = &last
                && let Some(d) = by_file.get_mut(file).and_then(|v| v.last_mut())
            {
                d.message.push('\n');
                d.message.push_str(line.trim());
            }
            continue;
        }
        let parsed = (|| {
            let (location, rest) = line.split_once("): error ")?;
            let (file, position) = location.split_once('(')?;
            let line_no: usize = position.split(',').next()?.parse().ok()?;
            let (code, message) = rest.split_once(": ")?;
            Some((
                file.to_owned(),
                Diagnostic {
                    line: line_no,
                    code: code.to_owned(),
                    message: message.to_owned(),
                },
            ))
        })();
        match parsed {
            Some((file, diagnostic)) => {
                by_file.entry(file.clone()).or_default().push(diagnostic);
                last = Some(file);
            }
            None => {
                // A global error (no file): keep it so that it fails every check.
                if !line.trim().is_empty() {
                    by_file.entry(String::new()).or_default().push(Diagnostic {
                        line: 0,
                        code: String::new(),
                        message: line.to_owned(),
                    });
                }
                last = None;
            }
        }
    }
    by_file
}

/// `// @expect-error TSnnnn message` comments of a program: (line the error must be on, code,
/// message part).
fn expectations(source: &str) -> Vec<(usize, String, String)> {
    let mut pending: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for (index, line) in source.lines().enumerate() {
        if let Some(rest) = line.trim().strip_prefix("// @expect-error ") {
            let (code, message) = rest
                .split_once(' ')
                .expect("`// @expect-error TSnnnn message`");
            pending.push((code.to_owned(), message.trim().to_owned()));
        } else {
            for (code, message) in pending.drain(..) {
                out.push((index + 1, code, message));
            }
        }
    }
    assert!(
        pending.is_empty(),
        "an @expect-error comment at the end of the file"
    );
    out
}

fn errors_of(file: &str) -> Vec<Diagnostic> {
    tsc_run().by_file.get(file).cloned().unwrap_or_default()
}

/// Asserts that `file` compiles without any error.
fn assert_compiles(file: &str) {
    let run = tsc_run();
    let mut errors = errors_of(file);
    errors.extend(errors_of(""));
    assert!(
        errors.is_empty(),
        "{file} must compile, but tsc reported:\n{}",
        run.output
    );
}

/// Asserts that `file` fails exactly as its `@expect-error` comments say.
fn assert_fails_as_expected(file: &str) {
    let run = tsc_run();
    let source = std::fs::read_to_string(tests_path("ts").join(file)).expect("read a program");
    let expected = expectations(&source);
    assert!(
        !expected.is_empty(),
        "{file} has no `// @expect-error` comment"
    );
    let actual = errors_of(file);
    assert!(
        !actual.is_empty(),
        "{file} must not compile, but tsc accepted it"
    );
    for (line, code, message) in &expected {
        assert!(
            actual.iter().any(|d| d.line == *line
                && d.code == *code
                && d.message.contains(message.as_str())),
            "{file}:{line}: expected {code} containing {message:?}; tsc reported:\n{}",
            run.output
        );
    }
    for d in &actual {
        assert!(
            expected.iter().any(|(line, code, message)| d.line == *line
                && d.code == *code
                && d.message.contains(message.as_str())),
            "{file}:{}: unexpected {} {:?} (the program must fail only for the intended reason)",
            d.line,
            d.code,
            d.message
        );
    }
}

#[test]
fn every_program_is_checked() {
    let known = [
        "bad-argument-type.ts",
        "bad-event-argument-use.ts",
        "bad-input.ts",
        "bad-missing-argument.ts",
        "bad-object-argument.ts",
        "bad-result-use.ts",
        "bad-unknown-action.ts",
        "bad-unknown-actor.ts",
        "bad-unknown-event.ts",
        "edge-cases-bad-event-arguments.ts",
        "edge-cases-ok.ts",
        "ok.ts",
    ];
    assert_eq!(
        programs(),
        known,
        "add a test for each program in tests/ts/"
    );
}

#[test]
fn the_generated_modules_compile_under_strict() {
    for (_, module) in MODULES {
        assert_compiles(module);
    }
}

#[test]
fn a_program_using_every_seed_actor_with_the_official_client_compiles() {
    assert_compiles("ok.ts");
}

#[test]
fn the_typescript_of_the_guides_compiles() {
    for (file, _, _) in GUIDES {
        assert_compiles(file);
    }
}

#[test]
fn guide_code_is_extracted() {
    let markdown = "x\n   ```ts\n   const a = 1;\n     b();\n   ```\n```sh\nls\n```\n";
    assert_eq!(guide_code(markdown, false), "const a = 1;\n  b();\n");
    let rust = "//! a\n//!\n//! ```ts\n//! const a = 1;\n//! ```\nfn x() {}\n";
    assert_eq!(guide_code(rust, true), "const a = 1;\n");
}

#[test]
fn a_program_using_the_edge_cases_compiles() {
    assert_compiles("edge-cases-ok.ts");
}

#[test]
fn misused_event_arguments_and_enums_of_the_edge_cases_are_rejected() {
    assert_fails_as_expected("edge-cases-bad-event-arguments.ts");
}

#[test]
fn a_wrong_argument_type_is_rejected() {
    assert_fails_as_expected("bad-argument-type.ts");
}

#[test]
fn an_incomplete_object_argument_is_rejected() {
    assert_fails_as_expected("bad-object-argument.ts");
}

#[test]
fn a_missing_argument_is_rejected() {
    assert_fails_as_expected("bad-missing-argument.ts");
}

#[test]
fn an_unknown_action_is_rejected() {
    assert_fails_as_expected("bad-unknown-action.ts");
}

#[test]
fn an_unknown_actor_is_rejected() {
    assert_fails_as_expected("bad-unknown-actor.ts");
}

#[test]
fn a_misused_result_is_rejected() {
    assert_fails_as_expected("bad-result-use.ts");
}

#[test]
fn a_misused_event_argument_is_rejected() {
    assert_fails_as_expected("bad-event-argument-use.ts");
}

#[test]
fn an_unknown_event_is_rejected() {
    assert_fails_as_expected("bad-unknown-event.ts");
}

#[test]
fn a_wrong_annotated_input_is_rejected() {
    assert_fails_as_expected("bad-input.ts");
}

#[test]
fn expectations_are_parsed() {
    let source = "a\n// @expect-error TS1 one two\n// @expect-error TS2 three\nb\nc\n";
    assert_eq!(
        expectations(source),
        [
            (4, "TS1".to_owned(), "one two".to_owned()),
            (4, "TS2".to_owned(), "three".to_owned())
        ]
    );
    let parsed = parse_diagnostics(
        "x.ts(3,5): error TS2769: No overload matches this call.\n  Overload 1 of 2\nerror TS5023: Unknown compiler option\n",
    );
    assert_eq!(parsed["x.ts"][0].line, 3);
    assert_eq!(parsed["x.ts"][0].code, "TS2769");
    assert_eq!(
        parsed["x.ts"][0].message,
        "No overload matches this call.\nOverload 1 of 2"
    );
    assert_eq!(parsed[""].len(), 1);
}
