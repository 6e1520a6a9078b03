//! Loading state from an external database: a `userSession` actor's vars hold the user's
//! profile, loaded from the users database on every wake (`create_vars`), so the persisted
//! state stays small and the profile stays fresh after restarts and sleeps.
//!
//! Run: `cargo run -p actorium-examples --example user_session` against a running seed server.

use std::sync::Mutex;

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::users_db::{User, UsersDb};

/// A user's session.
#[actorium::actor]
pub trait UserSession {
    /// The user's profile as loaded from the database (`null` if the user does not exist).
    async fn get_profile() -> Option<User>;
    /// Writes a new email to the database and refreshes the cached profile.
    async fn update_email(email: String);
}

/// Persisted state: only a request counter.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    request_count: u64,
}

/// Ephemeral state, rebuilt on every wake.
#[derive(Default)]
pub struct SessionVars {
    user: Mutex<Option<User>>,
}

fn user_id(c: &Ctx<Session>) -> String {
    c.key().parts().join("-")
}

/// Runs a database call off the actor's task.
async fn with_db<T: Send + 'static>(
    c: &Ctx<Session>,
    f: impl FnOnce(UsersDb) -> rusqlite::Result<T> + Send + 'static,
) -> actorium::Result<T> {
    let dir = c.data_dir().to_path_buf();
    let out = tokio::task::spawn_blocking(move || f(UsersDb::open(&dir)?)).await;
    out.map_err(|e| actorium::ActorError::internal(e.to_string()))?
        .map_err(|e| actorium::ActorError::internal(format!("users database: {e}")))
}

#[actorium::actor]
impl UserSessionActor for Session {
    type Vars = SessionVars;

    async fn create_vars(c: &Ctx<Self>) -> actorium::Result<SessionVars> {
        let id = user_id(c);
        let user = with_db(c, move |db| db.find(&id)).await?;
        Ok(SessionVars {
            user: Mutex::new(user),
        })
    }

    async fn get_profile(c: &Ctx<Self>) -> actorium::Result<Option<User>> {
        c.state_mut().request_count += 1;
        Ok(c.vars().user.lock().expect("vars lock").clone())
    }

    async fn update_email(c: &Ctx<Self>, email: String) -> actorium::Result<()> {
        c.state_mut().request_count += 1;
        let id = user_id(c);
        let user = with_db(c, move |db| {
            db.update_email(&id, &email)?;
            db.find(&id)
        })
        .await?;
        *c.vars().user.lock().expect("vars lock") = user;
        Ok(())
    }
}
