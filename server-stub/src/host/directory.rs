//! The host's tables of actors: every actor it knows (one shared [`ActorMeta`] each, found by
//! id and by name and key) and the ones in memory. Lookups borrow the caller's id or key (no
//! owned copy per request) and each actor's id and key are stored once, in its `ActorMeta`.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use actorium_protocol::ActorKey;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use crate::meta::ActorMeta;

/// Something stored under an actor id.
pub(crate) trait ById {
    fn actor_id(&self) -> &str;
}

impl ById for Arc<ActorMeta> {
    fn actor_id(&self) -> &str {
        &self.id
    }
}

/// A table of `T` by actor id.
pub(crate) struct IdTable<T> {
    hasher: RandomState,
    table: HashTable<T>,
}

impl<T> Default for IdTable<T> {
    fn default() -> Self {
        IdTable {
            hasher: RandomState::new(),
            table: HashTable::new(),
        }
    }
}

impl<T: ById> IdTable<T> {
    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    pub(crate) fn get(&self, id: &str) -> Option<&T> {
        self.table.find(self.hash(id), |t| t.actor_id() == id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        let hash = self.hash(id);
        self.table.find_mut(hash, |t| t.actor_id() == id)
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Inserts `value`, replacing what was stored under its id.
    pub(crate) fn insert(&mut self, value: T) {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(value.actor_id());
        match self.table.entry(
            hash,
            |t| t.actor_id() == value.actor_id(),
            |t| hasher.hash_one(t.actor_id()),
        ) {
            Entry::Occupied(mut e) => *e.get_mut() = value,
            Entry::Vacant(e) => {
                e.insert(value);
            }
        }
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<T> {
        let hash = self.hash(id);
        let removed = match self.table.find_entry(hash, |t| t.actor_id() == id) {
            Ok(e) => Some(e.remove().0),
            Err(_) => None,
        };
        let hasher = &self.hasher;
        shrink(&mut self.table, |t| hasher.hash_one(t.actor_id()));
        removed
    }

    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.table.capacity()
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.table.iter()
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.table.iter_mut()
    }
}

/// Every actor the host has seen: by id and by (name, key), sharing one `ActorMeta`.
#[derive(Default)]
pub(crate) struct Directory {
    by_id: IdTable<Arc<ActorMeta>>,
    by_key: HashTable<Arc<ActorMeta>>,
}

impl Directory {
    fn key_hash(&self, name: &str, key: &ActorKey) -> u64 {
        self.by_id.hasher.hash_one((name, key))
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Arc<ActorMeta>> {
        self.by_id.get(id)
    }

    pub(crate) fn get_by_key(&self, name: &str, key: &ActorKey) -> Option<&Arc<ActorMeta>> {
        self.by_key.find(self.key_hash(name, key), |m| {
            m.name == name && m.key == *key
        })
    }

    /// Records `meta` (replacing an older record with the same id or key).
    pub(crate) fn insert(&mut self, meta: Arc<ActorMeta>) {
        let hash = self.key_hash(&meta.name, &meta.key);
        let hasher = &self.by_id.hasher;
        match self.by_key.entry(
            hash,
            |m| m.name == meta.name && m.key == meta.key,
            |m| hasher.hash_one((m.name.as_str(), &m.key)),
        ) {
            Entry::Occupied(mut e) => *e.get_mut() = meta.clone(),
            Entry::Vacant(e) => {
                e.insert(meta.clone());
            }
        }
        self.by_id.insert(meta);
    }

    /// Forgets `meta` (its key only if it still names this actor).
    pub(crate) fn remove(&mut self, meta: &ActorMeta) {
        self.by_id.remove(&meta.id);
        let hash = self.key_hash(&meta.name, &meta.key);
        if let Ok(e) = self.by_key.find_entry(hash, |m| {
            m.name == meta.name && m.key == meta.key && m.id == meta.id
        }) {
            e.remove();
        }
        let hasher = &self.by_id.hasher;
        shrink(&mut self.by_key, |m| {
            hasher.hash_one((m.name.as_str(), &m.key))
        });
    }
}

/// Gives back most of a table's room once it is three quarters empty (hash tables keep their
/// capacity otherwise: a burst of 40,000 actors would be paid for until the process ends).
fn shrink<T>(table: &mut HashTable<T>, hash: impl Fn(&T) -> u64) {
    if table.capacity() > 64 && table.len() * 4 < table.capacity() {
        let room = table.len() * 2;
        table.shrink_to(room, hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str, key: &str) -> Arc<ActorMeta> {
        Arc::new(ActorMeta {
            id: id.into(),
            name: "counter".into(),
            key: ActorKey(vec![key.into()]),
            create_ts: 0,
            generation: 1,
        })
    }

    #[test]
    fn finds_by_id_and_by_key_and_forgets() {
        let mut d = Directory::default();
        d.insert(meta("a00", "x"));
        d.insert(meta("b00", "y"));
        assert_eq!(d.get("a00").unwrap().key.0, ["x"]);
        let key = ActorKey(vec!["y".into()]);
        assert_eq!(d.get_by_key("counter", &key).unwrap().id, "b00");
        assert!(d.get_by_key("other", &key).is_none());
        d.remove(&meta("b00", "y"));
        assert!(d.get("b00").is_none() && d.get_by_key("counter", &key).is_none());
    }

    #[test]
    fn tables_give_back_their_room() {
        let mut d = Directory::default();
        let metas: Vec<_> = (0..10_000)
            .map(|i| meta(&format!("{i}00"), &i.to_string()))
            .collect();
        for m in &metas {
            d.insert(m.clone());
        }
        let full = d.by_id.capacity();
        assert!(full >= 10_000);
        for m in &metas {
            d.remove(m);
        }
        assert!(d.by_id.capacity() <= 64, "{} of {full}", d.by_id.capacity());
        assert!(d.by_key.capacity() <= 64);
    }

    #[test]
    fn a_newer_actor_keeps_the_key_when_the_older_is_forgotten() {
        let mut d = Directory::default();
        let old = meta("a00", "x");
        d.insert(old.clone());
        d.insert(meta("c00", "x"));
        d.remove(&old);
        let key = ActorKey(vec!["x".into()]);
        assert_eq!(d.get_by_key("counter", &key).unwrap().id, "c00");
        assert!(d.get("a00").is_none());
    }
}
