//! `sleep`, `sleepWithLongRpc`, `sleepWithNoSleepOption`, `sleepWithRawHttp`,
//! `sleepWithRawWebSocket`: sleeping after a per-actor idle timeout (the `waitUntil` and queue
//! variants are issue 17's).

use std::sync::Mutex;
use std::time::Duration;

use actorium::ActorOptions;
use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::lifecycle::ms;
use crate::JsNumber;

/// RivetKit's `SLEEP_TIMEOUT` of the sleep fixtures.
const SLEEP_TIMEOUT: Duration = Duration::from_millis(1000);

/// `{startCount, sleepCount}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SleepCounts {
    start_count: i64,
    sleep_count: i64,
}

/// Counts its wakes and sleeps; sleeps after 1 s idle.
#[actorium::actor]
pub trait Sleep {
    /// Asks to sleep.
    async fn trigger_sleep();
    /// `{startCount, sleepCount}`.
    async fn get_counts() -> SleepCounts;
    /// Runs `onAlarm` after `duration` ms.
    async fn set_alarm(duration: JsNumber);
    /// Does nothing (a timer target).
    async fn on_alarm();
}

/// State of `sleep`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct SleepState(SleepCounts);

#[actorium::actor]
impl SleepActor for SleepState {
    fn options() -> ActorOptions {
        ActorOptions::default().sleep_timeout(SLEEP_TIMEOUT)
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.start_count += 1;
        Ok(())
    }

    async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.sleep_count += 1;
        Ok(())
    }

    async fn trigger_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.sleep();
        Ok(())
    }

    async fn get_counts(c: &Ctx<Self>) -> actorium::Result<SleepCounts> {
        Ok(c.state().0.clone())
    }

    async fn set_alarm(c: &Ctx<Self>, duration: JsNumber) -> actorium::Result<()> {
        c.schedule().after(ms(duration), "onAlarm", vec![]);
        Ok(())
    }

    async fn on_alarm(_c: &Ctx<Self>) -> actorium::Result<()> {
        Ok(())
    }
}

/// Counts its wakes and sleeps; one action waits until another releases it (an action in
/// flight keeps the actor awake).
#[actorium::actor(name = "sleepWithLongRpc")]
pub trait SleepWithLongRpc {
    /// `{startCount, sleepCount}`.
    async fn get_counts() -> SleepCounts;
    /// Broadcasts `waiting`, then waits for `finishLongRunningRpc`.
    async fn long_running_rpc();
    /// Releases `longRunningRpc`.
    async fn finish_long_running_rpc();
    /// `longRunningRpc` started waiting.
    #[event]
    fn waiting();
}

/// State of `sleepWithLongRpc`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct LongRpcState(SleepCounts);

#[actorium::actor]
impl SleepWithLongRpcActor for LongRpcState {
    type Vars = Mutex<Option<oneshot::Sender<()>>>;

    fn options() -> ActorOptions {
        ActorOptions::default().sleep_timeout(SLEEP_TIMEOUT)
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.start_count += 1;
        Ok(())
    }

    async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.sleep_count += 1;
        Ok(())
    }

    async fn get_counts(c: &Ctx<Self>) -> actorium::Result<SleepCounts> {
        Ok(c.state().0.clone())
    }

    async fn long_running_rpc(c: &Ctx<Self>) -> actorium::Result<()> {
        let (tx, rx) = oneshot::channel();
        *c.vars().lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        c.events().waiting();
        let _ = rx.await;
        Ok(())
    }

    async fn finish_long_running_rpc(c: &Ctx<Self>) -> actorium::Result<()> {
        if let Some(tx) = c.vars().lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(());
        }
        Ok(())
    }
}

/// Counts its wakes and sleeps, and never sleeps when idle (RivetKit's `noSleep`; here a
/// sleep timeout longer than any test).
#[actorium::actor(name = "sleepWithNoSleepOption")]
pub trait SleepWithNoSleepOption {
    /// `{startCount, sleepCount}`.
    async fn get_counts() -> SleepCounts;
}

/// State of `sleepWithNoSleepOption`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct NoSleepState(SleepCounts);

#[actorium::actor]
impl SleepWithNoSleepOptionActor for NoSleepState {
    fn options() -> ActorOptions {
        ActorOptions::default().sleep_timeout(Duration::from_secs(365 * 24 * 3600))
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.start_count += 1;
        Ok(())
    }

    async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.sleep_count += 1;
        Ok(())
    }

    async fn get_counts(c: &Ctx<Self>) -> actorium::Result<SleepCounts> {
        Ok(c.state().0.clone())
    }
}

