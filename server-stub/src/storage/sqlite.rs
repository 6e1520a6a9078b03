//! SQLite storage: one database file (`actorium.db`) in the data directory, WAL mode, one
//! writer thread that owns the connection and commits everything waiting for it in one
//! transaction (group commit across actors). Each commit request runs inside its own savepoint,
//! so a failing request (a duplicate key) does not take the others of its group down.
//!
//! Opening refuses an existing empty file and a damaged one (`PRAGMA quick_check`); rows carry
//! CRC32C checksums (see `checksum`), written with them and checked when they are read.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use actorium_protocol::ActorKey;
use futures_util::future::{BoxFuture, FutureExt};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use super::rows::{actor_by_id, actor_by_key, list, load_state, timers};
use super::{ActorRecord, Storage, StorageError, TimerRecord, Write, checksum, db_err, schema};

/// The database file name inside the data directory.
pub const DB_FILE: &str = "actorium.db";

/// Most requests the writer takes into one transaction.
const MAX_GROUP: usize = 4096;

/// SQLite's `synchronous` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncMode {
    /// `synchronous=NORMAL` (default): committed writes survive a process crash; the last group
    /// may roll back on power loss.
    #[default]
    Normal,
    /// `synchronous=FULL`: committed writes also survive power loss (an fsync per group).
    Full,
}

type Reply<T> = oneshot::Sender<Result<T, StorageError>>;

enum Request {
    Commit(Vec<Write>, Reply<()>),
    ActorById(String, Reply<Option<ActorRecord>>),
    ActorByKey(String, ActorKey, Reply<Option<ActorRecord>>),
    List(String, usize, Reply<Vec<ActorRecord>>),
    LoadState(String, Reply<Option<Vec<u8>>>),
    Timers(Reply<Vec<TimerRecord>>),
    Close(Reply<()>),
}

/// SQLite storage (see the module docs).
pub struct SqliteStorage {
    tx: mpsc::Sender<Request>,
    path: PathBuf,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database in `dir` and starts the writer thread.
    ///
    /// An existing empty database file and a damaged one are refused with
    /// [`StorageError::Corrupt`] (the message names the file and what to do); a database of an
    /// older schema is migrated. With [`super::FAILPOINT_DISK_FULL_AFTER_PAGES`] set, the
    /// database is capped as if the disk were full (tests).
    pub fn open(dir: &Path, sync: SyncMode) -> Result<Self, StorageError> {
        Self::open_capped(dir, sync, None)
    }

    /// [`SqliteStorage::open`], the database capped at `headroom` pages beyond its size.
    pub(super) fn open_capped(
        dir: &Path,
        sync: SyncMode,
        headroom: Option<u64>,
    ) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StorageError::Database(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let path = dir.join(DB_FILE);
        schema::refuse_empty_file(&path)?;
        let opened = |e| schema::at_open(&path, db_err(e));
        let conn = Connection::open(&path).map_err(opened)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(opened)?;
        schema::quick_check(&conn, &path)?;
        conn.pragma_update(
            None,
            "synchronous",
            match sync {
                SyncMode::Normal => "NORMAL",
                SyncMode::Full => "FULL",
            },
        )
        .map_err(db_err)?;
        conn.pragma_update(None, "foreign_keys", "OFF")
            .map_err(db_err)?;
        schema::create_and_migrate(&conn).map_err(|e| schema::at_open(&path, e))?;
        schema::cap_pages(&conn, headroom)?;
        let (tx, rx) = mpsc::channel();
        thread::Builder::new()
            .name("actorium-sqlite".into())
            .spawn(move || writer(conn, rx))
            .map_err(|e| StorageError::Database(format!("cannot start writer thread: {e}")))?;
        tracing::info!(path = %path.display(), ?sync, "opened SQLite storage");
        Ok(SqliteStorage { tx, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn ask<T: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<T>) -> Request,
    ) -> BoxFuture<'static, Result<T, StorageError>> {
        let (reply, rx) = oneshot::channel();
        let sent = self.tx.send(make(reply)).is_ok();
        async move {
            if !sent {
                return Err(StorageError::Closed);
            }
            rx.await.unwrap_or(Err(StorageError::Closed))
        }
        .boxed()
    }
}

