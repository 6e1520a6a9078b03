//! [`Connection`]: a stateful WebSocket connection to one actor (`{gateway}/connect`).
//!
//! - Subprotocols `rivet`, `rivet_encoding.<enc>` and, for truthy params,
//!   `rivet_conn_params.<url-encoded JSON>`. The token travels in the URL.
//! - [`ActorHandle::connect`](crate::ActorHandle::connect) returns once the server's `Init`
//!   arrived. Failures before `Init` (an HTTP error on upgrade, an `Error` with no action id, a
//!   close `1011 group.code`) are actor errors; stale-actor and placement errors are retried
//!   like actions.
//! - Actions are pipelined, with ids counting from 0 for the whole life of the connection, and
//!   matched to responses by id.
//! - Events: [`Connection::events`] returns a [`Stream`] of argument lists. A
//!   `SubscriptionRequest` is sent when the first subscriber of an event appears (and
//!   `subscribe: false` when the last one goes away); every subscription is replayed after each
//!   reconnect. The server sends events only to subscribed connections.
//! - Reconnect: if the socket drops after the connection was connected, it is reopened with
//!   backoff (250 ms doubling to 30 s by default, [`ReconnectPolicy`](crate::ReconnectPolicy)).
//!   Actions in flight when it drops fail with [`CallError::ConnectionLost`] (or the close
//!   reason's actor error); actions called while reconnecting wait and are sent after the next
//!   `Init`.
//! - A connection-level `Error` (no action id) that is not retryable, e.g. a rejection by the
//!   actor's `onBeforeConnect`, closes the connection for good: pending calls fail with that
//!   error, event streams end, no reconnect.
//! - [`Connection::dispose`] closes with `1000 "Disposed"`. Dropping every clone of the
//!   connection and every event stream disposes it too.
//!
//! The connection runs on a task spawned on the current tokio runtime.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actorium_protocol::gateway::encode_uri_component;
use actorium_protocol::{Encoding, ToClient, ToServer, Value, WireError};
use futures_util::{SinkExt, Stream, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::config::{ReconnectPolicy, ws_base};
use crate::retry::{self, RetryPolicy};
use crate::{ActorQuery, CallError, Client, values};

/// The fixed subprotocol every connection offers (the server must select it).
pub const RIVET_SUBPROTOCOL: &str = "rivet";
/// Prefix of the subprotocol carrying connection params.
pub const CONN_PARAMS_SUBPROTOCOL_PREFIX: &str = "rivet_conn_params.";

const DISPOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The state of a [`Connection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionStatus {
    /// Opening a socket and waiting for `Init`.
    Connecting,
    /// `Init` received; actions and subscriptions flow.
    Connected,
    /// The socket dropped; waiting before the next attempt.
    Disconnected,
    /// Disposed, or closed for good by an error (see [`Connection::close_error`]).
    Closed,
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Reply = oneshot::Sender<Result<Value, CallError>>;
/// Subscribers of each event: (subscriber id, its queue).
type Subscribers = BTreeMap<String, Vec<(u64, mpsc::Sender<Vec<Value>>)>>;

enum Command {
    Action {
        name: String,
        args: Vec<Value>,
        reply: Reply,
    },
    Subscribe {
        event: String,
        id: u64,
        tx: mpsc::Sender<Vec<Value>>,
    },
    Unsubscribe {
        event: String,
        id: u64,
    },
    Dispose {
        done: oneshot::Sender<()>,
    },
}

/// State shared between the connection's handles and its task.
struct Shared {
    status: watch::Sender<ConnectionStatus>,
    ids: Mutex<Option<(String, String)>>,
    close_error: Mutex<Option<CallError>>,
    next_sub: AtomicU64,
    event_buffer: usize,
}

/// What a connection is opened for.
struct Target {
    client: Client,
    query: ActorQuery,
    params: Option<Value>,
}

/// A socket that has received `Init`.
struct Opened {
    ws: Ws,
    actor_id: String,
    connection_id: String,
}

/// A stateful WebSocket connection to one actor. Cheap to clone; see the module docs.
#[derive(Clone)]
pub struct Connection {
    shared: Arc<Shared>,
    cmd: mpsc::UnboundedSender<Command>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("status", &self.status())
            .field("actor_id", &self.actor_id())
            .field("connection_id", &self.connection_id())
            .finish()
    }
}

impl Connection {
    /// Opens a connection (retrying like an action would) and starts its task.
    pub(crate) async fn open(
        client: Client,
        query: ActorQuery,
        params: Option<Value>,
    ) -> Result<Connection, CallError> {
        let config = client.inner.config()?.clone();
        let policy = RetryPolicy {
            dynamic_attempts: query.retry_policy("").dynamic_attempts,
            lifecycle: true,
        };
        let target = Arc::new(Target {
            client,
            query,
            params,
        });
        let opened = retry::run(policy, || open_socket(&target)).await?;
        let (status, _) = watch::channel(ConnectionStatus::Connecting);
        let shared = Arc::new(Shared {
            status,
            ids: Mutex::new(None),
            close_error: Mutex::new(None),
            next_sub: AtomicU64::new(0),
            event_buffer: config.event_buffer,
        });
        let (cmd, cmd_rx) = mpsc::unbounded_channel();
        let driver = Driver {
            target,
            shared: shared.clone(),
            cmd_rx,
            policy: config.reconnect.clone(),
            encoding: config.encoding,
            next_id: 0,
            in_flight: HashMap::new(),
            queued: VecDeque::new(),
            subs: BTreeMap::new(),
            dispose_waiters: Vec::new(),
        };
        driver.on_init(&opened);
        tokio::spawn(driver.run(opened));
        Ok(Connection { shared, cmd })
    }

    /// Calls the action `name` with positional `args` on this connection.
    ///
    /// While the connection is reconnecting, the call waits and is sent after the next `Init`.
    pub async fn action(&self, name: &str, args: Vec<Value>) -> Result<Value, CallError> {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Action {
            name: name.to_string(),
            args,
            reply,
        };
        if self.cmd.send(cmd).is_err() {
            return Err(self.terminal_error());
        }
        rx.await.unwrap_or_else(|_| Err(self.terminal_error()))
    }

    /// Calls an action with typed arguments (a tuple, see
    /// [`ActorHandle::call`](crate::ActorHandle::call)) and output.
    pub async fn call<A: Serialize, R: DeserializeOwned>(
        &self,
        name: &str,
        args: A,
    ) -> Result<R, CallError> {
        let args = values::to_args(&args)?;
        values::from_value(self.action(name, args).await?)
    }

    /// Subscribes to the event `name`: a stream of each broadcast's argument list.
    ///
    /// Only broadcasts after the subscription reached the server are delivered (actions called
    /// after this method are sent after the subscription). The stream ends when the
    /// connection closes for good; dropping it unsubscribes.
    pub fn events(&self, name: &str) -> EventStream {
        let (tx, rx) = mpsc::channel(self.shared.event_buffer);
        let id = self.shared.next_sub.fetch_add(1, Ordering::Relaxed);
        let _ = self.cmd.send(Command::Subscribe {
            event: name.to_string(),
            id,
            tx,
        });
        EventStream {
            rx,
            cmd: self.cmd.clone(),
            event: name.to_string(),
            id,
        }
    }

    /// Like [`Connection::events`], with each argument list deserialized as `T` (a type that
    /// deserializes from a sequence, e.g. `(u64,)` for a one-argument event).
    pub fn events_as<T: DeserializeOwned + 'static>(
        &self,
        name: &str,
    ) -> impl Stream<Item = Result<T, CallError>> + Send + Unpin + 'static {
        self.events(name).map(values::from_args::<T>)
    }

    /// The current status.
    pub fn status(&self) -> ConnectionStatus {
        *self.shared.status.borrow()
    }

    /// A receiver of status changes.
    pub fn status_watch(&self) -> watch::Receiver<ConnectionStatus> {
        self.shared.status.subscribe()
    }

    /// The actor id from the latest `Init`.
    pub fn actor_id(&self) -> Option<String> {
        self.lock_ids().as_ref().map(|(a, _)| a.clone())
    }

    /// The connection id from the latest `Init` (new after every reconnect).
    pub fn connection_id(&self) -> Option<String> {
        self.lock_ids().as_ref().map(|(_, c)| c.clone())
    }

    /// The error that closed the connection for good, if any.
    pub fn close_error(&self) -> Option<CallError> {
        self.shared
            .close_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Closes the connection (`1000 "Disposed"`): pending calls fail with
    /// [`CallError::Closed`], event streams end, no reconnect. Idempotent.
    pub async fn dispose(&self) {
        let (done, rx) = oneshot::channel();
        if self.cmd.send(Command::Dispose { done }).is_ok() {
            let _ = tokio::time::timeout(DISPOSE_TIMEOUT * 2, rx).await;
        }
    }

    fn lock_ids(&self) -> std::sync::MutexGuard<'_, Option<(String, String)>> {
        self.shared.ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn terminal_error(&self) -> CallError {
        self.close_error().unwrap_or(CallError::Closed)
    }
}

/// The argument lists of one event, as broadcast after the subscription.
///
/// Ends when the connection closes for good; dropping it unsubscribes (the last subscriber of
/// an event sends `subscribe: false`).
pub struct EventStream {
    rx: mpsc::Receiver<Vec<Value>>,
    cmd: mpsc::UnboundedSender<Command>,
    event: String,
    id: u64,
}

impl EventStream {
    /// The event name.
    pub fn name(&self) -> &str {
        &self.event
    }
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("event", &self.event)
            .finish_non_exhaustive()
    }
}

impl Stream for EventStream {
    type Item = Vec<Value>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        let _ = self.cmd.send(Command::Unsubscribe {
            event: std::mem::take(&mut self.event),
            id: self.id,
        });
    }
}

/// The `Sec-WebSocket-Protocol` value: `rivet, rivet_encoding.<enc>[, rivet_conn_params.<p>]`.
pub(crate) fn subprotocols(
    encoding: Encoding,
    params: Option<&Value>,
) -> Result<String, CallError> {
    let mut list = vec![RIVET_SUBPROTOCOL.to_string(), encoding.subprotocol()];
    if let Some(p) = params.filter(|p| values::is_truthy(p)) {
        // encodeURIComponent, plus `(` and `)`, which are not token characters.
        let encoded = encode_uri_component(&values::params_json(p)?)
            .replace('(', "%28")
            .replace(')', "%29");
        list.push(format!("{CONN_PARAMS_SUBPROTOCOL_PREFIX}{encoded}"));
    }
    Ok(list.join(", "))
}

/// Parses a close reason of the form `group.code[#rayId]`.
pub(crate) fn parse_close_reason(reason: &str) -> Option<(String, String, Option<String>)> {
    let (main, ray) = match reason.split_once('#') {
        Some((m, r)) => (m, Some(r.to_string())),
        None => (reason, None),
    };
    let (group, code) = main.split_once('.')?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    (valid(group) && valid(code)).then(|| (group.to_string(), code.to_string(), ray))
}

/// The error a close frame stands for: an actor error for `group.code` reasons, else a lost
/// connection.
fn close_error(frame: Option<&CloseFrame>) -> CallError {
    match frame {
        Some(f) => match parse_close_reason(&f.reason) {
            Some((group, code, ray)) => {
                if let Some(ray) = ray {
                    tracing::debug!(%ray, "close ray id");
                }
                CallError::from(WireError::new(
                    group,
                    code,
                    format!("Connection closed: {}", f.reason.as_str()),
                ))
            }
            None => CallError::ConnectionLost(format!(
                "closed by the server (code {}, reason {:?})",
                u16::from(f.code),
                f.reason.as_str()
            )),
        },
        None => CallError::ConnectionLost("closed by the server".into()),
    }
}

/// The error a failed WebSocket upgrade stands for.
fn handshake_error(e: tungstenite::Error) -> CallError {
    match e {
        tungstenite::Error::Http(resp) => {
            let status = resp.status().as_u16();
            let body = resp.body().clone().unwrap_or_default();
            match WireError::decode_http(Encoding::Json, &body) {
                Ok(w) => CallError::from(values::decode_error(w)),
                Err(_) => CallError::Http {
                    status,
                    body: String::from_utf8_lossy(&body).chars().take(512).collect(),
                },
            }
        }
        other => CallError::transport("WebSocket connection failed", other),
    }
}

/// Opens a socket and waits for `Init`.
async fn open_socket(target: &Target) -> Result<Opened, CallError> {
    let inner = &target.client.inner;
    let config = inner.config()?;
    let resolved = inner.resolved().await?;
    let path = target
        .query
        .gateway_target(config, &resolved)?
        .path_and_query("/connect")
        .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
    let url = format!("{}{path}", ws_base(&resolved.endpoint));
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| CallError::InvalidRequest(format!("bad WebSocket URL {url}: {e}")))?;
    let headers = request.headers_mut();
    let protocols = subprotocols(config.encoding, target.params.as_ref())?;
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&protocols).map_err(|e| {
            CallError::InvalidRequest(format!("connection params do not fit a header: {e}"))
        })?,
    );
    if let Ok(ua) = HeaderValue::from_str(&crate::http::user_agent()) {
        headers.insert("user-agent", ua);
    }
    for (name, value) in &config.headers {
        if let (Ok(n), Ok(v)) = (
            tungstenite::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    let encoding = config.encoding;
    tracing::debug!(%url, "opening connection");
    let open = async {
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
            .await
            .map_err(handshake_error)?;
        loop {
            let msg = match ws.next().await {
                None => return Err(CallError::ConnectionLost("closed before Init".into())),
                Some(Err(e)) => {
                    return Err(CallError::transport("WebSocket failed before Init", e));
                }
                Some(Ok(m)) => m,
            };
            let bytes = match &msg {
                Message::Text(t) => t.as_bytes(),
                Message::Binary(b) => b.as_ref(),
                Message::Close(f) => return Err(close_error(f.as_ref())),
                _ => continue,
            };
            match ToClient::decode(encoding, bytes)? {
                ToClient::Init {
                    actor_id,
                    connection_id,
                } => {
                    return Ok(Opened {
                        ws,
                        actor_id,
                        connection_id,
                    });
                }
                ToClient::Error { error, .. } => {
                    return Err(CallError::from(values::decode_error(error)));
                }
                other => tracing::warn!(?other, "message before Init ignored"),
            }
        }
    };
    tokio::time::timeout(config.connect_timeout, open)
        .await
        .map_err(|_| {
            CallError::transport_msg(format!(
                "no Init within {:?} from {url}",
                config.connect_timeout
            ))
        })?
}

/// How a served socket ended.
enum End {
    /// Disposed by the user (or every handle dropped).
    Disposed,
    /// Closed for good by this error.
    Fatal(CallError),
    /// Dropped; reconnect.
    Dropped(CallError),
}

/// The connection's task.
struct Driver {
    target: Arc<Target>,
    shared: Arc<Shared>,
    cmd_rx: mpsc::UnboundedReceiver<Command>,
    policy: ReconnectPolicy,
    encoding: Encoding,
    next_id: u64,
    in_flight: HashMap<u64, Reply>,
    /// Actions called while not connected, sent after the next `Init`.
    queued: VecDeque<(u64, String, Vec<Value>, Reply)>,
    subs: Subscribers,
    dispose_waiters: Vec<oneshot::Sender<()>>,
}

impl Driver {
    async fn run(mut self, mut opened: Opened) {
        loop {
            let end = self.serve(opened).await;
            let error = match end {
                End::Disposed => return self.finish(None),
                End::Fatal(e) => {
                    tracing::warn!(error = %e, "connection closed for good");
                    return self.finish(Some(e));
                }
                End::Dropped(e) => e,
            };
            let lost = match &error {
                CallError::Actor(_) | CallError::ConnectionLost(_) => error.clone(),
                other => CallError::ConnectionLost(other.to_string()),
            };
            for (_, reply) in self.in_flight.drain() {
                let _ = reply.send(Err(lost.clone()));
            }
            if !self.policy.enabled {
                return self.finish(Some(error));
            }
            tracing::info!(error = %error, "connection dropped; reconnecting");
            match self.reconnect().await {
                Ok(o) => {
                    self.on_init(&o);
                    opened = o;
                }
                Err(End::Fatal(e)) => {
                    tracing::warn!(error = %e, "reconnect gave up");
                    return self.finish(Some(e));
                }
                Err(_) => return self.finish(None),
            }
        }
    }

    fn set_status(&self, status: ConnectionStatus) {
        self.shared.status.send_replace(status);
    }

    fn on_init(&self, opened: &Opened) {
        tracing::debug!(actor_id = %opened.actor_id, connection_id = %opened.connection_id, "connected");
        *self.shared.ids.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((opened.actor_id.clone(), opened.connection_id.clone()));
        self.set_status(ConnectionStatus::Connected);
    }

    /// Fails everything, ends the streams, marks the connection closed.
    fn finish(mut self, error: Option<CallError>) {
        if let Some(e) = &error {
            *self
                .shared
                .close_error
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(e.clone());
        }
        self.set_status(ConnectionStatus::Closed);
        let error = error.unwrap_or(CallError::Closed);
        for (_, reply) in self.in_flight.drain() {
            let _ = reply.send(Err(error.clone()));
        }
        for (_, _, _, reply) in self.queued.drain(..) {
            let _ = reply.send(Err(error.clone()));
        }
        self.subs.clear();
        self.cmd_rx.close();
        while let Ok(cmd) = self.cmd_rx.try_recv() {
            match cmd {
                Command::Action { reply, .. } => {
                    let _ = reply.send(Err(error.clone()));
                }
                Command::Dispose { done } => self.dispose_waiters.push(done),
                _ => {}
            }
        }
        for done in self.dispose_waiters.drain(..) {
            let _ = done.send(());
        }
    }

    async fn send(&self, ws: &mut Ws, msg: ToServer) -> Result<(), CallError> {
        let bytes = msg.encode(self.encoding).map_err(CallError::conversion)?;
        let frame = if self.encoding.is_text() {
            Message::text(String::from_utf8(bytes).map_err(|e| {
                CallError::conversion(actorium_protocol::ProtocolError::Json(e.to_string()))
            })?)
        } else {
            Message::binary(bytes)
        };
        ws.send(frame)
            .await
            .map_err(|e| CallError::transport("WebSocket send failed", e))
    }

    async fn send_action(
        &mut self,
        ws: &mut Ws,
        id: u64,
        name: String,
        args: Vec<Value>,
        reply: Reply,
    ) -> Result<(), End> {
        if reply.is_closed() {
            return Ok(());
        }
        let msg = ToServer::ActionRequest {
            id,
            name,
            args: values::encode_args(self.encoding, args),
        };
        match self.send(ws, msg).await {
            Ok(()) => {
                self.in_flight.insert(id, reply);
                Ok(())
            }
            Err(e @ CallError::Conversion(_)) => {
                let _ = reply.send(Err(e));
                Ok(())
            }
            Err(e) => {
                self.in_flight.insert(id, reply);
                Err(End::Dropped(e))
            }
        }
    }

    async fn subscribe(&self, ws: &mut Ws, event: &str, subscribe: bool) -> Result<(), End> {
        tracing::debug!(event, subscribe, "subscription request");
        let msg = ToServer::SubscriptionRequest {
            event_name: event.to_string(),
            subscribe,
        };
        self.send(ws, msg).await.map_err(End::Dropped)
    }

    /// Serves one connected socket until it ends.
    async fn serve(&mut self, opened: Opened) -> End {
        let mut ws = opened.ws;
        match self.serve_inner(&mut ws).await {
            End::Disposed => {
                close_politely(&mut ws).await;
                End::Disposed
            }
            End::Fatal(e) => {
                let _ = tokio::time::timeout(DISPOSE_TIMEOUT, ws.close(None)).await;
                End::Fatal(e)
            }
            dropped => dropped,
        }
    }

    async fn serve_inner(&mut self, ws: &mut Ws) -> End {
        // Replay subscriptions, then flush the actions queued while not connected.
        let events: Vec<String> = self.subs.keys().cloned().collect();
        for event in events {
            if let Err(end) = self.subscribe(ws, &event, true).await {
                return end;
            }
        }
        while let Some((id, name, args, reply)) = self.queued.pop_front() {
            if let Err(end) = self.send_action(ws, id, name, args, reply).await {
                return end;
            }
        }
        loop {
            tokio::select! {
                cmd = self.cmd_rx.recv() => {
                    let result = match cmd {
                        None => return End::Disposed,
                        Some(Command::Dispose { done }) => {
                            self.dispose_waiters.push(done);
                            return End::Disposed;
                        }
                        Some(Command::Action { name, args, reply }) => {
                            let id = self.next_id;
                            self.next_id += 1;
                            self.send_action(ws, id, name, args, reply).await
                        }
                        Some(Command::Subscribe { event, id, tx }) => {
                            let list = self.subs.entry(event.clone()).or_default();
                            list.push((id, tx));
                            if list.len() == 1 {
                                self.subscribe(ws, &event, true).await
                            } else {
                                Ok(())
                            }
                        }
                        Some(Command::Unsubscribe { event, id }) => {
                            if self.remove_sub(&event, id) {
                                self.subscribe(ws, &event, false).await
                            } else {
                                Ok(())
                            }
                        }
                    };
                    if let Err(end) = result {
                        return end;
                    }
                }
                msg = ws.next() => {
                    let msg = match msg {
                        None => return End::Dropped(CallError::ConnectionLost("socket closed".into())),
                        Some(Err(e)) => return End::Dropped(CallError::ConnectionLost(e.to_string())),
                        Some(Ok(m)) => m,
                    };
                    let bytes = match &msg {
                        Message::Text(t) => t.as_bytes(),
                        Message::Binary(b) => b.as_ref(),
                        Message::Close(f) => return End::Dropped(close_error(f.as_ref())),
                        _ => continue,
                    };
                    if let Some(end) = self.on_message(bytes) {
                        return end;
                    }
                }
            }
        }
    }

    /// Removes a subscriber; true if it was the event's last one.
    fn remove_sub(&mut self, event: &str, id: u64) -> bool {
        let Some(list) = self.subs.get_mut(event) else {
            return false;
        };
        let before = list.len();
        list.retain(|(i, _)| *i != id);
        if list.is_empty() && before > 0 {
            self.subs.remove(event);
            return true;
        }
        false
    }

    fn on_message(&mut self, bytes: &[u8]) -> Option<End> {
        let msg = match ToClient::decode(self.encoding, bytes) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "undecodable message ignored");
                return None;
            }
        };
        match msg {
            ToClient::Init {
                actor_id,
                connection_id,
            } => {
                tracing::warn!(%actor_id, %connection_id, "unexpected second Init");
                *self.shared.ids.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((actor_id, connection_id));
            }
            ToClient::ActionResponse { id, output } => match self.in_flight.remove(&id) {
                Some(reply) => {
                    let _ = reply.send(values::decode_value(output));
                }
                None => tracing::debug!(id, "response to no pending action"),
            },
            ToClient::Error {
                error,
                action_id: Some(id),
            } => match self.in_flight.remove(&id) {
                Some(reply) => {
                    let _ = reply.send(Err(CallError::from(values::decode_error(error))));
                }
                None => tracing::debug!(id, %error, "error for no pending action"),
            },
            ToClient::Error {
                error,
                action_id: None,
            } => {
                let e = CallError::from(values::decode_error(error));
                tracing::warn!(error = %e, "connection-level error");
                return Some(
                    if retry::is_reconnectable(&e, self.target.query.is_dynamic()) {
                        End::Dropped(e)
                    } else {
                        End::Fatal(e)
                    },
                );
            }
            ToClient::Event { name, args } => self.dispatch(&name, args),
        }
        None
    }

    fn dispatch(&mut self, name: &str, args: Vec<Value>) {
        let Some(list) = self.subs.get_mut(name) else {
            tracing::debug!(event = name, "event without subscribers");
            return;
        };
        let args = match values::decode_args(args) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(event = name, error = %e, "event arguments do not decode");
                return;
            }
        };
        list.retain(|(_, tx)| match tx.try_send(args.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(
                    event = name,
                    "event subscriber is too far behind; event dropped"
                );
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }

    /// Reopens the socket with backoff, still serving commands meanwhile.
    async fn reconnect(&mut self) -> Result<Opened, End> {
        let mut attempt = 0u32;
        loop {
            self.set_status(ConnectionStatus::Disconnected);
            let delay = self.policy.delay(attempt);
            self.idle(tokio::time::sleep(delay)).await?;
            self.set_status(ConnectionStatus::Connecting);
            let target = self.target.clone();
            match self.idle(async move { open_socket(&target).await }).await? {
                Ok(opened) => return Ok(opened),
                Err(e) if !retry::is_reconnectable(&e, self.target.query.is_dynamic()) => {
                    return Err(End::Fatal(e));
                }
                Err(e) => {
                    attempt += 1;
                    if self.policy.max_attempts.is_some_and(|max| attempt >= max) {
                        return Err(End::Fatal(e));
                    }
                    tracing::warn!(attempt, error = %e, "reconnect attempt failed");
                }
            }
        }
    }

    /// Runs `fut` while queueing actions and recording subscriptions.
    async fn idle<F: Future>(&mut self, fut: F) -> Result<F::Output, End> {
        tokio::pin!(fut);
        loop {
            tokio::select! {
                out = &mut fut => return Ok(out),
                cmd = self.cmd_rx.recv() => match cmd {
                    None => return Err(End::Disposed),
                    Some(Command::Dispose { done }) => {
                        self.dispose_waiters.push(done);
                        return Err(End::Disposed);
                    }
                    Some(Command::Action { name, args, reply }) => {
                        let id = self.next_id;
                        self.next_id += 1;
                        self.queued.push_back((id, name, args, reply));
                    }
                    Some(Command::Subscribe { event, id, tx }) => {
                        self.subs.entry(event).or_default().push((id, tx));
                    }
                    Some(Command::Unsubscribe { event, id }) => {
                        self.remove_sub(&event, id);
                    }
                },
            }
        }
    }
}

