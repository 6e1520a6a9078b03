#[actorium::actor]
pub trait Lookup {
    async fn resolve(name: String) -> String;
}

fn main() {}
