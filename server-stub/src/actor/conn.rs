//! A connection to an actor ([`Conn`]): its id, params, connection state and subscriptions, and
//! [`with_conn`], which makes it the current connection while an action is polled.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use actorium_protocol::Value;

use super::Actor;
use super::ConnSender;
use super::effects::{Outgoing, TurnEffects};
use super::scoped::{self, Scoped};
use super::state::{StateMut, StateRef, borrow, borrow_mut};
use crate::sync::lock;

thread_local! {
    /// The connection of the action being polled (set by [`with_conn`] around each poll).
    static CURRENT_CONN: std::cell::RefCell<Option<Arc<dyn std::any::Any + Send + Sync>>> =
        const { std::cell::RefCell::new(None) };
}

/// `inner`, polled with `conn` as the current connection ([`Ctx::conn`]).
pub(crate) fn with_conn<A: Actor, F>(
    conn: Option<Arc<Conn<A>>>,
    inner: F,
) -> Scoped<Arc<dyn std::any::Any + Send + Sync>, F> {
    let conn = conn.map(|c| c as Arc<dyn std::any::Any + Send + Sync>);
    Scoped::new(&CURRENT_CONN, conn, inner)
}

/// The connection of the action being polled on this thread, if it is a `Conn<A>`.
pub(crate) fn current<A: Actor>() -> Option<Arc<Conn<A>>> {
    scoped::current(&CURRENT_CONN).and_then(|c| c.downcast::<Conn<A>>().ok())
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

/// A connection of a sleeping actor ([`crate::ActorOptions::hibernatable_connections`]):
/// everything of a [`Conn`] but its tie to the instance's turn, kept by the host until the
/// actor wakes.
pub(crate) struct HibernatedConn<A: Actor> {
    id: String,
    params: Option<A::ConnParams>,
    state: A::ConnState,
    subscriptions: HashSet<String>,
    sender: ConnSender,
}

impl<A: Actor> HibernatedConn<A> {
    /// The channel to the front door (to close the connection without waking the actor).
    pub(crate) fn sender(&self) -> &ConnSender {
        &self.sender
    }

    /// The connection again, in the instance whose turns share `effects`.
    pub(crate) fn wake(self, effects: Arc<Mutex<TurnEffects>>) -> Arc<Conn<A>> {
        let conn = Conn::with_id(
            OnceLock::from(self.id),
            self.params,
            self.state,
            self.sender,
            effects,
        );
        *lock(&conn.subscriptions) = self.subscriptions;
        Arc::new(conn)
    }
}

impl<A: Actor> Conn<A> {
    /// The connection without its instance, or the connection back if something else still
    /// holds it (an `Arc<Conn>` kept in the actor's vars: it cannot hibernate).
    pub(crate) fn hibernate(conn: Arc<Conn<A>>) -> Result<HibernatedConn<A>, Arc<Conn<A>>> {
        let conn = Arc::try_unwrap(conn)?;
        let id = conn.id().to_string();
        Ok(HibernatedConn {
            id,
            params: conn.params,
            state: conn
                .state
                .into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            subscriptions: conn
                .subscriptions
                .into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            sender: conn.sender,
        })
    }
}

/// A UUID v4 from the thread's userspace random generator (`Uuid::new_v4` costs a `getrandom`
/// system call).
fn ephemeral_conn_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}
