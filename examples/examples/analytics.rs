//! Sharding by time: tracks a `page_view` event in the `hourlyAnalytics` shard of the current
//! hour (key `"2024-01-15T00"`-style, UTC) and reads that shard's events back.
//!
//! Start a seed server (`cargo run --release -p actorium-examples --bin seed-server`), then:
//! `cargo run -p actorium-examples --example analytics [-- --endpoint http://127.0.0.1:6420]`.

mod common;

use std::time::SystemTime;

use actorium_examples::analytics::{Event, HourlyAnalyticsRef, hour_shard_key};
use anyhow::ensure;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = common::client()?;
    let shard_key = hour_shard_key(SystemTime::now());
    let analytics = client.get_or_create::<HourlyAnalyticsRef>([&shard_key]);

    let event = Event {
        r#type: "page_view".into(),
        url: "/home".into(),
    };
    analytics.track_event(event.clone()).await?;
    println!(
        "tracked {} {} in shard hourlyAnalytics:{shard_key}",
        event.r#type, event.url
    );

    let events = analytics.get_events().await?;
    ensure!(
        events.last() == Some(&event),
        "the shard's last event is not ours: {events:?}"
    );
    println!(
        "shard {shard_key} holds {} event(s) this hour",
        events.len()
    );
    Ok(())
}
