//! The host's and its instances' lifecycle: start (durable timers), parking and resuming,
//! sleep, destroy, shutdown, and the bookkeeping of stopping instances.

use std::sync::atomic::Ordering;

use actorium_protocol::{WireError, catalogue};
use tokio::sync::{mpsc, oneshot, watch};

use super::mailbox::{Envelope, MailboxRx, MailboxTx};
use super::timers::TimerService;
use super::{Host, SleepListener, SlotState, StopHandle};
use crate::storage::StorageError;
use crate::sync::lock;

impl Host {
    /// Loads the durable timers and starts firing them (timers missed while the server was
    /// down fire now).
    pub async fn start(&self) -> Result<(), StorageError> {
        let timers = self.0.storage.timers().await?;
        let n = timers.len();
        for t in timers {
            self.0.timers.add(t);
        }
        tokio::spawn(TimerService::run(self.clone()));
        tracing::debug!(timers = n, "host started");
        Ok(())
    }

    /// Parks the instance `slot` of actor `id` if its mailbox is still empty: the mailbox is
    /// closed and dropped, and `parked` (an `instance::Parked<A>`) stays in its place until the
    /// next message. If messages arrived meanwhile, the instance keeps running on a fresh
    /// mailbox (`rx` is replaced) and gets them back to handle.
    pub(crate) fn park(
        &self,
        id: &str,
        slot: u64,
        rx: &mut MailboxRx,
        parked: impl FnOnce() -> Box<dyn std::any::Any + Send + Sync>,
    ) -> Result<(), Vec<Envelope>> {
        let mut live = lock(&self.0.live);
        let Some(s) = live.get_mut(id).filter(|s| s.slot == slot) else {
            return Err(Vec::new());
        };
        if self.0.shutting_down.load(Ordering::Relaxed) {
            return Err(Vec::new());
        }
        rx.close();
        let mut leftovers = Vec::new();
        while let Ok(env) = rx.try_recv() {
            leftovers.push(*env);
        }
        if !leftovers.is_empty() {
            let (tx, fresh) = mpsc::channel(self.0.config.mailbox_capacity);
            s.state = SlotState::Running(tx);
            *rx = fresh;
            return Err(leftovers);
        }
        s.state = SlotState::Parked(parked());
        let sleep_at =
            tokio::time::Instant::now() + self.0.config.idle_timeout - self.0.config.park_after;
        self.0.parking.add(self, sleep_at, s.meta.clone(), slot);
        tracing::trace!(actor = %id, "parked");
        Ok(())
    }

    /// Puts a parked actor to sleep once its idle timeout has passed (if it is still parked
    /// as instance `slot`).
    pub(crate) fn sleep_parked(&self, id: &str, slot: u64) {
        let mut live = lock(&self.0.live);
        if let Some(s) = live.get_mut(id)
            && s.slot == slot
            && matches!(s.state, SlotState::Parked(_))
        {
            let tx = self.running(s);
            let _ = tx.try_send(Box::new(Envelope::Sleep));
        }
    }

    /// Destroys actor `id`: `on_destroy`, then its record, state and timers are deleted.
    pub async fn destroy(&self, id: &str) -> Result<(), WireError> {
        let meta = self.actor(id).await?;
        let (reply, rx) = oneshot::channel();
        self.deliver(&meta, Envelope::Destroy { reply }).await?;
        rx.await.unwrap_or_else(|_| Err(WireError::internal()))
    }

    /// Puts actor `id` to sleep now if it is in memory (for tests and tooling); resolves when
    /// it has committed and left memory.
    pub async fn sleep(&self, id: &str) {
        let sent = self
            .send_waiting(Box::new(Envelope::Sleep), || Ok(self.live_sender(id)))
            .await;
        if let Ok(Some(tx)) = sent {
            tx.closed().await;
        }
        let waiting = lock(&self.0.stopping).get(id).map(|(_, rx)| rx.clone());
        if let Some(mut rx) = waiting {
            let _ = rx.wait_for(|done| *done).await;
        }
    }

    /// Puts every actor in memory to sleep (for tests: the next request wakes each one, which
    /// rebuilds its vars from `create_vars`).
    pub async fn sleep_all(&self) {
        let ids: Vec<String> = lock(&self.0.live)
            .iter()
            .map(|s| s.meta.id.clone())
            .collect();
        for id in ids {
            self.sleep(&id).await;
        }
    }

