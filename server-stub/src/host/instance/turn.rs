//! The turn loop: take what the mailbox holds, poll what is in flight, settle; one timer for
//! the idle deadline and the action timeout; parking; admitting messages; completing futures.

use std::sync::Arc;

use actorium_protocol::{Value, WireError};
use futures_util::future::FutureExt;
use futures_util::stream::StreamExt;
use tokio::time::Instant;

use super::boot::decode_value;
use super::inflight::{Outcome, Pending, Target};
use super::stop::Stop;
use super::{Instance, MAX_TURN_MESSAGES, Parked, closed_conn_sender};
use crate::actor::effects::{Outgoing, Reply};
use crate::actor::{Actor, Conn, Ctx, Request, with_conn, with_request};
use crate::host::mailbox::{Envelope, MailboxRx};
use crate::sync::lock;

impl<A: Actor> Instance<A> {
    /// Fails everything whose deadline has passed with `actor.action_timed_out` and drops its
    /// future (rare: the in-flight set is rebuilt without them).
    pub(super) fn expire(&mut self, now: Instant) {
        let Some(last) = self
            .targets
            .iter()
            .take_while(|(_, p)| p.deadline <= now)
            .map(|(seq, _)| *seq)
            .last()
        else {
            return;
        };
        for f in std::mem::take(&mut self.in_flight) {
            if f.seq > last {
                self.in_flight.push(f);
            }
        }
        let expired: Vec<u64> = self.targets.range(..=last).map(|(seq, _)| *seq).collect();
        for seq in expired {
            self.complete(seq, Outcome::TimedOut);
        }
    }

    /// Runs turns until the instance stops (`Some`) or parks (`None`).
    pub(super) async fn turn_loop(&mut self, rx: &mut MailboxRx) -> Option<Stop> {
        let config = self.host.config();
        // An actor type with its own sleep timeout sleeps after it and is never parked (the
        // parking queue counts the host's idle timeout).
        let own_sleep = A::options().sleep_timeout;
        let idle_timeout = own_sleep.unwrap_or(config.idle_timeout);
        let park_after =
            (own_sleep.is_none() && config.park_after < idle_timeout).then_some(config.park_after);
        // Hibernatable connections stay open while the actor sleeps: they do not keep it awake.
        let hibernates = A::options().hibernatable_connections;
        let mut last_activity = Instant::now();
        // One timer for the instance: the idle deadline (park or sleep) or the oldest action's
        // timeout, whichever is first. It is moved earlier when needed and otherwise left to
        // fire early and be re-armed, so a busy actor does not touch the timer wheel per call.
        let mut timer = Box::pin(tokio::time::sleep_until(last_activity));
        let mut armed: Option<Instant> = None;
        loop {
            // Work left by `wait_until` in the last turn (or in `on_wake`).
            self.start_tasks();
            if let Some(stop) = self.stop.take() {
                if self.in_flight.is_empty() {
                    return Some(stop);
                }
                self.stop = Some(stop);
            }
            let accepting = self.stop.is_none();
            let idle = accepting
                && self.in_flight.is_empty()
                && (hibernates || lock(&self.ctx.conns).is_empty())
                && lock(&self.ctx.raw_sockets).is_empty()
                && !self.ctx.prevent_sleep()
                && self
                    .ctx
                    .open_streams
                    .load(std::sync::atomic::Ordering::Relaxed)
                    == 0;
            let idle_at = idle.then(|| last_activity + park_after.unwrap_or(idle_timeout));
            let oldest = self.targets.values().next().map(|p| p.deadline);
            let want = match (idle_at, oldest) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(want) = want
                && armed.is_none_or(|at| want < at)
            {
                timer.as_mut().reset(want);
                armed = Some(want);
            }
            tokio::select! {
                biased;
                Some((seq, outcome)) = self.in_flight.next(), if !self.in_flight.is_empty() => {
                    self.complete(seq, outcome);
                }
                msg = rx.recv(), if accepting => match msg {
                    Some(env) => self.accept(*env),
                    None => self.stop = Some(Stop::Shutdown(None)),
                },
                _ = &mut timer, if armed.is_some() => {
                    armed = None;
                    let now = Instant::now();
                    let timed_out = oldest.is_some_and(|d| d <= now);
                    if timed_out {
                        self.expire(now);
                    }
                    match idle_at {
                        Some(at) if at <= now => {
                            if park_after.is_none() {
                                tracing::debug!(actor = %self.meta.id, "idle; going to sleep");
                                self.stop = Some(Stop::Sleep);
                            } else if self.try_park(rx) {
                                return None;
                            }
                        }
                        // Fired early (the deadline moved on): re-arm, no activity.
                        _ if !timed_out => continue,
                        _ => {}
                    }
                }
            }
            last_activity = Instant::now();
            // Take everything else that is ready into the same turn.
            if self.stop.is_none() {
                for _ in 0..MAX_TURN_MESSAGES {
                    match rx.try_recv() {
                        Ok(env) => self.accept(*env),
                        Err(_) => break,
                    }
                    if self.stop.is_some() {
                        break;
                    }
                }
            }
            while let Some(Some((seq, outcome))) = self.in_flight.next().now_or_never() {
                self.complete(seq, outcome);
            }
            self.settle().await;
            if self.ctx.take_destroy_requested() {
                self.stop = Some(Stop::Destroy(None));
            }
            if self.ctx.sleep_requested() && self.stop.is_none() {
                self.ctx.clear_sleep_request();
                self.stop = Some(Stop::Sleep);
            }
        }
    }

