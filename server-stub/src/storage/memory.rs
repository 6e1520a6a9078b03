//! In-memory storage (`--memory`, tests): nothing survives the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use actorium_protocol::ActorKey;
use futures_util::future::{BoxFuture, FutureExt, ready};

use super::{ActorRecord, Storage, StorageError, TimerRecord, Write};

#[derive(Default)]
struct Data {
    actors: HashMap<String, ActorRecord>,
    keys: HashMap<(String, ActorKey), String>,
    states: HashMap<String, Vec<u8>>,
    timers: BTreeMap<String, TimerRecord>,
}

/// In-memory storage.
#[derive(Default)]
pub struct MemoryStorage {
    data: Mutex<Data>,
}

impl MemoryStorage {
    /// Empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Data) -> T) -> T {
        let mut guard = crate::sync::lock(&self.data);
        f(&mut guard)
    }
}

fn check(data: &Data, writes: &[Write]) -> Result<(), StorageError> {
    // Simulate the key changes of this commit so that a duplicate fails it before anything
    // is applied.
    let mut overlay: HashMap<(String, ActorKey), Option<String>> = HashMap::new();
    let mut deleted: Vec<&str> = Vec::new();
    for w in writes {
        match w {
            Write::CreateActor(r) => {
                let k = (r.name.clone(), r.key.clone());
                let existing = match overlay.get(&k) {
                    Some(v) => v.clone(),
                    None => data.keys.get(&k).cloned(),
                }
                .filter(|id| !deleted.contains(&id.as_str()));
                if let Some(existing_actor_id) = existing {
                    return Err(StorageError::DuplicateKey { existing_actor_id });
                }
                overlay.insert(k, Some(r.id.clone()));
            }
            Write::DeleteActor { id } => deleted.push(id),
            _ => {}
        }
    }
    Ok(())
}

fn apply(data: &mut Data, w: Write) {
    match w {
        Write::CreateActor(r) => {
            data.keys
                .insert((r.name.clone(), r.key.clone()), r.id.clone());
            data.actors.insert(r.id.clone(), r);
        }
        Write::PutState { id, state } => {
            data.states.insert(id, state);
        }
        Write::DeleteActor { id } => {
            if let Some(r) = data.actors.remove(&id) {
                data.keys.remove(&(r.name, r.key));
            }
            data.states.remove(&id);
            data.timers.retain(|_, t| t.actor_id != id);
        }
        Write::PutTimer(t) => {
            data.timers.insert(t.id.clone(), t);
        }
        Write::DeleteTimer { id } => {
            data.timers.remove(&id);
        }
    }
}

impl Storage for MemoryStorage {
    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'static, Result<(), StorageError>> {
        let result = self.with(|d| {
            check(d, &writes)?;
            for w in writes {
                apply(d, w);
            }
            Ok(())
        });
        ready(result).boxed()
    }

    fn actor_by_id(
        &self,
        id: &str,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>> {
        let r = self.with(|d| d.actors.get(id).cloned());
        ready(Ok(r)).boxed()
    }

    fn actor_by_key(
        &self,
        name: &str,
        key: &ActorKey,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>> {
        let r = self.with(|d| {
            d.keys
                .get(&(name.to_string(), key.clone()))
                .and_then(|id| d.actors.get(id).cloned())
        });
        ready(Ok(r)).boxed()
    }

    fn list_actors(
        &self,
        name: &str,
        limit: usize,
    ) -> BoxFuture<'static, Result<Vec<ActorRecord>, StorageError>> {
        let mut list: Vec<ActorRecord> = self.with(|d| {
            d.actors
                .values()
                .filter(|r| r.name == name)
                .cloned()
                .collect()
        });
        list.sort_by(|a, b| a.create_ts.cmp(&b.create_ts).then(a.id.cmp(&b.id)));
        list.truncate(limit);
        ready(Ok(list)).boxed()
    }

    fn load_state(&self, id: &str) -> BoxFuture<'static, Result<Option<Vec<u8>>, StorageError>> {
        let r = self.with(|d| d.states.get(id).cloned());
        ready(Ok(r)).boxed()
    }

    fn timers(&self) -> BoxFuture<'static, Result<Vec<TimerRecord>, StorageError>> {
        let r = self.with(|d| d.timers.values().cloned().collect());
        ready(Ok(r)).boxed()
    }

    fn close(&self) -> BoxFuture<'static, Result<(), StorageError>> {
        ready(Ok(())).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn conformance() {
        super::super::tests::conformance(&MemoryStorage::new()).await;
    }
}
