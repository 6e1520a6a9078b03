//! `rawWebSocketActor`, `rawWebSocketBinaryActor`: raw WebSocket handlers (`on_websocket`);
//! `sleepRawWsSendOnSleep`, `sleepRawWsDelayedSendOnSleep`: raw WebSockets told about sleep;
//! `sleepRawWs{AddEventListener,On}{Message,Close}`: slow socket handlers delay sleep.

use std::sync::Arc;

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `{connectionCount, messageCount}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WsStats {
    connection_count: i64,
    message_count: i64,
}

/// Greets each socket with the count of open ones; answers `ping`, `getStats` and
/// `getRequestInfo` messages and echoes every other.
#[actorium::actor(name = "rawWebSocketActor")]
pub trait RawWebSocket {
    /// `{connectionCount, messageCount}`.
    async fn get_stats() -> WsStats;
}

/// State of `rawWebSocketActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct RawWebSocketState(WsStats);

#[actorium::actor]
impl RawWebSocketActor for RawWebSocketState {
    async fn on_websocket(c: &Ctx<Self>, socket: &Arc<RawSocket>) -> actorium::Result<()> {
        let count = {
            let mut s = c.state_mut();
            s.0.connection_count += 1;
            s.0.connection_count
        };
        socket.send(json!({ "type": "welcome", "connectionCount": count }).to_string());
        Ok(())
    }

    async fn on_websocket_message(
        c: &Ctx<Self>,
        socket: &Arc<RawSocket>,
        message: WsMessage,
    ) -> actorium::Result<()> {
        let stats = {
            let mut s = c.state_mut();
            s.0.message_count += 1;
            s.0.clone()
        };
        let Some(text) = message.as_text() else {
            socket.send(message);
            return Ok(());
        };
        let kind = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string));
        let reply = match kind.as_deref() {
            Some("ping") => json!({ "type": "pong", "timestamp": crate::now_ms() }),
            Some("getStats") => json!({
                "type": "stats",
                "connectionCount": stats.connection_count,
                "messageCount": stats.message_count,
            }),
            Some("getRequestInfo") => {
                let request = socket.request();
                let search = request.query().map(|q| format!("?{q}")).unwrap_or_default();
                json!({
                    "type": "requestInfo",
                    "url": request.url(),
                    "pathname": request.path(),
                    "search": search,
                })
            }
            _ => {
                socket.send(message);
                return Ok(());
            }
        };
        socket.send(reply.to_string());
        Ok(())
    }

    async fn on_websocket_close(
        c: &Ctx<Self>,
        _socket: &Arc<RawSocket>,
        _code: u16,
        _reason: &str,
    ) -> actorium::Result<()> {
        c.state_mut().0.connection_count -= 1;
        Ok(())
    }

    async fn get_stats(c: &Ctx<Self>) -> actorium::Result<WsStats> {
        Ok(c.state().0.clone())
    }
}

/// Sends every binary message back reversed.
#[actorium::actor(name = "rawWebSocketBinaryActor")]
pub trait RawWebSocketBinary {}

/// State of `rawWebSocketBinaryActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct RawWebSocketBinaryState {}

#[actorium::actor]
impl RawWebSocketBinaryActor for RawWebSocketBinaryState {
    async fn on_websocket(_c: &Ctx<Self>, _socket: &Arc<RawSocket>) -> actorium::Result<()> {
        Ok(())
    }

    async fn on_websocket_message(
        _c: &Ctx<Self>,
        socket: &Arc<RawSocket>,
        message: WsMessage,
    ) -> actorium::Result<()> {
        if let WsMessage::Binary(bytes) = message {
            let reversed: Vec<u8> = bytes.iter().rev().copied().collect();
            socket.send(reversed);
        }
        Ok(())
    }
}

/// `{startCount, sleepCount}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SleepCounts {
    start_count: i64,
    sleep_count: i64,
}

/// Tells its raw WebSockets it is going to sleep, from `on_sleep` (`delayed`: after 100 ms,
/// then waits 100 ms more).
async fn say_sleeping<A: actorium::Actor>(c: &Ctx<A>, sleep_count: i64, delayed: bool) {
    let pause = std::time::Duration::from_millis(100);
    if delayed {
        tokio::time::sleep(pause).await;
    }
    let sleeping = json!({ "type": "sleeping", "sleepCount": sleep_count }).to_string();
    for socket in c.raw_sockets() {
        socket.send(sleeping.clone());
    }
    if delayed {
        tokio::time::sleep(pause).await;
    }
}

macro_rules! sleep_notifier {
    ($name:literal, $contract:ident, $actor:ident, $state:ident, $delayed:expr, $doc:literal) => {
        #[doc = $doc]
        #[actorium::actor(name = $name)]
        pub trait $contract {
            /// Asks to sleep.
            async fn trigger_sleep();
            /// `{startCount, sleepCount}`.
            async fn get_counts() -> SleepCounts;
        }

        #[doc = concat!("State of `", $name, "`.")]
        #[derive(Default, Serialize, Deserialize, JsonSchema)]
        pub struct $state(SleepCounts);

        #[actorium::actor]
        impl $actor for $state {
            fn options() -> actorium::ActorOptions {
                actorium::ActorOptions::default()
                    .sleep_timeout(std::time::Duration::from_millis(1000))
            }

            async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
                c.state_mut().0.start_count += 1;
                Ok(())
            }

            async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
                let count = {
                    let mut s = c.state_mut();
                    s.0.sleep_count += 1;
                    s.0.sleep_count
                };
                say_sleeping(c, count, $delayed).await;
                Ok(())
            }

            async fn on_websocket(_c: &Ctx<Self>, socket: &Arc<RawSocket>) -> actorium::Result<()> {
                socket.send(r#"{"type":"connected"}"#);
                Ok(())
            }

            async fn trigger_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
                c.sleep();
                Ok(())
            }

            async fn get_counts(c: &Ctx<Self>) -> actorium::Result<SleepCounts> {
                Ok(c.state().0.clone())
            }
        }
    };
}

