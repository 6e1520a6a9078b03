//! [`KvStorage`]: the [`Storage`] driver of an envoy. The engine's per-actor KV is the source
//! of truth: each actor's record, state and timers live in its own KV, written through the
//! envoy connection.
//!
//! Layout (keys of one actor's KV): `actorium/meta` (CBOR `[name, key, create_ts]`),
//! `actorium/state` (the state's CBOR), `actorium/timers` (CBOR array of
//! `[id, at_ms, action, args]`). One commit of one actor is one KV put of every key it
//! changes, so it is atomic (the engine applies a put as one transaction); the commits of
//! several actors in one group are concurrent puts. The earliest timer is mirrored to the
//! engine's alarm so that a sleeping actor is woken (possibly on another envoy) when it is due.
//!
//! Only actors that are active on this envoy are known here (the engine owns identity and
//! placement): lookups of other actors answer `None`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::sync::lock;

use actorium_protocol::ActorKey;
use ciborium::Value as Cbor;
use futures_util::future::BoxFuture;
use rivet_envoy_client::handle::EnvoyHandle;

use crate::storage::{ActorRecord, Storage, StorageError, TimerRecord, Write};

pub(crate) const META_KEY: &[u8] = b"actorium/meta";
pub(crate) const STATE_KEY: &[u8] = b"actorium/state";
pub(crate) const TIMERS_KEY: &[u8] = b"actorium/timers";

/// An actor active on this envoy.
struct Active {
    record: ActorRecord,
    timers: Vec<TimerRecord>,
}

#[derive(Default)]
struct Inner {
    handle: OnceLock<EnvoyHandle>,
    actors: Mutex<HashMap<String, Active>>,
}

/// The envoy's storage driver (cheap to clone).
#[derive(Clone, Default)]
pub struct KvStorage(Arc<Inner>);

fn db(e: impl std::fmt::Display) -> StorageError {
    StorageError::Database(format!("engine KV: {e}"))
}

impl KvStorage {
    /// An empty driver; [`KvStorage::set_handle`] before use.
    pub fn new() -> Self {
        Self::default()
    }

    /// The envoy connection KV requests go through.
    pub fn set_handle(&self, handle: EnvoyHandle) {
        let _ = self.0.handle.set(handle);
    }

    fn handle(&self) -> Result<EnvoyHandle, StorageError> {
        self.0
            .handle
            .get()
            .cloned()
            .ok_or_else(|| db("the envoy is not connected"))
    }

    /// Reads an actor's stored state and timers (at activation).
    pub(crate) async fn load(
        &self,
        actor_id: &str,
    ) -> Result<(Option<Vec<u8>>, Vec<TimerRecord>), StorageError> {
        let handle = self.handle()?;
        let mut got = handle
            .kv_get(
                actor_id.to_string(),
                vec![STATE_KEY.to_vec(), TIMERS_KEY.to_vec()],
            )
            .await
            .map_err(db)?;
        let timers = got
            .pop()
            .flatten()
            .map(|b| decode_timers(actor_id, &b))
            .transpose()?
            .unwrap_or_default();
        let state = got.pop().flatten();
        Ok((state, timers))
    }

    /// Registers an actor the engine started on this envoy.
    pub(crate) fn activate(&self, record: ActorRecord, timers: Vec<TimerRecord>) {
        lock(&self.0.actors).insert(record.id.clone(), Active { record, timers });
    }

    /// Forgets an actor the engine stopped on this envoy.
    pub(crate) fn deactivate(&self, actor_id: &str) {
        lock(&self.0.actors).remove(actor_id);
    }

    /// The generation of the active actor `id`.
    pub(crate) fn generation(&self, actor_id: &str) -> Option<u32> {
        lock(&self.0.actors)
            .get(actor_id)
            .map(|a| a.record.generation)
    }

    /// Ids of every actor active on this envoy.
    pub(crate) fn active_ids(&self) -> Vec<String> {
        lock(&self.0.actors).keys().cloned().collect()
    }
}

fn encode(v: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("CBOR encoding into a Vec cannot fail");
    out
}

fn encode_meta(r: &ActorRecord) -> Vec<u8> {
    encode(&Cbor::Array(vec![
        Cbor::Text(r.name.clone()),
        Cbor::Text(r.key.to_rest()),
        Cbor::Integer(r.create_ts.into()),
    ]))
}

fn encode_timers(timers: &[TimerRecord]) -> Vec<u8> {
    encode(&Cbor::Array(
        timers
            .iter()
            .map(|t| {
                Cbor::Array(vec![
                    Cbor::Text(t.id.clone()),
                    Cbor::Integer(t.at_ms.into()),
                    Cbor::Text(t.action.clone()),
                    Cbor::Bytes(t.args.clone()),
                ])
            })
            .collect(),
    ))
}