    /// Hands the context to the host and ends the task, if no message came in meanwhile
    /// (those that did are accepted and the instance goes on).
    fn try_park(&mut self, rx: &mut MailboxRx) -> bool {
        let (ctx, committed) = (&self.ctx, &mut self.committed);
        let parked = self.host.park(&self.meta.id, self.slot, rx, || {
            Box::new(Parked {
                ctx: ctx.clone(),
                committed: std::mem::take(committed),
            })
        });
        match parked {
            Ok(()) => true,
            Err(leftovers) => {
                for env in leftovers {
                    self.accept(env);
                }
                false
            }
        }
    }

    fn accept(&mut self, env: Envelope) {
        let ctx = self.ctx.clone();
        match env {
            Envelope::Call {
                action,
                args,
                params,
                request,
                reply,
            } => self.push(Target::Call(reply), async move {
                let action = A::dispatch(&ctx, &action, args);
                on_ephemeral_conn(&ctx, params, request, action).await
            }),
            env @ (Envelope::Request { .. }
            | Envelope::RawOpen { .. }
            | Envelope::RawMessage { .. }
            | Envelope::RawClosed { .. }) => self.accept_raw(env),
            Envelope::Connect {
                conn_id,
                params,
                request,
                sender,
                reply,
            } => {
                let target = Target::Connect {
                    conn_id: conn_id.clone(),
                    reply,
                };
                self.push(target, async move {
                    let params = decode_params::<A>(params)?;
                    let state = admit(&ctx, params.as_ref(), request).await?;
                    let conn = Arc::new(Conn::new(
                        conn_id.clone(),
                        params,
                        state,
                        sender,
                        ctx.effects.clone(),
                    ));
                    lock(&ctx.conns).insert(conn_id.clone(), conn.clone());
                    if let Err(e) = A::on_connect(&ctx, &conn).await {
                        lock(&ctx.conns).remove(&conn_id);
                        return Err(e);
                    }
                    Ok(Value::Null)
                });
            }
            Envelope::ConnAction {
                conn_id,
                id,
                action,
                args,
            } => {
                let Some(conn) = ctx.conn_by_id(&conn_id) else {
                    tracing::debug!(actor = %self.meta.id, conn = %conn_id, "action for a closed connection dropped");
                    return;
                };
                let target = Target::Conn {
                    conn_id,
                    action_id: id,
                };
                self.push(target, async move {
                    with_conn(Some(conn), A::dispatch(&ctx, &action, args)).await
                });
            }
            Envelope::Subscribe {
                conn_id,
                event,
                subscribe,
            } => {
                if let Some(conn) = ctx.conn_by_id(&conn_id) {
                    let mut subs = lock(&conn.subscriptions);
                    if subscribe {
                        subs.insert(event);
                    } else {
                        subs.remove(&event);
                    }
                }
            }
            Envelope::Disconnect { conn_id } => self.drop_conn(&conn_id),
            Envelope::Timer(timer) => {
                let args = match actorium_protocol::compat::from_cbor(&timer.args) {
                    Ok(Value::Array(args)) => args,
                    _ => {
                        tracing::warn!(actor = %self.meta.id, timer = %timer.id, "timer arguments do not decode; dropping the timer");
                        self.timers_done.push(timer.id);
                        return;
                    }
                };
                let target = Target::Timer {
                    id: timer.id,
                    action: timer.action.clone(),
                };
                let action = timer.action;
                self.push(
                    target,
                    async move { A::dispatch(&ctx, &action, args).await },
                );
            }
            Envelope::StreamEnded => {}
            Envelope::Sleep => {
                if self.stop.is_none() {
                    self.stop = Some(Stop::Sleep);
                }
            }
            Envelope::Destroy { reply } => self.stop = Some(Stop::Destroy(Some(reply))),
            Envelope::Stop { reply } => self.stop = Some(Stop::Shutdown(Some(reply))),
        }
    }

    /// Forgets a connection and runs `on_disconnect` for it.
    pub(super) fn drop_conn(&mut self, conn_id: &str) {
        let ctx = self.ctx.clone();
        let removed = lock(&ctx.conns).remove(conn_id);
        if let Some(conn) = removed {
            self.push(Target::Hook("on_disconnect"), async move {
                A::on_disconnect(&ctx, &conn).await?;
                Ok(Value::Null)
            });
        }
    }

