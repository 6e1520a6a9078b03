//! `timer`: durable timers (`scheduleTick(ms)` calls `tick` later, also across restarts).

use std::time::Duration;

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Durable timers (wire name `timer`).
#[actorium::actor]
pub trait Timer {
    /// Schedules the action `tick` in `ms` milliseconds (a durable timer); returns null.
    async fn schedule_tick(ms: u64);
    /// Increments `ticks`, broadcasts `ticked(ticks)`; returns the new count.
    async fn tick() -> i64;
    /// How many times `tick` ran.
    async fn get_ticks() -> i64;
    /// `tick` ran; the new count.
    #[event]
    fn ticked(ticks: i64);
}

/// State `{ticks}`.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct TimerState {
    /// How many times `tick` ran.
    pub ticks: i64,
}

#[actorium::actor]
impl TimerActor for TimerState {
    async fn schedule_tick(c: &Ctx<Self>, ms: u64) -> actorium::Result<()> {
        c.schedule()
            .after(Duration::from_millis(ms), "tick", vec![]);
        Ok(())
    }

    async fn tick(c: &Ctx<Self>) -> actorium::Result<i64> {
        let ticks = {
            let mut s = c.state_mut();
            s.ticks += 1;
            s.ticks
        };
        c.events().ticked(&ticks);
        Ok(ticks)
    }

    async fn get_ticks(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().ticks)
    }
}
