//! Turns a registry's schema document into TypeScript types for the official RivetKit client,
//! an OpenAPI 3.1 description of the stateless HTTP action calls, and JSON Schema files.
//!
//! The input is the [`RegistrySchema`] document (format version [`SCHEMA_VERSION`]) that an
//! actorium server prints with its `schema` subcommand, serves at `GET /actorium/schema`, and
//! `registry.schema()` returns. Every generator is deterministic: the same document always gives
//! byte-identical files (actors, definitions, object properties and JSON keys sorted; actions,
//! events and parameters in declaration order), each ending with a newline. Documents whose
//! references do not resolve, or whose names would collide in the output, are rejected with a
//! [`CodegenError`].
//!
//! | command | library | output |
//! |---|---|---|
//! | `actorium-codegen ts --schema schema.json --out DIR` | [`typescript::generate`] | `DIR/index.ts` |
//! | `actorium-codegen openapi --schema schema.json --out FILE` | [`openapi::generate`] | one OpenAPI 3.1 JSON document |
//! | `actorium-codegen jsonschema --schema schema.json --out DIR` | [`jsonschema::generate`] | `DIR/<Type>.schema.json`, `DIR/<actor>.<input\|connParams\|state>.schema.json` |
//!
//! `--schema -` reads the document from standard input; `openapi` also takes `--title`,
//! `--api-version` and `--server` (the endpoint, default `http://localhost:6420`).
//!
//! # Calling Rust actors from TypeScript
//!
//! (The short version of this guide is `codegen/README.md`. The tests compile the TypeScript of
//! both against the module generated from the seed registry's schema.)
//!
//! **1. Export the schema** of the registry from the server binary (any server built on the
//! serve helper has the `schema` subcommand; the seed server's is shown):
//!
//! ```sh
//! cargo run -p actorium-examples --bin seed-server -- schema > schema.json
//! ```
//!
//! A running server answers `GET /actorium/schema` with the same bytes (with `--token`, send
//! `Authorization: Bearer <token>` like any client). The seed registry's document is committed
//! as `examples/schema.json`.
//!
//! **2. Generate the TypeScript module** (writes `generated/index.ts`):
//!
//! ```sh
//! cargo run -p actorium-codegen -- ts --schema schema.json --out generated
//! ```
//!
//! **3. Install the official client** in the TypeScript project, with two type packages that
//! rivetkit 2.3.19's declarations need but do not install: `@standard-schema/spec` (without it
//! event arguments are `unknown`, see below) and `@types/node`:
//!
//! ```sh
//! npm install rivetkit@2.3.19
//! npm install --save-dev typescript @standard-schema/spec @types/node
//! ```
//!
//! **4. Create a typed client** with `createClient<Registry>`:
//!
//! ```ts
//! import { createClient } from "rivetkit/client";
//! import type { Message, Registry, UserActorInput } from "./generated/index";
//!
//! const client = createClient<Registry>("http://127.0.0.1:6420");
//!
//! // Stateless calls: arguments and results are typed.
//! const roomId = await client.chatRoomList.getOrCreate(["main"]).createChatRoom("general"); // string
//! const room = client.chatRoom.getForId(roomId);
//! const sent: Message = await room.sendMessage("alice", "hello");
//! const history = await room.getHistory(); // Message[]
//!
//! // Connections: events are typed too.
//! const conn = room.connect();
//! conn.on("newMessage", (msg) => console.log(`${msg.sender}: ${msg.text}`));
//!
//! // Creation input is `unknown` to rivetkit: annotate it with the exported type.
//! const user = await client.userActor.create(["user-456"], {
//!   input: { email: "alice@example.com" } satisfies UserActorInput,
//! });
//! const record = await user.getUser(); // UserRecord
//! console.log(sent.text, history.length, record.lastActive);
//! ```
//!
//! The compiler then rejects a wrong argument type (`room.sendMessage("alice", 42)`), a missing
//! argument, an action or actor that does not exist, a misused result
//! (`const n: number = await room.sendMessage(...)`), and an event name the actor does not
//! emit. `import type` keeps the generated module out of the JavaScript output. Use
//! `"moduleResolution": "bundler"` (import `./generated/index`) or `"nodenext"` (import
//! `./generated/index.js`); both read rivetkit's package `exports`.
//!
//! ## How the types are built
//!
//! `Registry` is rivetkit's own `Registry<Actors>` class type, and each actor is rivetkit's
//! `ActorDefinition<State, ConnParams, ConnState, Vars, Input, Database, Events, Queues,
//! Actions>` (both imported with `import type` from `rivetkit`), exactly what
//! `setup({ use: { chatRoom: actor({...}) } })` gives a TypeScript registry. Actions are typed
//! as rivetkit action functions `(c: ChatRoomContext, sender: string, text: string) => Message`
//! (the client drops the context parameter and wraps the result in a `Promise`); events as
//! rivetkit event tokens `event<[message: Message]>()`, whose argument tuple becomes the
//! callback's parameters. Per actor the module exports `<Actor>Actions`, `<Actor>Events`,
//! `<Actor>Context` and `<Actor>Definition`, plus `<Actor>Input`, `<Actor>ConnParams` and
//! `<Actor>State` where the schema has them; every named type of the schema's `$defs` is
//! exported under its own name. Parameter names are turned into `lowerCamelCase` (`user_id` ->
//! `userId`).
//!
//! ## What stays `unknown`, and other limits
//!
//! - **Creation input and connection params.** rivetkit 2.3.19 types `createWithInput`
//!   (`getOrCreate`), `input` (`create`), `connect(params)` and the `params` option as
//!   `unknown`, whatever the actor definition says, so they accept anything. Annotate them
//!   with `satisfies <Actor>Input` / `satisfies <Actor>ConnParams` to get them checked.
//! - **Event arguments** are inferred through rivetkit's `InferSchema`, which tests for
//!   `StandardSchemaV1` from `@standard-schema/spec` before it tests for event tokens.
//!   rivetkit 2.3.19 imports that package in its declarations without depending on it; when it
//!   is missing the import resolves to `any` and every event callback argument becomes
//!   `unknown` (with `skipLibCheck` the missing module is not even reported). Install
//!   `@standard-schema/spec` as shown above.
//! - **Keys** stay `string | string[]`, and actions are called without a way to pass
//!   per-call options beyond rivetkit's own.
//! - **Integers** are `number`. With the client's default `bare` encoding (and `cbor`), the
//!   client's CBOR decoder returns integers whose magnitude needs 8 bytes (at least 2^32) as
//!   `bigint`; the `json` encoding keeps them as numbers (exact up to 2^53).
//! - **State** types are exported for reference only; clients never receive state.
//!
//! # OpenAPI
//!
//! [`openapi::generate`] describes both HTTP forms of a stateless action call with the JSON
//! encoding (client protocol v4): by name and key through the query gateway
//! (`POST /gateway/{name}/action/{action}?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=a,b`)
//! and by actor id (`POST /gateway/{actorId}/action/{action}`), with `x-rivet-encoding: json`,
//! the body `{"args": [...]}` (a `prefixItems` tuple of the parameter schemas) and the response
//! `{"output": ...}`; errors have the body `{group, code, message, metadata?, actor?}`. See the
//! module docs for how actions that share a name are described on the by-id path.
//!
//! # Library use
//!
//! ```
//! let schema = actorium_codegen::parse_schema(
//!     r##"{"version": 1, "actors": [{"name": "counter", "events": [], "actions": [
//!         {"name": "increment", "params": [{"name": "by", "schema": {"type": "integer"}}],
//!          "returns": {"type": "integer"}}]}], "$defs": {}}"##,
//! )?;
//! let ts = actorium_codegen::typescript::generate(&schema)?;
//! assert!(ts.contains("increment: (c: CounterContext, by: number) => number;"));
//! let openapi = actorium_codegen::openapi::generate(&schema, &Default::default())?;
//! assert!(openapi.contains("\"/gateway/counter/action/increment\""));
//! # Ok::<(), actorium_codegen::CodegenError>(())
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use actorium_protocol::schema::RegistrySchema;
use actorium_protocol::schema::{ParamSchema, SCHEMA_VERSION};

