//! The seed registry's schema document and what is generated from it.
//!
//! - `examples/schema.json` is byte for byte `registry().schema().to_json_pretty()` (rewrite it
//!   with `UPDATE_SNAPSHOTS=1 cargo test -p actorium-examples --test schema` and review the
//!   diff), and the document is deterministic.
//! - Round trip: for every action (and event, and creation input) of the document, values of
//!   the real Rust types, serialized with serde_json, are accepted by the parameter and result
//!   schemas (resolved against `$defs`), and wrong-typed values are rejected. Checked with Ajv
//!   (`codegen/tests/js/validate-actions.mjs`).
//! - A running `seed-server` serves the committed document at `GET /actorium/schema`.
//! - OpenAPI end to end: the OpenAPI document generated from `examples/schema.json`
//!   (`codegen/tests/snapshots/seed/openapi.json`, which `cargo test -p actorium-codegen --test
//!   snapshots` keeps equal to `actorium-codegen openapi --schema examples/schema.json`; this
//!   package does not depend on actorium-codegen) drives real calls to a running `seed-server`:
//!   operations found by operationId, parameters and bodies filled and checked per the document,
//!   responses checked against its response schemas (`codegen/tests/js/call-openapi.mjs`).
//!
//! Needs `node` (20+) on PATH and the Node packages at the workspace root
//! (`npm install --no-audit --no-fund`); without them the tests FAIL, they never skip.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use actorium::Registry;
use actorium_examples::analytics::{Event, HourShard};
use actorium_examples::bulletin::{Board, Note};
use actorium_examples::chat::{Message, Room, RoomIndex};
use actorium_examples::map_reduce::{Idle, Results, Task, TaskResult};
use actorium_examples::rate_limit::Limits;
use actorium_examples::registry;
use actorium_examples::user_actor::{NewUser, UserRecord};
use actorium_examples::user_session::Session;
use actorium_examples::users_db::User;
use actorium_examples::ws_chat::ChatLog;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Upper bound for one Node run.
const NODE_TIMEOUT: Duration = Duration::from_secs(60);

fn snapshot_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.json")
}

fn updating() -> bool {
    std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1")
}

// ---------------------------------------------------------------------------------------------
// The committed document

#[test]
fn schema_json_is_the_registry_schema() {
    let path = snapshot_path();
    let actual = registry().schema().to_json_pretty();
    if updating() {
        std::fs::write(&path, &actual).expect("write examples/schema.json");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (create it with UPDATE_SNAPSHOTS=1)",
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
            "{} differs from registry().schema(), first at line {}:\n  committed: {:?}\n  registry:  {:?}\n\
             If the change is intended, rerun with UPDATE_SNAPSHOTS=1, review the diff, and \
             update the codegen snapshots (UPDATE_SNAPSHOTS=1 cargo test -p actorium-codegen --test snapshots).",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end of file>"),
            actual.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn the_schema_is_deterministic() {
    let first = registry().schema();
    let second = registry().schema();
    assert_eq!(first, second);
    let text = first.to_json_pretty();
    assert_eq!(text, second.to_json_pretty());
    assert!(text.ends_with("}\n"));

    // The order of registration does not matter.
    let reversed = Registry::new()
        .with::<UserRecord>()
        .with::<Session>()
        .with::<Idle>()
        .with::<Results>()
        .with::<Limits>()
        .with::<HourShard>()
        .with::<RoomIndex>()
        .with::<Room>()
        .with::<Board>()
        .with::<ChatLog>();
    assert_eq!(reversed.schema().to_json_pretty(), text);

    // Actors are sorted by name, definitions by type name, in the document and in its text.
    let names: Vec<&str> = first.actors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "bulletinBoard",
            "chatRoom",
            "chatRoomList",
            "coordinator",
            "hourlyAnalytics",
            "rateLimiter",
            "userActor",
            "userSession",
            "worker",
            "wsChat"
        ]
    );
    let positions = |needles: Vec<String>| -> Vec<usize> {
        needles
            .iter()
            .map(|n| text.find(n.as_str()).unwrap_or_else(|| panic!("{n:?}")))
            .collect()
    };
    let actor_positions = positions(
        names
            .iter()
            .map(|n| format!("\n      \"name\": \"{n}\",\n"))
            .collect(),
    );
    assert!(actor_positions.is_sorted(), "{actor_positions:?}");
    let defs: Vec<&String> = first.definitions.keys().collect();
    assert!(defs.is_sorted() && defs.len() >= 10, "{defs:?}");
    let def_positions = positions(
        defs.iter()
            .map(|d| format!("\n    \"{d}\": {{\n"))
            .collect(),
    );
    assert!(def_positions.is_sorted(), "{def_positions:?}");
}

