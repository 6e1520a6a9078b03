//! The typed handle compiles with the argument types of the contract (`String` parameters
//! accept `impl Into<String>`), and the accessors take the marker type.
use actorium::prelude::*;
use futures_util::StreamExt;

#[derive(Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Input {
    pub start: i64,
}

#[actorium::actor(name = "tally", input = Input)]
pub trait Counter {
    async fn add(label: String, by: i64) -> i64;
    #[action(name = "current")]
    async fn get() -> i64;
    #[event(name = "changed")]
    fn on_change(value: i64, label: String);
}

#[allow(dead_code)]
async fn calls(client: Client) -> Result<(), CallError> {
    let handle = client.get_or_create::<CounterRef>(["k"]);
    let _: i64 = handle.add("a", 1).await?;
    let _: i64 = handle.add(String::from("b"), 2).await?;
    let _: i64 = handle.get().await?;
    let created = client.create::<CounterRef>(["other"], &Input { start: 3 }).await?;
    let id: String = created.resolve().await?;
    let conn = client.get_for_id::<CounterRef>(id).connect().await?;
    let mut changes = conn.on_change();
    let _: Option<(i64, String)> = changes.next().await;
    conn.dispose().await;
    Ok(())
}

fn main() {
    assert_eq!(CounterRef::NAME, "tally");
}
