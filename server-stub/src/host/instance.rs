//! One live actor: boot (create or wake), the turn loop, and sleep / destroy / shutdown.
//!
//! All of one actor's work (actions, connection hooks, timers) is polled on the actor's task
//! from one [`FuturesUnordered`]: futures interleave at `.await` points but never run in
//! parallel. A *turn* is one wake-up of the task: it takes every message waiting in the
//! mailbox, polls every ready future, then settles: if the state changed it is committed
//! (group commit with other actors), `on_state_change` runs, and only then do the turn's
//! replies and events leave, in the order they were produced. A panic rolls the state back to
//! the last commit and fails every call of the turn and every call in flight.
//!
//! One timer per instance covers both the idle deadline and the action timeout (the oldest
//! in-flight call's deadline): it is moved earlier when needed and otherwise fires early and is
//! re-armed, so a busy actor does not register a timer per call. An instance idle for
//! [`crate::HostConfig::park_after`] *parks*: it hands its context (state, vars) and committed
//! bytes to the host as a [`Parked`] and its task ends; the next message starts a task on the
//! same context ([`Start::Resume`]), with no hook in between.

use std::any::Any;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use actorium_protocol::{ActorSpecifier, ToClient, Value, WireError};
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::actor::Actor;
use crate::ctx::{ActorMeta, Conn, Ctx, InitCtx, Outgoing, WithConn};
use crate::error::{ActorError, Result};
use crate::host::Host;
use crate::host::conn::{ConnOut, ConnSender};
use crate::storage::{ActorRecord, TimerRecord, Write};

/// Most mailbox messages taken into one turn.
const MAX_TURN_MESSAGES: usize = 512;

/// How an instance starts.
pub(crate) enum Start {
    /// A new actor: run `create_state(input)` and `on_create`, commit the record and state.
    Create {
        input: Option<Value>,
        reply: oneshot::Sender<std::result::Result<(), WireError>>,
    },
    /// An existing actor: load its state (after the previous instance, if any, has stopped).
    Wake {
        after: Option<watch::Receiver<bool>>,
    },
    /// A parked actor's next message: carry on from its [`Parked`] context (no hook runs).
    Resume(Box<dyn Any + Send + Sync>),
}

/// What a parked actor keeps in memory: its context (state, vars) and committed state bytes.
pub(crate) struct Parked<A: Actor> {
    ctx: Arc<Ctx<A>>,
    committed: Vec<u8>,
}

/// What goes through an actor's mailbox: boxed, so the mailbox's buffer (a tokio channel
/// allocates room for 32 messages at a time) stays small for the many actors that are in
/// memory but rarely called.
pub(crate) type Mail = Box<Envelope>;
/// The sending half of an actor's mailbox.
pub(crate) type MailboxTx = mpsc::Sender<Mail>;
/// The receiving half of an actor's mailbox.
pub(crate) type MailboxRx = mpsc::Receiver<Mail>;

/// A message to an actor.
pub(crate) enum Envelope {
    /// A stateless call on an ephemeral connection (HTTP action, actor-to-actor call).
    Call {
        action: String,
        args: Vec<Value>,
        params: Option<Value>,
        reply: oneshot::Sender<std::result::Result<Value, WireError>>,
    },
    /// A WebSocket connection asks to be admitted.
    Connect {
        conn_id: String,
        params: Option<Value>,
        sender: ConnSender,
        reply: oneshot::Sender<std::result::Result<(), WireError>>,
    },
    /// An action request on a connection.
    ConnAction {
        conn_id: String,
        id: u64,
        action: String,
        args: Vec<Value>,
    },
    /// A subscription change on a connection.
    Subscribe {
        conn_id: String,
        event: String,
        subscribe: bool,
    },
    /// A connection closed.
    Disconnect { conn_id: String },
    /// A durable timer is due.
    Timer(TimerRecord),
    /// Put the actor to sleep now (tests, tooling).
    Sleep,
    /// Destroy the actor.
    Destroy {
        reply: oneshot::Sender<std::result::Result<(), WireError>>,
    },
    /// Server shutdown: commit and stop.
    Stop { reply: oneshot::Sender<()> },
}

