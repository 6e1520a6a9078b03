//! `hibernationActor`, `hibernationSleepWindowActor`: connections that stay open while the
//! actor sleeps ([`ActorOptions::hibernate_connections`]), with their state, and no second
//! `onConnect`.

use std::time::Duration;

use actorium::ActorOptions;
use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// RivetKit's `HIBERNATION_SLEEP_TIMEOUT`.
const HIBERNATION_SLEEP_TIMEOUT: Duration = Duration::from_millis(500);

/// `{sleepCount, wakeCount}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActorCounts {
    sleep_count: i64,
    wake_count: i64,
}

/// `{connectCount, disconnectCount}` of one connection.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LifecycleCounts {
    connect_count: i64,
    disconnect_count: i64,
}

/// The state of one connection of `hibernationActor`.
#[derive(Default)]
pub struct HibernationConnState {
    count: i64,
    lifecycle: LifecycleCounts,
}

/// Counts wakes, sleeps and per-connection calls across hibernation.
#[actorium::actor(name = "hibernationActor")]
pub trait Hibernation {
    /// `"pong"`.
    async fn ping() -> String;
    /// Adds one to this connection's count, returns it.
    async fn conn_increment() -> i64;
    /// This connection's count.
    async fn get_conn_count() -> i64;
    /// How often this connection connected and disconnected.
    async fn get_conn_lifecycle_counts() -> LifecycleCounts;
    /// The ids of the open connections.
    async fn get_connection_ids() -> Vec<String>;
    /// `{sleepCount, wakeCount}`.
    async fn get_actor_counts() -> ActorCounts;
    /// Asks to sleep.
    async fn trigger_sleep();
}

/// State of `hibernationActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct HibernationState(ActorCounts);

#[actorium::actor]
impl HibernationActor for HibernationState {
    type ConnState = HibernationConnState;

    fn options() -> ActorOptions {
        ActorOptions::default()
            .sleep_timeout(HIBERNATION_SLEEP_TIMEOUT)
            .hibernate_connections()
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.wake_count += 1;
        Ok(())
    }

    async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.sleep_count += 1;
        Ok(())
    }

    async fn on_connect(_c: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        conn.state_mut().lifecycle.connect_count += 1;
        Ok(())
    }

    async fn on_disconnect(_c: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        conn.state_mut().lifecycle.disconnect_count += 1;
        Ok(())
    }

    async fn ping(_c: &Ctx<Self>) -> actorium::Result<String> {
        Ok("pong".into())
    }

    async fn conn_increment(c: &Ctx<Self>) -> actorium::Result<i64> {
        let conn = c.conn().expect("actions run on a connection");
        let mut state = conn.state_mut();
        state.count += 1;
        Ok(state.count)
    }

    async fn get_conn_count(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.conn().map(|conn| conn.state().count).unwrap_or(0))
    }

    async fn get_conn_lifecycle_counts(c: &Ctx<Self>) -> actorium::Result<LifecycleCounts> {
        Ok(c.conn()
            .map(|conn| conn.state().lifecycle.clone())
            .unwrap_or_default())
    }

    async fn get_connection_ids(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.conns().iter().map(|conn| conn.id().to_string()).collect())
    }

    async fn get_actor_counts(c: &Ctx<Self>) -> actorium::Result<ActorCounts> {
        Ok(c.state().0.clone())
    }

    async fn trigger_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.sleep();
        Ok(())
    }
}

/// Its `onSleep` broadcasts `sleeping`, then takes 500 ms: calls made meanwhile on its
/// hibernating connections are answered by the next wake.
#[actorium::actor(name = "hibernationSleepWindowActor")]
pub trait HibernationSleepWindow {
    /// `{sleepCount, wakeCount}`.
    async fn get_actor_counts() -> ActorCounts;
    /// Asks to sleep.
    async fn trigger_sleep();
    /// The actor began going to sleep.
    #[event]
    fn sleeping();
}

/// State of `hibernationSleepWindowActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct HibernationSleepWindowState(ActorCounts);

#[actorium::actor]
impl HibernationSleepWindowActor for HibernationSleepWindowState {
    fn options() -> ActorOptions {
        ActorOptions::default()
            .sleep_timeout(HIBERNATION_SLEEP_TIMEOUT)
            .hibernate_connections()
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.wake_count += 1;
        Ok(())
    }

    async fn on_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.sleep_count += 1;
        c.events().sleeping();
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(())
    }

    async fn get_actor_counts(c: &Ctx<Self>) -> actorium::Result<ActorCounts> {
        Ok(c.state().0.clone())
    }

    async fn trigger_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.sleep();
        Ok(())
    }
}
