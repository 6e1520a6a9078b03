#[actorium::actor(name = 42)]
pub trait Counter {
    #[action(name = "")]
    async fn increment(by: i64) -> i64;
}

fn main() {}