impl Envelope {
    /// Answers the envelope with `error` without running it.
    pub(crate) fn fail(self, error: WireError) {
        match self {
            Envelope::Call { reply, .. } => {
                let _ = reply.send(Err(error));
            }
            Envelope::Connect { reply, .. } | Envelope::Destroy { reply } => {
                let _ = reply.send(Err(error));
            }
            Envelope::Stop { reply } => {
                let _ = reply.send(());
            }
            Envelope::ConnAction { .. }
            | Envelope::Subscribe { .. }
            | Envelope::Disconnect { .. }
            | Envelope::Timer(_)
            | Envelope::Sleep => {}
        }
    }
}

/// A reply waiting for the turn's commit.
#[derive(Debug)]
pub(crate) enum Reply {
    Call(
        oneshot::Sender<std::result::Result<Value, WireError>>,
        std::result::Result<Value, WireError>,
    ),
    Conn {
        conn_id: String,
        action_id: u64,
        result: std::result::Result<Value, WireError>,
    },
    Connect(
        oneshot::Sender<std::result::Result<(), WireError>>,
        std::result::Result<(), WireError>,
    ),
}

impl Reply {
    fn into_error(self, error: WireError) -> Reply {
        match self {
            Reply::Call(tx, _) => Reply::Call(tx, Err(error)),
            Reply::Conn {
                conn_id, action_id, ..
            } => Reply::Conn {
                conn_id,
                action_id,
                result: Err(error),
            },
            Reply::Connect(tx, _) => Reply::Connect(tx, Err(error)),
        }
    }
}

/// Who waits for an in-flight future.
enum Target {
    Call(oneshot::Sender<std::result::Result<Value, WireError>>),
    Conn {
        conn_id: String,
        action_id: u64,
    },
    Connect {
        conn_id: String,
        reply: oneshot::Sender<std::result::Result<(), WireError>>,
    },
    Timer {
        id: String,
        action: String,
    },
    Hook(&'static str),
}

/// How an in-flight future ended.
enum Outcome {
    Done(Result<Value>),
    Panicked(String),
    TimedOut,
}

/// Why the turn loop ends.
enum Stop {
    Sleep,
    Destroy(Option<oneshot::Sender<std::result::Result<(), WireError>>>),
    Shutdown(Option<oneshot::Sender<()>>),
}

pub(crate) fn panic_message(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// An in-flight action, hook or timer: its sequence number and its future, which turns a
/// panic into [`Outcome::Panicked`]. Timeouts are the instance's (one timer for all, see
/// [`Instance::expire`]), not one per future.
struct InFlight {
    seq: u64,
    fut: BoxFuture<'static, Outcome>,
}

impl InFlight {
    fn new(seq: u64, fut: impl Future<Output = Result<Value>> + Send + 'static) -> Self {
        let fut = Box::pin(async move {
            match AssertUnwindSafe(fut).catch_unwind().await {
                Ok(r) => Outcome::Done(r),
                Err(p) => Outcome::Panicked(panic_message(&*p)),
            }
        });
        InFlight { seq, fut }
    }
}

impl Future for InFlight {
    type Output = (u64, Outcome);

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<(u64, Outcome)> {
        let seq = self.seq;
        self.fut.as_mut().poll(cx).map(|outcome| (seq, outcome))
    }
}

/// Who waits for an in-flight future, and until when.
struct Pending {
    target: Target,
    deadline: Instant,
}

/// Runs a boot-time hook, turning a panic into an internal error.
async fn hook<T>(what: &str, fut: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(r) => r,
        Err(p) => Err(ActorError::internal(format!(
            "{what} panicked: {}",
            panic_message(&*p)
        ))),
    }
}

fn decode_value<T: serde::de::DeserializeOwned>(
    value: Option<Value>,
    what: &str,
) -> Result<Option<T>> {
    value
        .map(|v| {
            actorium_protocol::compat::deserialize(v).map_err(|e| {
                ActorError::public(WireError::invalid_request(format!("Invalid {what}: {e}")))
            })
        })
        .transpose()
}

fn decode_state<A: Actor>(bytes: &[u8]) -> std::result::Result<A, String> {
    ciborium::from_reader(bytes).map_err(|e| format!("stored state does not decode: {e}"))
}

/// Removes the instance's slot from the host when the task ends, however it ends.
struct SlotGuard {
    host: Host,
    id: String,
    slot: u64,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.host.remove_slot(&self.id, self.slot);
    }
}

