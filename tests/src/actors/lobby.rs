//! `lobby`: connections that hibernate ([`actorium::ActorOptions::hibernate_connections`]):
//! they stay open while the lobby sleeps, keep their state and subscriptions, and `on_connect`
//! runs once per connection, however often the lobby sleeps.

use actorium::ActorOptions;
use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the lobby counted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LobbyCounts {
    /// `on_connect` runs.
    pub connects: i64,
    /// `on_disconnect` runs.
    pub disconnects: i64,
    /// `on_wake` runs (creation included).
    pub wakes: i64,
}

/// A lobby whose visitors stay connected while it sleeps (wire name `lobby`).
#[actorium::actor]
pub trait Lobby {
    /// Counts a visit on this connection's state; returns the connection's visits so far.
    async fn visit() -> i64;
    /// What the lobby counted.
    async fn counts() -> LobbyCounts;
    /// The ids of the open connections.
    async fn conn_ids() -> Vec<String>;
    /// Broadcasts `shouted(text)`.
    async fn shout(text: String);
    /// Counts a note `ms` milliseconds later, as work left with `wait_until`.
    async fn note_later(ms: u64);
    /// How many notes were counted.
    async fn notes() -> i64;
    /// Someone shouted.
    #[event]
    fn shouted(text: String);
}

/// State of `lobby`.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct LobbyState {
    counts: LobbyCounts,
    notes: i64,
}

#[actorium::actor]
impl LobbyActor for LobbyState {
    /// Visits of this connection.
    type ConnState = i64;

    fn options() -> ActorOptions {
        ActorOptions::default().hibernate_connections()
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().counts.wakes += 1;
        Ok(())
    }

    async fn on_connect(c: &Ctx<Self>, _conn: &Conn<Self>) -> actorium::Result<()> {
        c.state_mut().counts.connects += 1;
        Ok(())
    }

    async fn on_disconnect(c: &Ctx<Self>, _conn: &Conn<Self>) -> actorium::Result<()> {
        c.state_mut().counts.disconnects += 1;
        Ok(())
    }

    async fn visit(c: &Ctx<Self>) -> actorium::Result<i64> {
        let Some(conn) = c.conn() else {
            return Ok(0);
        };
        let mut visits = conn.state_mut();
        *visits += 1;
        Ok(*visits)
    }

    async fn counts(c: &Ctx<Self>) -> actorium::Result<LobbyCounts> {
        Ok(c.state().counts.clone())
    }

    async fn conn_ids(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.conns().iter().map(|conn| conn.id().to_string()).collect())
    }

    async fn shout(c: &Ctx<Self>, text: String) -> actorium::Result<()> {
        c.events().shouted(&text);
        Ok(())
    }

    async fn note_later(c: &Ctx<Self>, ms: u64) -> actorium::Result<()> {
        c.wait_until(move |c| async move {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            c.state_mut().notes += 1;
            Ok(())
        });
        Ok(())
    }

    async fn notes(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().notes)
    }
}
