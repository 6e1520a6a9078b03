//! `inlineClientActor`, `destroyActor`, `destroyObserver`, `scheduled`, `startStopRaceActor`,
//! `lifecycleObserver`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::counters::CounterRef;
use crate::JsNumber;

/// What `connectToCounterAndIncrement` saw.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ConnectedResult {
    result1: i64,
    result2: i64,
    events: Vec<i64>,
}

/// Calls `counter` through the actor's own client.
#[actorium::actor(name = "inlineClientActor")]
pub trait InlineClient {
    /// `counter["inline-test"].increment(amount)`.
    async fn call_counter_increment(amount: i64) -> i64;
    /// `counter["inline-test"].getCount()`.
    async fn get_counter_state() -> i64;
    /// Connects to `counter["inline-test-stateful"]`, increments by `amount` and `2 * amount`,
    /// collects the `newCount` events.
    async fn connect_to_counter_and_increment(amount: i64) -> ConnectedResult;
    /// What the other actions recorded.
    async fn get_messages() -> Vec<String>;
    /// Forgets the messages.
    async fn clear_messages();
}

/// State of `inlineClientActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct InlineClientState {
    messages: Vec<String>,
}

#[actorium::actor]
impl InlineClientActor for InlineClientState {
    async fn call_counter_increment(c: &Ctx<Self>, amount: i64) -> actorium::Result<i64> {
        let counter = c.client().get_or_create::<CounterRef>(["inline-test"]);
        let result = counter.increment(amount).await?;
        c.state_mut().messages.push(format!(
            "Called counter.increment({amount}), result: {result}"
        ));
        Ok(result)
    }

    async fn get_counter_state(c: &Ctx<Self>) -> actorium::Result<i64> {
        let counter = c.client().get_or_create::<CounterRef>(["inline-test"]);
        let count = counter.get_count().await?;
        c.state_mut()
            .messages
            .push(format!("Got counter state: {count}"));
        Ok(count)
    }

    async fn connect_to_counter_and_increment(
        c: &Ctx<Self>,
        amount: i64,
    ) -> actorium::Result<ConnectedResult> {
        let handle = c
            .client()
            .get_or_create::<CounterRef>(["inline-test-stateful"]);
        let conn = handle.connect().await?;
        let mut stream = conn.new_count();
        let result1 = conn.increment(amount).await?;
        let result2 = conn.increment(amount * 2).await?;
        // Each increment's event leaves before its reply, so both are here (the timeout only
        // guards against a lost event).
        let mut events = Vec::new();
        while events.len() < 2 {
            match tokio::time::timeout(Duration::from_secs(2), stream.next()).await {
                Ok(Some(count)) => events.push(count),
                _ => break,
            }
        }
        conn.dispose().await;
        c.state_mut().messages.push(format!(
            "Connected to counter, incremented by {amount} and {}, results: {result1}, {result2}, events: {}",
            amount * 2,
            serde_json::to_string(&events).unwrap_or_default()
        ));
        Ok(ConnectedResult {
            result1,
            result2,
            events,
        })
    }

    async fn get_messages(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.state().messages.clone())
    }

    async fn clear_messages(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().messages.clear();
        Ok(())
    }
}

/// Records which actors were destroyed.
#[actorium::actor(name = "destroyObserver")]
pub trait DestroyObserver {
    /// Records `actor_key` as destroyed.
    async fn notify_destroyed(actor_key: String);
    /// Whether `actor_key` was recorded.
    async fn was_destroyed(actor_key: String) -> bool;
    /// Forgets everything.
    async fn reset();
}

/// State of `destroyObserver`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DestroyObserverState {
    destroyed_actors: Vec<String>,
}

#[actorium::actor]
impl DestroyObserverActor for DestroyObserverState {
    async fn notify_destroyed(c: &Ctx<Self>, actor_key: String) -> actorium::Result<()> {
        c.state_mut().destroyed_actors.push(actor_key);
        Ok(())
    }

    async fn was_destroyed(c: &Ctx<Self>, actor_key: String) -> actorium::Result<bool> {
        Ok(c.state().destroyed_actors.contains(&actor_key))
    }

    async fn reset(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().destroyed_actors.clear();
        Ok(())
    }
}

/// Tells `destroyObserver["observer"]` when it is destroyed; `GET /state` (raw HTTP) answers
/// `{key, value}`, a raw WebSocket is greeted with `{type: "welcome", key, value}`. (The
/// original's queue is issue 17's.)
#[actorium::actor(name = "destroyActor")]
pub trait Destroy {
    /// Sets the value, returns it.
    async fn set_value(new_value: i64) -> i64;
    /// The value.
    async fn get_value() -> i64;
    /// Destroys the actor.
    async fn destroy();
}

