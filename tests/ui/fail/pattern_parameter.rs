#[actorium::actor]
pub trait Geometry {
    async fn area((w, h): (f64, f64)) -> f64;
}

fn main() {}