/// The task of one live actor.
pub(crate) async fn run<A: Actor>(
    host: Host,
    meta: Arc<ActorMeta>,
    start: Start,
    mut rx: MailboxRx,
    slot: u64,
) {
    let _guard = SlotGuard {
        host: host.clone(),
        id: meta.id.clone(),
        slot,
    };
    let (ctx, committed) = match start {
        Start::Resume(parked) => match parked.downcast::<Parked<A>>() {
            Ok(p) => (p.ctx, p.committed),
            Err(_) => {
                tracing::error!(actor = %meta.id, "parked context of another actor type");
                return;
            }
        },
        // Run once per instance: boxed, so the task's future stays small.
        start => match Box::pin(boot::<A>(&host, &meta, start)).await {
            Ok((ctx, committed)) => (Arc::new(ctx), committed),
            Err((error, not_found)) => {
                let wire = if not_found {
                    WireError::actor_not_found()
                } else {
                    tracing::error!(actor = %meta.id, name = %meta.name, %error, "actor failed to start");
                    error.to_wire()
                };
                let stop = host.begin_stop(&meta.id, slot);
                rx.close();
                while let Ok(env) = rx.try_recv() {
                    env.fail(wire.clone());
                }
                host.end_stop(&meta.id, stop);
                return;
            }
        },
    };
    let mut inst = Instance {
        host: host.clone(),
        meta: meta.clone(),
        ctx,
        in_flight: FuturesUnordered::new(),
        targets: BTreeMap::new(),
        next_seq: 0,
        committed,
        panicked: false,
        timers_done: Vec::new(),
        stop: None,
        slot,
    };
    // Changes made by on_create / on_wake beyond the creation commit.
    inst.settle().await;
    // `None`: parked; the host keeps the context and this task just ends.
    if let Some(stop) = inst.turn_loop(&mut rx).await {
        Box::pin(inst.finish(stop, rx)).await;
    }
}

/// Creates or wakes the actor: the context, its vars, and the committed state bytes.
async fn boot<A: Actor>(
    host: &Host,
    meta: &Arc<ActorMeta>,
    start: Start,
) -> std::result::Result<(Ctx<A>, Vec<u8>), (ActorError, bool)> {
    let client = host.actor_client();
    match start {
        Start::Resume(_) => Err((ActorError::internal("a parked actor does not boot"), false)),
        Start::Wake { after } => {
            if let Some(mut after) = after {
                let _ = after.wait_for(|done| *done).await;
            }
            let bytes = host
                .storage()
                .load_state(&meta.id)
                .await
                .map_err(|e| (ActorError::from(e), false))?;
            let Some(bytes) = bytes else {
                return Err((ActorError::internal("actor has no stored state"), true));
            };
            let state = decode_state::<A>(&bytes).map_err(|e| (ActorError::internal(e), false))?;
            let ctx = Ctx::new(
                meta.clone(),
                state,
                client,
                host.config().data_dir.as_path().into(),
            );
            wake(&ctx).await.map_err(|e| (e, false))?;
            tracing::debug!(actor = %meta.id, name = %meta.name, "woke");
            Ok((ctx, bytes))
        }
        Start::Create { input, reply } => {
            let created = create::<A>(host, meta, input, client).await;
            match created {
                Ok(x) => {
                    let _ = reply.send(Ok(()));
                    tracing::debug!(actor = %meta.id, name = %meta.name, key = %meta.key, "created");
                    Ok(x)
                }
                Err(e) => {
                    let wire = e.to_wire();
                    if e.is_internal() {
                        tracing::error!(actor = %meta.id, name = %meta.name, error = %e, "actor creation failed");
                    }
                    let _ = reply.send(Err(wire));
                    // The creator got the error; nothing was stored.
                    Err((e, true))
                }
            }
        }
    }
}

