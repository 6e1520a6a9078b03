//! The hand-written fixture `tests/fixtures/edge-cases.json` is exactly the document an
//! actorium registry of these actors would produce: the same schemars 1.x generator settings
//! (draft 2020-12, named types under `$defs`), Rust types for every `$defs` entry, and
//! parameter names in `lowerCamelCase` as the `#[actor]` macro writes them.
//!
//! The fixture is a variant of the seed actors that has what the real seed schema
//! (`examples/schema.json`) lacks, so the generators stay tested on it: an event with two
//! arguments (`coordinator.progress`), a string enum (`TaskStatus`), optional and nullable
//! fields (`Option<String>`), connection params (`userActor`), an `Option` result of an action
//! with a parameter (`coordinator.getResult`), an `i64` parameter, actions without docs and
//! actors without state.
#![allow(dead_code)]

mod common;

use std::collections::BTreeMap;

use actorium_codegen::RegistrySchema;
use actorium_protocol::schema::{ActionSchema, ActorSchema, EventSchema, ParamSchema};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde::{Deserialize, Serialize};

/// A chat message.
#[derive(Serialize, Deserialize, JsonSchema)]
struct Message {
    sender: String,
    text: String,
}

/// State of a chat room.
#[derive(Serialize, Deserialize, JsonSchema)]
struct Room {
    messages: Vec<Message>,
}

/// State of the chat room index.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct RoomList {
    chat_room_ids: Vec<String>,
}

/// A unit of work.
#[derive(Serialize, Deserialize, JsonSchema)]
struct Task {
    id: String,
    data: String,
}

/// Outcome of a task.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
enum TaskStatus {
    Succeeded,
    Failed,
}

/// What a worker reports for a task.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct TaskResult {
    task_id: String,
    status: TaskStatus,
    output: String,
    /// Why the task failed.
    error: Option<String>,
}

/// One tracked event.
#[derive(Serialize, Deserialize, JsonSchema)]
struct AnalyticsEvent {
    /// Event kind, e.g. `page_view`.
    #[serde(rename = "type")]
    kind: String,
    url: String,
    /// The referring page, when known.
    referrer: Option<String>,
}

/// State of a rate limiter shard.
#[derive(Serialize, Deserialize, JsonSchema)]
struct Limiter {
    /// Requests counted per user id.
    requests: BTreeMap<String, u32>,
}

/// Creation input of a user actor.
#[derive(Serialize, Deserialize, JsonSchema)]
struct UserInput {
    email: String,
}

/// Connection params of a user actor.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct UserConnParams {
    /// Bearer token checked by `on_before_connect`.
    auth_token: String,
}

/// A user's profile.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct UserProfile {
    email: String,
    /// Milliseconds since the Unix epoch.
    last_active: i64,
    display_name: Option<String>,
}

/// State of a user actor.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct User {
    email: String,
    /// Milliseconds since the Unix epoch.
    last_active: i64,
}

struct Builder {
    generator: SchemaGenerator,
}

impl Builder {
    fn of<T: JsonSchema>(&mut self) -> serde_json::Value {
        self.generator.subschema_for::<T>().to_value()
    }

    fn param<T: JsonSchema>(&mut self, name: &str) -> ParamSchema {
        ParamSchema {
            name: name.to_owned(),
            schema: self.of::<T>(),
        }
    }

    fn action<R: JsonSchema>(
        &mut self,
        name: &str,
        docs: &str,
        params: Vec<ParamSchema>,
    ) -> ActionSchema {
        ActionSchema {
            name: name.to_owned(),
            docs: docs.to_owned(),
            params,
            returns: self.of::<R>(),
        }
    }
}

fn actor(
    name: &str,
    docs: &str,
    actions: Vec<ActionSchema>,
    events: Vec<EventSchema>,
) -> ActorSchema {
    ActorSchema {
        name: name.to_owned(),
        docs: docs.to_owned(),
        actions,
        events,
        input: None,
        conn_params: None,
        state: None,
        raw_http: false,
        raw_websocket: false,
    }
}

