#[actorium::actor]
pub trait Greeter {
    async fn greet(name: &str) -> String;
}

fn main() {}