async fn create<A: Actor>(
    host: &Host,
    meta: &Arc<ActorMeta>,
    input: Option<Value>,
    client: crate::client::ActorClient,
) -> Result<(Ctx<A>, Vec<u8>)> {
    let first: Option<A::Input> = decode_value(input.clone(), "input")?;
    let second: Option<A::Input> = decode_value(input, "input")?;
    let state = hook("create_state", A::create_state(&InitCtx::new(meta), first)).await?;
    let ctx = Ctx::new(
        meta.clone(),
        state,
        client,
        host.config().data_dir.as_path().into(),
    );
    hook("on_create", A::on_create(&ctx, second)).await?;
    wake(&ctx).await?;
    let bytes = ctx.encode_state().map_err(ActorError::internal)?;
    ctx.take_dirty();
    let mut writes = vec![
        Write::CreateActor(ActorRecord {
            id: meta.id.clone(),
            name: meta.name.clone(),
            key: meta.key.clone(),
            create_ts: meta.create_ts,
        }),
        Write::PutState {
            id: meta.id.clone(),
            state: bytes.clone(),
        },
    ];
    let effects = ctx.take_effects();
    writes.extend(effects.timers.iter().cloned().map(Write::PutTimer));
    host.storage().commit(writes).await.map_err(|e| match e {
        crate::storage::StorageError::DuplicateKey { existing_actor_id } => ActorError::public(
            WireError::duplicate_key(&meta.key.to_rest(), &existing_actor_id),
        ),
        other => ActorError::from(other),
    })?;
    for t in effects.timers {
        host.timers().add(t);
    }
    Ok((ctx, bytes))
}

async fn wake<A: Actor>(ctx: &Ctx<A>) -> Result<()> {
    let vars = hook("create_vars", A::create_vars(ctx)).await?;
    ctx.set_vars(vars);
    hook("on_wake", A::on_wake(ctx)).await
}

struct Instance<A: Actor> {
    host: Host,
    meta: Arc<ActorMeta>,
    ctx: Arc<Ctx<A>>,
    in_flight: FuturesUnordered<InFlight>,
    /// By sequence number; deadlines grow with it (one timeout for all), so the first entry
    /// is the next to time out.
    targets: BTreeMap<u64, Pending>,
    next_seq: u64,
    /// CBOR of the last committed state.
    committed: Vec<u8>,
    /// A future panicked during this turn.
    panicked: bool,
    /// Timers that fired and finished; deleted with the next commit.
    timers_done: Vec<String>,
    stop: Option<Stop>,
    /// This instance's slot number in the host.
    slot: u64,
}

