//! Cross-crate integration tests, and the Rust test actors of `tests/ACTORS.md` (hosted by the
//! `test-server` binary and by the in-process tests).

pub mod actors;

use actorium_server::Registry;

/// Every test actor: `counter`, `alpha`, `beta`, `timer`, `streamer`, `lobby`.
pub fn registry() -> Registry {
    Registry::new()
        .with::<actors::Counter>()
        .with::<actors::AlphaState>()
        .with::<actors::BetaState>()
        .with::<actors::TimerState>()
        .with::<actors::StreamerState>()
        .with::<actors::LobbyState>()
}