sleep_notifier!(
    "sleepRawWsSendOnSleep",
    SleepRawWsSendOnSleep,
    SleepRawWsSendOnSleepActor,
    SleepRawWsSendOnSleepState,
    false,
    "Sends `{type: \"sleeping\"}` to its raw WebSockets from `on_sleep`."
);

sleep_notifier!(
    "sleepRawWsDelayedSendOnSleep",
    SleepRawWsDelayedSendOnSleep,
    SleepRawWsDelayedSendOnSleepActor,
    SleepRawWsDelayedSendOnSleepState,
    true,
    "Sends `{type: \"sleeping\"}` to its raw WebSockets 100 ms into `on_sleep`."
);

/// `{startCount, sleepCount, messageStarted, messageFinished, closeStarted, closeFinished}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HandlerStatus {
    start_count: i64,
    sleep_count: i64,
    message_started: i64,
    message_finished: i64,
    close_started: i64,
    close_finished: i64,
}

/// RivetKit's `RAW_WS_HANDLER_DELAY`: how long the slow handlers take.
const HANDLER_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

/// An actor whose raw WebSocket message (`slow_message`) or close (`!slow_message`) handler
/// takes [`HANDLER_DELAY`]; it sleeps after 100 ms idle, but not while a handler runs. The
/// original's four variants (a listener or a property, for messages or closes) are two in Rust:
/// a hook is a hook.
macro_rules! slow_handler {
    ($name:literal, $contract:ident, $actor:ident, $state:ident, $slow_message:expr) => {
        #[doc = concat!("`", $name, "`: a raw WebSocket handler that delays sleep.")]
        #[actorium::actor(name = $name)]
        pub trait $contract {
            /// Asks to sleep.
            async fn trigger_sleep();
            /// The counts.
            async fn get_status() -> HandlerStatus;
        }

        #[doc = concat!("State of `", $name, "`.")]
        #[derive(Default, Serialize, Deserialize, JsonSchema)]
        pub struct $state(HandlerStatus);

        #[actorium::actor]
        impl $actor for $state {
            fn options() -> actorium::ActorOptions {
                actorium::ActorOptions::default()
                    .sleep_timeout(std::time::Duration::from_millis(100))
            }

            async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
                c.state_mut().0.start_count += 1;
                Ok(())
            }

            async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
                c.state_mut().0.sleep_count += 1;
                Ok(())
            }

            async fn on_websocket(_c: &Ctx<Self>, socket: &Arc<RawSocket>) -> actorium::Result<()> {
                socket.send(r#"{"type":"connected"}"#);
                Ok(())
            }

            async fn on_websocket_message(
                c: &Ctx<Self>,
                socket: &Arc<RawSocket>,
                message: WsMessage,
            ) -> actorium::Result<()> {
                if !$slow_message || message.as_text() != Some("track-message") {
                    return Ok(());
                }
                c.state_mut().0.message_started += 1;
                socket.send(r#"{"type":"message-started"}"#);
                tokio::time::sleep(HANDLER_DELAY).await;
                c.state_mut().0.message_finished += 1;
                Ok(())
            }

            async fn on_websocket_close(
                c: &Ctx<Self>,
                _socket: &Arc<RawSocket>,
                _code: u16,
                _reason: &str,
            ) -> actorium::Result<()> {
                if $slow_message {
                    return Ok(());
                }
                c.state_mut().0.close_started += 1;
                tokio::time::sleep(HANDLER_DELAY).await;
                c.state_mut().0.close_finished += 1;
                Ok(())
            }

            async fn trigger_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
                c.sleep();
                Ok(())
            }

            async fn get_status(c: &Ctx<Self>) -> actorium::Result<HandlerStatus> {
                Ok(c.state().0.clone())
            }
        }
    };
}

slow_handler!(
    "sleepRawWsAddEventListenerMessage",
    SleepRawWsAddEventListenerMessage,
    SleepRawWsAddEventListenerMessageActor,
    SleepRawWsAddEventListenerMessageState,
    true
);
slow_handler!(
    "sleepRawWsOnMessage",
    SleepRawWsOnMessage,
    SleepRawWsOnMessageActor,
    SleepRawWsOnMessageState,
    true
);
slow_handler!(
    "sleepRawWsAddEventListenerClose",
    SleepRawWsAddEventListenerClose,
    SleepRawWsAddEventListenerCloseActor,
    SleepRawWsAddEventListenerCloseState,
    false
);
slow_handler!(
    "sleepRawWsOnClose",
    SleepRawWsOnClose,
    SleepRawWsOnCloseActor,
    SleepRawWsOnCloseState,
    false
);