/// The edge-case registry's schema, built the way `Registry::schema` builds it.
fn edge_cases_schema() -> RegistrySchema {
    let mut b = Builder {
        generator: SchemaGenerator::new(SchemaSettings::draft2020_12()),
    };
    let mut actors = Vec::new();

    let params = vec![b.param::<String>("sender"), b.param::<String>("text")];
    let send = b.action::<Message>(
        "sendMessage",
        "Appends a message to the history and broadcasts it as `newMessage`.",
        params,
    );
    let history =
        b.action::<Vec<Message>>("getHistory", "Every message so far, oldest first.", vec![]);
    let new_message = EventSchema {
        name: "newMessage".to_owned(),
        docs: "A message was sent to the room.".to_owned(),
        params: vec![b.param::<Message>("message")],
    };
    let mut chat_room = actor(
        "chatRoom",
        "A chat room: keeps the message history and broadcasts every new message.",
        vec![send, history],
        vec![new_message],
    );
    chat_room.state = Some(b.of::<Room>());
    actors.push(chat_room);

    let params = vec![b.param::<String>("name")];
    let create = b.action::<String>(
        "createChatRoom",
        "Creates a `chatRoom` actor keyed by `name` and returns its actor id.",
        params,
    );
    let list = b.action::<Vec<String>>(
        "listChatRooms",
        "The actor ids of every room created so far.",
        vec![],
    );
    let mut chat_room_list = actor(
        "chatRoomList",
        "Coordinator that indexes chat rooms.",
        vec![create, list],
        vec![],
    );
    chat_room_list.state = Some(b.of::<RoomList>());
    actors.push(chat_room_list);

    let params = vec![b.param::<Vec<Task>>("tasks")];
    let start = b.action::<()>(
        "startJob",
        "Sends every task to the worker keyed by the task id.",
        params,
    );
    let params = vec![b.param::<TaskResult>("result")];
    let report = b.action::<()>(
        "reportResult",
        "Called by a worker when its task is done.",
        params,
    );
    let results = b.action::<Vec<TaskResult>>("getResults", "", vec![]);
    let params = vec![b.param::<String>("taskId")];
    let result = b.action::<Option<TaskResult>>(
        "getResult",
        "The result of one task, if it has been reported.",
        params,
    );
    let progress = EventSchema {
        name: "progress".to_owned(),
        docs: "Emitted after each reported result.".to_owned(),
        params: vec![b.param::<u32>("completed"), b.param::<u32>("total")],
    };
    actors.push(actor(
        "coordinator",
        "Fans jobs out to `worker` actors and collects their results.",
        vec![start, report, results, result],
        vec![progress],
    ));

    let params = vec![b.param::<AnalyticsEvent>("event")];
    let track = b.action::<()>("trackEvent", "", params);
    let events = b.action::<Vec<AnalyticsEvent>>("getEvents", "", vec![]);
    actors.push(actor(
        "hourlyAnalytics",
        "One shard of analytics events, keyed by the hour (`2024-01-15T00`).",
        vec![track, events],
        vec![],
    ));

    let params = vec![b.param::<String>("userId"), b.param::<i64>("limit")];
    let check = b.action::<bool>(
        "checkLimit",
        "Counts a request of `userId`; false once `limit` requests were counted.",
        params,
    );
    let mut rate_limiter = actor(
        "rateLimiter",
        "One shard of a rate limiter (`shard-0` .. `shard-2`).",
        vec![check],
        vec![],
    );
    rate_limiter.state = Some(b.of::<Limiter>());
    actors.push(rate_limiter);

    let params = vec![b.param::<String>("email")];
    let update = b.action::<()>("updateEmail", "", params);
    let get_user = b.action::<UserProfile>("getUser", "", vec![]);
    let mut user_actor = actor(
        "userActor",
        "One user, created with its email address.",
        vec![update, get_user],
        vec![],
    );
    user_actor.input = Some(b.of::<UserInput>());
    user_actor.conn_params = Some(b.of::<UserConnParams>());
    user_actor.state = Some(b.of::<User>());
    actors.push(user_actor);

    let params = vec![b.param::<Task>("task")];
    let process = b.action::<()>("process", "", params);
    actors.push(actor(
        "worker",
        "Processes one task and reports the result to the `coordinator`.",
        vec![process],
        vec![],
    ));

    let mut doc = RegistrySchema::new();
    doc.actors = actors;
    doc.definitions = b.generator.take_definitions(true).into_iter().collect();
    doc.normalize();
    doc
}

#[test]
fn the_fixture_is_what_schemars_generates_for_its_actors() {
    let expected = edge_cases_schema();
    let fixture = common::edge_cases();
    for (name, def) in &expected.definitions {
        assert_eq!(
            fixture.definitions.get(name),
            Some(def),
            "`$defs/{name}` of the fixture differs from schemars' output"
        );
    }
    assert_eq!(
        fixture.definitions.keys().collect::<Vec<_>>(),
        expected.definitions.keys().collect::<Vec<_>>()
    );
    for (fixture_actor, expected_actor) in fixture.actors.iter().zip(&expected.actors) {
        assert_eq!(
            fixture_actor, expected_actor,
            "actor `{}`",
            expected_actor.name
        );
    }
    assert_eq!(fixture, expected);
}
