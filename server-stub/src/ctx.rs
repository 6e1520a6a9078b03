//! The actor context [`Ctx`]: identity, state guards, vars, events, connections, timers,
//! actor-to-actor client, sleep and destroy.
//!
//! State is reached through guards ([`StateRef`], [`StateMut`]) that are not `Send`, so a guard
//! kept alive across an `.await` makes the action future `!Send`, which [`crate::Actor::dispatch`]
//! rejects at compile time. The lock behind them is never contended (all of one actor's actions
//! are polled on one task); a second borrow while a mutable guard is alive, as in
//! `c.state_mut().n = c.state().n + 1`, panics with a clear message instead of deadlocking.

use std::collections::{BTreeMap, HashSet};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, TryLockError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actorium_protocol::{ActorKey, Value};
use serde::Serialize;

use crate::actor::Actor;
use crate::client::ActorClient;
use crate::error::Result;
use crate::host::conn::ConnSender;
use crate::storage::TimerRecord;

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
}

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

/// Shared read access to state; not `Send`, so it cannot be held across an `.await`.
pub struct StateRef<'a, T> {
    guard: std::sync::RwLockReadGuard<'a, T>,
    _not_send: PhantomData<*const ()>,
}

impl<T> Deref for StateRef<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

/// Exclusive write access to state; not `Send`, so it cannot be held across an `.await`.
pub struct StateMut<'a, T> {
    guard: std::sync::RwLockWriteGuard<'a, T>,
    _not_send: PhantomData<*const ()>,
}

impl<T> Deref for StateMut<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for StateMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

pub(crate) fn borrow<'a, T>(lock: &'a RwLock<T>, what: &str) -> StateRef<'a, T> {
    let guard = match lock.try_read() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => panic!(
            "{what} is already borrowed mutably: a `state_mut()` guard is still alive \
             (as in `c.state_mut().n = c.state().n + 1`); read into a local first, or use the \
             one mutable guard for both"
        ),
    };
    StateRef {
        guard,
        _not_send: PhantomData,
    }
}

pub(crate) fn borrow_mut<'a, T>(lock: &'a RwLock<T>, what: &str) -> StateMut<'a, T> {
    let guard = match lock.try_write() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => panic!(
            "{what} is already borrowed: another `state()` or `state_mut()` guard is still alive \
             (as in `c.state_mut().n = c.state().n + 1`); read into a local first, or use the \
             one mutable guard for both"
        ),
    };
    StateMut {
        guard,
        _not_send: PhantomData,
    }
}

thread_local! {
    /// The connection of the action being polled (set by [`WithConn`] around each poll).
    static CURRENT_CONN: std::cell::RefCell<Option<Arc<dyn std::any::Any + Send + Sync>>> =
        const { std::cell::RefCell::new(None) };
}

/// Polls an action with [`Ctx::conn`] set to its connection.
pub(crate) struct WithConn<F> {
    conn: Option<Arc<dyn std::any::Any + Send + Sync>>,
    inner: F,
}

impl<F> WithConn<F> {
    pub(crate) fn new<A: Actor>(conn: Option<Arc<Conn<A>>>, inner: F) -> Self {
        WithConn {
            conn: conn.map(|c| c as Arc<dyn std::any::Any + Send + Sync>),
            inner,
        }
    }
}

impl<F: std::future::Future + Unpin> std::future::Future for WithConn<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let this = &mut *self;
        let previous = CURRENT_CONN.with(|c| c.replace(this.conn.clone()));
        // Restore even if the action panics (the panic is caught further up).
        struct Restore(Option<Arc<dyn std::any::Any + Send + Sync>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                CURRENT_CONN.with(|c| *c.borrow_mut() = previous);
            }
        }
        let _restore = Restore(previous);
        std::pin::Pin::new(&mut this.inner).poll(cx)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Something an actor sends during a turn; held until the turn's changes are committed.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// An event for every connection subscribed to `name`.
    Broadcast { name: String, args: Vec<Value> },
    /// An event for one connection (if it is subscribed or not: direct sends always go out).
    Send {
        conn: String,
        name: String,
        args: Vec<Value>,
    },
    /// The reply of a finished call (queued by the host in completion order).
    Reply(crate::host::instance::Reply),
}

