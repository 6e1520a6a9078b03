//! Ending a turn: commit the state and timers (or roll back to the last commit), run
//! `on_state_change`, then send the turn's events and replies in order.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use actorium_protocol::{ToClient, WireError};

use super::Instance;
use super::boot::decode_state;
use super::inflight::{Target, panic_message};
use crate::actor::effects::{Outgoing, Reply};
use crate::actor::{Actor, Conn, Ctx};
use crate::host::storage_error;
use crate::storage::Write;
use crate::sync::lock;

impl<A: Actor> Instance<A> {
    /// Ends a turn: commit (or roll back), `on_state_change`, then send.
    pub(super) async fn settle(&mut self) {
        let effects = self.ctx.take_effects();
        if self.panicked {
            Box::pin(self.roll_back(effects.outbox, WireError::internal())).await;
            return;
        }
        let mut writes = Vec::new();
        let mut new_state = None;
        if self.ctx.take_dirty() {
            match self.ctx.encode_state() {
                Ok(bytes) if bytes != self.committed => {
                    let limit = self.host.config().max_state_bytes;
                    // Over the limit and growing: refused. A turn may always shrink the state
                    // (say, after the limit was lowered).
                    if bytes.len() > limit && bytes.len() > self.committed.len() {
                        tracing::warn!(actor = %self.meta.id, size = bytes.len(), limit, "state over the limit; rolling the turn back");
                        let error = WireError::state_too_large(bytes.len(), limit);
                        Box::pin(self.roll_back(effects.outbox, error)).await;
                        return;
                    }
                    writes.push(Write::PutState {
                        id: self.meta.id.clone(),
                        state: bytes.clone(),
                    });
                    new_state = Some(bytes);
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(actor = %self.meta.id, error = %e, "state does not serialize; rolling back");
                    Box::pin(self.roll_back(effects.outbox, WireError::internal())).await;
                    return;
                }
            }
        }
        writes.extend(effects.timers.iter().cloned().map(Write::PutTimer));
        writes.extend(
            effects
                .cancelled_timers
                .iter()
                .map(|id| Write::DeleteTimer { id: id.clone() }),
        );
        writes.extend(
            self.timers_done
                .drain(..)
                .map(|id| Write::DeleteTimer { id }),
        );
        let mut outbox = effects.outbox;
        if !writes.is_empty() {
            if let Err(e) = self.host.storage().commit(writes).await {
                tracing::error!(actor = %self.meta.id, error = %e, "commit failed; rolling back");
                Box::pin(self.roll_back(outbox, storage_error(e))).await;
                return;
            }
            for t in effects.timers {
                self.host.timers().add(t);
            }
            for id in effects.cancelled_timers {
                self.host.timers().cancel(&id);
            }
            if let Some(bytes) = new_state {
                self.committed = bytes;
                let ctx: &Ctx<A> = &self.ctx;
                match std::panic::catch_unwind(AssertUnwindSafe(|| A::on_state_change(ctx))) {
                    Ok(()) => outbox.extend(self.ctx.take_effects().outbox),
                    Err(p) => {
                        tracing::error!(actor = %self.meta.id, panic = %panic_message(&*p), "on_state_change panicked");
                        self.ctx.take_effects();
                    }
                }
                // What the hook changed is committed now, so that it does not count as the next
                // turn's change (and trigger the hook again).
                self.commit_hook_change().await;
            }
        }
        self.flush(outbox).await;
    }

    /// Commits the state changes `on_state_change` made, if any (a failure is logged; the
    /// change is then committed with the next turn).
    async fn commit_hook_change(&mut self) {
        if !self.ctx.take_dirty() {
            return;
        }
        let bytes = match self.ctx.encode_state() {
            Ok(bytes) if bytes != self.committed => bytes,
            Ok(_) => return,
            Err(e) => {
                tracing::error!(actor = %self.meta.id, error = %e, "state does not serialize after on_state_change");
                return;
            }
        };
        let write = Write::PutState {
            id: self.meta.id.clone(),
            state: bytes.clone(),
        };
        match self.host.storage().commit(vec![write]).await {
            Ok(()) => self.committed = bytes,
            Err(e) => {
                tracing::error!(actor = %self.meta.id, error = %e, "commit of on_state_change's change failed");
                self.ctx.mark_dirty();
            }
        }
    }

