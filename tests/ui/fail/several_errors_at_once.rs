#[actorium::actor]
pub trait Messy {
    fn not_async() -> i64;
    async fn with_ref(x: &String) -> i64;
    async fn connect() -> bool;
}

fn main() {}
