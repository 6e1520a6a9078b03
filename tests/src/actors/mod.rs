//! The test actors of `tests/ACTORS.md`, hand-written against the low-level
//! [`actorium_server::Actor`] interface.

mod counter;
mod pingpong;
mod timer;

pub use counter::Counter;
pub use pingpong::{Alpha, Beta};
pub use timer::Timer;
