//! The actor host: one instance per actor id (single activation), created on demand, asleep
//! when idle, woken transparently; durable timers; graceful shutdown. It knows nothing of
//! HTTP: the front door ([`crate::http`]) and the in-process client ([`crate::client`]) call
//! it.
//!
//! An actor in memory is *running* (a task and a mailbox) or *parked* (idle for
//! [`HostConfig::park_after`]: only its context and committed state bytes, a few hundred
//! bytes); a message to a parked actor resumes it at once, without hooks. Parked actors go to
//! sleep after [`HostConfig::idle_timeout`] from one host-wide deadline queue
//! (`parking`), not one timer each. Every known actor's [`ActorMeta`] is stored once and found
//! by id or by name and key without copying the caller's key (`directory`).

pub(crate) mod conn;
mod directory;
pub(crate) mod instance;
mod parking;
mod timers;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actorium_protocol::{ActorKey, Value, WireError};
use rand::Rng;
use tokio::sync::{mpsc, oneshot, watch};

pub use conn::{ConnOut, ConnSender};
use directory::{ById, Directory, IdTable};
use instance::{Envelope, Mail, MailboxRx, MailboxTx, Start};
use parking::ParkingLot;
pub(crate) use timers::TimerService;

use crate::client::ActorClient;
use crate::ctx::ActorMeta;
use crate::registry::Registry;
use crate::storage::{ActorRecord, Storage, StorageError};

/// Host settings (the reference's limits by default).
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// An actor with no connections and no work for this long is put to sleep (default 30 s).
    pub idle_timeout: Duration,
    /// Longest an action may run before the caller gets `actor.action_timed_out` (default 60 s).
    pub action_timeout: Duration,
    /// Messages waiting for one actor before callers get `actor.overloaded` (default 1024).
    pub mailbox_capacity: usize,
    /// Messages waiting for one WebSocket client before it is disconnected (default 1024).
    pub conn_queue_capacity: usize,
    /// The only namespace this server serves (default `"default"`).
    pub namespace: String,
    /// How long shutdown waits for in-flight actions (default 10 s).
    pub shutdown_grace: Duration,
    /// Where the actors' client ([`crate::Ctx::client`]) sends what it cannot route
    /// in-process (WebSocket connections, actors this host does not serve); the serve helper
    /// sets it to the server's own address (default `http://127.0.0.1:6420`).
    pub client_endpoint: String,
    /// The token the actors' client sends over the network.
    pub client_token: Option<String>,
    /// A directory for the actors' own files (an external database, caches), reached with
    /// [`crate::Ctx::data_dir`]. The serve helper sets it to `--data-dir` (with `--memory`, a
    /// per-process directory under the system's temporary directory); the default is
    /// `<temp>/actorium`.
    pub data_dir: std::path::PathBuf,
    /// An actor with no connections and nothing in flight for this long gives up its task
    /// and mailbox and is *parked*: its state and vars stay in memory, no hook runs, and its
    /// next message gets it a new task (default 100 ms). It still goes to sleep after
    /// [`HostConfig::idle_timeout`]. A value at or above the idle timeout turns parking off.
    pub park_after: Duration,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            idle_timeout: Duration::from_secs(30),
            action_timeout: Duration::from_secs(60),
            mailbox_capacity: 1024,
            conn_queue_capacity: 1024,
            namespace: "default".into(),
            shutdown_grace: Duration::from_secs(10),
            client_endpoint: "http://127.0.0.1:6420".into(),
            client_token: None,
            data_dir: std::env::temp_dir().join("actorium"),
            park_after: Duration::from_millis(100),
        }
    }
}

/// `actor.overloaded`: the actor's mailbox is full.
pub fn overloaded() -> WireError {
    WireError::new(
        "actor",
        "overloaded",
        "The actor has too many pending messages; try again later.",
    )
}

/// `actor.stopping`: the server is shutting down.
pub fn stopping() -> WireError {
    WireError::new("actor", "stopping", "The server is shutting down.")
}

