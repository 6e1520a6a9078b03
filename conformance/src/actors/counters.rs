//! `counter`, `counterConn`, `counterWithLifecycle`, `counterWithParams`.

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A count with a broadcast on every change (any connection params are accepted and ignored).
#[actorium::actor]
pub trait Counter {
    /// Adds `x`, broadcasts the new count, returns it.
    async fn increment(x: i64) -> i64;
    /// Sets the count to `x`, broadcasts it, returns it.
    async fn set_count(x: i64) -> i64;
    /// The count.
    async fn get_count() -> i64;
    /// The actor's key.
    async fn get_key() -> Vec<String>;
    /// The count after a change.
    #[event]
    fn new_count(count: i64);
}

/// State of `counter`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct CounterState {
    count: i64,
}

#[actorium::actor]
impl CounterActor for CounterState {
    async fn increment(c: &Ctx<Self>, x: i64) -> actorium::Result<i64> {
        let count = {
            let mut s = c.state_mut();
            s.count += x;
            s.count
        };
        c.events().new_count(&count);
        Ok(count)
    }

    async fn set_count(c: &Ctx<Self>, x: i64) -> actorium::Result<i64> {
        c.state_mut().count = x;
        c.events().new_count(&x);
        Ok(x)
    }

    async fn get_count(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().count)
    }

    async fn get_key(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.key().0.clone())
    }
}

/// A count per connection, and the number of open connections.
#[actorium::actor]
pub trait CounterConn {
    /// Adds `x` to this connection's count and broadcasts it.
    async fn increment(x: i64);
    /// Sets this connection's count and broadcasts it.
    async fn set_count(x: i64);
    /// This connection's count.
    async fn get_count() -> i64;
    /// Open connections (incremented on connect, decremented on disconnect).
    async fn get_connection_count() -> i64;
    /// A connection's count after a change.
    #[event]
    fn new_count(count: i64);
}

/// State of `counterConn`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CounterConnState {
    connection_count: i64,
}

/// Connection state of `counterConn`.
#[derive(Default)]
pub struct ConnCount {
    count: i64,
}

fn conn_count<A: actorium::Actor<ConnState = ConnCount>>(
    c: &Ctx<A>,
    f: impl FnOnce(&mut i64),
) -> i64 {
    match c.conn() {
        Some(conn) => {
            let mut s = conn.state_mut();
            f(&mut s.count);
            s.count
        }
        None => 0,
    }
}

#[actorium::actor]
impl CounterConnActor for CounterConnState {
    type ConnState = ConnCount;

    async fn on_connect(c: &Ctx<Self>, _conn: &Conn<Self>) -> actorium::Result<()> {
        c.state_mut().connection_count += 1;
        Ok(())
    }

    async fn on_disconnect(c: &Ctx<Self>, _conn: &Conn<Self>) -> actorium::Result<()> {
        c.state_mut().connection_count -= 1;
        Ok(())
    }

    async fn increment(c: &Ctx<Self>, x: i64) -> actorium::Result<()> {
        let count = conn_count(c, |n| *n += x);
        c.events().new_count(&count);
        Ok(())
    }

    async fn set_count(c: &Ctx<Self>, x: i64) -> actorium::Result<()> {
        conn_count(c, |n| *n = x);
        c.events().new_count(&x);
        Ok(())
    }

    async fn get_count(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(conn_count(c, |_| {}))
    }

    async fn get_connection_count(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().connection_count)
    }
}

/// Connection params of `counterWithLifecycle`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct TrackParams {
    /// Record this connection's lifecycle hooks in `events`.
    pub track_lifecycle: Option<bool>,
}

fn tracks(params: Option<&TrackParams>) -> bool {
    params.and_then(|p| p.track_lifecycle).unwrap_or(false)
}

/// A count and the lifecycle hooks that ran, in order.
#[actorium::actor(conn_params = TrackParams)]
pub trait CounterWithLifecycle {
    /// The hooks recorded so far.
    async fn get_events() -> Vec<String>;
    /// Adds `x`, returns the count.
    async fn increment(x: i64) -> i64;
}

/// State of `counterWithLifecycle`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct LifecycleState {
    count: i64,
    events: Vec<String>,
}

/// Connection state of `counterWithLifecycle`.
#[derive(Default)]
pub struct JoinTime {
    /// When the connection was admitted (ms since the epoch).
    pub join_time: i64,
}

#[actorium::actor]
impl CounterWithLifecycleActor for LifecycleState {
    type ConnState = JoinTime;

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().events.push("onWake".into());
        Ok(())
    }

    async fn on_before_connect(
        c: &Ctx<Self>,
        params: Option<&TrackParams>,
    ) -> actorium::Result<()> {
        if tracks(params) {
            c.state_mut().events.push("onBeforeConnect".into());
        }
        Ok(())
    }

    async fn create_conn_state(
        _c: &Ctx<Self>,
        _params: Option<&TrackParams>,
    ) -> actorium::Result<JoinTime> {
        Ok(JoinTime {
            join_time: crate::now_ms(),
        })
    }

    async fn on_connect(c: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        if tracks(conn.params()) {
            c.state_mut().events.push("onConnect".into());
        }
        Ok(())
    }

    async fn on_disconnect(c: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        if tracks(conn.params()) {
            c.state_mut().events.push("onDisconnect".into());
        }
        Ok(())
    }

    async fn get_events(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.state().events.clone())
    }

    async fn increment(c: &Ctx<Self>, x: i64) -> actorium::Result<i64> {
        let mut s = c.state_mut();
        s.count += x;
        Ok(s.count)
    }
}

/// Connection params of `counterWithParams`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NameParams {
    /// The connection's name (`anonymous` when missing).
    pub name: Option<String>,
}

/// Who changed the count to what.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub struct CountBy {
    /// The new count.
    pub count: i64,
    /// The name of the connection that changed it.
    pub by: String,
}

/// A count whose broadcasts name the connection that changed it.
#[actorium::actor(name = "counterWithParams", conn_params = NameParams)]
pub trait CounterWithParams {
    /// Adds `x`, broadcasts `{count, by}`, returns the count.
    async fn increment(x: i64) -> i64;
    /// The names of the connections, in the order they connected.
    async fn get_initializers() -> Vec<String>;
    /// The count after a change, and who changed it.
    #[event]
    fn new_count(change: CountBy);
}

/// State of `counterWithParams`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct ParamsState {
    count: i64,
    initializers: Vec<String>,
}

/// Connection state of `counterWithParams`.
#[derive(Default)]
pub struct ConnName {
    name: String,
}

#[actorium::actor]
impl CounterWithParamsActor for ParamsState {
    type ConnState = ConnName;

    async fn create_conn_state(
        _c: &Ctx<Self>,
        params: Option<&NameParams>,
    ) -> actorium::Result<ConnName> {
        let name = params
            .and_then(|p| p.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "anonymous".into());
        Ok(ConnName { name })
    }

    async fn on_connect(c: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        let name = conn.state().name.clone();
        c.state_mut().initializers.push(name);
        Ok(())
    }

    async fn increment(c: &Ctx<Self>, x: i64) -> actorium::Result<i64> {
        let count = {
            let mut s = c.state_mut();
            s.count += x;
            s.count
        };
        let by = c
            .conn()
            .map(|conn| conn.state().name.clone())
            .unwrap_or_else(|| "anonymous".into());
        c.events().new_count(&CountBy { count, by });
        Ok(count)
    }

    async fn get_initializers(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.state().initializers.clone())
    }
}
