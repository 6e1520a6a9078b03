//! `sleepWithWaitUntilMessage`, `sleepWithWaitUntilInOnWake`, `sleepWithPreventSleep`: work
//! that must finish before the actor sleeps ([`Ctx::wait_until`]) and an actor that keeps
//! itself awake ([`Ctx::set_prevent_sleep`]).

use std::time::Duration;

use actorium::ActorOptions;
use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// RivetKit's `SLEEP_TIMEOUT` of the sleep fixtures.
const SLEEP_TIMEOUT: Duration = Duration::from_millis(1000);
/// RivetKit's `PREVENT_SLEEP_TIMEOUT` (the prevent-sleep fixture's sleep grace period).
const PREVENT_SLEEP_TIMEOUT: Duration = Duration::from_millis(250);

/// `{startCount, sleepCount, waitUntilMessageCount}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitUntilMessageCounts {
    start_count: i64,
    sleep_count: i64,
    wait_until_message_count: i64,
}

/// `{sleepCount, startCount}`, the `sleeping` event's payload.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sleeping {
    sleep_count: i64,
    start_count: i64,
}

/// Its `triggerSleep` leaves work (a message to the caller) that runs before the sleep.
#[actorium::actor(name = "sleepWithWaitUntilMessage")]
pub trait SleepWithWaitUntilMessage {
    /// Sends `sleeping` to the caller 10 ms later (`wait_until`), and asks to sleep.
    async fn trigger_sleep();
    /// The counts.
    async fn get_counts() -> WaitUntilMessageCounts;
    /// Sent by `triggerSleep`'s work before the actor sleeps.
    #[event]
    fn sleeping(counts: Sleeping);
}

/// State of `sleepWithWaitUntilMessage`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct WaitUntilMessageState(WaitUntilMessageCounts);

#[actorium::actor]
impl SleepWithWaitUntilMessageActor for WaitUntilMessageState {
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
        let conn = c.conn();
        c.wait_until(move |c| async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let counts = {
                let mut s = c.state_mut();
                s.0.wait_until_message_count += 1;
                Sleeping {
                    sleep_count: s.0.sleep_count,
                    start_count: s.0.start_count,
                }
            };
            if let Some(conn) = conn {
                conn.send("sleeping", vec![actorium::server::to_value(&counts)?]);
            }
            Ok(())
        });
        c.sleep();
        Ok(())
    }

    async fn get_counts(c: &Ctx<Self>) -> actorium::Result<WaitUntilMessageCounts> {
        Ok(c.state().0.clone())
    }
}

/// `{startCount, sleepCount, waitUntilCalled, waitUntilCompleted}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitUntilInOnWakeStatus {
    start_count: i64,
    sleep_count: i64,
    wait_until_called: bool,
    wait_until_completed: bool,
}

/// Its `on_wake` leaves work behind (`wait_until`).
#[actorium::actor(name = "sleepWithWaitUntilInOnWake")]
pub trait SleepWithWaitUntilInOnWake {
    /// Asks to sleep.
    async fn trigger_sleep();
    /// The status.
    async fn get_status() -> WaitUntilInOnWakeStatus;
}

/// State of `sleepWithWaitUntilInOnWake`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct WaitUntilInOnWakeState(WaitUntilInOnWakeStatus);

#[actorium::actor]
impl SleepWithWaitUntilInOnWakeActor for WaitUntilInOnWakeState {
    fn options() -> ActorOptions {
        ActorOptions::default().sleep_timeout(SLEEP_TIMEOUT)
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.start_count += 1;
        c.wait_until(|c| async move {
            c.state_mut().0.wait_until_completed = true;
            Ok(())
        });
        c.state_mut().0.wait_until_called = true;
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

    async fn get_status(c: &Ctx<Self>) -> actorium::Result<WaitUntilInOnWakeStatus> {
        Ok(c.state().0.clone())
    }
}

/// The stored part of `sleepWithPreventSleep`'s status.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreventSleepStored {
    start_count: i64,
    sleep_count: i64,
    prevent_sleep_on_wake: bool,
    delay_prevent_sleep_during_shutdown: bool,
    prevent_sleep_cleared_during_shutdown: bool,
}

/// `getStatus()`: the stored part and the live `preventSleep` flag.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreventSleepStatus {
    #[serde(flatten)]
    stored: PreventSleepStored,
    prevent_sleep: bool,
}

/// An actor that keeps itself awake while a flag is set.
#[actorium::actor(name = "sleepWithPreventSleep")]
pub trait SleepWithPreventSleep {
    /// Asks to sleep.
    async fn trigger_sleep();
    /// The status.
    async fn get_status() -> PreventSleepStatus;
    /// Sets the prevent-sleep flag; returns it.
    async fn set_prevent_sleep(prevent: bool) -> bool;
    /// Whether `on_wake` sets the flag; returns it.
    async fn set_prevent_sleep_on_wake(prevent: bool) -> bool;
    /// Whether `on_sleep` sets the flag and clears it 125 ms later; returns it.
    async fn set_delay_prevent_sleep_during_shutdown(enabled: bool) -> bool;
}

/// State of `sleepWithPreventSleep`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct PreventSleepState(PreventSleepStored);

#[actorium::actor]
impl SleepWithPreventSleepActor for PreventSleepState {
    fn options() -> ActorOptions {
        ActorOptions::default()
            .sleep_timeout(SLEEP_TIMEOUT)
            .sleep_grace_period(PREVENT_SLEEP_TIMEOUT)
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        let on_wake = {
            let mut s = c.state_mut();
            s.0.start_count += 1;
            s.0.prevent_sleep_on_wake
        };
        c.set_prevent_sleep(on_wake);
        Ok(())
    }

    async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        let delay = {
            let mut s = c.state_mut();
            s.0.sleep_count += 1;
            s.0.delay_prevent_sleep_during_shutdown
        };
        if delay {
            // RivetKit's fixture clears the flag from a timer; here the timer is left work.
            c.set_prevent_sleep(true);
            c.wait_until(|c| async move {
                tokio::time::sleep(PREVENT_SLEEP_TIMEOUT / 2).await;
                c.state_mut().0.prevent_sleep_cleared_during_shutdown = true;
                c.set_prevent_sleep(false);
                Ok(())
            });
        }
        Ok(())
    }

    async fn trigger_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.sleep();
        Ok(())
    }

    async fn get_status(c: &Ctx<Self>) -> actorium::Result<PreventSleepStatus> {
        Ok(PreventSleepStatus {
            stored: c.state().0.clone(),
            prevent_sleep: c.prevent_sleep(),
        })
    }

    async fn set_prevent_sleep(c: &Ctx<Self>, prevent: bool) -> actorium::Result<bool> {
        c.set_prevent_sleep(prevent);
        Ok(c.prevent_sleep())
    }

    async fn set_prevent_sleep_on_wake(c: &Ctx<Self>, prevent: bool) -> actorium::Result<bool> {
        c.state_mut().0.prevent_sleep_on_wake = prevent;
        Ok(prevent)
    }

    async fn set_delay_prevent_sleep_during_shutdown(
        c: &Ctx<Self>,
        enabled: bool,
    ) -> actorium::Result<bool> {
        let mut s = c.state_mut();
        s.0.delay_prevent_sleep_during_shutdown = enabled;
        s.0.prevent_sleep_cleared_during_shutdown = false;
        Ok(enabled)
    }
}
