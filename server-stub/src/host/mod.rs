//! The actor host: one instance per actor id (single activation), created on demand, asleep
//! when idle, woken transparently; durable timers; graceful shutdown. It knows nothing of
//! HTTP: the front doors (the bundled server, the engine envoy) and the actors' own client
//! (`router`, in-process) call it.
//!
//! An actor in memory is *running* (a task and a mailbox) or *parked* (idle for
//! [`HostConfig::park_after`]: only its context and committed state bytes, a few hundred
//! bytes); a message to a parked actor resumes it at once, without hooks. Parked actors go to
//! sleep after [`HostConfig::idle_timeout`] from one host-wide deadline queue
//! (`parking`), not one timer each. Every actor in memory has its [`ActorMeta`] stored once and
//! found by id or by name and key without copying the caller's key (`directory`); an actor
//! that sleeps leaves it, so what stays per sleeping actor is nothing (its record is in
//! storage).

mod config;
mod delivery;
mod directory;
mod hibernation;
mod instance;
mod lifecycle;
mod lookup;
mod mailbox;
mod parking;
mod raw_socket;
mod registry;
mod router;
mod timers;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use actorium_protocol::{ActorKey, WireError};
use tokio::sync::watch;

pub use config::HostConfig;
pub use delivery::ConnHandle;
pub use raw_socket::RawSocketHandle;
pub use registry::Registry;

use directory::{ById, Directory, IdTable};
use mailbox::MailboxTx;
use parking::ParkingLot;
use router::HostRouter;
use timers::TimerService;

use crate::actor::ActorClient;
use crate::meta::ActorMeta;
use crate::storage::{Storage, StorageError};
use crate::sync::lock;

/// The creation lock of one (name, key).
type CreateLock = Arc<tokio::sync::Mutex<()>>;

/// An actor in memory: running (a task reading its mailbox) or parked (state and vars only).
struct Slot {
    meta: Arc<ActorMeta>,
    state: SlotState,
    /// Which incarnation of the actor's task this is (a new number on every start).
    slot: u64,
}

impl ById for Slot {
    fn actor_id(&self) -> &str {
        &self.meta.id
    }
}

enum SlotState {
    Running(MailboxTx),
    /// An `instance::Parked<A>` of the actor's type.
    Parked(Box<dyn std::any::Any + Send + Sync>),
}

/// Handed out while an instance stops; the next instance of the same actor waits for it.
pub(crate) struct StopHandle {
    tx: watch::Sender<bool>,
    token: u64,
}

pub(crate) struct HostInner {
    registry: Registry,
    client: ActorClient,
    storage: Arc<dyn Storage>,
    config: HostConfig,
    live: Mutex<IdTable<Slot>>,
    stopping: Mutex<HashMap<String, (u64, watch::Receiver<bool>)>>,
    /// The actors in memory by id and by key (released when they stop).
    directory: Mutex<Directory>,
    /// One lock per (name, key) being created, so that creations of different actors run in
    /// parallel while two creations of the same key cannot race.
    creating: Mutex<HashMap<(String, ActorKey), CreateLock>>,
    next_slot: AtomicU64,
    timers: TimerService,
    parking: ParkingLot,
    /// How many times a parked actor was resumed (for tests and tooling).
    resumes: AtomicU64,
    shutting_down: AtomicBool,
    /// The connections of sleeping actors that keep them ([`crate::ActorOptions::hibernatable_connections`]).
    hibernated: hibernation::HibernatedTable,
    /// Told the id of every instance that went to sleep on its own (idle or `ctx.sleep()`),
    /// for a front door that must report it (the engine envoy).
    sleep_listener: std::sync::OnceLock<SleepListener>,
}

/// See [`Host::set_sleep_listener`].
pub(crate) type SleepListener = Arc<dyn Fn(&str) + Send + Sync>;

/// The actor host (cheap to clone).
#[derive(Clone)]
pub struct Host(Arc<HostInner>);

/// A storage failure as clients see it, logged: a full disk (`storage.full`, 503) and corrupt
/// data (`storage.corrupt`) by name, anything else behind the generic internal error.
pub(crate) fn storage_error(e: StorageError) -> WireError {
    match e {
        StorageError::Full(detail) => {
            tracing::error!(%detail, "storage is full; the turn was not stored");
            WireError::storage_full()
        }
        StorageError::Corrupt(what) => {
            tracing::error!(%what, "stored data is corrupt; refusing it");
            WireError::storage_corrupt(&what)
        }
        other => {
            tracing::error!(error = %other, "storage error");
            WireError::internal()
        }
    }
}

