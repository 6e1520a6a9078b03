//! Sharding by time: one `hourlyAnalytics` actor per hour, keyed by the hour
//! (`"2024-01-15T00"`), so no single actor collects every event.
//!
//! Run: `cargo run -p actorium-examples --example analytics` against a running seed server.

use std::time::{SystemTime, UNIX_EPOCH};

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A tracked event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// Event type, e.g. `page_view` (`type` on the wire).
    pub r#type: String,
    /// The page.
    pub url: String,
}

/// The events of one hour.
#[actorium::actor]
pub trait HourlyAnalytics {
    /// Records an event in this hour's shard.
    async fn track_event(event: Event);
    /// Every event of this hour, in arrival order.
    async fn get_events() -> Vec<Event>;
}

/// State of one hour's shard.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct HourShard {
    events: Vec<Event>,
}

#[actorium::actor]
impl HourlyAnalyticsActor for HourShard {
    async fn track_event(c: &Ctx<Self>, event: Event) -> actorium::Result<()> {
        c.state_mut().events.push(event);
        Ok(())
    }

    async fn get_events(c: &Ctx<Self>) -> actorium::Result<Vec<Event>> {
        Ok(c.state().events.clone())
    }
}

/// The shard key of the hour `time` falls in, in UTC: `"2024-01-15T00"` (what JavaScript's
/// `new Date().toISOString().slice(0, 13)` gives).
pub fn hour_shard_key(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, hour) = (secs / 86_400, (secs % 86_400) / 3_600);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{hour:02}")
}

/// Days since 1970-01-01 to a (year, month, day) date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn hour_keys_match_javascript() {
        // 2024-01-15T00:30:00Z and 2024-01-15T01:00:00Z
        let t = UNIX_EPOCH + Duration::from_secs(1_705_278_600);
        assert_eq!(hour_shard_key(t), "2024-01-15T00");
        assert_eq!(
            hour_shard_key(t + Duration::from_secs(1_800)),
            "2024-01-15T01"
        );
        assert_eq!(
            hour_shard_key(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00"
        );
    }
}
