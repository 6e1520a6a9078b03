#[actorium::actor]
pub trait Counter {
    async fn increment(&self, by: i64) -> i64;
}

fn main() {}