fn decode_timers(actor_id: &str, bytes: &[u8]) -> Result<Vec<TimerRecord>, StorageError> {
    let v: Cbor = ciborium::from_reader(bytes).map_err(db)?;
    let bad = || db("stored timers do not decode");
    let Cbor::Array(items) = v else {
        return Err(bad());
    };
    items
        .into_iter()
        .map(|item| match item {
            Cbor::Array(f) => match f.as_slice() {
                [
                    Cbor::Text(id),
                    Cbor::Integer(at),
                    Cbor::Text(action),
                    Cbor::Bytes(args),
                ] => Ok(TimerRecord {
                    id: id.clone(),
                    actor_id: actor_id.to_string(),
                    at_ms: i64::try_from(*at).map_err(|_| bad())?,
                    action: action.clone(),
                    args: args.clone(),
                }),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        })
        .collect()
}

/// What one commit does to one actor.
#[derive(Default)]
struct ActorWrites {
    entries: Vec<(Vec<u8>, Vec<u8>)>,
    timers_changed: bool,
    delete: bool,
}

impl Storage for KvStorage {
    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'static, Result<(), StorageError>> {
        let this = self.clone();
        Box::pin(async move {
            let handle = this.handle()?;
            // Group the writes by actor, applying timer changes to the cached timer sets.
            let mut per: HashMap<String, ActorWrites> = HashMap::new();
            {
                let mut actors = lock(&this.0.actors);
                for w in writes {
                    match w {
                        Write::CreateActor(r) => per
                            .entry(r.id.clone())
                            .or_default()
                            .entries
                            .push((META_KEY.to_vec(), encode_meta(&r))),
                        Write::PutState { id, state } => per
                            .entry(id)
                            .or_default()
                            .entries
                            .push((STATE_KEY.to_vec(), state)),
                        Write::DeleteActor { id } => {
                            per.entry(id).or_default().delete = true;
                        }
                        Write::PutTimer(t) => {
                            let id = t.actor_id.clone();
                            if let Some(a) = actors.get_mut(&id) {
                                a.timers.retain(|x| x.id != t.id);
                                a.timers.push(t);
                            }
                            per.entry(id).or_default().timers_changed = true;
                        }
                        Write::DeleteTimer { id } => {
                            for (actor_id, a) in actors.iter_mut() {
                                let before = a.timers.len();
                                a.timers.retain(|x| x.id != id);
                                if a.timers.len() != before {
                                    per.entry(actor_id.clone()).or_default().timers_changed = true;
                                }
                            }
                        }
                    }
                }
                for (id, w) in per.iter_mut() {
                    if w.timers_changed && !w.delete {
                        let timers = actors.get(id).map(|a| a.timers.as_slice()).unwrap_or(&[]);
                        w.entries.push((TIMERS_KEY.to_vec(), encode_timers(timers)));
                    }
                }
            }
            let puts = per.into_iter().map(|(id, w)| {
                let handle = handle.clone();
                let this = this.clone();
                async move {
                    if w.delete {
                        let r = handle.kv_drop(id.clone()).await.map_err(db);
                        // The engine destroys the actor (and whatever is left of its state).
                        let generation = this.generation(&id);
                        handle.set_alarm(id.clone(), None, generation);
                        handle.stop_actor(id, generation);
                        return r;
                    }
                    if !w.entries.is_empty() {
                        handle.kv_put(id.clone(), w.entries).await.map_err(db)?;
                    }
                    if w.timers_changed {
                        let (next, generation) = {
                            let actors = lock(&this.0.actors);
                            let a = actors.get(&id);
                            (
                                a.and_then(|a| a.timers.iter().map(|t| t.at_ms).min()),
                                a.map(|a| a.record.generation),
                            )
                        };
                        handle.set_alarm(id, next, generation);
                    }
                    Ok(())
                }
            });
            for r in futures_util::future::join_all(puts).await {
                r?;
            }
            Ok(())
        })
    }

    fn actor_by_id(
        &self,
        id: &str,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>> {
        let r = lock(&self.0.actors).get(id).map(|a| a.record.clone());
        Box::pin(async move { Ok(r) })
    }

    fn actor_by_key(
        &self,
        name: &str,
        key: &ActorKey,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>> {
        let r = lock(&self.0.actors)
            .values()
            .find(|a| a.record.name == name && &a.record.key == key)
            .map(|a| a.record.clone());
        Box::pin(async move { Ok(r) })
    }

    fn list_actors(
        &self,
        name: &str,
        limit: usize,
    ) -> BoxFuture<'static, Result<Vec<ActorRecord>, StorageError>> {
        let mut v: Vec<ActorRecord> = lock(&self.0.actors)
            .values()
            .filter(|a| a.record.name == name)
            .map(|a| a.record.clone())
            .collect();
        v.sort_by_key(|r| r.create_ts);
        v.truncate(limit);
        Box::pin(async move { Ok(v) })
    }

    fn load_state(&self, id: &str) -> BoxFuture<'static, Result<Option<Vec<u8>>, StorageError>> {
        let this = self.clone();
        let id = id.to_string();
        Box::pin(async move {
            let handle = this.handle()?;
            let mut got = handle
                .kv_get(id, vec![STATE_KEY.to_vec()])
                .await
                .map_err(db)?;
            Ok(got.pop().flatten())
        })
    }

    fn timers(&self) -> BoxFuture<'static, Result<Vec<TimerRecord>, StorageError>> {
        // Timers are loaded per actor when the engine starts it on this envoy.
        Box::pin(async { Ok(Vec::new()) })
    }

    fn close(&self) -> BoxFuture<'static, Result<(), StorageError>> {
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_round_trip() {
        let t = TimerRecord {
            id: "t".into(),
            actor_id: "a".into(),
            at_ms: 42,
            action: "tick".into(),
            args: vec![0x80],
        };
        let bytes = encode_timers(std::slice::from_ref(&t));
        assert_eq!(decode_timers("a", &bytes).unwrap(), vec![t]);
    }
}
