#[actorium::actor]
pub trait Greeter {
    async fn greet(name: impl Into<String>) -> String;
}

fn main() {}
