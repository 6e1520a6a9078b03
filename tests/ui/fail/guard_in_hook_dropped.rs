use actorium::prelude::*;

#[actorium::actor]
pub trait Counter {
    async fn increment(by: i64) -> i64;
}

#[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct State {
    count: i64,
}

#[actorium::actor]
impl CounterActor for State {
    async fn increment(c: &Ctx<Self>, by: i64) -> actorium::Result<i64> {
        c.state_mut().count += by;
        Ok(c.state().count)
    }

    // In a hook too, and `drop` before the `.await` is not enough for the compiler.
    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        let state = c.state();
        let count = state.count;
        drop(state);
        tokio::task::yield_now().await;
        let _ = count;
        Ok(())
    }
}

fn main() {}
