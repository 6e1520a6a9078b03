//! Generated code names everything by absolute paths, so it compiles without the prelude.

#[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct State {}

#[no_implicit_prelude]
mod contract {
    use ::std::string::String;
    use ::std::vec::Vec;

    #[::actorium::actor]
    pub trait Echo {
        async fn echo(text: String, times: u32) -> Vec<String>;
        #[event]
        fn echoed(text: String, times: u32);
    }

    #[::actorium::actor]
    impl EchoActor for super::State {
        async fn echo(
            c: &::actorium::Ctx<Self>,
            text: String,
            times: u32,
        ) -> ::actorium::Result<Vec<String>> {
            c.events().echoed(&text, &times);
            ::core::result::Result::Ok(::std::vec![text; times as usize])
        }
    }
}

fn main() {
    let schema = actorium::Registry::new().with::<State>().schema();
    assert_eq!(schema.actors[0].name, "echo");
    let _ = contract::EchoRef::NAME;
}
