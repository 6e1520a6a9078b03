//! Syncing state to an external database: a `userActor` is created with input `{email}`;
//! `on_create` inserts its row into the users database and `on_state_change` mirrors `email` and
//! `lastActive` into it after every committed change.
//!
//! Run: `cargo run -p actorium-examples --example user_actor` against a running seed server.

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::users_db::{UsersDb, now_ms};

/// Creation input of a `userActor`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct NewUser {
    /// The user's email.
    pub email: String,
}

/// What `getUser` returns, and the persisted state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserRecord {
    /// Email address.
    pub email: String,
    /// Last change, ms since the epoch.
    pub last_active: i64,
}

/// A user whose state is mirrored into the users database.
#[actorium::actor(input = NewUser)]
pub trait UserActor {
    /// Changes the email (and `lastActive`).
    async fn update_email(email: String);
    /// The user's email and last activity.
    async fn get_user() -> UserRecord;
}

fn user_id(key: &actorium::protocol::ActorKey) -> String {
    key.parts().join("-")
}

fn database(dir: &std::path::Path) -> actorium::Result<UsersDb> {
    UsersDb::open(dir).map_err(|e| actorium::ActorError::internal(format!("users database: {e}")))
}

#[actorium::actor]
impl UserActorActor for UserRecord {
    async fn create_state(_: &InitCtx<'_>, input: Option<NewUser>) -> actorium::Result<Self> {
        let input = input.ok_or_else(|| {
            UserError::new("missing_input", "a userActor is created with input {email}")
        })?;
        Ok(UserRecord {
            email: input.email,
            last_active: 0,
        })
    }

    async fn on_create(c: &Ctx<Self>, input: Option<NewUser>) -> actorium::Result<()> {
        let email = input.map(|i| i.email).unwrap_or_default();
        let id = user_id(c.key());
        database(c.data_dir())?
            .insert(&id, &email, now_ms())
            .map_err(|e| actorium::ActorError::internal(e.to_string()))
    }

    fn on_state_change(c: &Ctx<Self>) {
        let (email, last_active) = {
            let s = c.state();
            (s.email.clone(), s.last_active)
        };
        let id = user_id(c.key());
        if let Err(e) = database(c.data_dir()).and_then(|db| {
            db.sync(&id, &email, last_active)
                .map_err(|e| actorium::ActorError::internal(e.to_string()))
        }) {
            tracing::error!(%id, error = %e, "could not mirror the user into the users database");
        }
    }

    async fn update_email(c: &Ctx<Self>, email: String) -> actorium::Result<()> {
        let mut state = c.state_mut();
        state.email = email;
        state.last_active = now_ms();
        Ok(())
    }

    async fn get_user(c: &Ctx<Self>) -> actorium::Result<UserRecord> {
        Ok(c.state().clone())
    }
}
