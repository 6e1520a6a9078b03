#[actorium::actor]
pub trait Counter {
    #[event]
    fn new_count(count: i64) -> i64;
}

fn main() {}
