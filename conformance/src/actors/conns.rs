//! `connStateActor`: connection state, the connection list, direct sends.

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Connection params of `connStateActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct WhoParams {
    /// The user name (`anonymous` when missing).
    pub username: Option<String>,
    /// The role (`user` when missing).
    pub role: Option<String>,
    /// Leave this connection out of the connection list and the disconnection count.
    pub no_count: Option<bool>,
}

/// The state of one connection.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Who {
    username: String,
    role: String,
    counter: i64,
    created_at: i64,
    no_count: bool,
}

/// A connection's state with its id.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub struct WithId {
    id: String,
    #[serde(flatten)]
    state: Who,
}

/// A connection opened.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub struct UserConnected {
    id: String,
    username: String,
    role: String,
}

/// A connection closed.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub struct UserDisconnected {
    id: String,
}

/// A message sent to one connection.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub struct DirectMessage {
    from: String,
    message: String,
}

/// Fields of the connection state `updateConnection` may change.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WhoUpdate {
    username: Option<String>,
    role: Option<String>,
}

/// Per-connection state and the list of connections.
#[actorium::actor(name = "connStateActor", conn_params = WhoParams)]
pub trait ConnStateFixture {
    /// Adds `amount` (default 1) to this connection's counter.
    async fn increment_conn_counter(amount: Option<i64>);
    /// Adds `amount` (default 1) to the shared counter, returns it.
    async fn increment_shared_counter(amount: Option<i64>) -> i64;
    /// This connection's state with its id.
    async fn get_connection_state() -> WithId;
    /// The ids of the counted connections.
    async fn get_connection_ids() -> Vec<String>;
    /// How many counted connections closed.
    async fn get_disconnection_count() -> i64;
    /// Every connection's state with its id.
    async fn get_all_connection_states() -> Vec<WithId>;
    /// Sends `directMessage` to connection `target_id`; false if there is none.
    async fn send_to_connection(target_id: String, message: String) -> bool;
    /// Changes this connection's user name and role, returns its state.
    async fn update_connection(updates: WhoUpdate) -> Who;
    /// A connection opened.
    #[event]
    fn user_connected(who: UserConnected);
    /// A counted connection closed.
    #[event]
    fn user_disconnected(who: UserDisconnected);
    /// A message for one connection.
    #[event]
    fn direct_message(message: DirectMessage);
}

/// State of `connStateActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnStateActorState {
    shared_counter: i64,
    disconnection_count: i64,
}

fn with_id(conn: &Conn<ConnStateActorState>) -> WithId {
    WithId {
        id: conn.id().to_string(),
        state: conn.state().clone(),
    }
}

#[actorium::actor]
impl ConnStateFixtureActor for ConnStateActorState {
    type ConnState = Who;

    async fn create_conn_state(
        _c: &Ctx<Self>,
        params: Option<&WhoParams>,
    ) -> actorium::Result<Who> {
        let params = params.cloned_default();
        Ok(Who {
            username: params.username.unwrap_or_else(|| "anonymous".into()),
            role: params.role.unwrap_or_else(|| "user".into()),
            counter: 0,
            created_at: crate::now_ms(),
            no_count: params.no_count.unwrap_or(false),
        })
    }

    async fn on_connect(c: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        c.events().user_connected(&UserConnected {
            id: conn.id().to_string(),
            username: "anonymous".into(),
            role: "user".into(),
        });
        Ok(())
    }

    async fn on_disconnect(c: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        if !conn.state().no_count {
            c.state_mut().disconnection_count += 1;
            c.events().user_disconnected(&UserDisconnected {
                id: conn.id().to_string(),
            });
        }
        Ok(())
    }

    async fn increment_conn_counter(c: &Ctx<Self>, amount: Option<i64>) -> actorium::Result<()> {
        if let Some(conn) = c.conn() {
            conn.state_mut().counter += amount.unwrap_or(1);
        }
        Ok(())
    }

    async fn increment_shared_counter(c: &Ctx<Self>, amount: Option<i64>) -> actorium::Result<i64> {
        let mut s = c.state_mut();
        s.shared_counter += amount.unwrap_or(1);
        Ok(s.shared_counter)
    }

    async fn get_connection_state(c: &Ctx<Self>) -> actorium::Result<WithId> {
        let conn = c.conn().expect("actions run on a connection");
        Ok(with_id(&conn))
    }

    async fn get_connection_ids(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.conns()
            .iter()
            .filter(|conn| !conn.state().no_count)
            .map(|conn| conn.id().to_string())
            .collect())
    }

    async fn get_disconnection_count(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().disconnection_count)
    }

    async fn get_all_connection_states(c: &Ctx<Self>) -> actorium::Result<Vec<WithId>> {
        Ok(c.conns().iter().map(|conn| with_id(conn)).collect())
    }

    async fn send_to_connection(
        c: &Ctx<Self>,
        target_id: String,
        message: String,
    ) -> actorium::Result<bool> {
        let Some(target) = c.conns().into_iter().find(|conn| conn.id() == target_id) else {
            return Ok(false);
        };
        let from = c
            .conn()
            .map(|conn| conn.id().to_string())
            .unwrap_or_default();
        let message = actorium::protocol::compat::serialize(&DirectMessage { from, message })
            .map_err(|e| actorium::ActorError::internal(e.to_string()))?;
        target.send("directMessage", vec![message]);
        Ok(true)
    }

    async fn update_connection(c: &Ctx<Self>, updates: WhoUpdate) -> actorium::Result<Who> {
        let conn = c.conn().expect("actions run on a connection");
        let mut s = conn.state_mut();
        if let Some(u) = updates.username.filter(|u| !u.is_empty()) {
            s.username = u;
        }
        if let Some(r) = updates.role.filter(|r| !r.is_empty()) {
            s.role = r;
        }
        Ok(s.clone())
    }
}