impl<A: Actor> Instance<A> {
    fn specifier(&self) -> ActorSpecifier {
        ActorSpecifier {
            actor_id: self.meta.id.clone(),
            generation: 1,
            key: Some(self.meta.key.to_rest()),
        }
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn push(&mut self, target: Target, fut: impl Future<Output = Result<Value>> + Send + 'static) {
        let seq = self.seq();
        let deadline = Instant::now() + self.host.config().action_timeout;
        self.targets.insert(seq, Pending { target, deadline });
        self.in_flight.push(InFlight::new(seq, fut));
    }

    /// Fails everything whose deadline has passed with `actor.action_timed_out` and drops its
    /// future (rare: the in-flight set is rebuilt without them).
    fn expire(&mut self, now: Instant) {
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
    async fn turn_loop(&mut self, rx: &mut MailboxRx) -> Option<Stop> {
        let config = self.host.config();
        let idle_timeout = config.idle_timeout;
        let park_after = (config.park_after < idle_timeout).then_some(config.park_after);
        let mut last_activity = Instant::now();
        // One timer for the instance: the idle deadline (park or sleep) or the oldest action's
        // timeout, whichever is first. It is moved earlier when needed and otherwise left to
        // fire early and be re-armed, so a busy actor does not touch the timer wheel per call.
        let mut timer = Box::pin(tokio::time::sleep_until(last_activity));
        let mut armed: Option<Instant> = None;
        loop {
            if let Some(stop) = self.stop.take() {
                if self.in_flight.is_empty() {
                    return Some(stop);
                }
                self.stop = Some(stop);
            }
            let accepting = self.stop.is_none();
            let idle = accepting && self.in_flight.is_empty() && lock(&self.ctx.conns).is_empty();
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
                reply,
            } => self.push(Target::Call(reply), async move {
                let params: Option<A::ConnParams> = decode_value(params, "connection params")?;
                A::on_before_connect(&ctx, params.as_ref()).await?;
                let state = A::create_conn_state(&ctx, params.as_ref()).await?;
                // The ephemeral connection of a stateless call: nothing is ever sent on it.
                let conn = Arc::new(Conn::<A>::ephemeral(
                    params,
                    state,
                    closed_conn_sender(),
                    ctx.effects.clone(),
                ));
                WithConn::new(Some(conn), A::dispatch(&ctx, &action, args)).await
            }),
            Envelope::Connect {
                conn_id,
                params,
                sender,
                reply,
            } => {
                let target = Target::Connect {
                    conn_id: conn_id.clone(),
                    reply,
                };
                self.push(target, async move {
                    let params: Option<A::ConnParams> = decode_value(params, "connection params")?;
                    A::on_before_connect(&ctx, params.as_ref()).await?;
                    let state = A::create_conn_state(&ctx, params.as_ref()).await?;
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
                    WithConn::new(Some(conn), A::dispatch(&ctx, &action, args)).await
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
    fn drop_conn(&mut self, conn_id: &str) {
        let ctx = self.ctx.clone();
        let removed = lock(&ctx.conns).remove(conn_id);
        if let Some(conn) = removed {
            self.push(Target::Hook("on_disconnect"), async move {
                A::on_disconnect(&ctx, &conn).await?;
                Ok(Value::Null)
            });
        }
    }

    fn complete(&mut self, seq: u64, outcome: Outcome) {
        let Some(Pending { target, .. }) = self.targets.remove(&seq) else {
            return;
        };
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
            Target::Timer { id, action } => {
                if let Err(e) = result {
                    tracing::warn!(actor = %self.meta.id, %action, error = %e, "timer action failed");
                }
                self.timers_done.push(id);
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

    /// Ends a turn: commit (or roll back), `on_state_change`, then send.
    async fn settle(&mut self) {
        let effects = self.ctx.take_effects();
        if self.panicked {
            Box::pin(self.roll_back(effects.outbox)).await;
            return;
        }
        let mut writes = Vec::new();
        let mut new_state = None;
        if self.ctx.take_dirty() {
            match self.ctx.encode_state() {
                Ok(bytes) if bytes != self.committed => {
                    writes.push(Write::PutState {
                        id: self.meta.id.clone(),
                        state: bytes.clone(),
                    });
                    new_state = Some(bytes);
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(actor = %self.meta.id, error = %e, "state does not serialize; rolling back");
                    Box::pin(self.roll_back(effects.outbox)).await;
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
                Box::pin(self.roll_back(outbox)).await;
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
            }
        }
        self.flush(outbox);
    }

    /// Restores the last committed state and fails everything of the turn and in flight.
    async fn roll_back(&mut self, outbox: Vec<Outgoing>) {
        self.panicked = false;
        match decode_state::<A>(&self.committed) {
            Ok(state) => self.ctx.restore_state(state),
            Err(e) => {
                tracing::error!(actor = %self.meta.id, error = %e, "cannot restore the committed state")
            }
        }
        self.ctx.take_effects();
        let error = WireError::internal();
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
                Target::Timer { .. } | Target::Hook(_) => {}
            }
        }
        for o in outbox {
            if let Outgoing::Reply(r) = o {
                let r = match r {
                    // Errors stay as they are (they did not depend on the rolled-back state).
                    r @ (Reply::Call(_, Err(_))
                    | Reply::Conn { result: Err(_), .. }
                    | Reply::Connect(_, Err(_))) => r,
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

    fn flush(&mut self, outbox: Vec<Outgoing>) {
        for o in outbox {
            match o {
                Outgoing::Broadcast { name, args } => {
                    for conn in self.ctx.conns() {
                        if conn.is_subscribed(&name) {
                            self.send_to(
                                &conn,
                                ConnOut::Msg(ToClient::Event {
                                    name: name.clone(),
                                    args: args.clone(),
                                }),
                            );
                        }
                    }
                }
                Outgoing::Send { conn, name, args } => {
                    if let Some(conn) = self.ctx.conn_by_id(&conn) {
                        self.send_to(&conn, ConnOut::Msg(ToClient::Event { name, args }));
                    }
                }
                Outgoing::Reply(r) => self.deliver(r),
            }
        }
    }

    fn deliver(&mut self, reply: Reply) {
        match reply {
            Reply::Call(tx, result) => {
                let _ = tx.send(result);
            }
            Reply::Connect(tx, result) => {
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
                self.send_to(&conn, ConnOut::Msg(msg));
            }
        }
    }

    fn send_to(&mut self, conn: &Arc<Conn<A>>, out: ConnOut) {
        if let Err(mpsc::error::TrySendError::Full(_)) = conn.sender.try_send(out) {
            tracing::warn!(actor = %self.meta.id, conn = %conn.id(), "connection does not keep up; closing it");
            let _ = conn.sender.try_send(ConnOut::Close {
                code: 1011,
                reason: "actor.overloaded".into(),
            });
            self.drop_conn(conn.id());
        }
    }

    /// Sleep, destroy or shutdown, once nothing is in flight.
    async fn finish(mut self, stop: Stop, mut rx: MailboxRx) {
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
                let (code, reason) = (1001, "ws.going_away");
                for conn in ctx.conns() {
                    let _ = conn.sender.try_send(ConnOut::Close {
                        code,
                        reason: reason.into(),
                    });
                }
                lock(&ctx.conns).clear();
                self.host.end_stop(&id, handle);
                tracing::debug!(actor = %id, "asleep");
                match stop {
                    Stop::Shutdown(reply) => {
                        for env in leftovers {
                            env.fail(WireError::new(
                                "actor",
                                "stopping",
                                "The server is shutting down.",
                            ));
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
                    let _ = conn.sender.try_send(ConnOut::Close {
                        code: 1011,
                        reason: "actor.destroyed".into(),
                    });
                }
                lock(&ctx.conns).clear();
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

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The sender of ephemeral connections: nothing is ever sent on them, so they share one closed
/// channel instead of allocating a fresh one per HTTP action.
fn closed_conn_sender() -> crate::host::conn::ConnSender {
    static CLOSED: std::sync::OnceLock<crate::host::conn::ConnSender> = std::sync::OnceLock::new();
    CLOSED.get_or_init(|| mpsc::channel(1).0).clone()
}