impl Storage for SqliteStorage {
    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'static, Result<(), StorageError>> {
        self.ask(|r| Request::Commit(writes, r))
    }

    fn actor_by_id(
        &self,
        id: &str,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>> {
        let id = id.to_string();
        self.ask(|r| Request::ActorById(id, r))
    }

    fn actor_by_key(
        &self,
        name: &str,
        key: &ActorKey,
    ) -> BoxFuture<'static, Result<Option<ActorRecord>, StorageError>> {
        let (name, key) = (name.to_string(), key.clone());
        self.ask(|r| Request::ActorByKey(name, key, r))
    }

    fn list_actors(
        &self,
        name: &str,
        limit: usize,
    ) -> BoxFuture<'static, Result<Vec<ActorRecord>, StorageError>> {
        let name = name.to_string();
        self.ask(|r| Request::List(name, limit, r))
    }

    fn load_state(&self, id: &str) -> BoxFuture<'static, Result<Option<Vec<u8>>, StorageError>> {
        let id = id.to_string();
        self.ask(|r| Request::LoadState(id, r))
    }

    fn timers(&self) -> BoxFuture<'static, Result<Vec<TimerRecord>, StorageError>> {
        self.ask(Request::Timers)
    }

    fn close(&self) -> BoxFuture<'static, Result<(), StorageError>> {
        self.ask(Request::Close)
    }
}

/// A reply to send once the group's transaction is settled.
enum Pending {
    Commit(Reply<()>, Result<(), StorageError>),
    Done(Box<dyn FnOnce() + Send>),
}

fn writer(conn: Connection, rx: mpsc::Receiver<Request>) {
    let mut closing: Vec<Reply<()>> = Vec::new();
    while closing.is_empty() {
        let Ok(first) = rx.recv() else { break };
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(r) => group.push(r),
                Err(_) => break,
            }
        }
        let writes = group.iter().any(|r| matches!(r, Request::Commit(..)));
        let tx = if writes {
            match conn.unchecked_transaction() {
                Ok(tx) => Some(tx),
                Err(e) => {
                    fail_group(group, db_err(e));
                    continue;
                }
            }
        } else {
            None
        };
        let db: &Connection = match &tx {
            Some(tx) => tx,
            None => &conn,
        };
        let mut pending = Vec::with_capacity(group.len());
        let mut commits = 0usize;
        // Set when a failing write took the whole transaction down with it (SQLite rolls it
        // back on a full disk): every commit of the group fails with that error, those before
        // it included, and none is applied after it.
        let mut lost: Option<StorageError> = None;
        for req in group {
            match req {
                Request::Commit(ws, reply) => {
                    commits += 1;
                    if let Some(e) = &lost {
                        pending.push(Pending::Commit(reply, Err(e.clone())));
                        continue;
                    }
                    let result = apply_in_savepoint(db, ws);
                    if let Err(e) = &result
                        && db.is_autocommit()
                    {
                        lost = Some(e.clone());
                    }
                    pending.push(Pending::Commit(reply, result));
                }
                Request::ActorById(id, reply) => {
                    let r = actor_by_id(db, &id);
                    pending.push(Pending::Done(Box::new(move || {
                        let _ = reply.send(r);
                    })));
                }
                Request::ActorByKey(name, key, reply) => {
                    let r = actor_by_key(db, &name, &key);
                    pending.push(Pending::Done(Box::new(move || {
                        let _ = reply.send(r);
                    })));
                }
                Request::List(name, limit, reply) => {
                    let r = list(db, &name, limit);
                    pending.push(Pending::Done(Box::new(move || {
                        let _ = reply.send(r);
                    })));
                }
                Request::LoadState(id, reply) => {
                    let r = load_state(db, &id);
                    pending.push(Pending::Done(Box::new(move || {
                        let _ = reply.send(r);
                    })));
                }
                Request::Timers(reply) => {
                    let r = timers(db);
                    pending.push(Pending::Done(Box::new(move || {
                        let _ = reply.send(r);
                    })));
                }
                Request::Close(reply) => closing.push(reply),
            }
        }
        let outcome = match (tx, lost) {
            // Dropping the transaction handle is all that is left to do.
            (_, Some(e)) => Err(e),
            (Some(tx), None) => tx.commit().map_err(db_err),
            (None, None) => Ok(()),
        };
        if commits > 1 {
            tracing::trace!(commits, "group commit");
        }
        for p in pending {
            match p {
                Pending::Commit(reply, result) => {
                    let _ = reply.send(match &outcome {
                        Ok(()) => result,
                        Err(e) => Err(e.clone()),
                    });
                }
                Pending::Done(f) => f(),
            }
        }
        if let Err(e) = outcome {
            tracing::error!(error = %e, "group commit failed");
        }
    }
    // Drain requests that raced with close, then checkpoint the WAL.
    while let Ok(req) = rx.try_recv() {
        fail_group(vec![req], StorageError::Closed);
    }
    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(error = %e, "WAL checkpoint on close failed");
    }
    let result = conn.close().map_err(|(_, e)| db_err(e));
    for reply in closing {
        let _ = reply.send(result.clone());
    }
    tracing::debug!("SQLite writer stopped");
}