/// `Option<&WhoParams>` to an owned value (missing params are all defaults).
trait ClonedDefault {
    fn cloned_default(self) -> WhoParams;
}

impl ClonedDefault for Option<&WhoParams> {
    fn cloned_default(self) -> WhoParams {
        self.map(|p| WhoParams {
            username: p.username.clone().filter(|u| !u.is_empty()),
            role: p.role.clone().filter(|r| !r.is_empty()),
            no_count: p.no_count,
        })
        .unwrap_or_default()
    }
}

/// What a hook saw of the request that opened a connection.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestSeen {
    has_request: bool,
    request_url: Option<String>,
    request_method: Option<String>,
    request_headers: std::collections::BTreeMap<String, String>,
}

impl RequestSeen {
    fn of(request: &actorium::Request) -> Self {
        RequestSeen {
            has_request: true,
            request_url: Some(request.url()),
            request_method: Some(request.method().to_string()),
            request_headers: request
                .headers()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

/// What each hook saw.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestInfo {
    on_before_connect: RequestSeen,
    create_conn_state: RequestSeen,
    on_request: RequestSeen,
    on_web_socket: RequestSeen,
}

/// Connection params of `requestAccessActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct TrackRequest {
    /// Record what the hooks see of the request.
    pub track_request: Option<bool>,
}

/// The request that opened a connection, as the admission hooks see it (`Ctx::request`), and
/// the requests of raw HTTP (`onRequest`) and raw WebSockets (`onWebSocket`, which echoes).
#[actorium::actor(name = "requestAccessActor", conn_params = TrackRequest)]
pub trait RequestAccess {
    /// `"pong"`.
    async fn ping() -> String;
    /// What each hook saw.
    async fn get_request_info() -> RequestInfo;
}

/// State of `requestAccessActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct RequestAccessState(RequestInfo);

/// Connection state of `requestAccessActor`: what `createConnState` saw, for `onConnect`.
#[derive(Default)]
pub struct SeenAtCreation(Option<RequestSeen>);

fn tracks_request(params: Option<&TrackRequest>) -> bool {
    params.and_then(|p| p.track_request).unwrap_or(false)
}

#[actorium::actor]
impl RequestAccessActor for RequestAccessState {
    type ConnState = SeenAtCreation;

    async fn on_before_connect(
        c: &Ctx<Self>,
        params: Option<&TrackRequest>,
    ) -> actorium::Result<()> {
        if tracks_request(params) {
            let seen = c.request().map(|r| RequestSeen::of(&r)).unwrap_or_default();
            c.state_mut().0.on_before_connect = seen;
        }
        Ok(())
    }

    async fn create_conn_state(
        c: &Ctx<Self>,
        params: Option<&TrackRequest>,
    ) -> actorium::Result<SeenAtCreation> {
        let seen = tracks_request(params)
            .then(|| c.request().map(|r| RequestSeen::of(&r)))
            .flatten();
        Ok(SeenAtCreation(seen))
    }

    async fn on_connect(c: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        if let Some(seen) = conn.state().0.clone() {
            c.state_mut().0.create_conn_state = seen;
        }
        Ok(())
    }

    async fn on_request(c: &Ctx<Self>, request: HttpRequest) -> actorium::Result<HttpResponse> {
        let host = request
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("actor");
        let seen = RequestSeen {
            has_request: true,
            request_url: Some(format!("http://{host}{}", request.uri())),
            request_method: Some(request.method().to_string()),
            request_headers: super::raw_http::header_map(request.headers()),
        };
        c.state_mut().0.on_request = seen.clone();
        actorium::raw_http::json_response(&seen)
    }

    async fn on_websocket(
        c: &Ctx<Self>,
        socket: &std::sync::Arc<RawSocket>,
    ) -> actorium::Result<()> {
        let seen = c.request().map(|r| RequestSeen::of(&r)).unwrap_or_default();
        c.state_mut().0.on_web_socket = seen.clone();
        socket.send(serde_json::to_string(&seen)?);
        Ok(())
    }

    async fn on_websocket_message(
        _c: &Ctx<Self>,
        socket: &std::sync::Arc<RawSocket>,
        message: WsMessage,
    ) -> actorium::Result<()> {
        socket.send(message);
        Ok(())
    }

    async fn ping(_c: &Ctx<Self>) -> actorium::Result<String> {
        Ok("pong".into())
    }

    async fn get_request_info(c: &Ctx<Self>) -> actorium::Result<RequestInfo> {
        Ok(c.state().0.clone())
    }
}
