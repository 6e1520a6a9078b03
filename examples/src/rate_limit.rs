//! Random sharding: requests are spread over `rateLimiter` shards `shard-0` … `shard-N`, picked
//! at random by the client, so one hot limiter never takes all the load. Each shard counts
//! requests per user independently (limits hold per user within a shard).
//!
//! Run: `cargo run -p actorium-examples --example rate_limit` against a running seed server.

use std::collections::BTreeMap;

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A request counter per user.
#[actorium::actor]
pub trait RateLimiter {
    /// Counts one request of `user_id`; `false` once it has made `limit` requests here.
    async fn check_limit(user_id: String, limit: u32) -> bool;
}

/// State of one shard.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct Limits {
    requests: BTreeMap<String, u32>,
}

#[actorium::actor]
impl RateLimiterActor for Limits {
    async fn check_limit(c: &Ctx<Self>, user_id: String, limit: u32) -> actorium::Result<bool> {
        let mut state = c.state_mut();
        let count = state.requests.entry(user_id).or_insert(0);
        if *count >= limit {
            return Ok(false);
        }
        *count += 1;
        Ok(true)
    }
}

/// A random shard key among `shards`: `shard-0` … `shard-{shards-1}`.
pub fn random_shard_key(shards: u32) -> String {
    format!("shard-{}", rand::random_range(0..shards.max(1)))
}
