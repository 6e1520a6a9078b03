#[actorium::actor]
pub trait Store {
    async fn put<T>(value: T) -> bool;
}

fn main() {}
