#[actorium::actor]
pub trait Counter {
    const START: i64;
    type Output;
    async fn increment(by: i64) -> i64;
}

fn main() {}