/// State of `destroyActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct DestroyState {
    value: i64,
    key: String,
}

#[actorium::actor]
impl DestroyActor for DestroyState {
    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().key = c.key().0.join("/");
        Ok(())
    }

    async fn on_destroy(c: &Ctx<Self>) -> actorium::Result<()> {
        let key = c.state().key.clone();
        let observer = c.client().get_or_create::<DestroyObserverRef>(["observer"]);
        observer.notify_destroyed(key).await?;
        Ok(())
    }

    async fn on_request(c: &Ctx<Self>, request: HttpRequest) -> actorium::Result<HttpResponse> {
        if request.uri().path() != "/state" {
            return Ok(actorium::raw_http::text_response(
                actorium::raw_http::http::StatusCode::NOT_FOUND,
                "Not Found",
            ));
        }
        let s = c.state();
        actorium::raw_http::json_response(&serde_json::json!({ "key": s.key, "value": s.value }))
    }

    async fn on_websocket(
        c: &Ctx<Self>,
        socket: &std::sync::Arc<RawSocket>,
    ) -> actorium::Result<()> {
        let welcome = {
            let s = c.state();
            serde_json::json!({ "type": "welcome", "key": s.key, "value": s.value })
        };
        socket.send(welcome.to_string());
        Ok(())
    }

    async fn set_value(c: &Ctx<Self>, new_value: i64) -> actorium::Result<i64> {
        c.state_mut().value = new_value;
        Ok(new_value)
    }

    async fn get_value(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().value)
    }

    async fn destroy(c: &Ctx<Self>) -> actorium::Result<()> {
        c.destroy();
        Ok(())
    }
}

/// `{time, count}`.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub struct Ran {
    time: i64,
    count: i64,
}

/// `{taskId, time, count}`.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RanWithId {
    task_id: String,
    time: i64,
    count: i64,
}

/// `{taskId, scheduledFor}`.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledFor {
    task_id: String,
    scheduled_for: i64,
}

/// Timers: `schedule.at` and `schedule.after` calling actions.
#[actorium::actor]
pub trait Scheduled {
    /// Runs `onScheduledTask` at `timestamp` (ms since the epoch); returns it.
    async fn schedule_task_at(timestamp: JsNumber) -> JsNumber;
    /// Runs `onScheduledTask` after `delay_ms`; returns when.
    async fn schedule_task_after(delay_ms: JsNumber) -> i64;
    /// Runs `onScheduledTaskWithId(task_id)` after `delay_ms`.
    async fn schedule_task_after_with_id(task_id: String, delay_ms: JsNumber) -> ScheduledFor;
    /// Runs `onScheduledTask` in `delay_ms` (with `at`); returns when.
    async fn schedule_task(delay_ms: JsNumber) -> i64;
    /// When a task last ran (0: never).
    async fn get_last_run() -> i64;
    /// How many tasks ran.
    async fn get_scheduled_count() -> i64;
    /// The ids of the tasks that ran, in order.
    async fn get_task_history() -> Vec<String>;
    /// Forgets every run.
    async fn clear_history() -> bool;
    /// The scheduled task: counts and broadcasts `scheduled`.
    async fn on_scheduled_task();
    /// The scheduled task with an id: records it and broadcasts `scheduledWithId`.
    async fn on_scheduled_task_with_id(task_id: String);
    /// A task ran.
    #[event]
    fn scheduled(ran: Ran);
    /// A task with an id ran.
    #[event]
    fn scheduled_with_id(ran: RanWithId);
}

/// State of `scheduled`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledState {
    last_run: i64,
    scheduled_count: i64,
    task_history: Vec<String>,
}

/// JavaScript numbers arrive as floats when they are large (e.g. `Date.now() + 100` in CBOR).
fn at_ms(ms: JsNumber) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.millis())
}

pub(crate) fn ms(delay: JsNumber) -> Duration {
    Duration::from_millis(delay.millis())
}

#[actorium::actor]
impl ScheduledActor for ScheduledState {
    async fn schedule_task_at(c: &Ctx<Self>, timestamp: JsNumber) -> actorium::Result<JsNumber> {
        c.schedule().at(at_ms(timestamp), "onScheduledTask", vec![]);
        Ok(timestamp)
    }

    async fn schedule_task_after(c: &Ctx<Self>, delay_ms: JsNumber) -> actorium::Result<i64> {
        c.schedule().after(ms(delay_ms), "onScheduledTask", vec![]);
        Ok(crate::now_ms() + delay_ms.0 as i64)
    }