/// Sends `1000 "Disposed"` and waits (briefly) for the server's echo.
async fn close_politely(ws: &mut Ws) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: "Disposed".into(),
    };
    let close = async {
        if ws.close(Some(frame)).await.is_err() {
            return;
        }
        while let Some(Ok(msg)) = ws.next().await {
            if msg.is_close() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DISPOSE_TIMEOUT, close).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subprotocol_strings() {
        assert_eq!(
            subprotocols(Encoding::Bare, None).unwrap(),
            "rivet, rivet_encoding.bare"
        );
        let params = Value::Map(vec![(
            Value::Text("user".into()),
            Value::Text("alice (admin)".into()),
        )]);
        assert_eq!(
            subprotocols(Encoding::Json, Some(&params)).unwrap(),
            "rivet, rivet_encoding.json, rivet_conn_params.%7B%22user%22%3A%22alice%20%28admin%29%22%7D"
        );
        // Falsy params are dropped, as by the official client.
        assert_eq!(
            subprotocols(Encoding::Cbor, Some(&Value::Bool(false))).unwrap(),
            "rivet, rivet_encoding.cbor"
        );
    }

    #[test]
    fn close_reasons() {
        assert_eq!(
            parse_close_reason("actor.not_found#pa0ebvfuf6ch2m0wgpzzp1wm3dbl00"),
            Some((
                "actor".into(),
                "not_found".into(),
                Some("pa0ebvfuf6ch2m0wgpzzp1wm3dbl00".into())
            ))
        );
        assert_eq!(
            parse_close_reason("user.conn_rejected"),
            Some(("user".into(), "conn_rejected".into(), None))
        );
        assert_eq!(parse_close_reason("Disposed"), None);
        assert_eq!(parse_close_reason("a b.c"), None);
        assert_eq!(parse_close_reason(""), None);
        let e = close_error(Some(&CloseFrame {
            code: CloseCode::Error,
            reason: "guard.actor_runner_failed#x".into(),
        }));
        assert!(e.is("guard", "actor_runner_failed"));
        let e = close_error(Some(&CloseFrame {
            code: CloseCode::Away,
            reason: "".into(),
        }));
        assert!(matches!(e, CallError::ConnectionLost(_)));
    }
}
