//! Storage behind a driver trait: actor records (id, name, key), state (CBOR) and durable
//! timers. [`sqlite::SqliteStorage`] is the default (one database file in the data directory,
//! WAL, group commit on a single writer thread); [`memory::MemoryStorage`] is for tests and
//! `--memory`.
//!
//! Durability contract: when the future returned by [`Storage::commit`] resolves `Ok`, the
//! writes survive a crash of the process (SQLite `synchronous=NORMAL` in WAL mode; with
//! `synchronous=FULL` also a power loss). A commit is atomic: all of its writes or none.
//!
//! Integrity (SQLite): every stored record, state and timer carries a checksum that is checked
//! when it is read; a mismatch is [`StorageError::Corrupt`] and the data is not served. A full
//! disk is [`StorageError::Full`] and writes nothing of the commit.

mod checksum;
#[cfg(test)]
mod integrity_tests;
pub mod memory;
mod rows;
mod schema;
pub mod sqlite;

use actorium_protocol::ActorKey;
use futures_util::future::BoxFuture;

pub use memory::MemoryStorage;
pub use schema::FAILPOINT_DISK_FULL_AFTER_PAGES;
pub use sqlite::{SqliteStorage, SyncMode};

/// A storage failure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StorageError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(String),
    /// An actor with the same name and key already exists.
    #[error("actor key already in use by actor {existing_actor_id}")]
    DuplicateKey {
        /// The id of the actor that holds the key.
        existing_actor_id: String,
    },
    /// The storage was closed.
    #[error("storage is closed")]
    Closed,
    /// The disk (or the database's size cap) is full: nothing of the commit was written.
    #[error("storage is full: {0}")]
    Full(String),
    /// Stored data fails its integrity check: a row's checksum does not match, or the
    /// database file is damaged. Nothing of it is served.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// A SQLite error as a [`StorageError`]: a full disk and a damaged file are told apart.
pub(crate) fn db_err(e: rusqlite::Error) -> StorageError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StorageError::Full(e.to_string()),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            StorageError::Corrupt(e.to_string())
        }
        _ => StorageError::Database(e.to_string()),
    }
}

/// An actor's record: who it is (its state is stored beside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorRecord {
    /// Actor id.
    pub id: String,
    /// Wire name.
    pub name: String,
    /// Key.
    pub key: ActorKey,
    /// Creation time, ms since the epoch.
    pub create_ts: i64,
    /// The generation of the actor id: always 1 on the bundled server (an id is never reused;
    /// re-creating a destroyed key makes a new id), the engine's on an envoy.
    pub generation: u32,
}

/// A durable timer: call `action(args…)` on `actor_id` at `at_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerRecord {
    /// Timer id (a UUID).
    pub id: String,
    /// The actor to call.
    pub actor_id: String,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// Action wire name.
    pub action: String,
    /// CBOR array of the arguments.
    pub args: Vec<u8>,
}

/// One write of a commit.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Creates an actor record (fails the commit with [`StorageError::DuplicateKey`] if the name
    /// and key are taken).
    CreateActor(ActorRecord),
    /// Replaces an actor's state (CBOR).
    PutState {
        /// Actor id.
        id: String,
        /// CBOR bytes of the state.
        state: Vec<u8>,
    },
    /// Deletes an actor, its state and its timers (its key becomes free).
    DeleteActor {
        /// Actor id.
        id: String,
    },
    /// Adds a timer.
    PutTimer(TimerRecord),
    /// Removes a timer (no error if it does not exist).
    DeleteTimer {
        /// Timer id.
        id: String,
    },
}

/// A storage driver.
///
/// Every method returns a `'static` future so that drivers may do their work on other threads.
pub trait Storage: Send + Sync + 'static {
    /// Applies `writes` atomically and durably (see the module docs).
    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'static, Result<(), StorageError>>;

    /// The record of actor `id`.
    fn actor_by_id(
        &self,
        id: &str,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>>;

    /// The record of the actor `name` with `key`.
    fn actor_by_key(
        &self,
        name: &str,
        key: &ActorKey,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>>;

    /// Every actor named `name`, oldest first (at most `limit`).
    fn list_actors(
        &self,
        name: &str,
        limit: usize,
    ) -> BoxFuture<'static, Result<Vec<ActorRecord>, StorageError>>;

    /// The stored state of actor `id` (`None` before its first commit).
    fn load_state(&self, id: &str) -> BoxFuture<'static, Result<Option<Vec<u8>>, StorageError>>;

    /// Every stored timer.
    fn timers(&self) -> BoxFuture<'static, Result<Vec<TimerRecord>, StorageError>>;

    /// Waits for every pending commit and releases the driver's resources.
    fn close(&self) -> BoxFuture<'static, Result<(), StorageError>>;
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn record(id: &str, name: &str, key: &[&str]) -> ActorRecord {
        ActorRecord {
            id: id.into(),
            name: name.into(),
            key: ActorKey(key.iter().map(|s| s.to_string()).collect()),
            create_ts: 1,
            generation: 1,
        }
    }

    /// The behaviour every driver must have.
    pub(crate) async fn conformance(s: &dyn Storage) {
        let a = record("a00", "counter", &["x", "y"]);
        s.commit(vec![
            Write::CreateActor(a.clone()),
            Write::PutState {
                id: "a00".into(),
                state: vec![1, 2],
            },
        ])
        .await
        .unwrap();
        assert_eq!(s.actor_by_id("a00").await.unwrap(), Some(a.clone()));
        assert_eq!(
            s.actor_by_key("counter", &a.key).await.unwrap(),
            Some(a.clone())
        );
        assert_eq!(s.load_state("a00").await.unwrap(), Some(vec![1, 2]));
        assert_eq!(s.list_actors("counter", 10).await.unwrap(), vec![a.clone()]);

        // A duplicate key fails the whole commit and leaves nothing behind.
        let err = s
            .commit(vec![
                Write::PutState {
                    id: "a00".into(),
                    state: vec![9],
                },
                Write::CreateActor(record("b00", "counter", &["x", "y"])),
            ])
            .await
            .unwrap_err();
        assert!(
            matches!(err, StorageError::DuplicateKey { ref existing_actor_id } if existing_actor_id == "a00")
        );
        assert_eq!(s.load_state("a00").await.unwrap(), Some(vec![1, 2]));
        assert_eq!(s.actor_by_id("b00").await.unwrap(), None);

        let t = TimerRecord {
            id: "t1".into(),
            actor_id: "a00".into(),
            at_ms: 5,
            action: "tick".into(),
            args: vec![0x80],
        };
        s.commit(vec![Write::PutTimer(t.clone())]).await.unwrap();
        assert_eq!(s.timers().await.unwrap(), vec![t]);
        s.commit(vec![Write::DeleteTimer { id: "t1".into() }])
            .await
            .unwrap();
        assert!(s.timers().await.unwrap().is_empty());

        s.commit(vec![Write::DeleteActor { id: "a00".into() }])
            .await
            .unwrap();
        assert_eq!(s.actor_by_id("a00").await.unwrap(), None);
        assert_eq!(s.load_state("a00").await.unwrap(), None);
        // The key is free again.
        s.commit(vec![Write::CreateActor(record(
            "c00",
            "counter",
            &["x", "y"],
        ))])
        .await
        .unwrap();
        s.close().await.unwrap();
    }
}
