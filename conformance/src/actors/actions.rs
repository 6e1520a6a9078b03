//! `inputActor`, the action-type actors, the action-timeout actors and the large-payload actors.

use std::time::Duration;

use actorium::prelude::*;
use actorium::{ActorOptions, UserError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Remembers the input it was created with, as `createState` and `onCreate` saw it.
#[actorium::actor(name = "inputActor", input = Json)]
pub trait InputActor {
    /// `{initialInput, onCreateInput}` (each absent when there was no input).
    async fn get_inputs() -> Inputs;
}

/// The input as each creation hook saw it.
#[derive(Default, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Inputs {
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_input: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_create_input: Option<Json>,
}

/// State of `inputActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct InputState {
    inputs: Inputs,
}

#[actorium::actor]
impl InputActorActor for InputState {
    async fn create_state(_c: &InitCtx<'_>, input: Option<Json>) -> actorium::Result<Self> {
        Ok(InputState {
            inputs: Inputs {
                initial_input: input,
                on_create_input: None,
            },
        })
    }

    async fn on_create(c: &Ctx<Self>, input: Option<Json>) -> actorium::Result<()> {
        c.state_mut().inputs.on_create_input = input;
        Ok(())
    }

    async fn get_inputs(c: &Ctx<Self>) -> actorium::Result<Inputs> {
        Ok(c.state().inputs.clone())
    }
}

/// A value and a timestamp.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    current_value: i64,
    timestamp: i64,
}

/// Actions that finish without awaiting anything.
#[actorium::actor(name = "syncActionActor")]
pub trait SyncAction {
    /// Adds `amount` (default 1), returns the value.
    async fn increment(amount: Option<i64>) -> i64;
    /// `{currentValue, timestamp}`.
    async fn get_info() -> Info;
    /// Sets the value to 0.
    async fn reset();
}

/// State of `syncActionActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct SyncActionState {
    value: i64,
}

#[actorium::actor]
impl SyncActionActor for SyncActionState {
    async fn increment(c: &Ctx<Self>, amount: Option<i64>) -> actorium::Result<i64> {
        let mut s = c.state_mut();
        s.value += amount.unwrap_or(1);
        Ok(s.value)
    }

    async fn get_info(c: &Ctx<Self>) -> actorium::Result<Info> {
        Ok(Info {
            current_value: c.state().value,
            timestamp: crate::now_ms(),
        })
    }

    async fn reset(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().value = 0;
        Ok(())
    }
}

/// What `fetchData` returns and stores.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub struct Fetched {
    id: String,
    timestamp: i64,
}

/// Actions that await before they finish.
#[actorium::actor(name = "asyncActionActor")]
pub trait AsyncAction {
    /// Yields, then adds `amount` (default 1) and returns the value.
    async fn delayed_increment(amount: Option<i64>) -> i64;
    /// `{id, timestamp}`, also stored.
    async fn fetch_data(id: String) -> Fetched;
    /// A user error when `should_error`, otherwise `"Success"`.
    async fn async_with_error(should_error: bool) -> String;
}

/// State of `asyncActionActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct AsyncActionState {
    value: i64,
    data: Option<Fetched>,
}

#[actorium::actor]
impl AsyncActionActor for AsyncActionState {
    async fn delayed_increment(c: &Ctx<Self>, amount: Option<i64>) -> actorium::Result<i64> {
        tokio::task::yield_now().await;
        let mut s = c.state_mut();
        s.value += amount.unwrap_or(1);
        Ok(s.value)
    }

    async fn fetch_data(c: &Ctx<Self>, id: String) -> actorium::Result<Fetched> {
        tokio::task::yield_now().await;
        let data = Fetched {
            id,
            timestamp: crate::now_ms(),
        };
        c.state_mut().data = Some(data.clone());
        Ok(data)
    }

    async fn async_with_error(_c: &Ctx<Self>, should_error: bool) -> actorium::Result<String> {
        tokio::task::yield_now().await;
        if should_error {
            return Err(UserError::new("user_error", "Intentional error").into());
        }
        Ok("Success".into())
    }
}

/// Actions that return promises, in RivetKit's terms.
#[actorium::actor(name = "promiseActor")]
pub trait Promise {
    /// `"resolved value"`.
    async fn resolved_promise() -> String;
    /// Records `"delayed"`, returns `"delayed value"`.
    async fn delayed_promise() -> String;
    /// A user error `"promised rejection"`.
    async fn rejected_promise() -> String;
    /// What `delayedPromise` recorded.
    async fn get_results() -> Vec<String>;
}

/// State of `promiseActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct PromiseState {
    results: Vec<String>,
}

#[actorium::actor]
impl PromiseActor for PromiseState {
    async fn resolved_promise(_c: &Ctx<Self>) -> actorium::Result<String> {
        Ok("resolved value".into())
    }

    async fn delayed_promise(c: &Ctx<Self>) -> actorium::Result<String> {
        c.state_mut().results.push("delayed".into());
        Ok("delayed value".into())
    }

    async fn rejected_promise(_c: &Ctx<Self>) -> actorium::Result<String> {
        Err(UserError::new("user_error", "promised rejection").into())
    }

    async fn get_results(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.state().results.clone())
    }
}

/// A state nobody reads (the timeout actors keep `{value: 0}` like the originals).
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct Value0 {
    value: i64,
}

/// An action timeout of 50 ms.
#[actorium::actor(name = "shortTimeoutActor")]
pub trait ShortTimeout {
    /// Answers at once.
    async fn quick_action() -> String;
    /// Takes 100 ms: times out.
    async fn slow_action() -> String;
}