mod error;
mod json;
pub mod jsonschema;
mod names;
pub mod openapi;
mod refs;
pub mod typescript;

pub use error::CodegenError;

/// A generated file: a path relative to the output directory, and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output directory.
    pub path: PathBuf,
    /// The file's text (ends with a newline).
    pub contents: String,
}

/// Parses a schema document and checks it (see [`validate`]).
pub fn parse_schema(json: &str) -> Result<RegistrySchema, CodegenError> {
    let schema: RegistrySchema = serde_json::from_str(json).map_err(CodegenError::Parse)?;
    validate(&schema)?;
    Ok(schema)
}

/// Reads and parses a schema document file.
pub fn read_schema(path: &Path) -> Result<RegistrySchema, CodegenError> {
    let json = std::fs::read_to_string(path).map_err(|source| CodegenError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_schema(&json)
}

/// Checks what every generator relies on: the format version, that actor names are unique and
/// action, event and parameter names unique within their actor, action or event, and that
/// every `$ref` has the form `#/$defs/<Name>` and names a definition.
pub fn validate(schema: &RegistrySchema) -> Result<(), CodegenError> {
    if schema.version != SCHEMA_VERSION {
        return Err(CodegenError::UnsupportedVersion {
            found: schema.version,
            expected: SCHEMA_VERSION,
        });
    }
    let defs = &schema.definitions;
    for (name, def) in defs {
        refs::check(def, defs, &format!("`$defs/{name}`"))?;
    }
    let mut actor_names = BTreeSet::new();
    for actor in &schema.actors {
        let a = &actor.name;
        if !actor_names.insert(a.as_str()) {
            return Err(duplicate(format!(
                "the document has two actors named `{a}`"
            )));
        }
        let mut action_names = BTreeSet::new();
        for action in &actor.actions {
            let location = format!("action `{}` of actor `{a}`", action.name);
            if !action_names.insert(action.name.as_str()) {
                return Err(duplicate(format!(
                    "actor `{a}` has two actions named `{}`",
                    action.name
                )));
            }
            check_params(&action.params, &location, defs)?;
            refs::check(&action.returns, defs, &format!("the result of {location}"))?;
        }
        let mut event_names = BTreeSet::new();
        for event in &actor.events {
            let location = format!("event `{}` of actor `{a}`", event.name);
            if !event_names.insert(event.name.as_str()) {
                return Err(duplicate(format!(
                    "actor `{a}` has two events named `{}`",
                    event.name
                )));
            }
            check_params(&event.params, &location, defs)?;
        }
        let extras = [
            ("input", &actor.input),
            ("connection params", &actor.conn_params),
            ("state", &actor.state),
        ];
        for (what, extra) in extras {
            if let Some(extra) = extra {
                refs::check(extra, defs, &format!("the {what} of actor `{a}`"))?;
            }
        }
    }
    Ok(())
}

fn duplicate(message: String) -> CodegenError {
    CodegenError::NameCollision(message)
}

fn check_params(
    params: &[ParamSchema],
    location: &str,
    defs: &std::collections::BTreeMap<String, serde_json::Value>,
) -> Result<(), CodegenError> {
    let mut names = BTreeSet::new();
    for param in params {
        if !names.insert(param.name.as_str()) {
            return Err(duplicate(format!(
                "{location} has two parameters named `{}`",
                param.name
            )));
        }
        refs::check(
            &param.schema,
            defs,
            &format!("parameter `{}` of {location}", param.name),
        )?;
    }
    Ok(())
}

/// Writes `files` under `dir` (creating directories as needed; other files in `dir` are left
/// alone).
pub fn write_files(dir: &Path, files: &[GeneratedFile]) -> Result<(), CodegenError> {
    for file in files {
        let path = dir.join(&file.path);
        write_file(&path, &file.contents)?;
    }
    Ok(())
}

/// Writes one file, creating its parent directories.
pub fn write_file(path: &Path, contents: &str) -> Result<(), CodegenError> {
    let io = |source| CodegenError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, contents).map_err(io)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: serde_json::Value) -> Result<RegistrySchema, CodegenError> {
        parse_schema(&value.to_string())
    }

    #[test]
    fn rejects_other_versions() {
        let err = parse(json!({"version": 2, "actors": []})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported schema document version 2 (this actorium-codegen reads version 1)"
        );
    }

    #[test]
    fn rejects_malformed_documents() {
        let err = parse_schema("{\"version\": 1}").unwrap_err();
        assert!(matches!(err, CodegenError::Parse(_)), "{err}");
        assert!(err.to_string().contains("missing field `actors`"), "{err}");
    }

    #[test]
    fn rejects_duplicates() {
        let actor = json!({"name": "a", "actions": [], "events": []});
        let err = parse(json!({"version": 1, "actors": [actor, actor]})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "name collision: the document has two actors named `a`"
        );
        let action = json!({"name": "x", "params": [], "returns": true});
        let err = parse(json!({"version": 1, "actors": [
            {"name": "a", "actions": [action, action], "events": []}
        ]}))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "name collision: actor `a` has two actions named `x`"
        );
        let err = parse(json!({"version": 1, "actors": [{"name": "a", "actions": [], "events": [
            {"name": "e", "params": [{"name": "p", "schema": true}, {"name": "p", "schema": true}]}
        ]}]}))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "name collision: event `e` of actor `a` has two parameters named `p`"
        );
    }

    #[test]
    fn rejects_dangling_references() {
        let err = parse(json!({"version": 1, "actors": [{"name": "a", "actions": [
            {"name": "x", "params": [{"name": "p", "schema": {"$ref": "#/$defs/Missing"}}], "returns": true}
        ], "events": []}]}))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "parameter `p` of action `x` of actor `a`: reference to `Missing`, which `$defs` does not define"
        );
        let err = parse(
            json!({"version": 1, "actors": [{"name": "a", "actions": [], "events": [],
            "state": {"$ref": "#/definitions/S"}}]}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the state of actor `a`: unsupported reference `#/definitions/S` (only `#/$defs/<Name>` is supported)"
        );
    }

    #[test]
    fn writes_files_in_subdirectories() {
        let dir =
            std::env::temp_dir().join(format!("actorium-codegen-unit-{}", std::process::id()));
        let files = [GeneratedFile {
            path: "a/b.txt".into(),
            contents: "x\n".to_owned(),
        }];
        write_files(&dir, &files).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("a/b.txt")).unwrap(), "x\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