/// `{startCount, sleepCount, requestCount}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawHttpCounts {
    start_count: i64,
    sleep_count: i64,
    request_count: i64,
}

/// Counts its wakes, sleeps and raw requests; `/long-request?duration=MS` answers after
/// `duration` ms (a raw request in flight keeps the actor awake).
#[actorium::actor(name = "sleepWithRawHttp")]
pub trait SleepWithRawHttp {
    /// `{startCount, sleepCount, requestCount}`.
    async fn get_counts() -> RawHttpCounts;
}

/// State of `sleepWithRawHttp`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct SleepWithRawHttpState(RawHttpCounts);

#[actorium::actor]
impl SleepWithRawHttpActor for SleepWithRawHttpState {
    fn options() -> ActorOptions {
        ActorOptions::default().sleep_timeout(SLEEP_TIMEOUT)
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.start_count += 1;
        Ok(())
    }

    async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.sleep_count += 1;
        Ok(())
    }

    async fn on_request(c: &Ctx<Self>, request: HttpRequest) -> actorium::Result<HttpResponse> {
        c.state_mut().0.request_count += 1;
        if request.uri().path() != "/long-request" {
            return Ok(actorium::raw_http::text_response(
                actorium::raw_http::http::StatusCode::NOT_FOUND,
                "Not Found",
            ));
        }
        let duration = request
            .uri()
            .query()
            .unwrap_or("")
            .split('&')
            .find_map(|p| p.strip_prefix("duration="))
            .and_then(|d| d.parse::<u64>().ok())
            .unwrap_or(1000);
        tokio::time::sleep(Duration::from_millis(duration)).await;
        actorium::raw_http::json_response(&serde_json::json!({ "completed": true }))
    }

    async fn get_counts(c: &Ctx<Self>) -> actorium::Result<RawHttpCounts> {
        Ok(c.state().0.clone())
    }
}

/// `{startCount, sleepCount, connectionCount}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawWsCounts {
    start_count: i64,
    sleep_count: i64,
    connection_count: i64,
}

/// Counts its wakes, sleeps and open raw WebSockets (an open one keeps the actor awake).
#[actorium::actor(name = "sleepWithRawWebSocket")]
pub trait SleepWithRawWebSocket {
    /// `{startCount, sleepCount, connectionCount}`.
    async fn get_counts() -> RawWsCounts;
}

/// State of `sleepWithRawWebSocket`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct SleepWithRawWebSocketState(RawWsCounts);

#[actorium::actor]
impl SleepWithRawWebSocketActor for SleepWithRawWebSocketState {
    fn options() -> ActorOptions {
        ActorOptions::default().sleep_timeout(SLEEP_TIMEOUT)
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.start_count += 1;
        Ok(())
    }

    async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.sleep_count += 1;
        Ok(())
    }

    async fn on_websocket(
        c: &Ctx<Self>,
        socket: &std::sync::Arc<RawSocket>,
    ) -> actorium::Result<()> {
        let count = {
            let mut s = c.state_mut();
            s.0.connection_count += 1;
            s.0.connection_count
        };
        let connected = serde_json::json!({ "type": "connected", "connectionCount": count });
        socket.send(connected.to_string());
        Ok(())
    }

    async fn on_websocket_message(
        c: &Ctx<Self>,
        socket: &std::sync::Arc<RawSocket>,
        message: WsMessage,
    ) -> actorium::Result<()> {
        let Some(text) = message.as_text() else {
            return Ok(());
        };
        let Ok(parsed) = serde_json::from_str::<serde_json::Value>(text) else {
            socket.send(message);
            return Ok(());
        };
        match parsed.get("type").and_then(|t| t.as_str()) {
            Some("getCounts") => {
                let s = c.state().0.clone();
                let counts = serde_json::json!({
                    "type": "counts",
                    "startCount": s.start_count,
                    "sleepCount": s.sleep_count,
                    "connectionCount": s.connection_count,
                });
                socket.send(counts.to_string());
            }
            Some("keepAlive") => socket.send(r#"{"type":"ack"}"#),
            _ => {}
        }
        Ok(())
    }

    async fn on_websocket_close(
        c: &Ctx<Self>,
        _socket: &std::sync::Arc<RawSocket>,
        _code: u16,
        _reason: &str,
    ) -> actorium::Result<()> {
        c.state_mut().0.connection_count -= 1;
        Ok(())
    }

    async fn get_counts(c: &Ctx<Self>) -> actorium::Result<RawWsCounts> {
        Ok(c.state().0.clone())
    }
}
