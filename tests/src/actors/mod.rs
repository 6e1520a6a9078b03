//! The test actors of `tests/ACTORS.md`: contracts with `#[actorium::actor]`, except `counter`,
//! which is hand-written against the low-level [`actorium_server::Actor`] interface (its doc
//! comment says why).

mod counter;
mod pingpong;
mod timer;

pub use counter::Counter;
pub use pingpong::{AlphaActor, AlphaRef, AlphaState, BetaActor, BetaRef, BetaState};
pub use timer::{TimerActor, TimerRef, TimerState};
