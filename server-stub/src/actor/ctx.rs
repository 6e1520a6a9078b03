//! The actor context [`Ctx`]: identity, state guards, vars, events, connections, timers,
//! actor-to-actor client, sleep and destroy; [`InitCtx`] for `create_state`; [`Events`] and
//! [`Schedule`], what `c.events()` and `c.schedule()` give.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actorium_protocol::{ActorKey, Value};
use serde::Serialize;

use super::Actor;
use super::conn::Conn;
use super::effects::{Outgoing, TurnEffects};
use super::raw_ws::RawSocket;
use super::state::{StateMut, StateRef, borrow, borrow_mut};
use crate::error::Result;
use crate::meta::ActorMeta;
use crate::storage::TimerRecord;
use crate::sync::lock;

/// The client an actor calls other actors with ([`Ctx::client`]): the same `actorium::Client`
/// as outside, routed in-process to the actors this server hosts.
pub type ActorClient = actorium_client::Client;

/// The context of [`Actor::create_state`]: identity only (there is no state yet).
#[derive(Debug)]
pub struct InitCtx<'a> {
    meta: &'a ActorMeta,
}

impl<'a> InitCtx<'a> {
    pub(crate) fn new(meta: &'a ActorMeta) -> Self {
        InitCtx { meta }
    }

    /// The actor's key.
    pub fn key(&self) -> &ActorKey {
        &self.meta.key
    }

    /// The actor id.
    pub fn actor_id(&self) -> &str {
        &self.meta.id
    }

    /// The actor's wire name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }
}

/// Work left by [`Ctx::wait_until`]: given the context, the future to run.
pub(crate) type Task<A> =
    Box<dyn FnOnce(Arc<Ctx<A>>) -> futures_util::future::BoxFuture<'static, Result<()>> + Send>;

/// The context every action and hook gets.
pub struct Ctx<A: Actor> {
    meta: Arc<ActorMeta>,
    state: RwLock<A>,
    dirty: AtomicBool,
    vars: OnceLock<A::Vars>,
    pub(crate) conns: Mutex<BTreeMap<String, Arc<Conn<A>>>>,
    /// Open raw WebSockets, by id.
    pub(crate) raw_sockets: Mutex<BTreeMap<String, Arc<RawSocket>>>,
    pub(crate) effects: Arc<Mutex<TurnEffects>>,
    /// Raw HTTP response bodies still streaming (server-sent events): each keeps the actor
    /// awake, as an open connection does.
    pub(crate) open_streams: Arc<AtomicUsize>,
    sleep_requested: AtomicBool,
    destroy_requested: AtomicBool,
    /// Work left by [`Ctx::wait_until`], started by the instance after the current turn.
    tasks: Mutex<Vec<Task<A>>>,
    /// [`Ctx::set_prevent_sleep`].
    prevent_sleep: AtomicBool,
    /// Told when `prevent_sleep` is cleared (a sleep waiting for it goes on).
    pub(crate) prevent_sleep_cleared: tokio::sync::Notify,
    client: ActorClient,
    data_dir: Arc<std::path::Path>,
}

impl<A: Actor> Ctx<A> {
    pub(crate) fn new(
        meta: Arc<ActorMeta>,
        state: A,
        client: ActorClient,
        data_dir: Arc<std::path::Path>,
    ) -> Self {
        Ctx {
            meta,
            state: RwLock::new(state),
            dirty: AtomicBool::new(false),
            vars: OnceLock::new(),
            conns: Mutex::new(BTreeMap::new()),
            raw_sockets: Mutex::new(BTreeMap::new()),
            effects: Arc::new(Mutex::new(TurnEffects::default())),
            open_streams: Arc::new(AtomicUsize::new(0)),
            sleep_requested: AtomicBool::new(false),
            destroy_requested: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
            prevent_sleep: AtomicBool::new(false),
            prevent_sleep_cleared: tokio::sync::Notify::new(),
            client,
            data_dir,
        }
    }

    /// The actor's key.
    pub fn key(&self) -> &ActorKey {
        &self.meta.key
    }

    /// The actor id.
    pub fn actor_id(&self) -> &str {
        &self.meta.id
    }

    /// The actor's wire name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// Identity of the actor.
    pub fn meta(&self) -> &ActorMeta {
        &self.meta
    }

