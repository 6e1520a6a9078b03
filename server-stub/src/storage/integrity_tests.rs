//! SQLite storage against damage and a full disk, on real database files in a temporary
//! directory: rows edited behind the storage's back, damaged and empty files, a database of
//! the schema before checksums, and a database capped as if its disk were full.

use std::path::Path;

use rusqlite::{Connection, params};

use super::sqlite::{DB_FILE, SqliteStorage, SyncMode};
use super::tests::record;
use super::{Storage, StorageError, TimerRecord, Write};

fn open(dir: &Path) -> SqliteStorage {
    SqliteStorage::open(dir, SyncMode::Normal).unwrap()
}

fn put(id: &str, state: &[u8]) -> Write {
    Write::PutState {
        id: id.into(),
        state: state.to_vec(),
    }
}

fn timer(id: &str, actor_id: &str) -> TimerRecord {
    TimerRecord {
        id: id.into(),
        actor_id: actor_id.into(),
        at_ms: 5,
        action: "tick".into(),
        args: vec![0x80],
    }
}

/// Two actors, `a` with state 1..=8 and a timer, `b` with state [9].
async fn two_actors(dir: &Path) {
    let s = open(dir);
    s.commit(vec![
        Write::CreateActor(record("a", "counter", &["a"])),
        put("a", &[1, 2, 3, 4, 5, 6, 7, 8]),
        Write::PutTimer(timer("ta", "a")),
        Write::CreateActor(record("b", "counter", &["b"])),
        put("b", &[9]),
        Write::PutTimer(timer("tb", "b")),
    ])
    .await
    .unwrap();
    s.close().await.unwrap();
}

/// Runs `sql` on the database file directly, as damage (or an operator) would.
fn edit(dir: &Path, sql: &str, values: impl rusqlite::Params) {
    let db = Connection::open(dir.join(DB_FILE)).unwrap();
    db.execute(sql, values).unwrap();
}

fn is_corrupt<T: std::fmt::Debug>(r: Result<T, StorageError>, what: &str) -> String {
    match r {
        Err(StorageError::Corrupt(m)) => {
            assert!(m.contains(what), "{m}");
            m
        }
        other => panic!("expected corrupt {what}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_flipped_bit_in_a_state_is_refused_and_other_actors_are_fine() {
    let dir = tempfile::tempdir().unwrap();
    two_actors(dir.path()).await;
    edit(
        dir.path(),
        "UPDATE actors SET state = ?1 WHERE id = 'a'",
        params![vec![1u8, 2, 3, 4, 5 ^ 0x10, 6, 7, 8]],
    );
    let s = open(dir.path());
    is_corrupt(s.load_state("a").await, "the state of actor a");
    assert_eq!(s.load_state("b").await.unwrap(), Some(vec![9]));
    // Its record is intact: the actor is found, then refused when its state is read.
    assert!(s.actor_by_id("a").await.unwrap().is_some());
    // A new commit replaces the damaged state with a checked one.
    s.commit(vec![put("a", &[7])]).await.unwrap();
    assert_eq!(s.load_state("a").await.unwrap(), Some(vec![7]));
    s.close().await.unwrap();
}

#[tokio::test]
async fn a_state_without_its_checksum_or_moved_to_another_actor_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    two_actors(dir.path()).await;
    edit(
        dir.path(),
        "UPDATE actors SET state_crc = NULL WHERE id = 'b'",
        [],
    );
    // a's state and checksum copied onto b: the checksum covers the actor id.
    edit(
        dir.path(),
        "UPDATE actors SET (state, state_crc) = (SELECT state, state_crc FROM actors WHERE id = 'a') WHERE id = 'b'",
        [],
    );
    let s = open(dir.path());
    is_corrupt(s.load_state("b").await, "the state of actor b");
    assert!(s.load_state("a").await.unwrap().is_some());
    s.close().await.unwrap();
}

#[tokio::test]
async fn a_damaged_record_is_refused_and_left_out_of_lists() {
    let dir = tempfile::tempdir().unwrap();
    two_actors(dir.path()).await;
    edit(dir.path(), "UPDATE actors SET key = 'c' WHERE id = 'a'", []);
    let s = open(dir.path());
    is_corrupt(s.actor_by_id("a").await, "the record of actor a");
    let key = actorium_protocol::ActorKey(vec!["c".into()]);
    is_corrupt(s.actor_by_key("counter", &key).await, "actor a");
    let listed: Vec<String> = s
        .list_actors("counter", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, ["b"]);
    s.close().await.unwrap();
}

#[tokio::test]
async fn a_damaged_timer_never_fires_and_its_actor_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    two_actors(dir.path()).await;
    edit(
        dir.path(),
        "UPDATE timers SET at_ms = at_ms + 1 WHERE id = 'ta'",
        [],
    );
    let s = open(dir.path());
    assert_eq!(s.timers().await.unwrap(), vec![timer("tb", "b")]);
    is_corrupt(s.load_state("a").await, "timer ta of actor a");
    assert_eq!(s.load_state("b").await.unwrap(), Some(vec![9]));
    s.close().await.unwrap();
}

