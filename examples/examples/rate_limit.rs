//! Random sharding: picks one of three `rateLimiter` shards (`shard-0` … `shard-2`) at random
//! and makes four requests for a fresh user against a limit of 3: the fourth is refused.
//!
//! Start a seed server (`cargo run --release -p actorium-examples --bin seed-server`), then:
//! `cargo run -p actorium-examples --example rate_limit [-- --endpoint http://127.0.0.1:6420]`.

mod common;

use actorium_examples::rate_limit::{RateLimiterRef, random_shard_key};
use anyhow::ensure;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = common::client()?;
    let shard_key = random_shard_key(3);
    let limiter = client.get_or_create::<RateLimiterRef>([&shard_key]);

    // A user of its own per run, so the counts start at zero.
    let user = format!("user-{}", common::run_id());
    let limit = 3;
    let mut answers = Vec::new();
    for n in 1..=4 {
        let allowed = limiter.check_limit(&user, limit).await?;
        let verdict = if allowed { "allowed" } else { "refused" };
        println!("rateLimiter:{shard_key} request {n} of {user} (limit {limit}): {verdict}");
        answers.push(allowed);
    }
    ensure!(
        answers == [true, true, true, false],
        "unexpected answers {answers:?}"
    );
    println!("limit enforced: {limit} allowed, then refused");
    Ok(())
}
