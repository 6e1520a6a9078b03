//! Durable timers: every stored timer is kept in memory, ordered by due time; one task fires
//! them by delivering [`Envelope::Timer`] to the actor (waking it if it sleeps). The timer row
//! is deleted by the actor's commit after the action ran, so a timer fires at least once, also
//! after a restart.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use super::Host;
use super::mailbox::Envelope;
use crate::storage::TimerRecord;

/// How long to wait before retrying a timer whose actor was overloaded.
const RETRY: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Queue {
    by_time: BTreeSet<(i64, String)>,
    records: HashMap<String, TimerRecord>,
}

/// The in-memory timer queue.
#[derive(Default)]
pub(crate) struct TimerService {
    queue: Mutex<Queue>,
    notify: Notify,
    stopped: AtomicBool,
}

impl TimerService {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        crate::sync::lock(&self.queue)
    }

    /// Adds (or replaces) a committed timer.
    pub(crate) fn add(&self, t: TimerRecord) {
        let mut q = self.lock();
        if let Some(old) = q.records.remove(&t.id) {
            q.by_time.remove(&(old.at_ms, old.id));
        }
        q.by_time.insert((t.at_ms, t.id.clone()));
        q.records.insert(t.id.clone(), t);
        drop(q);
        self.notify.notify_one();
    }

    /// Removes a timer (after its cancellation was committed).
    pub(crate) fn cancel(&self, id: &str) {
        let mut q = self.lock();
        if let Some(old) = q.records.remove(id) {
            q.by_time.remove(&(old.at_ms, old.id));
        }
    }

    /// Removes every timer of a destroyed actor.
    pub(crate) fn forget_actor(&self, actor_id: &str) {
        let mut q = self.lock();
        let ids: Vec<String> = q
            .records
            .values()
            .filter(|t| t.actor_id == actor_id)
            .map(|t| t.id.clone())
            .collect();
        for id in ids {
            if let Some(old) = q.records.remove(&id) {
                q.by_time.remove(&(old.at_ms, old.id));
            }
        }
    }

    /// Stops firing (shutdown); unfired timers stay in storage.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.notify.notify_one();
    }

    /// Number of timers waiting.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().records.len()
    }

    fn take_due(&self, now: i64) -> (Vec<TimerRecord>, Option<i64>) {
        let mut q = self.lock();
        let mut due = Vec::new();
        while let Some((at, id)) = q.by_time.first().cloned() {
            if at > now {
                break;
            }
            q.by_time.remove(&(at, id.clone()));
            if let Some(t) = q.records.remove(&id) {
                due.push(t);
            }
        }
        let next = q.by_time.first().map(|(at, _)| *at);
        (due, next)
    }

    /// The firing loop (one per host).
    pub(crate) async fn run(host: Host) {
        let service = host.timers();
        loop {
            if service.stopped.load(Ordering::Relaxed) {
                return;
            }
            let now = crate::meta::now_ms();
            let (due, next) = service.take_due(now);
            for t in due {
                tokio::spawn(fire(host.clone(), t));
            }
            match next {
                None => service.notify.notified().await,
                Some(at) => {
                    let wait = Duration::from_millis((at - crate::meta::now_ms()).max(0) as u64);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = service.notify.notified() => {}
                    }
                }
            }
        }
    }
}

async fn fire(host: Host, t: TimerRecord) {
    let meta = match host.find(&t.actor_id).await {
        Ok(Some(meta)) => meta,
        Ok(None) => {
            tracing::debug!(timer = %t.id, actor = %t.actor_id, "timer of a destroyed actor dropped");
            return;
        }
        Err(e) => {
            tracing::warn!(timer = %t.id, error = %e, "cannot look up the actor of a timer; retrying");
            retry(&host, t);
            return;
        }
    };
    tracing::debug!(timer = %t.id, actor = %t.actor_id, action = %t.action, "timer fired");
    if let Err(e) = host.deliver(&meta, Envelope::Timer(t.clone())).await {
        if host.is_shutting_down() {
            return;
        }
        tracing::warn!(timer = %t.id, error = %e, "timer delivery failed; retrying");
        retry(&host, t);
    }
}

fn retry(host: &Host, mut t: TimerRecord) {
    t.at_ms = crate::meta::now_ms() + RETRY.as_millis() as i64;
    host.timers().add(t);
}