    /// Graceful shutdown: stops timers and new activations, lets every live actor finish its
    /// in-flight work (bounded by [`super::HostConfig::shutdown_grace`]), commit and run `on_sleep`,
    /// then closes the storage.
    pub async fn shutdown(&self) {
        self.0.shutting_down.store(true, Ordering::Relaxed);
        self.0.timers.stop();
        self.0.parking.wake();
        // Parked actors are resumed to commit and run `on_sleep` like the others.
        let senders: Vec<MailboxTx> = {
            let mut live = lock(&self.0.live);
            live.iter_mut().map(|s| self.running(s)).collect()
        };
        let n = senders.len();
        let mut waits = Vec::new();
        for tx in senders {
            let (reply, rx) = oneshot::channel();
            if tx.try_send(Box::new(Envelope::Stop { reply })).is_ok() {
                waits.push(rx);
            } else {
                waits.push({
                    let (r, rx) = oneshot::channel();
                    tokio::spawn(async move {
                        let (reply, inner) = oneshot::channel();
                        if tx.send(Box::new(Envelope::Stop { reply })).await.is_ok() {
                            let _ = inner.await;
                        }
                        let _ = r.send(());
                    });
                    rx
                });
            }
        }
        let grace = self.0.config.shutdown_grace;
        let all = futures_util::future::join_all(waits);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("some actors did not stop within the shutdown grace period");
        }
        let pending: Vec<watch::Receiver<bool>> = lock(&self.0.stopping)
            .values()
            .map(|(_, rx)| rx.clone())
            .collect();
        for mut rx in pending {
            let _ = tokio::time::timeout(grace, rx.wait_for(|d| *d)).await;
        }
        // Sleeping actors' connections go the way of the awake actors' ones.
        self.close_all_hibernated(1001, &catalogue::GOING_AWAY.name());
        if let Err(e) = self.0.storage.close().await {
            tracing::error!(error = %e, "closing storage failed");
        }
        tracing::info!(actors = n, "host stopped");
    }

    /// Calls `listener(actor_id)` whenever an instance goes to sleep on its own (idle timeout
    /// or `ctx.sleep()`), after it has committed and left memory. Set once; later calls are
    /// ignored.
    #[cfg_attr(not(feature = "engine"), allow(dead_code))]
    pub(crate) fn set_sleep_listener(&self, listener: SleepListener) {
        let _ = self.0.sleep_listener.set(listener);
    }

    pub(crate) fn notify_slept(&self, id: &str) {
        if let Some(listener) = self.0.sleep_listener.get() {
            listener(id);
        }
    }

    /// Whether [`Host::shutdown`] has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.0.shutting_down.load(Ordering::Relaxed)
    }

    // ---- instance bookkeeping ----

    pub(crate) fn remove_slot(&self, id: &str, slot: u64) {
        let mut live = lock(&self.0.live);
        if live
            .get(id)
            .is_some_and(|s| s.slot == slot && matches!(s.state, SlotState::Running(_)))
            && let Some(s) = live.remove(id)
        {
            lock(&self.0.directory).remove(&s.meta);
        }
    }

    pub(crate) fn begin_stop(&self, id: &str, slot: u64) -> StopHandle {
        let mut live = lock(&self.0.live);
        if live.get(id).map(|s| s.slot) == Some(slot)
            && let Some(s) = live.remove(id)
        {
            // Released under the `live` lock: a next instance (which needs it to start)
            // records itself after this.
            lock(&self.0.directory).remove(&s.meta);
        }
        let (tx, rx) = watch::channel(false);
        let token = self.0.next_slot.fetch_add(1, Ordering::Relaxed);
        lock(&self.0.stopping).insert(id.to_string(), (token, rx));
        StopHandle { tx, token }
    }

    pub(crate) fn end_stop(&self, id: &str, handle: StopHandle) {
        {
            let mut stopping = lock(&self.0.stopping);
            if stopping.get(id).map(|(t, _)| *t) == Some(handle.token) {
                stopping.remove(id);
                // A burst of sleeps leaves no table sized for it.
                if stopping.capacity() > 64 && stopping.len() * 4 < stopping.capacity() {
                    let room = stopping.len() * 2;
                    stopping.shrink_to(room);
                }
            }
        }
        let _ = handle.tx.send(true);
    }
}
