//! The dependency under another name, given to the macro with `crate = "..."`.
extern crate actorium as renamed_actorium;

use renamed_actorium::{Ctx, Registry};

#[renamed_actorium::actor(crate = "::renamed_actorium")]
pub trait Counter {
    async fn increment(by: i64) -> i64;
}

#[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct State {
    count: i64,
}

#[renamed_actorium::actor(crate = "::renamed_actorium")]
impl CounterActor for State {
    async fn increment(c: &Ctx<Self>, by: i64) -> renamed_actorium::Result<i64> {
        let mut s = c.state_mut();
        s.count += by;
        Ok(s.count)
    }
}

fn main() {
    assert_eq!(Registry::new().with::<State>().schema().actors[0].name, "counter");
    let _ = CounterRef::NAME;
}