// ---------------------------------------------------------------------------------------------
// Round trip: serde output of the Rust types against the schemas

/// `value` as serde_json writes it; it must also deserialize back to the same JSON.
fn sample<T: Serialize + DeserializeOwned>(value: &T) -> Value {
    let json = serde_json::to_value(value).expect("serialize a sample");
    let back: T = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("{json} does not deserialize back: {e}"));
    assert_eq!(serde_json::to_value(&back).unwrap(), json);
    json
}

/// Wrong-typed variants of a valid value: the value itself as another JSON type, and (inside
/// objects and arrays) the value with one member or the first element of another type.
fn wrong_types(value: &Value) -> Vec<Value> {
    let mut out = vec![match value {
        Value::Null => json!(false),
        Value::Bool(b) => json!(b.to_string()),
        Value::Number(n) => json!(n.to_string()),
        Value::String(_) => json!(42),
        Value::Array(_) => json!({}),
        Value::Object(_) => json!([]),
    }];
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                for wrong in wrong_types(member) {
                    let mut copy = map.clone();
                    copy.insert(key.clone(), wrong);
                    out.push(Value::Object(copy));
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for wrong in wrong_types(&items[0]) {
                let mut copy = items.clone();
                copy[0] = wrong;
                out.push(Value::Array(copy));
            }
        }
        _ => {}
    }
    out
}

/// `{"valid": [...], "invalid": [...]}`: the samples, and their wrong-typed variants plus
/// `more_invalid`.
fn case_with<T: Serialize + DeserializeOwned>(samples: &[T], more_invalid: Vec<Value>) -> Value {
    let valid: Vec<Value> = samples.iter().map(sample).collect();
    let mut invalid: Vec<Value> = valid.iter().flat_map(wrong_types).collect();
    invalid.extend(more_invalid);
    invalid.dedup();
    json!({"valid": valid, "invalid": invalid})
}

fn case<T: Serialize + DeserializeOwned>(samples: &[T]) -> Value {
    case_with(samples, Vec::new())
}