fn fail_group(group: Vec<Request>, e: StorageError) {
    for req in group {
        match req {
            Request::Commit(_, r) | Request::Close(r) => {
                let _ = r.send(Err(e.clone()));
            }
            Request::ActorById(_, r) | Request::ActorByKey(_, _, r) => {
                let _ = r.send(Err(e.clone()));
            }
            Request::List(_, _, r) => {
                let _ = r.send(Err(e.clone()));
            }
            Request::LoadState(_, r) => {
                let _ = r.send(Err(e.clone()));
            }
            Request::Timers(r) => {
                let _ = r.send(Err(e.clone()));
            }
        }
    }
}

fn apply_in_savepoint(db: &Connection, writes: Vec<Write>) -> Result<(), StorageError> {
    db.execute_batch("SAVEPOINT c").map_err(db_err)?;
    let mut result = Ok(());
    for w in writes {
        if let Err(e) = apply(db, w) {
            result = Err(e);
            break;
        }
    }
    let end = if result.is_ok() {
        "RELEASE c"
    } else {
        "ROLLBACK TO c; RELEASE c"
    };
    // The write's own error is the one to report, even if the rollback fails too (the
    // transaction may be gone already).
    let ended = db.execute_batch(end).map_err(db_err);
    result.and(ended)
}

fn apply(db: &Connection, w: Write) -> Result<(), StorageError> {
    match w {
        Write::CreateActor(r) => {
            let key = r.key.to_rest();
            let existing: Option<String> = db
                .prepare_cached("SELECT id FROM actors WHERE name = ?1 AND key = ?2")
                .and_then(|mut s| {
                    s.query_row(params![r.name, key], |row| row.get(0))
                        .optional()
                })
                .map_err(db_err)?;
            if let Some(existing_actor_id) = existing {
                return Err(StorageError::DuplicateKey { existing_actor_id });
            }
            let sum = checksum::record(&r.id, &r.name, &key, r.create_ts);
            db.prepare_cached(
                "INSERT INTO actors (id, name, key, create_ts, state, meta_crc) VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
            )
            .and_then(|mut s| s.execute(params![r.id, r.name, key, r.create_ts, sum]))
            .map_err(db_err)?;
        }
        Write::PutState { id, state } => {
            let sum = checksum::state(&id, &state);
            db.prepare_cached("UPDATE actors SET state = ?2, state_crc = ?3 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![id, state, sum]))
                .map_err(db_err)?;
        }
        Write::DeleteActor { id } => {
            db.prepare_cached("DELETE FROM actors WHERE id = ?1")
                .and_then(|mut s| s.execute([&id]))
                .map_err(db_err)?;
            db.prepare_cached("DELETE FROM timers WHERE actor_id = ?1")
                .and_then(|mut s| s.execute([&id]))
                .map_err(db_err)?;
        }
        Write::PutTimer(t) => {
            let sum = checksum::timer(&t);
            db.prepare_cached(
                "INSERT OR REPLACE INTO timers (id, actor_id, at_ms, action, args, crc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![t.id, t.actor_id, t.at_ms, t.action, t.args, sum])
            })
            .map_err(db_err)?;
        }
        Write::DeleteTimer { id } => {
            db.prepare_cached("DELETE FROM timers WHERE id = ?1")
                .and_then(|mut s| s.execute([&id]))
                .map_err(db_err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::record;

    #[tokio::test]
    async fn conformance() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(dir.path(), SyncMode::Normal).unwrap();
        crate::storage::tests::conformance(&s).await;
    }

    #[tokio::test]
    async fn survives_reopen_and_groups_commits() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SqliteStorage::open(dir.path(), SyncMode::Full).unwrap();
            let mut commits = Vec::new();
            for i in 0..50 {
                let id = format!("a{i}00");
                commits.push(s.commit(vec![
                    Write::CreateActor(record(&id, "counter", &[&i.to_string()])),
                    Write::PutState {
                        id,
                        state: vec![i as u8],
                    },
                ]));
            }
            for c in futures_util::future::join_all(commits).await {
                c.unwrap();
            }
            s.close().await.unwrap();
        }
        let s = SqliteStorage::open(dir.path(), SyncMode::Normal).unwrap();
        assert_eq!(s.list_actors("counter", 100).await.unwrap().len(), 50);
        assert_eq!(s.load_state("a4900").await.unwrap(), Some(vec![49]));
        s.close().await.unwrap();
    }
}
