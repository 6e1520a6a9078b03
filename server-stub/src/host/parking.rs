//! Parked actors' idle deadlines: one host task puts every parked actor to sleep when its
//! idle timeout has passed, instead of one timer per parked actor.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::Host;
use crate::meta::ActorMeta;
use crate::sync::lock;

/// When a parked instance is due to sleep.
struct Due {
    at: Instant,
    slot: u64,
    meta: Arc<ActorMeta>,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.slot) == (other.at, other.slot)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.slot).cmp(&(other.at, other.slot))
    }
}

/// The deadlines of parked actors (entries of actors resumed since are skipped when due).
#[derive(Default)]
pub(crate) struct ParkingLot {
    due: Mutex<BinaryHeap<Reverse<Due>>>,
    changed: Notify,
    started: OnceLock<()>,
}

impl ParkingLot {
    /// Records that instance `slot` of `meta` parked and should sleep at `at`; starts the
    /// host's sleeper task on first use.
    pub(crate) fn add(&self, host: &Host, at: Instant, meta: Arc<ActorMeta>, slot: u64) {
        let earliest = {
            let mut due = lock(&self.due);
            due.push(Reverse(Due { at, slot, meta }));
            due.peek().is_some_and(|d| d.0.slot == slot)
        };
        self.started
            .get_or_init(|| drop(tokio::spawn(sleeper(host.clone()))));
        if earliest {
            self.changed.notify_one();
        }
    }

    /// Wakes the sleeper (at shutdown, so that it ends).
    pub(crate) fn wake(&self) {
        self.changed.notify_one();
    }

    fn next(&self) -> Option<Instant> {
        lock(&self.due).peek().map(|d| d.0.at)
    }

    fn take_due(&self, now: Instant) -> Vec<Due> {
        let mut due = lock(&self.due);
        let mut out = Vec::new();
        while due.peek().is_some_and(|d| d.0.at <= now) {
            out.extend(due.pop().map(|d| d.0));
        }
        if due.is_empty() && due.capacity() > 1024 {
            due.shrink_to_fit();
        }
        out
    }
}

/// Sleeps parked actors as their deadlines pass; ends when the host shuts down (like the
/// timer service, it holds the host).
async fn sleeper(host: Host) {
    let lot = &host.0.parking;
    while !host.is_shutting_down() {
        let notified = lot.changed.notified();
        match lot.next() {
            Some(at) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(at) => {}
                    _ = notified => {}
                }
            }
            None => notified.await,
        }
        for due in lot.take_due(Instant::now()) {
            host.sleep_parked(&due.meta.id, due.slot);
        }
    }
}
