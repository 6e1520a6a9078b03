#[actorium::actor]
pub trait Counter {
    async fn increment(by: i64) -> i64;
    #[event]
    fn new_count(count: i64) {
        let _ = count;
    }
}

fn main() {}
