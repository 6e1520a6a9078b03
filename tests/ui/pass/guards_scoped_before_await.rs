//! Guards scoped in a block, or temporaries, before an `.await` are fine, and actions may start with
//! `create_` or `on_` as long as they are not within two edits of a hook's name.

use actorium::prelude::*;

#[actorium::actor]
pub trait Counter {
    async fn increment(by: i64) -> i64;
    async fn create_room(name: String) -> String;
    async fn on_tick() -> i64;
}

#[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct State {
    count: i64,
}

#[actorium::actor]
impl CounterActor for State {
    async fn increment(c: &Ctx<Self>, by: i64) -> actorium::Result<i64> {
        let count = {
            let mut state = c.state_mut();
            state.count += by;
            state.count
        };
        tokio::task::yield_now().await;
        Ok(count)
    }

    async fn create_room(c: &Ctx<Self>, name: String) -> actorium::Result<String> {
        let label = format!("{name}-{}", c.state().count); // a temporary ends with its statement
        tokio::task::yield_now().await;
        Ok(label)
    }

    async fn on_tick(c: &Ctx<Self>) -> actorium::Result<i64> {
        tokio::task::yield_now().await;
        Ok(c.state().count)
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().count += 1;
        Ok(())
    }
}

fn main() {
    let _ = Registry::new().with::<State>();
}