impl Host {
    /// A host for `registry` on `storage`. Call [`Host::start`] before serving.
    pub fn new(registry: Registry, storage: Arc<dyn Storage>, config: HostConfig) -> Self {
        Self::build(registry, storage, config, None)
    }

    /// A host whose actors' client is `client` as is: no in-process routing, every
    /// actor-to-actor call goes over the network (the engine envoy, where the target may live
    /// on another process).
    pub fn with_remote_client(
        registry: Registry,
        storage: Arc<dyn Storage>,
        config: HostConfig,
        client: ActorClient,
    ) -> Self {
        Self::build(registry, storage, config, Some(client))
    }

    fn build(
        registry: Registry,
        storage: Arc<dyn Storage>,
        config: HostConfig,
        remote: Option<ActorClient>,
    ) -> Self {
        let mut options = actorium_client::ClientOptions::new(config.client_endpoint.clone())
            .disable_metadata_lookup(true)
            .ignore_env(true);
        if let Some(token) = &config.client_token {
            options = options.token(token.clone());
        }
        let base = actorium_client::Client::with_options(options).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "invalid client endpoint; remote actor calls will fail");
            actorium_client::Client::new(config.client_endpoint.clone())
        });
        Host(Arc::new_cyclic(|weak| HostInner {
            client: match remote {
                Some(client) => client,
                None => base.with_local_router(Arc::new(HostRouter { host: weak.clone() })),
            },
            registry,
            storage,
            config,
            live: Mutex::default(),
            stopping: Mutex::new(HashMap::new()),
            directory: Mutex::default(),
            creating: Mutex::new(HashMap::new()),
            next_slot: AtomicU64::new(1),
            timers: TimerService::default(),
            parking: ParkingLot::default(),
            resumes: AtomicU64::new(0),
            shutting_down: AtomicBool::new(false),
            hibernated: Default::default(),
            sleep_listener: std::sync::OnceLock::new(),
        }))
    }

    /// Starts a new instance of `meta` (`actor.stopping` during shutdown, `actor.invalid_name`
    /// if no such actor is registered): a fresh mailbox and slot number, registered as running
    /// in `live`, then its task spawned once the lock is released. Returns its mailbox.
    fn start_instance(
        &self,
        mut live: MutexGuard<'_, IdTable<Slot>>,
        meta: &Arc<ActorMeta>,
        start: instance::Start,
    ) -> Result<MailboxTx, WireError> {
        if self.0.shutting_down.load(Ordering::Relaxed) {
            return Err(WireError::stopping());
        }
        let factory = self
            .0
            .registry
            .factory(&meta.name)
            .ok_or_else(|| WireError::invalid_name(&meta.name))?
            .clone();
        let (tx, rx) = tokio::sync::mpsc::channel(self.0.config.mailbox_capacity);
        let slot = self.0.next_slot.fetch_add(1, Ordering::Relaxed);
        live.insert(Slot {
            meta: meta.clone(),
            state: SlotState::Running(tx.clone()),
            slot,
        });
        // A woken actor is found by key again without storage until it sleeps; a new one is
        // recorded once its creation has committed (`lookup`).
        if matches!(start, instance::Start::Wake { .. }) {
            lock(&self.0.directory).insert(meta.clone());
        }
        drop(live);
        factory.spawn(self.clone(), meta.clone(), start, rx, slot);
        Ok(tx)
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.0.registry
    }

    /// The settings.
    pub fn config(&self) -> &HostConfig {
        &self.0.config
    }

    pub(crate) fn storage(&self) -> &Arc<dyn Storage> {
        &self.0.storage
    }

    pub(crate) fn timers(&self) -> &TimerService {
        &self.0.timers
    }

    pub(crate) fn from_inner(inner: Arc<HostInner>) -> Self {
        Host(inner)
    }

    /// The client actors get: in-process for the actors this host serves.
    pub fn actor_client(&self) -> ActorClient {
        self.0.client.clone()
    }

    /// Number of actors currently in memory.
    pub fn live_actors(&self) -> usize {
        lock(&self.0.live).len()
    }

    /// Whether actor `id` is in memory.
    pub fn is_live(&self, id: &str) -> bool {
        lock(&self.0.live).contains(id)
    }

    /// Whether actor `id` is parked: in memory without a task (see [`HostConfig::park_after`]).
    pub fn is_parked(&self, id: &str) -> bool {
        lock(&self.0.live)
            .get(id)
            .is_some_and(|s| matches!(s.state, SlotState::Parked(_)))
    }

    /// How many times a parked actor has been resumed since the host started.
    pub fn resumes(&self) -> u64 {
        self.0.resumes.load(Ordering::Relaxed)
    }
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("registry", &self.0.registry)
            .field("live", &self.live_actors())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