#[test]
fn an_empty_database_file_is_refused_and_a_missing_one_created() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(DB_FILE);
    std::fs::write(&file, b"").unwrap();
    let Err(e) = SqliteStorage::open(dir.path(), SyncMode::Normal) else {
        panic!("an empty database file was opened");
    };
    let text = e.to_string();
    assert!(text.contains("is empty (0 bytes)"), "{text}");
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 0, "left as it was");

    let fresh = tempfile::tempdir().unwrap();
    drop(SqliteStorage::open(fresh.path(), SyncMode::Normal).unwrap());
    assert!(fresh.path().join(DB_FILE).exists());
}

/// Overwrites the database file from `from` on with pseudo-random bytes.
fn scribble(dir: &Path, from: usize) {
    let file = dir.join(DB_FILE);
    let mut bytes = std::fs::read(&file).unwrap();
    assert!(
        bytes.len() > from,
        "the database is only {} bytes",
        bytes.len()
    );
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    for b in &mut bytes[from..] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(&file, bytes).unwrap();
}

#[tokio::test]
async fn garbage_pages_are_refused_when_opening() {
    // Every page but the header, the header, the last page.
    for from in [Some(4096), Some(0), None] {
        let dir = tempfile::tempdir().unwrap();
        two_actors(dir.path()).await;
        let len = std::fs::metadata(dir.path().join(DB_FILE)).unwrap().len() as usize;
        let from = from.unwrap_or(len - 4096);
        scribble(dir.path(), from);
        let Err(e) = SqliteStorage::open(dir.path(), SyncMode::Normal) else {
            panic!("a database with garbage from byte {from} on was opened");
        };
        assert!(matches!(e, StorageError::Corrupt(_)), "{e:?}");
        let text = e.to_string();
        assert!(text.contains("is damaged"), "{text}");
        assert!(text.contains("restore it from a backup"), "{text}");
    }
}

#[tokio::test]
async fn a_database_without_checksums_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    {
        // The schema before checksums (user_version 0), as an older actorium left it.
        let db = Connection::open(dir.path().join(DB_FILE)).unwrap();
        db.execute_batch(
            "CREATE TABLE actors (id TEXT PRIMARY KEY, name TEXT NOT NULL, key TEXT NOT NULL,
                 create_ts INTEGER NOT NULL, state BLOB, UNIQUE (name, key));
             CREATE TABLE timers (id TEXT PRIMARY KEY, actor_id TEXT NOT NULL,
                 at_ms INTEGER NOT NULL, action TEXT NOT NULL, args BLOB NOT NULL);
             INSERT INTO actors VALUES ('a', 'counter', 'a', 1, x'0102');
             INSERT INTO actors VALUES ('n', 'counter', 'n', 1, NULL);
             INSERT INTO timers VALUES ('ta', 'a', 5, 'tick', x'80');",
        )
        .unwrap();
    }
    let s = open(dir.path());
    assert_eq!(s.load_state("a").await.unwrap(), Some(vec![1, 2]));
    assert_eq!(s.load_state("n").await.unwrap(), None);
    assert!(s.actor_by_id("a").await.unwrap().is_some());
    assert_eq!(s.timers().await.unwrap(), vec![timer("ta", "a")]);
    s.close().await.unwrap();
    // From now on the migrated rows are checked like any other.
    edit(
        dir.path(),
        "UPDATE actors SET state = x'0103' WHERE id = 'a'",
        [],
    );
    let s = open(dir.path());
    is_corrupt(s.load_state("a").await, "the state of actor a");
    s.close().await.unwrap();
}

#[tokio::test]
async fn a_full_disk_fails_its_group_and_keeps_the_last_state() {
    let dir = tempfile::tempdir().unwrap();
    two_actors(dir.path()).await;
    let s = SqliteStorage::open_capped(dir.path(), SyncMode::Normal, Some(4)).unwrap();
    let big = vec![7u8; 64 * 1024];
    // A big write and a small one in the same group: SQLite rolls the whole transaction back
    // on a full disk, so both fail (honestly: nothing of either is stored).
    let (r_big, r_small) = futures_util::future::join(
        s.commit(vec![put("a", &big)]),
        s.commit(vec![put("b", &[10])]),
    )
    .await;
    assert!(matches!(r_big, Err(StorageError::Full(_))), "{r_big:?}");
    assert!(matches!(r_small, Err(StorageError::Full(_))), "{r_small:?}");
    assert_eq!(
        s.load_state("a").await.unwrap(),
        Some(vec![1, 2, 3, 4, 5, 6, 7, 8])
    );
    assert_eq!(s.load_state("b").await.unwrap(), Some(vec![9]));
    // Alone, the small write fits.
    s.commit(vec![put("b", &[10])]).await.unwrap();
    assert_eq!(s.load_state("b").await.unwrap(), Some(vec![10]));
    // A creation that does not fit fails whole: no record without its state.
    let r = s
        .commit(vec![
            Write::CreateActor(record("c", "counter", &["c"])),
            put("c", &big),
        ])
        .await;
    assert!(matches!(r, Err(StorageError::Full(_))), "{r:?}");
    assert_eq!(s.actor_by_id("c").await.unwrap(), None);
    s.commit(vec![put("a", &[11])]).await.unwrap();
    s.close().await.unwrap();
    // Without the cap the big write fits.
    let s = open(dir.path());
    s.commit(vec![put("a", &big)]).await.unwrap();
    assert_eq!(s.load_state("a").await.unwrap(), Some(big));
    s.close().await.unwrap();
}
