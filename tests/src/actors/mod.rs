//! The test actors of `tests/ACTORS.md`: contracts with `#[actorium::actor]`, except `counter`,
//! which is hand-written against the low-level [`actorium_server::Actor`] interface (its doc
//! comment says why).

mod counter;
mod lobby;
mod pingpong;
mod streamer;
mod timer;

pub use counter::Counter;
pub use lobby::{LobbyActor, LobbyCounts, LobbyRef, LobbyState};
pub use pingpong::{AlphaActor, AlphaRef, AlphaState, BetaActor, BetaRef, BetaState};
pub use streamer::{STREAMER_SLEEP_TIMEOUT, StreamerActor, StreamerRef, StreamerState};
pub use timer::{TimerActor, TimerRef, TimerState};