    pub(super) fn complete(&mut self, seq: u64, outcome: Outcome) {
        let Some(Pending { target, .. }) = self.targets.remove(&seq) else {
            return;
        };
        let panicked = matches!(outcome, Outcome::Panicked(_));
        let result = match outcome {
            Outcome::Done(Ok(v)) => Ok(v),
            Outcome::Done(Err(e)) => {
                if e.is_internal() {
                    tracing::error!(actor = %self.meta.id, name = %self.meta.name, error = %e, "action failed with an internal error");
                } else {
                    tracing::debug!(actor = %self.meta.id, error = %e, "action failed");
                }
                Err(e.to_wire())
            }
            Outcome::Panicked(msg) => {
                tracing::error!(actor = %self.meta.id, name = %self.meta.name, panic = %msg, "action panicked; rolling back to the last commit");
                self.panicked = true;
                Err(WireError::internal())
            }
            Outcome::TimedOut => {
                tracing::warn!(actor = %self.meta.id, "action timed out");
                Err(WireError::action_timed_out())
            }
        };
        let reply = match target {
            Target::Call(tx) => Reply::Call(tx, result),
            Target::Conn { conn_id, action_id } => Reply::Conn {
                conn_id,
                action_id,
                result,
            },
            Target::Connect { conn_id, reply } => {
                if result.is_err() {
                    lock(&self.ctx.conns).remove(&conn_id);
                }
                Reply::Connect(reply, result.map(|_| ()))
            }
            Target::Request { response, reply } => {
                let response =
                    result.and_then(|_| lock(&response).take().ok_or_else(WireError::internal));
                let (open, host, id) = (&self.ctx.open_streams, &self.host, &self.meta.id);
                let response = response.map(|r| super::streams::keep_awake(r, open, host, id));
                Reply::Request(reply, response)
            }
            Target::Timer { id, action } => {
                if let Err(e) = result {
                    tracing::warn!(actor = %self.meta.id, %action, error = %e, "timer action failed");
                }
                self.timers_done.push(id);
                return;
            }
            Target::RawMessage { socket_id } => {
                match result {
                    Err(e) if panicked => self.close_raw_socket(&socket_id, &e),
                    Err(e) => {
                        tracing::warn!(actor = %self.meta.id, socket = %socket_id, error = %e, "raw WebSocket message handler failed")
                    }
                    Ok(_) => {}
                }
                return;
            }
            Target::Hook(name) => {
                if let Err(e) = result {
                    tracing::warn!(actor = %self.meta.id, hook = name, error = %e, "hook failed");
                }
                return;
            }
        };
        lock(&self.ctx.effects).outbox.push(Outgoing::Reply(reply));
    }
}

/// Runs `run` (an HTTP action or a raw HTTP handler) on an ephemeral connection: admitted with
/// `params` and `request`, connected and disconnected around it, as in RivetKit. Nothing is ever
/// sent on such a connection.
pub(super) async fn on_ephemeral_conn<A: Actor, T>(
    ctx: &Arc<Ctx<A>>,
    params: Option<Value>,
    request: Option<Arc<Request>>,
    run: impl std::future::Future<Output = crate::error::Result<T>> + Unpin,
) -> crate::error::Result<T> {
    let params = decode_params::<A>(params)?;
    let state = admit(ctx, params.as_ref(), request).await?;
    let conn = Arc::new(Conn::<A>::ephemeral(
        params,
        state,
        closed_conn_sender(),
        ctx.effects.clone(),
    ));
    A::on_connect(ctx, &conn).await?;
    let output = with_conn(Some(conn.clone()), run).await;
    if let Err(e) = A::on_disconnect(ctx, &conn).await {
        tracing::warn!(error = %e, "on_disconnect of an ephemeral connection failed");
    }
    output
}

/// Admission of a connection: `on_before_connect`, then `create_conn_state`, with
/// [`Ctx::request`](crate::Ctx::request) set to the request that opened it.
async fn admit<A: Actor>(
    ctx: &Arc<Ctx<A>>,
    params: Option<&A::ConnParams>,
    request: Option<Arc<Request>>,
) -> crate::error::Result<A::ConnState> {
    with_request(
        request,
        Box::pin(async {
            A::on_before_connect(ctx, params).await?;
            A::create_conn_state(ctx, params).await
        }),
    )
    .await
}

/// The connection params of a call or a connection. An actor that takes none (`ConnParams` is
/// `()`) ignores whatever the client sent, as RivetKit does.
pub(super) fn decode_params<A: Actor>(
    params: Option<Value>,
) -> crate::error::Result<Option<A::ConnParams>> {
    if std::any::TypeId::of::<A::ConnParams>() == std::any::TypeId::of::<()>() {
        return Ok(None);
    }
    decode_value(params, "connection params")
}
