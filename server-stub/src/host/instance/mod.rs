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

mod background;
mod boot;
mod commit;
mod inflight;
mod raw;
mod stop;
mod streams;
mod turn;

use std::any::Any;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use actorium_protocol::{ActorSpecifier, Value, WireError};
use futures_util::stream::FuturesUnordered;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

use super::Host;
use super::mailbox::MailboxRx;
use crate::actor::{Actor, ConnSender, Ctx};
use crate::error::Result;
use crate::meta::ActorMeta;
use inflight::{InFlight, Pending, Target};
use stop::Stop;

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
        start => match Box::pin(boot::boot::<A>(&host, &meta, start)).await {
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
    pub(super) fn specifier(&self) -> ActorSpecifier {
        ActorSpecifier {
            actor_id: self.meta.id.clone(),
            generation: self.meta.generation.into(),
            key: Some(self.meta.key.to_rest()),
        }
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub(super) fn push(
        &mut self,
        target: Target,
        fut: impl Future<Output = Result<Value>> + Send + 'static,
    ) {
        let seq = self.seq();
        let timeout = A::options()
            .action_timeout
            .unwrap_or(self.host.config().action_timeout);
        let deadline = Instant::now() + timeout;
        self.targets.insert(seq, Pending { target, deadline });
        self.in_flight.push(InFlight::new(seq, fut));
    }
}

/// The sender of ephemeral connections: nothing is ever sent on them, so they share one closed
/// channel instead of allocating a fresh one per HTTP action.
fn closed_conn_sender() -> ConnSender {
    static CLOSED: std::sync::OnceLock<ConnSender> = std::sync::OnceLock::new();
    CLOSED.get_or_init(|| ConnSender::channel(0).0).clone()
}
