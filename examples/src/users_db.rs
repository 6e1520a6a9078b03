//! The external database of the "loading state" and "syncing state" patterns: a real SQLite
//! file, `users.db` in the server's data directory, created with its schema on first use and
//! seeded with the user `user-123`.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A row of the `users` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The user's id (the actor key joined by `-`).
    pub id: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// When the row was created, ms since the epoch.
    pub created_at: i64,
    /// Last activity mirrored from a `userActor`, ms since the epoch.
    pub last_active: i64,
}

/// The users database in a data directory.
#[derive(Debug, Clone)]
pub struct UsersDb {
    path: PathBuf,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL DEFAULT 0,
        last_active INTEGER NOT NULL DEFAULT 0
    );
    INSERT OR IGNORE INTO users (id, email, name) VALUES ('user-123', 'user@example.com', 'User');
";

impl UsersDb {
    /// The database `users.db` in `data_dir`, created with its schema and seed row if needed.
    pub fn open(data_dir: &Path) -> rusqlite::Result<UsersDb> {
        let db = UsersDb {
            path: data_dir.join("users.db"),
        };
        let conn = db.connect()?;
        conn.execute_batch(SCHEMA)?;
        Ok(db)
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(conn)
    }

    /// The user with `id`, if any.
    pub fn find(&self, id: &str) -> rusqlite::Result<Option<User>> {
        self.connect()?
            .query_row(
                "SELECT id, email, name, created_at, last_active FROM users WHERE id = ?1",
                params![id],
                |r| {
                    Ok(User {
                        id: r.get(0)?,
                        email: r.get(1)?,
                        name: r.get(2)?,
                        created_at: r.get(3)?,
                        last_active: r.get(4)?,
                    })
                },
            )
            .optional()
    }

    /// Inserts a user (replacing a row with the same id).
    pub fn insert(&self, id: &str, email: &str, created_at: i64) -> rusqlite::Result<()> {
        self.connect()?.execute(
            "INSERT OR REPLACE INTO users (id, email, name, created_at, last_active) VALUES (?1, ?2, '', ?3, 0)",
            params![id, email, created_at],
        )?;
        Ok(())
    }

    /// Sets a user's email.
    pub fn update_email(&self, id: &str, email: &str) -> rusqlite::Result<()> {
        self.connect()?.execute(
            "UPDATE users SET email = ?2 WHERE id = ?1",
            params![id, email],
        )?;
        Ok(())
    }

    /// Mirrors a user's email and last activity.
    pub fn sync(&self, id: &str, email: &str, last_active: i64) -> rusqlite::Result<()> {
        self.connect()?.execute(
            "UPDATE users SET email = ?2, last_active = ?3 WHERE id = ?1",
            params![id, email, last_active],
        )?;
        Ok(())
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