    /// Reads the state. Panics if a [`Ctx::state_mut`] guard is alive.
    pub fn state(&self) -> StateRef<'_, A> {
        borrow(&self.state, "the actor state")
    }

    /// Writes the state; the change is committed at the end of the turn, before any reply or
    /// event of the turn leaves the server. Panics if another guard is alive.
    pub fn state_mut(&self) -> StateMut<'_, A> {
        let guard = borrow_mut(&self.state, "the actor state");
        self.dirty.store(true, Ordering::Relaxed);
        guard
    }

    /// The ephemeral variables built by [`Actor::create_vars`]. Panics inside `create_vars`.
    pub fn vars(&self) -> &A::Vars {
        self.vars
            .get()
            .expect("vars are not available inside `create_vars` (they are being built)")
    }

    /// Typed broadcasts ([`Actor::Events`]: one method per event of the contract).
    pub fn events(&self) -> A::Events<'_> {
        A::Events::from(self)
    }

    /// Sends event `name` with `args` to every connection subscribed to it (after the turn's
    /// commit).
    pub fn broadcast(&self, name: &str, args: Vec<Value>) {
        self.broadcast_values(name, args.into_iter().map(Ok).collect());
    }

    /// [`Ctx::broadcast`] for generated code: arguments that failed to serialize drop the
    /// event (logged).
    pub fn broadcast_values(&self, name: &str, args: Vec<Result<Value>>) {
        let args = match args.into_iter().collect::<Result<Vec<_>>>() {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(actor = %self.meta.id, event = name, error = %e, "event arguments do not serialize; event dropped");
                return;
            }
        };
        lock(&self.effects).outbox.push(Outgoing::Broadcast {
            name: name.to_string(),
            args,
        });
    }

    /// The actor's open WebSocket connections.
    pub fn conns(&self) -> Vec<Arc<Conn<A>>> {
        lock(&self.conns).values().cloned().collect()
    }

    /// The actor's open raw WebSockets (see [`crate::actor::raw_ws`]), e.g. to send a chat
    /// line to every member.
    pub fn raw_sockets(&self) -> Vec<Arc<RawSocket>> {
        lock(&self.raw_sockets).values().cloned().collect()
    }

    /// The server's directory for the actors' own files, e.g. an external database (the
    /// host's `data_dir` setting: the serve helper's `--data-dir`).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// A client for calling other actors (in-process when they are hosted here).
    pub fn client(&self) -> &ActorClient {
        &self.client
    }

    /// Durable timers: call one of this actor's actions later.
    pub fn schedule(&self) -> Schedule<'_, A> {
        Schedule { ctx: self }
    }

    /// Asks the host to put the actor to sleep after the current turn (as soon as it has no
    /// work in flight).
    pub fn sleep(&self) {
        self.sleep_requested.store(true, Ordering::Relaxed);
    }

    /// Asks the host to destroy the actor after the current turn: `on_destroy`, then its state,
    /// timers and key are deleted and its connections closed.
    pub fn destroy(&self) {
        self.destroy_requested.store(true, Ordering::Relaxed);
    }

    /// Work that must finish before the actor sleeps (RivetKit's `waitUntil`): `task` gets the
    /// context and runs after the current turn, alongside actions and in the same turn model
    /// (what it changes is committed when the turn it finishes in settles; its sends leave
    /// after that commit). It keeps the actor awake, a sleep waits for it (at shutdown, at
    /// most the [`crate::ActorOptions::sleep_grace_period`]), and it is bounded by the action
    /// timeout. An error is logged; a panic rolls back its turn like a panicking action.
    ///
    /// ```ignore
    /// let conn = c.conn();
    /// c.wait_until(move |c| async move {
    ///     tokio::time::sleep(Duration::from_millis(10)).await;
    ///     c.state_mut().flushed += 1;
    ///     Ok(())
    /// });
    /// ```
    pub fn wait_until<F, Fut>(&self, task: F)
    where
        F: FnOnce(Arc<Ctx<A>>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<()>> + Send + 'static,
    {
        let task: Task<A> = Box::new(move |ctx| Box::pin(task(ctx)));
        lock(&self.tasks).push(task);
    }

    /// Keeps the actor awake while set (RivetKit's `setPreventSleep`): it does not sleep on
    /// its idle timeout, and a sleep that has begun (an explicit [`Ctx::sleep`], or shutdown)
    /// waits for it to be cleared, at most the [`crate::ActorOptions::sleep_grace_period`]
    /// after `on_sleep`. Not stored: a woken actor starts with it cleared (set it again in
    /// `on_wake`).
    pub fn set_prevent_sleep(&self, prevent: bool) {
        self.prevent_sleep.store(prevent, Ordering::Relaxed);
        if !prevent {
            self.prevent_sleep_cleared.notify_waiters();
        }
    }

    /// Whether [`Ctx::set_prevent_sleep`] keeps the actor awake.
    pub fn prevent_sleep(&self) -> bool {
        self.prevent_sleep.load(Ordering::Relaxed)
    }

    // ---- host side ----

    /// The work [`Ctx::wait_until`] left since the last call.
    pub(crate) fn take_tasks(&self) -> Vec<Task<A>> {
        std::mem::take(&mut *lock(&self.tasks))
    }

    pub(crate) fn set_vars(&self, vars: A::Vars) {
        let _ = self.vars.set(vars);
    }

    pub(crate) fn take_dirty(&self) -> bool {
        self.dirty.swap(false, Ordering::Relaxed)
    }

    pub(crate) fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Relaxed);
    }

    pub(crate) fn take_effects(&self) -> TurnEffects {
        std::mem::take(&mut *lock(&self.effects))
    }

    pub(crate) fn sleep_requested(&self) -> bool {
        self.sleep_requested.load(Ordering::Relaxed)
    }

    pub(crate) fn take_destroy_requested(&self) -> bool {
        self.destroy_requested.swap(false, Ordering::Relaxed)
    }

    pub(crate) fn clear_sleep_request(&self) {
        self.sleep_requested.store(false, Ordering::Relaxed);
    }

    /// Serializes the state to CBOR (the stored form).
    pub(crate) fn encode_state(&self) -> std::result::Result<Vec<u8>, String> {
        let guard = match self.state.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut out = Vec::new();
        ciborium::into_writer(&*guard, &mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// Replaces the state (after a panic, from the last commit).
    pub(crate) fn restore_state(&self, state: A) {
        let mut guard = match self.state.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *guard = state;
        drop(guard);
        self.state.clear_poison();
        self.dirty.store(false, Ordering::Relaxed);
    }

    pub(crate) fn conn_by_id(&self, id: &str) -> Option<Arc<Conn<A>>> {
        lock(&self.conns).get(id).cloned()
    }

    /// The connection the current action was called on: the WebSocket connection, or the
    /// ephemeral connection of an HTTP action (its params and the state
    /// [`Actor::create_conn_state`] built); `None` in timers and hooks. Only meaningful inside
    /// an action, from the actor's own task.
    pub fn conn(&self) -> Option<Arc<Conn<A>>> {
        super::conn::current::<A>()
    }

    /// The HTTP request that opened the connection being admitted (RivetKit's `c.request`):
    /// the WebSocket upgrade, or the `POST` of an HTTP action. Set in
    /// [`Actor::on_before_connect`] and [`Actor::create_conn_state`]; `None` elsewhere and for
    /// actor-to-actor calls.
    pub fn request(&self) -> Option<Arc<super::Request>> {
        super::request::current()
    }
}

/// Untyped events, the [`Actor::Events`] of hand-written actors (the `#[actor]` macro generates
/// a typed one per contract).
pub struct Events<'a, A: Actor> {
    ctx: &'a Ctx<A>,
}

