#[actorium::actor]
pub trait Counter {
    fn increment(by: i64) -> i64;
}

fn main() {}
