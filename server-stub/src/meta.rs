//! Who an actor is ([`ActorMeta`]), new actor ids and the clock: the leaf every layer shares.

use std::time::{SystemTime, UNIX_EPOCH};

use actorium_protocol::ActorKey;
use rand::Rng;

/// Who an actor is: id, name, key and creation time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorMeta {
    /// The actor id (30 characters of `[0-9a-z]`, ending in `00`).
    pub id: String,
    /// The actor's wire name.
    pub name: String,
    /// The actor's key.
    pub key: ActorKey,
    /// Creation time, milliseconds since the Unix epoch.
    pub create_ts: i64,
    /// The generation of the id, as error bodies and the `x-rivet-actor-generation` header
    /// carry it: 1 on the bundled server, whose ids are never reused (re-creating a destroyed
    /// key makes a new id); the engine's own count on an envoy.
    pub generation: u32,
}

/// A new actor id: 28 characters of `[0-9a-z]` then `00`, like the engine's.
pub(crate) fn new_actor_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let mut id: String = (0..28)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    id.push_str("00");
    id
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
