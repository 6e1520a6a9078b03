//! Stopping an instance: sleep (and shutdown) commit and run `on_sleep`; destroy runs
//! `on_destroy` and deletes the actor; messages that arrived meanwhile are redelivered or failed.

use actorium_protocol::{WireError, catalogue};
use tokio::sync::oneshot;

use super::Instance;
use super::inflight::hook;
use crate::actor::{Actor, Conn};
use crate::host::mailbox::{Envelope, MailboxRx};
use crate::storage::Write;
use crate::sync::lock;

/// Why the turn loop ends.
pub(super) enum Stop {
    Sleep,
    Destroy(Option<oneshot::Sender<std::result::Result<(), WireError>>>),
    Shutdown(Option<oneshot::Sender<()>>),
}

impl<A: Actor> Instance<A> {
    /// Sleep, destroy or shutdown, once nothing is in flight.
    pub(super) async fn finish(mut self, stop: Stop, mut rx: MailboxRx) {
        let id = self.meta.id.clone();
        let handle = self.host.begin_stop(&id, self.slot);
        rx.close();
        let mut leftovers = Vec::new();
        while let Ok(env) = rx.try_recv() {
            leftovers.push(*env);
        }
        let ctx = self.ctx.clone();
        match stop {
            Stop::Sleep | Stop::Shutdown(_) => {
                if let Err(e) = hook("on_sleep", A::on_sleep(&ctx)).await {
                    tracing::warn!(actor = %id, error = %e, "on_sleep failed");
                }
                self.settle().await;
                self.drain_before_sleep().await;
                let (code, reason) = (1001, catalogue::GOING_AWAY.name());
                let conns = std::mem::take(&mut *lock(&ctx.conns));
                let hibernate =
                    matches!(stop, Stop::Sleep) && A::options().hibernatable_connections;
                let mut kept = Vec::new();
                for conn in conns.into_values() {
                    match if hibernate {
                        Conn::hibernate(conn)
                    } else {
                        Err(conn)
                    } {
                        Ok(h) => kept.push(h),
                        // Not hibernating, or still held elsewhere (in the vars): closed, and
                        // the client reconnects.
                        Err(conn) => conn.sender.close(code, reason.clone()),
                    }
                }
                // Before the end of the stop, which the next instance waits for.
                self.host.keep_hibernated(&id, kept);
                // After what `on_sleep` sent them (flushed by the settle above).
                for socket in std::mem::take(&mut *lock(&ctx.raw_sockets)).into_values() {
                    socket.close_after_queued(code, reason.clone());
                }
                self.host.end_stop(&id, handle);
                tracing::debug!(actor = %id, "asleep");
                match stop {
                    Stop::Shutdown(reply) => {
                        for env in leftovers {
                            env.fail(WireError::stopping());
                        }
                        if let Some(reply) = reply {
                            let _ = reply.send(());
                        }
                    }
                    _ => {
                        for env in leftovers {
                            self.host.redeliver(&id, env);
                        }
                        self.host.notify_slept(&id);
                    }
                }
            }
            Stop::Destroy(reply) => {
                if let Err(e) = hook("on_destroy", A::on_destroy(&ctx)).await {
                    tracing::warn!(actor = %id, error = %e, "on_destroy failed");
                }
                ctx.take_effects();
                let result = self
                    .host
                    .storage()
                    .commit(vec![Write::DeleteActor { id: id.clone() }])
                    .await;
                if let Err(e) = &result {
                    tracing::error!(actor = %id, error = %e, "destroy commit failed");
                }
                self.host.forget(&self.meta);
                for conn in ctx.conns() {
                    conn.sender.close(1011, catalogue::DESTROYED.name());
                }
                lock(&ctx.conns).clear();
                for socket in std::mem::take(&mut *lock(&ctx.raw_sockets)).into_values() {
                    socket.close_after_queued(1011, catalogue::DESTROYED.name());
                }
                self.host.end_stop(&id, handle);
                for env in leftovers {
                    match env {
                        Envelope::Destroy { reply } => {
                            let _ = reply.send(Ok(()));
                        }
                        env => env.fail(WireError::actor_not_found()),
                    }
                }
                if let Some(reply) = reply {
                    let _ = reply.send(result.map_err(|_| WireError::internal()));
                }
                tracing::info!(actor = %id, name = %self.meta.name, "destroyed");
            }
        }
    }
}