/// State of `shortTimeoutActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct ShortTimeoutState(Value0);

#[actorium::actor]
impl ShortTimeoutActor for ShortTimeoutState {
    fn options() -> ActorOptions {
        ActorOptions::default().action_timeout(Duration::from_millis(50))
    }

    async fn quick_action(_c: &Ctx<Self>) -> actorium::Result<String> {
        Ok("quick response".into())
    }

    async fn slow_action(_c: &Ctx<Self>) -> actorium::Result<String> {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok("slow response".into())
    }
}

/// An action timeout of 200 ms.
#[actorium::actor(name = "longTimeoutActor")]
pub trait LongTimeout {
    /// Takes 100 ms: finishes in time.
    async fn delayed_action() -> String;
}

/// State of `longTimeoutActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct LongTimeoutState(Value0);

#[actorium::actor]
impl LongTimeoutActor for LongTimeoutState {
    fn options() -> ActorOptions {
        ActorOptions::default().action_timeout(Duration::from_millis(200))
    }

    async fn delayed_action(_c: &Ctx<Self>) -> actorium::Result<String> {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok("delayed response".into())
    }
}

/// The host's default action timeout.
#[actorium::actor(name = "defaultTimeoutActor")]
pub trait DefaultTimeout {
    /// Takes 50 ms.
    async fn normal_action() -> String;
}

/// State of `defaultTimeoutActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct DefaultTimeoutState(Value0);

#[actorium::actor]
impl DefaultTimeoutActor for DefaultTimeoutState {
    async fn normal_action(_c: &Ctx<Self>) -> actorium::Result<String> {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok("normal response".into())
    }
}

/// A 50 ms action timeout that a synchronous action never meets.
#[actorium::actor(name = "syncTimeoutActor")]
pub trait SyncTimeout {
    /// Answers at once.
    async fn sync_action() -> String;
}

/// State of `syncTimeoutActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct SyncTimeoutState(Value0);

#[actorium::actor]
impl SyncTimeoutActor for SyncTimeoutState {
    fn options() -> ActorOptions {
        ActorOptions::default().action_timeout(Duration::from_millis(50))
    }

    async fn sync_action(_c: &Ctx<Self>) -> actorium::Result<String> {
        Ok("sync response".into())
    }
}

/// A large request: a list of strings.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Items {
    items: Vec<String>,
}

/// What `processLargeRequest` saw.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemSummary {
    item_count: usize,
    first_item: Option<String>,
    last_item: Option<String>,
}

fn summary(data: &Items) -> ItemSummary {
    ItemSummary {
        item_count: data.items.len(),
        first_item: data.items.first().cloned(),
        last_item: data.items.last().cloned(),
    }
}

fn large_response(item_count: usize) -> Items {
    Items {
        items: (0..item_count)
            .map(|i| format!("Item {i} with some additional text to increase size"))
            .collect(),
    }
}

/// Large requests and responses over HTTP.
#[actorium::actor(name = "largePayloadActor")]
pub trait LargePayload {
    /// `{itemCount, firstItem, lastItem}` of `data.items`.
    async fn process_large_request(data: Items) -> ItemSummary;
    /// `{items}` with `item_count` strings.
    async fn get_large_response(item_count: usize) -> Items;
    /// Returns `data`.
    async fn echo(data: Json) -> Json;
}

/// State of `largePayloadActor` (none).
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct LargePayloadState {}

#[actorium::actor]
impl LargePayloadActor for LargePayloadState {
    async fn process_large_request(_c: &Ctx<Self>, data: Items) -> actorium::Result<ItemSummary> {
        Ok(summary(&data))
    }

    async fn get_large_response(_c: &Ctx<Self>, item_count: usize) -> actorium::Result<Items> {
        Ok(large_response(item_count))
    }

    async fn echo(_c: &Ctx<Self>, data: Json) -> actorium::Result<Json> {
        Ok(data)
    }
}

/// Large requests and responses over a connection.
#[actorium::actor(name = "largePayloadConnActor")]
pub trait LargePayloadConn {
    /// `{itemCount, firstItem, lastItem}` of `data.items`; remembers the count per connection.
    async fn process_large_request(data: Items) -> ItemSummary;
    /// `{items}` with `item_count` strings.
    async fn get_large_response(item_count: usize) -> Items;
    /// Returns `data`.
    async fn echo(data: Json) -> Json;
    /// The item count of this connection's last `processLargeRequest`.
    async fn get_last_request_size() -> usize;
}

/// State of `largePayloadConnActor` (none).
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct LargePayloadConnState {}

/// Connection state of `largePayloadConnActor`.
#[derive(Default)]
pub struct LastRequest {
    last_request_size: usize,
}

#[actorium::actor]
impl LargePayloadConnActor for LargePayloadConnState {
    type ConnState = LastRequest;

    async fn process_large_request(c: &Ctx<Self>, data: Items) -> actorium::Result<ItemSummary> {
        if let Some(conn) = c.conn() {
            conn.state_mut().last_request_size = data.items.len();
        }
        Ok(summary(&data))
    }

    async fn get_large_response(_c: &Ctx<Self>, item_count: usize) -> actorium::Result<Items> {
        Ok(large_response(item_count))
    }

    async fn echo(_c: &Ctx<Self>, data: Json) -> actorium::Result<Json> {
        Ok(data)
    }

    async fn get_last_request_size(c: &Ctx<Self>) -> actorium::Result<usize> {
        Ok(c.conn().map_or(0, |conn| conn.state().last_request_size))
    }
}
