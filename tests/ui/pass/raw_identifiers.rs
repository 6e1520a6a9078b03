//! Raw identifiers as action, parameter and event names: the wire names drop the `r#`.
use actorium::prelude::*;

#[actorium::actor]
pub trait Keywords {
    async fn r#type(r#in: String) -> String;
    async fn r#match(r#ref: u32) -> u32;
    #[event]
    fn r#yield(r#fn: String);
}

#[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct State {}

#[actorium::actor]
impl KeywordsActor for State {
    async fn r#type(c: &Ctx<Self>, r#in: String) -> actorium::Result<String> {
        c.events().r#yield(&r#in);
        Ok(r#in)
    }
    async fn r#match(_c: &Ctx<Self>, r#ref: u32) -> actorium::Result<u32> {
        Ok(r#ref)
    }
}

fn main() {
    let schema = Registry::new().with::<State>().schema();
    let names: Vec<&str> = schema.actors[0].actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["type", "match"]);
    assert_eq!(schema.actors[0].events[0].name, "yield");
    assert_eq!(schema.actors[0].actions[0].params[0].name, "in");
}
