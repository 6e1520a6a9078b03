//! Finding and creating actors: by id, by name and key, `get_or_create` and `create` (one
//! creation at a time per key), listing.

use std::sync::Arc;

use actorium_protocol::{ActorKey, Value, WireError};
use tokio::sync::oneshot;

use super::instance::Start;
use super::{Host, storage_error};
use crate::meta::{ActorMeta, new_actor_id, now_ms};
use crate::storage::ActorRecord;
use crate::sync::lock;

impl Host {
    fn check_name(&self, name: &str) -> Result<(), WireError> {
        if self.0.registry.contains(name) {
            Ok(())
        } else {
            Err(WireError::invalid_name(name))
        }
    }

    /// Checks `key` against the host's [`KeyPolicy`](actorium_protocol::KeyPolicy):
    /// `validation.invalid_input`, the error every front door answers for a bad key.
    pub(crate) fn check_key(&self, key: &ActorKey) -> Result<(), WireError> {
        self.0
            .config
            .key_policy
            .check(key)
            .map_err(|e| WireError::invalid_input(format!("Invalid key: {e}")))
    }

    /// Records a freshly created actor in the directory, if it is still in memory (an entry
    /// lives as long as its actor does: [`Host::begin_stop`] releases it).
    fn remember(&self, meta: Arc<ActorMeta>) -> Arc<ActorMeta> {
        let live = lock(&self.0.live);
        if live.contains(&meta.id) {
            lock(&self.0.directory).insert(meta.clone());
        }
        meta
    }

    /// The meta of a stored actor. Not put in the directory: only actors in memory are (an
    /// actor that is only looked up, listed or asleep costs no memory).
    fn record_meta(&self, r: ActorRecord) -> Arc<ActorMeta> {
        Arc::new(ActorMeta {
            id: r.id,
            name: r.name,
            key: r.key,
            create_ts: r.create_ts,
            generation: r.generation,
        })
    }

    /// Drops what the host keeps of an actor that left this host (destroyed, or unloaded by
    /// the engine): its directory entry, its timers, and its hibernated connections (closed).
    pub(crate) fn forget(&self, meta: &ActorMeta) {
        lock(&self.0.directory).remove(meta);
        self.0.timers.forget_actor(&meta.id);
        let reason = actorium_protocol::catalogue::GOING_AWAY.name();
        self.close_hibernated(&meta.id, 1001, &reason);
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
        self.check_key(key)?;
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
        self.check_key(key)?;
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
        self.check_key(key)?;
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
            generation: 1,
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
        let (reply, created) = oneshot::channel();
        self.start_instance(lock(&self.0.live), &meta, Start::Create { input, reply })?;
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
}
