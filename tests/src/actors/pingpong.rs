//! `alpha` and `beta`: an A -> B -> A call chain (`alpha.ping()` returns `"beta:pong"`),
//! through `Ctx::client` (the Rust client, routed in-process by the host).

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The first actor of the chain (wire name `alpha`).
#[actorium::actor]
pub trait Alpha {
    /// Calls `beta` (same key) `.relay(<this key joined by ",">)` and returns its result.
    async fn ping() -> String;
    /// Increments `pongs`; returns `"pong"`.
    async fn pong() -> String;
    /// How many times `pong` was called.
    async fn get_pongs() -> i64;
}

/// The middle of the chain (wire name `beta`).
#[actorium::actor]
pub trait Beta {
    /// Calls `alpha` (key `alpha_key.split(",")`) `.pong()`; returns `"beta:" + result`.
    async fn relay(alpha_key: String) -> String;
}

/// State of `alpha`: `{pongs}`.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct AlphaState {
    /// How many times `pong` was called.
    pub pongs: i64,
}

/// `beta` has no state.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct BetaState {}

#[actorium::actor]
impl AlphaActor for AlphaState {
    async fn ping(c: &Ctx<Self>) -> actorium::Result<String> {
        let key = c.key().parts().join(",");
        Ok(c.client()
            .get_or_create::<BetaRef>(c.key())
            .relay(key)
            .await?)
    }

    async fn pong(c: &Ctx<Self>) -> actorium::Result<String> {
        c.state_mut().pongs += 1;
        Ok("pong".to_string())
    }

    async fn get_pongs(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().pongs)
    }
}

#[actorium::actor]
impl BetaActor for BetaState {
    async fn relay(c: &Ctx<Self>, alpha_key: String) -> actorium::Result<String> {
        let key: Vec<&str> = alpha_key.split(',').collect();
        let out = c.client().get_or_create::<AlphaRef>(key).pong().await?;
        Ok(format!("beta:{out}"))
    }
}