    /// Restores the last committed state and fails everything of the turn and in flight with
    /// `error` (the generic internal error, or one that says why: `actor.state_too_large`,
    /// `storage.full`).
    pub(super) async fn roll_back(&mut self, outbox: Vec<Outgoing>, error: WireError) {
        self.panicked = false;
        match decode_state::<A>(&self.committed) {
            Ok(state) => self.ctx.restore_state(state),
            Err(e) => {
                tracing::error!(actor = %self.meta.id, error = %e, "cannot restore the committed state")
            }
        }
        self.ctx.take_effects();
        self.in_flight.clear();
        let targets: Vec<Target> = std::mem::take(&mut self.targets)
            .into_values()
            .map(|p| p.target)
            .collect();
        for t in targets {
            match t {
                Target::Call(tx) => {
                    let _ = tx.send(Err(error.clone()));
                }
                Target::Conn { conn_id, action_id } => self.deliver(Reply::Conn {
                    conn_id,
                    action_id,
                    result: Err(error.clone()),
                }),
                Target::Connect { conn_id, reply } => {
                    lock(&self.ctx.conns).remove(&conn_id);
                    let _ = reply.send(Err(error.clone()));
                }
                Target::Request { reply, .. } => {
                    let _ = reply.send(Err(error.clone()));
                }
                Target::RawMessage { socket_id } => self.close_raw_socket(&socket_id, &error),
                Target::Timer { .. } | Target::Hook(_) => {}
            }
        }
        for o in outbox {
            if let Outgoing::Reply(r) = o {
                let r = match r {
                    // Errors stay as they are (they did not depend on the rolled-back state).
                    r @ (Reply::Call(_, Err(_))
                    | Reply::Conn { result: Err(_), .. }
                    | Reply::Connect(_, Err(_))
                    | Reply::Request(_, Err(_))) => r,
                    r => r.into_error(error.clone()),
                };
                self.deliver(r);
            }
        }
        // Timers that fired are done even if their turn rolled back (no endless retries).
        if !self.timers_done.is_empty() {
            let writes = self
                .timers_done
                .drain(..)
                .map(|id| Write::DeleteTimer { id })
                .collect();
            if let Err(e) = self.host.storage().commit(writes).await {
                tracing::error!(actor = %self.meta.id, error = %e, "commit of finished timers failed");
            }
        }
    }

    /// Sends the turn's events and replies in their order. Before a reply that follows events,
    /// the task yields once: the connection tasks those events woke write them first, so a
    /// client that gets the reply on one connection has (on loopback, in practice) already got
    /// the events the same turn sent to its other connections. Without it, the task woken last
    /// (the reply's) runs first on this worker.
    pub(super) async fn flush(&mut self, outbox: Vec<Outgoing>) {
        let mut events_sent = false;
        for o in outbox {
            if matches!(o, Outgoing::Reply(_)) && std::mem::take(&mut events_sent) {
                tokio::task::yield_now().await;
            } else if !matches!(o, Outgoing::Reply(_)) {
                events_sent = true;
            }
            match o {
                Outgoing::Broadcast { name, args } => {
                    for conn in self.ctx.conns() {
                        if conn.is_subscribed(&name) {
                            self.send_event(
                                &conn,
                                ToClient::Event {
                                    name: name.clone(),
                                    args: args.clone(),
                                },
                            );
                        }
                    }
                }
                Outgoing::Send { conn, name, args } => {
                    if let Some(conn) = self.ctx.conn_by_id(&conn) {
                        self.send_event(&conn, ToClient::Event { name, args });
                    }
                }
                Outgoing::Reply(r) => self.deliver(r),
                Outgoing::Raw { socket, out } => {
                    let socket = lock(&self.ctx.raw_sockets).get(&socket).cloned();
                    if let Some(socket) = socket {
                        socket.deliver(out);
                    }
                }
            }
        }
    }

    pub(super) fn deliver(&mut self, reply: Reply) {
        match reply {
            Reply::Call(tx, result) => {
                let _ = tx.send(result);
            }
            Reply::Connect(tx, result) => {
                let _ = tx.send(result);
            }
            Reply::Request(tx, result) => {
                let _ = tx.send(result);
            }
            Reply::Conn {
                conn_id,
                action_id,
                result,
            } => {
                let Some(conn) = self.ctx.conn_by_id(&conn_id) else {
                    return;
                };
                let msg = match result {
                    Ok(output) => ToClient::ActionResponse {
                        id: action_id,
                        output,
                    },
                    Err(e) => ToClient::Error {
                        error: e.with_actor(self.specifier()),
                        action_id: Some(action_id),
                    },
                };
                conn.sender.reply(msg);
            }
        }
    }

    /// Queues an event for `conn`; one that does not fit closes the connection once its owed
    /// replies are out (see [`crate::actor::ConnSender`]).
    fn send_event(&self, conn: &Arc<Conn<A>>, event: ToClient) {
        if !conn.sender.event(event) {
            tracing::debug!(actor = %self.meta.id, conn = %conn.id(), "connection does not keep up with its events; closing it");
        }
    }
}
