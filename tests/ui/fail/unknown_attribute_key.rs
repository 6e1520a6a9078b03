#[actorium::actor(nmae = "counter")]
pub trait Counter {
    async fn increment(by: i64) -> i64;
}

fn main() {}
