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
    /// Someone shouted.
    #[event]
    fn shouted(text: String);
}

/// State of `lobby`.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct LobbyState(LobbyCounts);

#[actorium::actor]
impl LobbyActor for LobbyState {
    /// Visits of this connection.
    type ConnState = i64;

    fn options() -> ActorOptions {
        ActorOptions::default().hibernate_connections()
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().0.wakes += 1;
        Ok(())
    }

    async fn on_connect(c: &Ctx<Self>, _conn: &Conn<Self>) -> actorium::Result<()> {
        c.state_mut().0.connects += 1;
        Ok(())
    }

    async fn on_disconnect(c: &Ctx<Self>, _conn: &Conn<Self>) -> actorium::Result<()> {
        c.state_mut().0.disconnects += 1;
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
        Ok(c.state().0.clone())
    }

    async fn conn_ids(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.conns().iter().map(|conn| conn.id().to_string()).collect())
    }

    async fn shout(c: &Ctx<Self>, text: String) -> actorium::Result<()> {
        c.events().shouted(&text);
        Ok(())
    }
}
