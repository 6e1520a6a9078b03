//! # actorium-examples
//!
//! Every design pattern of the RivetKit patterns guide as a Rust actor, with the same wire
//! names and shapes as the guide's TypeScript, so the guide's client calls work unchanged
//! (adapted only in endpoint and keys):
//!
//! | pattern | module | actors |
//! |---|---|---|
//! | actor per entity + coordinator | [`chat`] | `chatRoom`, `chatRoomList` |
//! | sharding by time | [`analytics`] | `hourlyAnalytics` |
//! | random sharding | [`rate_limit`] | `rateLimiter` |
//! | fan-out / fan-in (map-reduce) | [`map_reduce`] | `coordinator`, `worker` |
//! | loading state from a database | [`user_session`] | `userSession` |
//! | syncing state to a database | [`user_actor`] | `userActor` |
//! | raw HTTP: a JSON API and server-sent events (`on_request`) | [`bulletin`] | `bulletinBoard` |
//! | raw WebSockets: a chat in its own line protocol (`on_websocket`) | [`ws_chat`] | `wsChat` |
//!
//! [`registry`] hosts them all; the `seed-server` binary serves it
//! (`cargo run --release -p actorium-examples --bin seed-server`).

#![deny(missing_docs)]

pub mod analytics;
pub mod bulletin;
pub mod chat;
pub mod map_reduce;
pub mod rate_limit;
pub mod user_actor;
pub mod user_session;
pub mod users_db;
pub mod ws_chat;

use actorium::Registry;

/// Every seed actor.
pub fn registry() -> Registry {
    Registry::new()
        .with::<bulletin::Board>()
        .with::<ws_chat::ChatLog>()
        .with::<chat::Room>()
        .with::<chat::RoomIndex>()
        .with::<analytics::HourShard>()
        .with::<rate_limit::Limits>()
        .with::<map_reduce::Results>()
        .with::<map_reduce::Idle>()
        .with::<user_session::Session>()
        .with::<user_actor::UserRecord>()
}
