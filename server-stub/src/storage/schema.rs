//! Opening the SQLite database safely: an existing empty file is refused, the file's structure
//! is checked (`PRAGMA quick_check`), the schema is created, and databases of an older schema
//! are migrated (schema 1 added the checksum columns; the migration computes the checksums of
//! the rows it finds, which it has to trust).

use std::path::Path;

use rusqlite::Connection;

use super::{StorageError, TimerRecord, checksum};

/// The schema this build writes (`PRAGMA user_version`).
pub(super) const SCHEMA_VERSION: i64 = 1;

/// Test-only: the database may grow by this many pages beyond its size when opened, then
/// writes fail as on a full disk (`PRAGMA max_page_count`). A failpoint, for tests of a full
/// disk without filling one.
pub const FAILPOINT_DISK_FULL_AFTER_PAGES: &str = "ACTORIUM_FAILPOINT_DISK_FULL_AFTER_PAGES";

/// Refuses an existing database file that is empty: SQLite would treat it as a new database
/// and serve no actors, while an empty file where a database was is a truncated or lost one.
/// (A missing file is fine: it is created.)
pub(super) fn refuse_empty_file(path: &Path) -> Result<(), StorageError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == 0 => Err(StorageError::Corrupt(format!(
            "the database file {} exists but is empty (0 bytes), so its data is lost: restore \
             it from a backup, or delete it to start with an empty database",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// What an error met while opening means for the file at `path`, in words an operator can
/// act on.
pub(super) fn at_open(path: &Path, e: StorageError) -> StorageError {
    match e {
        StorageError::Corrupt(detail) => StorageError::Corrupt(format!(
            "the database file {} is damaged or not an SQLite database ({detail}): restore it \
             from a backup, or move it away to start with an empty database",
            path.display()
        )),
        other => other,
    }
}

/// `PRAGMA quick_check`: the b-trees and their pages are consistent (it reads every page once,
/// without the cross-index checks of `integrity_check`).
pub(super) fn quick_check(conn: &Connection, path: &Path) -> Result<(), StorageError> {
    let problems: Vec<String> = conn
        .prepare("PRAGMA quick_check(5)")
        .and_then(|mut s| {
            s.query_map([], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()
        })
        // A page so damaged that the check itself fails is as telling as its report.
        .map_err(|e| at_open(path, super::db_err(e)))?;
    if problems.len() == 1 && problems[0] == "ok" {
        return Ok(());
    }
    Err(at_open(
        path,
        StorageError::Corrupt(format!("PRAGMA quick_check: {}", problems.join("; "))),
    ))
}

/// Creates the tables (as schema 0 had them) and migrates them to [`SCHEMA_VERSION`].
pub(super) fn create_and_migrate(conn: &Connection) -> Result<(), StorageError> {
    let e = super::db_err;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS actors (
             id TEXT PRIMARY KEY,
             name TEXT NOT NULL,
             key TEXT NOT NULL,
             create_ts INTEGER NOT NULL,
             state BLOB,
             UNIQUE (name, key)
         );
         CREATE TABLE IF NOT EXISTS timers (
             id TEXT PRIMARY KEY,
             actor_id TEXT NOT NULL,
             at_ms INTEGER NOT NULL,
             action TEXT NOT NULL,
             args BLOB NOT NULL
         );
         CREATE INDEX IF NOT EXISTS timers_by_actor ON timers (actor_id);",
    )
    .map_err(e)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(e)?;
    if version > SCHEMA_VERSION {
        return Err(StorageError::Database(format!(
            "the database has schema {version}, written by a newer actorium (this one knows \
             schema {SCHEMA_VERSION}): run the newer version"
        )));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.unchecked_transaction().map_err(e)?;
    tx.execute_batch(
        "ALTER TABLE actors ADD COLUMN meta_crc INTEGER;
         ALTER TABLE actors ADD COLUMN state_crc INTEGER;
         ALTER TABLE timers ADD COLUMN crc INTEGER;",
    )
    .map_err(e)?;
    let actors = backfill_actors(&tx).map_err(e)?;
    let timers = backfill_timers(&tx).map_err(e)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(e)?;
    tx.commit().map_err(e)?;
    if actors + timers > 0 {
        tracing::info!(
            actors,
            timers,
            "migrated the database to schema {SCHEMA_VERSION} (checksums of stored rows)"
        );
    }
    Ok(())
}

fn backfill_actors(db: &Connection) -> rusqlite::Result<usize> {
    type Row = (String, String, String, i64, Option<Vec<u8>>);
    let rows: Vec<Row> = db
        .prepare("SELECT id, name, key, create_ts, state FROM actors")?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = db.prepare("UPDATE actors SET meta_crc = ?2, state_crc = ?3 WHERE id = ?1")?;
    for (id, name, key, create_ts, state) in &rows {
        let meta = checksum::record(id, name, key, *create_ts);
        let state = state.as_deref().map(|s| checksum::state(id, s));
        update.execute(rusqlite::params![id, meta, state])?;
    }
    Ok(rows.len())
}

fn backfill_timers(db: &Connection) -> rusqlite::Result<usize> {
    let rows: Vec<TimerRecord> = db
        .prepare("SELECT id, actor_id, at_ms, action, args FROM timers")?
        .query_map([], |r| {
            Ok(TimerRecord {
                id: r.get(0)?,
                actor_id: r.get(1)?,
                at_ms: r.get(2)?,
                action: r.get(3)?,
                args: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = db.prepare("UPDATE timers SET crc = ?2 WHERE id = ?1")?;
    for t in &rows {
        update.execute(rusqlite::params![t.id, checksum::timer(t)])?;
    }
    Ok(rows.len())
}

/// Applies [`FAILPOINT_DISK_FULL_AFTER_PAGES`] if it is set (or `headroom`, for unit tests).
pub(super) fn cap_pages(conn: &Connection, headroom: Option<u64>) -> Result<(), StorageError> {
    let headroom = headroom.or_else(|| {
        std::env::var(FAILPOINT_DISK_FULL_AFTER_PAGES)
            .ok()
            .and_then(|v| v.parse().ok())
    });
    let Some(headroom) = headroom else {
        return Ok(());
    };
    let e = super::db_err;
    let pages: u64 = conn
        .pragma_query_value(None, "page_count", |row| row.get(0))
        .map_err(e)?;
    let cap = pages + headroom;
    conn.pragma_update(None, "max_page_count", cap).map_err(e)?;
    tracing::warn!(
        pages,
        cap,
        "failpoint {FAILPOINT_DISK_FULL_AFTER_PAGES}: the database is capped as if the disk were full"
    );
    Ok(())
}