fn strings(samples: &[&str]) -> Value {
    case(&samples.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn action(params: Vec<Value>, returns: Value) -> Value {
    json!({"params": params, "returns": returns})
}

fn message(sender: &str, text: &str) -> Message {
    Message {
        sender: sender.into(),
        text: text.into(),
    }
}

fn task(id: &str, data: &str) -> Task {
    Task {
        id: id.into(),
        data: data.into(),
    }
}

fn task_result(id: &str, output: &str) -> TaskResult {
    TaskResult {
        task_id: id.into(),
        output: output.into(),
    }
}

/// Samples for every action, event and input of the seed registry, in the Rust types of the
/// contracts (`sendMessage(sender: String, text: String) -> Message`, ...; unit results are
/// `()`, which serde writes as `null`). [`_the_sample_types_are_the_contract_types`] makes the
/// compiler check the types against the typed client.
fn seed_cases() -> Value {
    let hello = message("alice", "Hello!");
    let page_view = Event {
        r#type: "page_view".into(),
        url: "/home".into(),
    };
    let tasks = vec![task("task-1", "a"), task("task-2", "")];
    let user = User {
        id: "user-123".into(),
        email: "user123@example.com".into(),
        name: "User 123".into(),
        created_at: 1_705_278_600_000,
        last_active: i64::MAX,
    };
    let record = UserRecord {
        email: "alice@example.com".into(),
        last_active: 0,
    };
    let unit = || case(&[()]);
    let note = Note {
        number: 1,
        author: "alice".into(),
        text: "Hello!".into(),
    };
    json!({
        "bulletinBoard": {
            "actions": {
                "pin": action(
                    vec![strings(&["alice"]), strings(&["Hello!", ""])],
                    case(std::slice::from_ref(&note)),
                ),
                "notes": action(vec![], case(&[vec![], vec![note.clone()]])),
            },
            "events": {"pinned": {"params": [case(std::slice::from_ref(&note))]}},
        },
        "chatRoom": {
            "actions": {
                "sendMessage": action(
                    vec![strings(&["alice", ""]), strings(&["Hello!"])],
                    case(std::slice::from_ref(&hello)),
                ),
                "getHistory": action(
                    vec![],
                    case(&[vec![], vec![hello.clone(), message("bob", "hi")]]),
                ),
            },
            "events": {"newMessage": {"params": [case(std::slice::from_ref(&hello))]}},
        },
        "chatRoomList": {
            "actions": {
                "createChatRoom": action(
                    vec![strings(&["general"])],
                    strings(&["dxpfrk8kvnzmn9pr8ogz7mqjx6dl00"]),
                ),
                "listChatRooms": action(
                    vec![],
                    case(&[Vec::<String>::new(), vec!["a".into(), "b".into()]]),
                ),
            },
        },
        "coordinator": {
            "actions": {
                "startJob": action(vec![case(&[tasks.clone(), Vec::new()])], unit()),
                "reportResult": action(vec![case(&[task_result("task-1", "Processed a")])], unit()),
                "getResults": action(
                    vec![],
                    case(&[vec![task_result("task-1", "Processed a")], Vec::new()]),
                ),
            },
        },
        "hourlyAnalytics": {
            "actions": {
                "trackEvent": action(vec![case(std::slice::from_ref(&page_view))], unit()),
                "getEvents": action(vec![], case(&[vec![page_view.clone()]])),
            },
        },
        "rateLimiter": {
            "actions": {
                "checkLimit": action(
                    vec![
                        strings(&["user-123"]),
                        // u32: also out of range and fractional.
                        case_with(
                            &[0u32, 100, u32::MAX],
                            vec![json!(-1), json!(u64::from(u32::MAX) + 1), json!(1.5)],
                        ),
                    ],
                    case(&[true, false]),
                ),
            },
        },
        "userActor": {
            "actions": {
                "updateEmail": action(vec![strings(&["alice2@example.com"])], unit()),
                "getUser": action(vec![], case(&[record])),
            },
            "input": case(&[NewUser { email: "alice@example.com".into() }]),
        },
        "userSession": {
            "actions": {
                "getProfile": action(vec![], case(&[None, Some(user)])),
                "updateEmail": action(vec![strings(&["user123@example.org"])], unit()),
            },
        },
        "worker": {
            "actions": {
                "process": action(vec![case(&[task("task-1", "a")])], unit()),
            },
        },
        "wsChat": {
            "actions": {
                "history": action(
                    vec![],
                    case(&[Vec::<String>::new(), vec!["* alice joined".to_string()]]),
                ),
            },
        },
    })
}

/// Never run, only compiled: the sample types of [`seed_cases`] are the parameter and result
/// types of the contracts' typed client.
#[allow(dead_code)]
async fn _the_sample_types_are_the_contract_types(
    c: actorium::Client,
) -> Result<(), actorium::CallError> {
    use actorium_examples::analytics::HourlyAnalyticsRef;
    use actorium_examples::bulletin::BulletinBoardRef;
    use actorium_examples::chat::{ChatRoomListRef, ChatRoomRef};
    use actorium_examples::map_reduce::{CoordinatorRef, WorkerRef};
    use actorium_examples::rate_limit::RateLimiterRef;
    use actorium_examples::user_actor::UserActorRef;
    use actorium_examples::user_session::UserSessionRef;

    let board = c.get_or_create::<BulletinBoardRef>(["k"]);
    let _: Note = board.pin(String::new(), String::new()).await?;
    let _: Vec<Note> = board.notes().await?;
    let room = c.get_or_create::<ChatRoomRef>(["k"]);
    let _: Message = room.send_message(String::new(), String::new()).await?;
    let _: Vec<Message> = room.get_history().await?;
    let list = c.get_or_create::<ChatRoomListRef>(["k"]);
    let _: String = list.create_chat_room(String::new()).await?;
    let _: Vec<String> = list.list_chat_rooms().await?;
    let coordinator = c.get_or_create::<CoordinatorRef>(["k"]);
    let () = coordinator.start_job(Vec::<Task>::new()).await?;
    let () = coordinator.report_result(task_result("", "")).await?;
    let _: Vec<TaskResult> = coordinator.get_results().await?;
    let analytics = c.get_or_create::<HourlyAnalyticsRef>(["k"]);
    let event = Event {
        r#type: String::new(),
        url: String::new(),
    };
    let () = analytics.track_event(event).await?;
    let _: Vec<Event> = analytics.get_events().await?;
    let _: bool = c
        .get_or_create::<RateLimiterRef>(["k"])
        .check_limit(String::new(), 0u32)
        .await?;
    let user = c
        .create::<UserActorRef>(
            ["k"],
            &NewUser {
                email: String::new(),
            },
        )
        .await?;
    let () = user.update_email(String::new()).await?;
    let _: UserRecord = user.get_user().await?;
    let session = c.get_or_create::<UserSessionRef>(["k"]);
    let _: Option<User> = session.get_profile().await?;
    let () = session.update_email(String::new()).await?;
    let () = c
        .get_or_create::<WorkerRef>(["k"])
        .process(task("", ""))
        .await?;
    let _: Vec<String> = c
        .get_or_create::<actorium_examples::ws_chat::WsChatRef>(["k"])
        .history()
        .await?;
    Ok(())
}

fn codegen_script(name: &str) -> PathBuf {
    common::workspace_root().join("codegen/tests/js").join(name)
}

#[test]
fn every_action_schema_accepts_serde_output_and_rejects_wrong_types() {
    actorium_test_support::require_node_packages(&["ajv"]);
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.json");
    std::fs::write(&schema, registry().schema().to_json_pretty()).unwrap();
    let cases = dir.path().join("cases.json");
    std::fs::write(&cases, serde_json::to_string_pretty(&seed_cases()).unwrap()).unwrap();
    let run = common::run(
        Command::new("node")
            .arg(codegen_script("validate-actions.mjs"))
            .arg(&schema)
            .arg(&cases),
        NODE_TIMEOUT,
    );
    assert!(
        run.success(),
        "the schemas disagree with serde ({:?}):\n{}",
        run.status,
        run.output
    );
    println!("{}", run.output);
    let last = run.output.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("18 actions and 2 events checked: "),
        "{}",
        run.output
    );

    // The check is real: a sample of the wrong type as a *valid* one fails it.
    let mut broken = seed_cases();
    broken["rateLimiter"]["actions"]["checkLimit"]["params"][1]["valid"] = json!(["100"]);
    std::fs::write(&cases, broken.to_string()).unwrap();
    let run = common::run(
        Command::new("node")
            .arg(codegen_script("validate-actions.mjs"))
            .arg(&schema)
            .arg(&cases),
        NODE_TIMEOUT,
    );
    assert!(!run.success(), "{}", run.output);
    assert!(
        run.output
            .contains("rateLimiter.checkLimit parameter limit: rejects \"100\""),
        "{}",
        run.output
    );
}

#[test]
fn wrong_type_variants_cover_nested_members() {
    let variants = wrong_types(&json!({"a": "x", "b": [1]}));
    assert_eq!(
        variants,
        [
            json!([]),
            json!({"a": 42, "b": [1]}),
            json!({"a": "x", "b": {}}),
            json!({"a": "x", "b": ["1"]}),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// OpenAPI end to end

/// The OpenAPI document generated from `examples/schema.json` (see the module docs).
fn openapi_document() -> PathBuf {
    common::workspace_root().join("codegen/tests/snapshots/seed/openapi.json")
}

/// One call through `call-openapi.mjs`: `Ok(response)` (`{method, path, status, body}`, the
/// response valid per the document), or `Err((exit code, output))` when the request (3) or the
/// response (1) does not match the document.
fn call(endpoint: &str, call: Value) -> Result<Value, (Option<i32>, String)> {
    let run = common::run(
        Command::new("node")
            .arg(codegen_script("call-openapi.mjs"))
            .arg(openapi_document())
            .arg(endpoint)
            .arg(call.to_string()),
        NODE_TIMEOUT,
    );
    if !run.success() {
        return Err((run.status.and_then(|s| s.code()), run.output));
    }
    let line = run
        .output
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no response line: {}", run.output));
    println!("{line}");
    Ok(serde_json::from_str(line).unwrap())
}

/// `GET path` over plain HTTP/1.1: the body of a 200 `application/json` response.
fn http_get(endpoint: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let addr = endpoint
        .strip_prefix("http://")
        .expect("an http:// endpoint");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the seed server");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{response}");
    assert!(
        head.contains("\r\ncontent-type: application/json\r\n")
            && head.contains(&format!("\r\ncontent-length: {}\r\n", body.len())),
        "{response}"
    );
    body.to_owned()
}

#[test]
fn openapi_requests_work_against_the_seed_server() {
    actorium_test_support::require_node_packages(&["ajv"]);
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(openapi_document()).unwrap()).unwrap();
    // The query-gateway path template of chatRoom.sendMessage, as the document has it.
    let post = &document["paths"]["/gateway/chatRoom/action/sendMessage"]["post"];
    assert_eq!(post["operationId"], "chatRoom.sendMessage");

    let server = common::SeedServer::start();
    let endpoint = server.endpoint.as_str();
    // The running server serves the committed document.
    assert_eq!(
        http_get(endpoint, "/actorium/schema"),
        std::fs::read_to_string(snapshot_path()).unwrap()
    );
    let ok = |what: &str, r: Result<Value, (Option<i32>, String)>| -> Value {
        r.unwrap_or_else(|(code, output)| {
            panic!(
                "{what}: exit code {code:?}\n{output}\n---- seed-server ----\n{}",
                server.log()
            )
        })
    };

    // By name and key (the query gateway), creating the room.
    let sent = ok(
        "chatRoom.sendMessage",
        call(
            endpoint,
            json!({
                "operationId": "chatRoom.sendMessage",
                "parameters": {"rvt-method": "getOrCreate", "rvt-key": "lobby"},
                "body": {"args": ["alice", "Hello!"]},
            }),
        ),
    );
    assert_eq!(sent["status"], 200, "{sent}");
    assert_eq!(
        sent["body"],
        json!({"output": {"sender": "alice", "text": "Hello!"}})
    );
    let path = sent["path"].as_str().unwrap();
    assert!(
        path.starts_with("/gateway/chatRoom/action/sendMessage?")
            && path.contains("rvt-namespace=default")
            && path.contains("rvt-method=getOrCreate")
            && path.contains("rvt-runner=default")
            && path.contains("rvt-key=lobby"),
        "{path}"
    );
    let history = ok(
        "chatRoom.getHistory",
        call(
            endpoint,
            json!({
                "operationId": "chatRoom.getHistory",
                "parameters": {"rvt-method": "get", "rvt-key": "lobby"},
                "body": {"args": []},
            }),
        ),
    );
    assert_eq!(
        history["body"],
        json!({"output": [{"sender": "alice", "text": "Hello!"}]})
    );

    // By actor id: the coordinator creates a room and returns its id.
    let created = ok(
        "chatRoomList.createChatRoom",
        call(
            endpoint,
            json!({
                "operationId": "chatRoomList.createChatRoom",
                "parameters": {"rvt-method": "getOrCreate", "rvt-key": "main"},
                "body": {"args": ["general"]},
            }),
        ),
    );
    let room_id = created["body"]["output"].as_str().expect("an actor id");
    let sent = ok(
        "sendMessage.byActorId",
        call(
            endpoint,
            json!({
                "operationId": "sendMessage.byActorId",
                "parameters": {"actorId": room_id},
                "body": {"args": ["bob", "hi"]},
            }),
        ),
    );
    assert_eq!(
        sent["path"],
        format!("/gateway/{room_id}/action/sendMessage")
    );
    assert_eq!(
        sent["body"],
        json!({"output": {"sender": "bob", "text": "hi"}})
    );

    // Integers, objects, arrays and unit results.
    let allowed = ok(
        "rateLimiter.checkLimit",
        call(
            endpoint,
            json!({
                "operationId": "rateLimiter.checkLimit",
                "parameters": {"rvt-method": "getOrCreate", "rvt-key": "shard-0"},
                "body": {"args": ["user-123", 1]},
            }),
        ),
    );
    assert_eq!(allowed["body"], json!({"output": true}));
    let tracked = ok(
        "hourlyAnalytics.trackEvent",
        call(
            endpoint,
            json!({
                "operationId": "hourlyAnalytics.trackEvent",
                "parameters": {"rvt-method": "getOrCreate", "rvt-key": "2024-01-15T00"},
                "body": {"args": [{"type": "page_view", "url": "/home"}]},
            }),
        ),
    );
    assert_eq!(tracked["body"], json!({"output": null}));

    // Errors match the document's error schema.
    let missing = ok(
        "chatRoom.getHistory of a missing room",
        call(
            endpoint,
            json!({
                "operationId": "chatRoom.getHistory",
                "parameters": {"rvt-method": "get", "rvt-key": "no-such-room"},
                "body": {"args": []},
            }),
        ),
    );
    assert_eq!(missing["status"], 404, "{missing}");
    assert_eq!(missing["body"]["group"], "actor", "{missing}");
    assert_eq!(missing["body"]["code"], "not_found", "{missing}");

    // A request that does not match the document is refused before it is sent.
    let refused = call(
        endpoint,
        json!({
            "operationId": "chatRoom.sendMessage",
            "parameters": {"rvt-method": "getOrCreate", "rvt-key": "lobby"},
            "body": {"args": ["alice", 42]},
        }),
    )
    .unwrap_err();
    assert_eq!(refused.0, Some(3), "{}", refused.1);
    assert!(
        refused.1.contains("the request body") && refused.1.contains("does not match"),
        "{}",
        refused.1
    );
    let history = ok(
        "chatRoom.getHistory after the refused request",
        call(
            endpoint,
            json!({
                "operationId": "chatRoom.getHistory",
                "parameters": {"rvt-method": "get", "rvt-key": "lobby"},
                "body": {"args": []},
            }),
        ),
    );
    assert_eq!(
        history["body"]["output"].as_array().map(Vec::len),
        Some(1),
        "{history}"
    );
}
