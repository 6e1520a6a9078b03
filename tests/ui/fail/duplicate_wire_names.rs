#[actorium::actor]
pub trait Counter {
    async fn get_count() -> i64;
    #[action(name = "getCount")]
    async fn count() -> i64;
}

fn main() {}