/// `actor.invalid_name`: no actor with that name is registered.
pub fn unknown_name(name: &str) -> WireError {
    WireError::new(
        "actor",
        "invalid_name",
        format!("No actor named `{name}` is registered on this server."),
    )
}

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
    /// Told the id of every instance that went to sleep on its own (idle or `ctx.sleep()`),
    /// for a front door that must report it (the engine envoy).
    sleep_listener: std::sync::OnceLock<SleepListener>,
}

/// See [`Host::set_sleep_listener`].
pub(crate) type SleepListener = Arc<dyn Fn(&str) + Send + Sync>;

/// The actor host (cheap to clone).
#[derive(Clone)]
pub struct Host(Arc<HostInner>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn storage_error(e: StorageError) -> WireError {
    tracing::error!(error = %e, "storage error");
    WireError::internal()
}

/// A new actor id: 28 characters of `[0-9a-z]` then `00`, like the engine's.
pub fn new_actor_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let mut id: String = (0..28)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    id.push_str("00");
    id
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
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
                None => base
                    .with_local_router(Arc::new(crate::client::HostRouter { host: weak.clone() })),
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
            sleep_listener: std::sync::OnceLock::new(),
        }))
    }

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

    fn check_name(&self, name: &str) -> Result<(), WireError> {
        if self.0.registry.contains(name) {
            Ok(())
        } else {
            Err(unknown_name(name))
        }
    }

    fn remember(&self, meta: Arc<ActorMeta>) -> Arc<ActorMeta> {
        lock(&self.0.directory).insert(meta.clone());
        meta
    }

    fn record_meta(&self, r: ActorRecord) -> Arc<ActorMeta> {
        self.remember(Arc::new(ActorMeta {
            id: r.id,
            name: r.name,
            key: r.key,
            create_ts: r.create_ts,
        }))
    }

    pub(crate) fn forget(&self, meta: &ActorMeta) {
        lock(&self.0.directory).remove(meta);
        self.0.timers.forget_actor(&meta.id);
    }

    /// The actor with id `id`, if it exists.
    pub async fn find(&self, id: &str) -> Result<Option<Arc<ActorMeta>>, WireError> {
        if let Some(m) = lock(&self.0.directory).get(id) {
            return Ok(Some(m.clone()));
        }
        let r = self
            .0
            .storage
            .actor_by_id(id)
            .await
            .map_err(storage_error)?;
        Ok(r.map(|r| self.record_meta(r)))
    }

    /// The actor `name` with `key`, if it exists.
    pub async fn find_by_key(
        &self,
        name: &str,
        key: &ActorKey,
    ) -> Result<Option<Arc<ActorMeta>>, WireError> {
        if let Some(m) = lock(&self.0.directory).get_by_key(name, key) {
            return Ok(Some(m.clone()));
        }
        let r = self
            .0
            .storage
            .actor_by_key(name, key)
            .await
            .map_err(storage_error)?;
        Ok(r.map(|r| self.record_meta(r)))
    }

    /// The actor with id `id` (`actor.not_found` if there is none).
    pub async fn actor(&self, id: &str) -> Result<Arc<ActorMeta>, WireError> {
        self.find(id).await?.ok_or_else(WireError::actor_not_found)
    }

    /// The existing actor `name` with `key` (`actor.not_found` if there is none).
    pub async fn get(&self, name: &str, key: &ActorKey) -> Result<Arc<ActorMeta>, WireError> {
        self.check_name(name)?;
        self.find_by_key(name, key)
            .await?
            .ok_or_else(WireError::actor_not_found)
    }

    /// The actor `name` with `key`, created with `input` if it does not exist; `true` if this
    /// call created it. The input is ignored for an existing actor.
    pub async fn get_or_create(
        &self,
        name: &str,
        key: &ActorKey,
        input: Option<Value>,
    ) -> Result<(Arc<ActorMeta>, bool), WireError> {
        self.check_name(name)?;
        if let Some(m) = self.find_by_key(name, key).await? {
            return Ok((m, false));
        }
        self.creating(name, key, async {
            if let Some(m) = self.find_by_key(name, key).await? {
                return Ok((m, false));
            }
            Ok((self.spawn_create(name, key, input).await?, true))
        })
        .await
    }

    /// Runs `f` holding the creation lock of (`name`, `key`).
    async fn creating<T>(
        &self,
        name: &str,
        key: &ActorKey,
        f: impl std::future::Future<Output = T>,
    ) -> T {
        let k = (name.to_string(), key.clone());
        let key_lock = lock(&self.0.creating).entry(k.clone()).or_default().clone();
        let result = {
            let _guard = key_lock.lock().await;
            f.await
        };
        let mut creating = lock(&self.0.creating);
        // Only the map and this call hold it: nobody else waits, the entry can go.
        if creating
            .get(&k)
            .is_some_and(|l| Arc::ptr_eq(l, &key_lock) && Arc::strong_count(l) == 2)
        {
            creating.remove(&k);
        }
        result
    }

    /// Creates the actor `name` with `key` (`actor.duplicate_key` if the key is taken).
    pub async fn create(
        &self,
        name: &str,
        key: &ActorKey,
        input: Option<Value>,
    ) -> Result<Arc<ActorMeta>, WireError> {
        self.check_name(name)?;
        self.creating(name, key, async {
            if let Some(m) = self.find_by_key(name, key).await? {
                return Err(WireError::duplicate_key(&key.to_rest(), &m.id));
            }
            self.spawn_create(name, key, input).await
        })
        .await
    }

    async fn spawn_create(
        &self,
        name: &str,
        key: &ActorKey,
        input: Option<Value>,
    ) -> Result<Arc<ActorMeta>, WireError> {
        let meta = Arc::new(ActorMeta {
            id: new_actor_id(),
            name: name.to_string(),
            key: key.clone(),
            create_ts: now_ms(),
        });
        self.create_with_meta(meta, input).await
    }

    /// Creates the actor `meta` describes (its id given by someone else: the engine), running
    /// `create_state(input)` and `on_create` and committing it; resolves once created.
    pub(crate) async fn create_with_meta(
        &self,
        meta: Arc<ActorMeta>,
        input: Option<Value>,
    ) -> Result<Arc<ActorMeta>, WireError> {
        if self.0.shutting_down.load(Ordering::Relaxed) {
            return Err(stopping());
        }
        let factory = self
            .0
            .registry
            .factory(&meta.name)
            .ok_or_else(|| unknown_name(&meta.name))?
            .clone();
        let (tx, rx) = mpsc::channel(self.0.config.mailbox_capacity);
        let slot = self.0.next_slot.fetch_add(1, Ordering::Relaxed);
        let (reply, created) = oneshot::channel();
        lock(&self.0.live).insert(Slot {
            meta: meta.clone(),
            state: SlotState::Running(tx),
            slot,
        });
        factory.spawn(
            self.clone(),
            meta.clone(),
            Start::Create { input, reply },
            rx,
            slot,
        );
        match created.await {
            Ok(Ok(())) => Ok(self.remember(meta)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(WireError::internal()),
        }
    }

    /// Every actor named `name` (at most `limit`).
    pub async fn list(&self, name: &str, limit: usize) -> Result<Vec<Arc<ActorMeta>>, WireError> {
        let records = self
            .0
            .storage
            .list_actors(name, limit)
            .await
            .map_err(storage_error)?;
        Ok(records.into_iter().map(|r| self.record_meta(r)).collect())
    }

    /// The mailbox of the live instance of `meta`, activating (waking) one if needed.
    fn sender_for(&self, meta: &Arc<ActorMeta>) -> Result<MailboxTx, WireError> {
        let mut live = lock(&self.0.live);
        if let Some(s) = live.get_mut(&meta.id) {
            return Ok(self.running(s));
        }
        if self.0.shutting_down.load(Ordering::Relaxed) {
            return Err(stopping());
        }
        let factory = self
            .0
            .registry
            .factory(&meta.name)
            .ok_or_else(|| unknown_name(&meta.name))?
            .clone();
        let (tx, rx) = mpsc::channel(self.0.config.mailbox_capacity);
        let slot = self.0.next_slot.fetch_add(1, Ordering::Relaxed);
        let after = lock(&self.0.stopping)
            .get(&meta.id)
            .map(|(_, rx)| rx.clone());
        live.insert(Slot {
            meta: meta.clone(),
            state: SlotState::Running(tx.clone()),
            slot,
        });
        drop(live);
        factory.spawn(self.clone(), meta.clone(), Start::Wake { after }, rx, slot);
        Ok(tx)
    }

    /// The mailbox of an actor in memory; a parked one gets a new task first (with the `live`
    /// lock held, so no other caller sees it half resumed).
    fn running(&self, s: &mut Slot) -> MailboxTx {
        if let SlotState::Running(tx) = &s.state {
            return tx.clone();
        }
        let (tx, rx) = mpsc::channel(self.0.config.mailbox_capacity);
        let SlotState::Parked(parked) =
            std::mem::replace(&mut s.state, SlotState::Running(tx.clone()))
        else {
            unreachable!("checked above")
        };
        s.slot = self.0.next_slot.fetch_add(1, Ordering::Relaxed);
        self.0.resumes.fetch_add(1, Ordering::Relaxed);
        match self.0.registry.factory(&s.meta.name) {
            Some(factory) => factory.spawn(
                self.clone(),
                s.meta.clone(),
                Start::Resume(parked),
                rx,
                s.slot,
            ),
            // Cannot happen (the actor was running under this name): its mailbox closes.
            None => drop(rx),
        }
        tracing::trace!(actor = %s.meta.id, "resumed");
        tx
    }

    /// The mailbox of actor `id` if it is in memory (resuming it if parked); never wakes a
    /// sleeping actor.
    fn live_sender(&self, id: &str) -> Option<MailboxTx> {
        let mut live = lock(&self.0.live);
        let s = live.get_mut(id)?;
        Some(self.running(s))
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

    /// Puts `env` in the actor's mailbox (waking it); returns the mailbox it went to.
    pub(crate) async fn deliver(
        &self,
        meta: &Arc<ActorMeta>,
        env: Envelope,
    ) -> Result<MailboxTx, WireError> {
        let mut env = Box::new(env);
        for _ in 0..100 {
            let tx = self.sender_for(meta)?;
            match tx.try_send(env) {
                Ok(()) => return Ok(tx),
                Err(mpsc::error::TrySendError::Full(_)) => return Err(overloaded()),
                Err(mpsc::error::TrySendError::Closed(e)) => {
                    // The instance is stopping; the next attempt activates a new one.
                    env = e;
                    tokio::task::yield_now().await;
                }
            }
        }
        Err(WireError::internal())
    }

    /// Re-sends a message that reached an instance while it was going to sleep.
    pub(crate) fn redeliver(&self, id: &str, env: Envelope) {
        let host = self.clone();
        let id = id.to_string();
        tokio::spawn(async move {
            match host.find(&id).await {
                Ok(Some(meta)) => {
                    if let Err((e, env)) = host.deliver_or_return(&meta, env).await {
                        env.fail(e);
                    }
                }
                Ok(None) => env.fail(WireError::actor_not_found()),
                Err(e) => env.fail(e),
            }
        });
    }

    async fn deliver_or_return(
        &self,
        meta: &Arc<ActorMeta>,
        env: Envelope,
    ) -> Result<(), (WireError, Envelope)> {
        // `deliver` consumes the envelope only on success or on a full mailbox; keep a way to
        // answer it on failure by trying the send here.
        match self
            .send_waiting(Box::new(env), || self.sender_for(meta).map(Some))
            .await
        {
            Ok(_) => Ok(()),
            Err((e, env)) => Err((e, *env)),
        }
    }

    /// Sends `env` to the mailbox `mailbox` names, waiting for room. A mailbox that closes
    /// meanwhile (its instance parked or stopped) is asked for again, so the next attempt
    /// resumes or activates the actor. `Ok(None)`: `mailbox` named none.
    async fn send_waiting(
        &self,
        mut env: Mail,
        mailbox: impl Fn() -> Result<Option<MailboxTx>, WireError>,
    ) -> Result<Option<MailboxTx>, (WireError, Mail)> {
        for _ in 0..100 {
            let tx = match mailbox() {
                Ok(Some(tx)) => tx,
                Ok(None) => return Ok(None),
                Err(e) => return Err((e, env)),
            };
            match tx.send(env).await {
                Ok(()) => return Ok(Some(tx)),
                Err(mpsc::error::SendError(e)) => env = e,
            }
            tokio::task::yield_now().await;
        }
        Err((stopping(), env))
    }

    /// Calls `action` on actor `meta` on an ephemeral connection with `params` (what an HTTP
    /// action does): admission, then the action; resolves after the change is committed.
    pub async fn call(
        &self,
        meta: &Arc<ActorMeta>,
        action: &str,
        args: Vec<Value>,
        params: Option<Value>,
    ) -> Result<Value, WireError> {
        let (reply, rx) = oneshot::channel();
        self.deliver(
            meta,
            Envelope::Call {
                action: action.to_string(),
                args,
                params,
                reply,
            },
        )
        .await?;
        rx.await.unwrap_or_else(|_| Err(WireError::internal()))
    }

    /// Admits a WebSocket connection; on success the returned [`ConnHandle`] sends its
    /// messages to the instance that admitted it.
    pub async fn connect(
        &self,
        meta: &Arc<ActorMeta>,
        params: Option<Value>,
        sender: ConnSender,
    ) -> Result<ConnHandle, WireError> {
        let conn_id = uuid::Uuid::new_v4().to_string();
        let (reply, rx) = oneshot::channel();
        let mailbox = self
            .deliver(
                meta,
                Envelope::Connect {
                    conn_id: conn_id.clone(),
                    params,
                    sender,
                    reply,
                },
            )
            .await?;
        rx.await.unwrap_or_else(|_| Err(WireError::internal()))?;
        Ok(ConnHandle { conn_id, mailbox })
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
    /// in-flight work (bounded by [`HostConfig::shutdown_grace`]), commit and run `on_sleep`,
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
        {
            live.remove(id);
        }
    }

    pub(crate) fn begin_stop(&self, id: &str, slot: u64) -> StopHandle {
        let mut live = lock(&self.0.live);
        if live.get(id).map(|s| s.slot) == Some(slot) {
            live.remove(id);
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
            }
        }
        let _ = handle.tx.send(true);
    }
}

