//! Reading rows of the SQLite database, each checked against its checksum: a record or state
//! that fails is [`StorageError::Corrupt`] (and logged at error with the actor id), never served.

use actorium_protocol::ActorKey;
use rusqlite::{Connection, OptionalExtension, params};

use super::{ActorRecord, StorageError, TimerRecord, checksum, db_err};

/// A row of `actors` (id, name, key, create_ts, meta_crc) and whether its checksum holds.
fn record(row: &rusqlite::Row<'_>) -> rusqlite::Result<(ActorRecord, bool)> {
    let (id, name, key): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
    let create_ts: i64 = row.get(3)?;
    let sum: Option<i64> = row.get(4)?;
    let intact = sum == Some(checksum::record(&id, &name, &key, create_ts));
    let record = ActorRecord {
        id,
        name,
        key: ActorKey::from_rest(&key),
        create_ts,
        generation: 1,
    };
    Ok((record, intact))
}

/// Logs a row that fails its checksum (loudly: the operator must restore it) and says why.
fn corrupt(what: String) -> StorageError {
    tracing::error!("{what}: stored data fails its checksum; it is not served");
    StorageError::Corrupt(format!("{what} fails its checksum"))
}

fn checked(found: Option<(ActorRecord, bool)>) -> Result<Option<ActorRecord>, StorageError> {
    match found {
        Some((r, true)) => Ok(Some(r)),
        Some((r, false)) => Err(corrupt(format!("the record of actor {}", r.id))),
        None => Ok(None),
    }
}

pub(super) fn actor_by_id(db: &Connection, id: &str) -> Result<Option<ActorRecord>, StorageError> {
    let found = db
        .prepare_cached("SELECT id, name, key, create_ts, meta_crc FROM actors WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], record).optional())
        .map_err(db_err)?;
    checked(found)
}

pub(super) fn actor_by_key(
    db: &Connection,
    name: &str,
    key: &ActorKey,
) -> Result<Option<ActorRecord>, StorageError> {
    let found = db
        .prepare_cached(
            "SELECT id, name, key, create_ts, meta_crc FROM actors WHERE name = ?1 AND key = ?2",
        )
        .and_then(|mut s| s.query_row(params![name, key.to_rest()], record).optional())
        .map_err(db_err)?;
    checked(found)
}

/// Actors whose record fails its checksum are left out of the list (and logged).
pub(super) fn list(
    db: &Connection,
    name: &str,
    limit: usize,
) -> Result<Vec<ActorRecord>, StorageError> {
    let rows = db
        .prepare_cached(
            "SELECT id, name, key, create_ts, meta_crc FROM actors WHERE name = ?1 ORDER BY create_ts, id LIMIT ?2",
        )
        .and_then(|mut s| {
            s.query_map(params![name, limit as i64], record)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(db_err)?;
    Ok(rows
        .into_iter()
        .filter_map(|(r, intact)| {
            if !intact {
                corrupt(format!("the record of actor {}", r.id));
            }
            intact.then_some(r)
        })
        .collect())
}

/// The state of actor `id`, once it and the actor's timers pass their checksums.
pub(super) fn load_state(db: &Connection, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
    let row = db
        .prepare_cached("SELECT state, state_crc FROM actors WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([id], |row| {
                Ok((
                    row.get::<_, Option<Vec<u8>>>(0)?,
                    row.get::<_, Option<i64>>(1)?,
                ))
            })
            .optional()
        })
        .map_err(db_err)?;
    let state = match row {
        None | Some((None, None)) => None,
        Some((Some(state), Some(sum))) if sum == checksum::state(id, &state) => Some(state),
        Some(_) => return Err(corrupt(format!("the state of actor {id}"))),
    };
    let timers = db
        .prepare_cached(
            "SELECT id, actor_id, at_ms, action, args, crc FROM timers WHERE actor_id = ?1",
        )
        .and_then(|mut s| {
            s.query_map([id], timer)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(db_err)?;
    if let Some((t, _)) = timers.iter().find(|(_, intact)| !intact) {
        return Err(corrupt(format!("timer {} of actor {id}", t.id)));
    }
    Ok(state)
}

/// A row of `timers` and whether its checksum holds.
fn timer(row: &rusqlite::Row<'_>) -> rusqlite::Result<(TimerRecord, bool)> {
    let t = TimerRecord {
        id: row.get(0)?,
        actor_id: row.get(1)?,
        at_ms: row.get(2)?,
        action: row.get(3)?,
        args: row.get(4)?,
    };
    let intact = row.get::<_, Option<i64>>(5)? == Some(checksum::timer(&t));
    Ok((t, intact))
}

/// Every timer that passes its checksum; the others are logged and never fire (their actor
/// is refused when it wakes, see [`load_state`]).
pub(super) fn timers(db: &Connection) -> Result<Vec<TimerRecord>, StorageError> {
    let rows = db
        .prepare_cached(
            "SELECT id, actor_id, at_ms, action, args, crc FROM timers ORDER BY at_ms, id",
        )
        .and_then(|mut s| {
            s.query_map([], timer)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(db_err)?;
    Ok(rows
        .into_iter()
        .filter_map(|(t, intact)| {
            if !intact {
                corrupt(format!("timer {} of actor {}", t.id, t.actor_id));
            }
            intact.then_some(t)
        })
        .collect())
}