impl<'a, A: Actor> From<&'a Ctx<A>> for Events<'a, A> {
    fn from(ctx: &'a Ctx<A>) -> Self {
        Events { ctx }
    }
}

impl<A: Actor> Events<'_, A> {
    /// Broadcasts event `name` with positional `args`.
    pub fn broadcast(&self, name: &str, args: Vec<Value>) {
        self.ctx.broadcast(name, args);
    }

    /// Broadcasts event `name` with one argument.
    pub fn emit<T: Serialize + ?Sized>(&self, name: &str, arg: &T) -> Result<()> {
        let value = super::args::to_value(arg)?;
        self.ctx.broadcast(name, vec![value]);
        Ok(())
    }
}

/// Durable timers: `c.schedule().after(..)` / `.at(..)`. A timer calls one of the actor's own
/// actions with the given arguments; it is committed with the turn that scheduled it, wakes
/// the actor if it sleeps, and fires after a server restart (timers missed while the server was
/// down fire on start). Delivery is at least once.
pub struct Schedule<'a, A: Actor> {
    ctx: &'a Ctx<A>,
}

impl<A: Actor> Schedule<'_, A> {
    /// Calls `action(args…)` after `delay`; returns the timer id.
    pub fn after(&self, delay: Duration, action: &str, args: Vec<Value>) -> String {
        self.at(SystemTime::now() + delay, action, args)
    }

    /// Calls `action(args…)` at `when`; returns the timer id.
    pub fn at(&self, when: SystemTime, action: &str, args: Vec<Value>) -> String {
        let at_ms = when
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let id = uuid::Uuid::new_v4().to_string();
        let mut buf = Vec::new();
        ciborium::into_writer(&Value::Array(args), &mut buf)
            .expect("writing CBOR to a Vec cannot fail");
        lock(&self.ctx.effects).timers.push(TimerRecord {
            id: id.clone(),
            actor_id: self.ctx.actor_id().to_string(),
            at_ms,
            action: action.to_string(),
            args: buf,
        });
        id
    }

    /// Cancels a timer scheduled earlier (committed with the turn).
    pub fn cancel(&self, timer_id: &str) {
        lock(&self.ctx.effects)
            .cancelled_timers
            .push(timer_id.to_string());
    }
}
