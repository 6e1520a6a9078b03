//! What the host's public API cannot show. The host's behaviour is tested through the facade in
//! `tests/tests/host.rs` (actors written with `#[actorium::actor]`).

use std::sync::Arc;

use super::{Host, HostConfig, Registry};
use crate::storage::{MemoryStorage, Storage, TimerRecord, Write};

/// `Host::start` puts every stored timer in the host's firing queue, once.
///
/// Kept here, not in `tests/tests/host.rs`, because the queue (`TimerService::len`) is
/// crate-private: from outside, `state_and_timers_survive_a_restart` can only see a stored
/// timer fire (once) after a restart. No actor is needed: the timer is due in an hour.
#[tokio::test]
async fn start_loads_the_stored_timers_once() {
    let storage = Arc::new(MemoryStorage::new());
    storage
        .commit(vec![Write::PutTimer(TimerRecord {
            id: "t1".into(),
            actor_id: "a1".into(),
            at_ms: crate::meta::now_ms() + 3_600_000,
            action: "tick".into(),
            args: vec![0x80],
        })])
        .await
        .unwrap();
    let host = Host::new(Registry::new(), storage, HostConfig::default());
    host.start().await.unwrap();
    assert_eq!(host.timers().len(), 1);
    host.shutdown().await;
}
