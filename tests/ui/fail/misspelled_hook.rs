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
        let mut state = c.state_mut();
        state.count += by;
        Ok(state.count)
    }

    async fn on_conect(_c: &Ctx<Self>, _conn: &Conn<Self>) -> actorium::Result<()> {
        Ok(())
    }
}

fn main() {}