/// A WebSocket connection admitted by an actor instance.
#[derive(Debug, Clone)]
pub struct ConnHandle {
    conn_id: String,
    mailbox: MailboxTx,
}

impl ConnHandle {
    /// The connection id (sent in `Init`).
    pub fn id(&self) -> &str {
        &self.conn_id
    }

    /// Queues an action request (`actor.overloaded` if the mailbox is full; `actor.stopping`
    /// if the instance is gone, after which the socket should close).
    pub fn action(&self, id: u64, action: String, args: Vec<Value>) -> Result<(), WireError> {
        self.send(Envelope::ConnAction {
            conn_id: self.conn_id.clone(),
            id,
            action,
            args,
        })
    }

    /// Queues a subscription change.
    pub fn subscribe(&self, event: String, subscribe: bool) -> Result<(), WireError> {
        self.send(Envelope::Subscribe {
            conn_id: self.conn_id.clone(),
            event,
            subscribe,
        })
    }

    /// Tells the actor the connection closed (waits for room in the mailbox).
    pub async fn disconnect(&self) {
        let _ = self
            .mailbox
            .send(Box::new(Envelope::Disconnect {
                conn_id: self.conn_id.clone(),
            }))
            .await;
    }

    fn send(&self, env: Envelope) -> Result<(), WireError> {
        self.mailbox.try_send(Box::new(env)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => overloaded(),
            mpsc::error::TrySendError::Closed(_) => stopping(),
        })
    }
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Envelope::Call { .. } => "Call",
            Envelope::Connect { .. } => "Connect",
            Envelope::ConnAction { .. } => "ConnAction",
            Envelope::Subscribe { .. } => "Subscribe",
            Envelope::Disconnect { .. } => "Disconnect",
            Envelope::Timer(_) => "Timer",
            Envelope::Sleep => "Sleep",
            Envelope::Destroy { .. } => "Destroy",
            Envelope::Stop { .. } => "Stop",
        })
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