    async fn schedule_task_after_with_id(
        c: &Ctx<Self>,
        task_id: String,
        delay_ms: JsNumber,
    ) -> actorium::Result<ScheduledFor> {
        c.schedule().after(
            ms(delay_ms),
            "onScheduledTaskWithId",
            vec![task_id.clone().into()],
        );
        Ok(ScheduledFor {
            task_id,
            scheduled_for: crate::now_ms() + delay_ms.0 as i64,
        })
    }

    async fn schedule_task(c: &Ctx<Self>, delay_ms: JsNumber) -> actorium::Result<i64> {
        let timestamp = crate::now_ms() + delay_ms.0 as i64;
        c.schedule()
            .at(at_ms(JsNumber(timestamp as f64)), "onScheduledTask", vec![]);
        Ok(timestamp)
    }

    async fn get_last_run(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().last_run)
    }

    async fn get_scheduled_count(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().scheduled_count)
    }

    async fn get_task_history(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.state().task_history.clone())
    }

    async fn clear_history(c: &Ctx<Self>) -> actorium::Result<bool> {
        *c.state_mut() = ScheduledState::default();
        Ok(true)
    }

    async fn on_scheduled_task(c: &Ctx<Self>) -> actorium::Result<()> {
        let ran = {
            let mut s = c.state_mut();
            s.last_run = crate::now_ms();
            s.scheduled_count += 1;
            Ran {
                time: s.last_run,
                count: s.scheduled_count,
            }
        };
        c.events().scheduled(&ran);
        Ok(())
    }

    async fn on_scheduled_task_with_id(c: &Ctx<Self>, task_id: String) -> actorium::Result<()> {
        let ran = {
            let mut s = c.state_mut();
            s.last_run = crate::now_ms();
            s.scheduled_count += 1;
            s.task_history.push(task_id.clone());
            RanWithId {
                task_id,
                time: s.last_run,
                count: s.scheduled_count,
            }
        };
        c.events().scheduled_with_id(&ran);
        Ok(())
    }
}

/// `{initialized, startTime, destroyCalled, startCompleted}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RaceState {
    initialized: bool,
    start_time: i64,
    destroy_called: bool,
    start_completed: bool,
}

/// A slow wake (100 ms), to race starts against stops.
#[actorium::actor(name = "startStopRaceActor")]
pub trait StartStopRace {
    /// The state.
    async fn get_state() -> RaceState;
    /// `"pong"`.
    async fn ping() -> String;
    /// Destroys the actor.
    async fn destroy();
}

/// State of `startStopRaceActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct StartStopRaceState(RaceState);

#[actorium::actor]
impl StartStopRaceActor for StartStopRaceState {
    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.start_time = crate::now_ms();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut s = c.state_mut();
        s.0.initialized = true;
        s.0.start_completed = true;
        Ok(())
    }

    async fn on_destroy(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.destroy_called = true;
        Ok(())
    }

    async fn get_state(c: &Ctx<Self>) -> actorium::Result<RaceState> {
        Ok(c.state().0.clone())
    }

    async fn ping(_c: &Ctx<Self>) -> actorium::Result<String> {
        Ok("pong".into())
    }

    async fn destroy(c: &Ctx<Self>) -> actorium::Result<()> {
        c.destroy();
        Ok(())
    }
}

/// `{actorKey, event}`.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventParams {
    actor_key: String,
    event: String,
}

/// `{actorKey, event, timestamp}`.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    actor_key: String,
    event: String,
    timestamp: i64,
}

/// Records lifecycle events other actors report.
#[actorium::actor(name = "lifecycleObserver")]
pub trait LifecycleObserver {
    /// Records `{actorKey, event}` with the time.
    async fn record_event(params: EventParams);
    /// Everything recorded, in order.
    async fn get_events() -> Vec<Recorded>;
    /// Forgets everything.
    async fn clear_events();
}

/// State of `lifecycleObserver`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct LifecycleObserverState {
    events: Vec<Recorded>,
}

#[actorium::actor]
impl LifecycleObserverActor for LifecycleObserverState {
    async fn record_event(c: &Ctx<Self>, params: EventParams) -> actorium::Result<()> {
        c.state_mut().events.push(Recorded {
            actor_key: params.actor_key,
            event: params.event,
            timestamp: crate::now_ms(),
        });
        Ok(())
    }

    async fn get_events(c: &Ctx<Self>) -> actorium::Result<Vec<Recorded>> {
        Ok(c.state().events.clone())
    }

    async fn clear_events(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().events.clear();
        Ok(())
    }
}
