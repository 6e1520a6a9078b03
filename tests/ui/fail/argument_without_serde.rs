pub struct NotSerde;

#[actorium::actor]
pub trait Sink {
    async fn put(value: NotSerde) -> bool;
}

fn main() {}