/// What a turn left for the host: outgoing messages, timers, sleep/destroy requests.
#[derive(Debug, Default)]
pub(crate) struct TurnEffects {
    pub outbox: Vec<Outgoing>,
    pub timers: Vec<TimerRecord>,
    pub cancelled_timers: Vec<String>,
}

/// A WebSocket connection to an actor.
pub struct Conn<A: Actor> {
    /// Set at once for WebSocket connections; made on first use for the ephemeral connection
    /// of an HTTP action (most actions never ask for it).
    id: OnceLock<String>,
    params: Option<A::ConnParams>,
    state: RwLock<A::ConnState>,
    pub(crate) subscriptions: Mutex<HashSet<String>>,
    pub(crate) sender: ConnSender,
    effects: Arc<Mutex<TurnEffects>>,
}

impl<A: Actor> Conn<A> {
    pub(crate) fn new(
        id: String,
        params: Option<A::ConnParams>,
        state: A::ConnState,
        sender: ConnSender,
        effects: Arc<Mutex<TurnEffects>>,
    ) -> Self {
        Self::with_id(OnceLock::from(id), params, state, sender, effects)
    }

    /// The ephemeral connection of a stateless call (HTTP action, actor-to-actor call):
    /// nothing is ever sent on it, and its id is made only if asked for.
    pub(crate) fn ephemeral(
        params: Option<A::ConnParams>,
        state: A::ConnState,
        sender: ConnSender,
        effects: Arc<Mutex<TurnEffects>>,
    ) -> Self {
        Self::with_id(OnceLock::new(), params, state, sender, effects)
    }

    fn with_id(
        id: OnceLock<String>,
        params: Option<A::ConnParams>,
        state: A::ConnState,
        sender: ConnSender,
        effects: Arc<Mutex<TurnEffects>>,
    ) -> Self {
        Conn {
            id,
            params,
            state: RwLock::new(state),
            subscriptions: Mutex::new(HashSet::new()),
            sender,
            effects,
        }
    }

    /// The connection id (a UUID, as sent in `Init`).
    pub fn id(&self) -> &str {
        self.id.get_or_init(ephemeral_conn_id)
    }

    /// The params the client connected with.
    pub fn params(&self) -> Option<&A::ConnParams> {
        self.params.as_ref()
    }

    /// Reads the connection state.
    pub fn state(&self) -> StateRef<'_, A::ConnState> {
        borrow(&self.state, "the connection state")
    }

    /// Writes the connection state (ephemeral; not persisted).
    pub fn state_mut(&self) -> StateMut<'_, A::ConnState> {
        borrow_mut(&self.state, "the connection state")
    }

    /// Whether the connection subscribed to `event`.
    pub fn is_subscribed(&self, event: &str) -> bool {
        lock(&self.subscriptions).contains(event)
    }

    /// Sends an event to this connection only (after the turn's commit, like broadcasts).
    pub fn send(&self, name: &str, args: Vec<Value>) {
        lock(&self.effects).outbox.push(Outgoing::Send {
            conn: self.id().to_string(),
            name: name.to_string(),
            args,
        });
    }
}

/// The context every action and hook gets.
pub struct Ctx<A: Actor> {
    meta: Arc<ActorMeta>,
    state: RwLock<A>,
    dirty: AtomicBool,
    vars: OnceLock<A::Vars>,
    pub(crate) conns: Mutex<BTreeMap<String, Arc<Conn<A>>>>,
    pub(crate) effects: Arc<Mutex<TurnEffects>>,
    sleep_requested: AtomicBool,
    destroy_requested: AtomicBool,
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
            effects: Arc::new(Mutex::new(TurnEffects::default())),
            sleep_requested: AtomicBool::new(false),
            destroy_requested: AtomicBool::new(false),
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

    /// The server's directory for the actors' own files, e.g. an external database
    /// ([`crate::HostConfig::data_dir`]).
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

    // ---- host side ----

    pub(crate) fn set_vars(&self, vars: A::Vars) {
        let _ = self.vars.set(vars);
    }

    pub(crate) fn take_dirty(&self) -> bool {
        self.dirty.swap(false, Ordering::Relaxed)
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
        CURRENT_CONN
            .with(|c| c.borrow().clone())
            .and_then(|c| c.downcast::<Conn<A>>().ok())
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
        let value = crate::actor::to_value(arg)?;
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

/// A UUID v4 from the thread's userspace random generator (`Uuid::new_v4` costs a `getrandom`
/// system call).
fn ephemeral_conn_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}
