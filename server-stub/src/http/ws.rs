//! `/connect`: one WebSocket connection to an actor (the RivetKit client protocol's WebSocket).
//!
//! The server selects subprotocol `rivet`, asks the actor to admit the connection
//! (`on_before_connect`, `create_conn_state`, `on_connect`), sends `Init` first, then relays
//! `ActionRequest`/`SubscriptionRequest` to the actor and its `ActionResponse`/`Event`/`Error`
//! back. A rejected connection gets `Error{actionId: null}` and close `1011 group.code`; a
//! malformed frame gets the same with `actor.invalid_request`.
//!
//! In BARE the connection writes the `Init` (and an error before the client's first message) in
//! [`version::GREETING_VERSION`], then the version of the latest message the client sent
//! (see [`actorium_protocol::version`]).

//!
//! # Backpressure and liveness
//!
//! - **Every action read gets its outcome.** At most [`Limits::ws_max_in_flight`] actions of
//!   one connection await their replies; while that many do, the server reads no more frames
//!   (the client's further requests wait in its socket, so a client may pipeline any number
//!   of calls). An action the actor's mailbox has no room for (many busy connections) is
//!   answered at once with `Error{actionId, actor.overloaded}`: it did not run, and the
//!   connection stays open. Subscription changes wait for room instead (their only possible
//!   refusal, `Error{actionId: null}`, makes the official client fail every call in flight).
//! - **The connection closes only with nothing owed.** A connection that does not keep up with
//!   its *events* (more than `HostConfig::conn_queue_capacity` waiting) stops being read, gets
//!   the replies of every action already read, then close `1011 actor.overloaded`; a malformed
//!   frame likewise closes once the actions read before it are answered. Closes travel beside
//!   the outgoing queue, never through it, so they always get out. Requests the server never
//!   read never ran: when the official client rejects them for the close, that is their true
//!   outcome.
//! - **Pings.** Every [`ServerConfig::ws_ping_interval`] the server pings; a socket whose last
//!   ping is still unanswered at the next one is closed (`1011 ws.ping_timeout`), as is one
//!   that takes longer than the interval to accept a frame. A quiet subscriber that answers
//!   pings stays open. The interval does not run out while the server itself stopped reading
//!   (a full in-flight window).
//!
//! [`Limits::ws_max_in_flight`]: super::Limits::ws_max_in_flight
//! [`ServerConfig::ws_ping_interval`]: super::ServerConfig::ws_ping_interval

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actorium_protocol::{
    Encoding, ToClient, ToServer, Value, WireError, catalogue, compat, version,
};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{HeaderMap, header};
use percent_encoding::percent_decode_str;

use super::App;
use super::errors::escape_error;
use super::subscriptions::Subscriptions;
use super::values::{escape, revive_args, specifier};
use crate::actor::{ConnOut, ConnReceiver, ConnSender};
use crate::host::ConnHandle;
use crate::meta::ActorMeta;

/// What the client offered in `Sec-WebSocket-Protocol`.
pub(crate) struct Offer {
    encoding: Result<Encoding, String>,
    params: Result<Option<Value>, String>,
    /// The upgrade request (for `Ctx::request` in the admission hooks).
    pub(crate) request: Option<Arc<crate::actor::Request>>,
}

impl Offer {
    /// The connection params the client offered (`rivet_conn_params.`), or why they are
    /// invalid.
    pub(crate) fn into_params(self) -> Result<Option<Value>, String> {
        self.params
    }

    pub(crate) fn parse(headers: &HeaderMap) -> Offer {
        let mut offer = Offer {
            encoding: Ok(Encoding::Json),
            params: Ok(None),
            request: None,
        };
        let protocols = headers
            .get_all(header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim);
        for p in protocols {
            if let Some(e) = p.strip_prefix("rivet_encoding.") {
                offer.encoding = e.parse().map_err(|_| e.to_string());
            } else if let Some(raw) = p.strip_prefix("rivet_conn_params.") {
                offer.params = percent_decode_str(raw)
                    .decode_utf8()
                    .map_err(|e| e.to_string())
                    .and_then(|s| {
                        serde_json::from_str::<serde_json::Value>(&s).map_err(|e| e.to_string())
                    })
                    .map(|j| Some(compat::from_json(j)));
            }
        }
        offer
    }
}

/// A WebSocket as the connection loop sees it: the bundled server's (axum) or one tunneled by
/// the Rivet Engine (feature `engine`).
pub(crate) trait FrameIo: Send {
    /// The next frame; `None` once the socket is closed or failed.
    fn recv_frame(&mut self) -> impl Future<Output = Option<Message>> + Send;
    /// Sends a frame; `false` if the socket is gone.
    fn send_frame(&mut self, frame: Message) -> impl Future<Output = bool> + Send;
    /// Whether the server pings this socket (its pongs come back through
    /// [`FrameIo::recv_frame`]). Tunneled sockets are kept alive by the engine.
    fn pings(&self) -> bool {
        false
    }
}

impl FrameIo for WebSocket {
    async fn recv_frame(&mut self) -> Option<Message> {
        self.recv().await.and_then(Result::ok)
    }

    async fn send_frame(&mut self, frame: Message) -> bool {
        self.send(frame).await.is_ok()
    }

    fn pings(&self) -> bool {
        true
    }
}

struct Socket<S> {
    socket: S,
    encoding: Encoding,
    /// The BARE version written: the greeting's until the client has sent a message.
    version: u16,
    /// Largest message sent (`Limits::max_outgoing_message`).
    limit: usize,
    meta: Arc<ActorMeta>,
    /// Longest a frame may take to be accepted (the ping interval, when pinging).
    write_deadline: Option<Duration>,
}

impl<S: FrameIo> Socket<S> {
    /// Encodes and sends one message; `false` if the socket is gone.
    async fn send(&mut self, msg: ToClient) -> bool {
        let msg = match msg {
            ToClient::ActionResponse { id, output } => ToClient::ActionResponse {
                id,
                output: escape(output, self.encoding, self.version),
            },
            ToClient::Event { name, args } => ToClient::Event {
                name,
                args: args
                    .into_iter()
                    .map(|a| escape(a, self.encoding, self.version))
                    .collect(),
            },
            ToClient::Error { error, action_id } => ToClient::Error {
                error: escape_error(error, self.encoding, self.version),
                action_id,
            },
            init => init,
        };
        let bytes = match msg.encode_version(self.encoding, self.version) {
            Ok(b) if b.len() <= self.limit => b,
            result => {
                let reason = match result {
                    Ok(_) => WireError::outgoing_too_long(self.limit),
                    Err(e) => {
                        tracing::error!(actor = %self.meta.id, error = %e, "message does not encode");
                        WireError::internal()
                    }
                };
                let action_id = match &msg {
                    ToClient::ActionResponse { id, .. } => Some(*id),
                    ToClient::Error { action_id, .. } => *action_id,
                    _ => None,
                };
                if action_id.is_none() {
                    // An event that cannot be sent: dropped for this connection.
                    tracing::warn!(actor = %self.meta.id, error = %reason, "event not sent");
                    return true;
                }
                let error = ToClient::Error {
                    error: reason.with_actor(specifier(&self.meta)),
                    action_id,
                };
                match error.encode_version(self.encoding, self.version) {
                    Ok(b) => b,
                    Err(_) => return true,
                }
            }
        };
        let frame = if self.encoding.is_text() {
            match String::from_utf8(bytes) {
                Ok(s) => Message::Text(s.into()),
                Err(_) => return true,
            }
        } else {
            Message::Binary(bytes.into())
        };
        self.write(frame).await
    }

    /// Sends a frame within the write deadline; `false` if the socket is gone or stuck.
    async fn write(&mut self, frame: Message) -> bool {
        match self.write_deadline {
            None => self.socket.send_frame(frame).await,
            Some(deadline) => {
                let sent = tokio::time::timeout(deadline, self.socket.send_frame(frame)).await;
                if sent.is_err() {
                    tracing::debug!(actor = %self.meta.id, "socket does not accept frames; dropping it");
                }
                sent.unwrap_or(false)
            }
        }
    }

    async fn close(&mut self, code: u16, reason: &str) {
        let _ = self
            .write(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    }

    /// Connection-level error: `Error{actionId: null}`, then close 1011 `group.code`.
    async fn fail(&mut self, error: WireError) {
        let reason = error.close_reason();
        self.send(ToClient::Error {
            error,
            action_id: None,
        })
        .await;
        self.close(1011, &reason).await;
    }
}

/// The server's pings of one socket.
struct Pinger {
    every: tokio::time::Interval,
    /// A ping went out and no pong came back since.
    unanswered: bool,
    /// The server stopped reading at some point since the last ping (a pong may be waiting
    /// unread): the missing pong does not count.
    paused: bool,
}

/// The next ping tick; never, without pings.
async fn tick(pinger: &mut Option<Pinger>) {
    match pinger {
        Some(p) => {
            p.every.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Runs one connection until either side closes it.
pub(crate) async fn run<S: FrameIo>(socket: S, app: App, meta: Arc<ActorMeta>, offer: Offer) {
    let limit = app.config.limits.max_outgoing_message;
    let interval = app.config.ws_ping_interval;
    let pings = socket.pings() && !interval.is_zero();
    let write_deadline = pings.then_some(interval);
    let encoding = match offer.encoding {
        Ok(e) => e,
        Err(unknown) => {
            tracing::debug!(encoding = %unknown, "unsupported WebSocket encoding");
            let mut s = Socket {
                socket,
                encoding: Encoding::Json,
                version: version::GREETING_VERSION,
                limit,
                meta,
                write_deadline,
            };
            s.close(1003, &catalogue::UNSUPPORTED_WEBSOCKET_ENCODING.name())
                .await;
            return;
        }
    };
    let mut s = Socket {
        socket,
        encoding,
        version: version::GREETING_VERSION,
        limit,
        meta: meta.clone(),
        write_deadline,
    };
    let params = match offer.params {
        Ok(p) => p,
        Err(e) => {
            s.fail(WireError::invalid_request(format!(
                "Invalid connection params: {e}"
            )))
            .await;
            return;
        }
    };
    let (tx, mut out) = ConnSender::channel(app.host.config().conn_queue_capacity);
    let mut conn = match app
        .host
        .connect_with_request(&meta, params, tx, offer.request)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(actor = %meta.id, error = %e, "connection rejected");
            s.fail(e).await;
            return;
        }
    };
    tracing::debug!(actor = %meta.id, conn = %conn.id(), %encoding, "connected");
    let mut inbound = Inbound {
        encoding,
        limit: app.config.limits.max_incoming_message,
        version: s.version,
        subscriptions: Subscriptions::new(&app.config.limits),
        meta: meta.clone(),
    };
    let init = ToClient::Init {
        actor_id: meta.id.clone(),
        connection_id: conn.id().to_string(),
    };
    if s.send(init).await {
        let max_in_flight = app.config.limits.ws_max_in_flight.max(1);
        let mut pinger = pings.then(|| {
            let start = tokio::time::Instant::now() + interval;
            let mut every = tokio::time::interval_at(start, interval);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            Pinger {
                every,
                unanswered: false,
                paused: false,
            }
        });
        // A connection-level error to send once no reply is owed any more.
        let mut failing: Option<WireError> = None;
        loop {
            if failing.is_some() && out.owed() == 0 {
                s.fail(failing.take().expect("checked")).await;
                break;
            }
            let reading = failing.is_none() && !out.closing() && out.owed() < max_in_flight;
            if let Some(p) = pinger.as_mut().filter(|_| !reading) {
                p.paused = true;
            }
            tokio::select! {
                frame = s.socket.recv_frame(), if reading => {
                    let Some(frame) = frame else { break };
                    let read = inbound.read(&mut conn, &mut out, frame).await;
                    s.version = inbound.version;
                    match read {
                        Read::Go => {}
                        Read::Pong => {
                            if let Some(p) = &mut pinger {
                                p.unanswered = false;
                            }
                        }
                        Read::Fail(e) => failing = Some(e),
                        Read::Reply(error) => {
                            if !s.send(error).await {
                                break;
                            }
                        }
                    }
                }
                msg = out.recv() => match msg {
                    Some(ConnOut::Msg(m)) => {
                        if !s.send(m).await {
                            break;
                        }
                    }
                    Some(ConnOut::Close { code, reason }) => {
                        s.close(code, &reason).await;
                        break;
                    }
                    // The actor dropped the connection without a close (it cannot send again).
                    None => {
                        s.close(1011, &catalogue::STOPPED.name()).await;
                        break;
                    }
                },
                () = tick(&mut pinger) => {
                    let p = pinger.as_mut().expect("ticks only with pings");
                    if p.unanswered && !p.paused {
                        tracing::debug!(actor = %meta.id, conn = %conn.id(), "no pong; closing");
                        s.close(1011, &catalogue::WS_PING_TIMEOUT.name()).await;
                        break;
                    }
                    p.unanswered = true;
                    p.paused = !reading;
                    if !s.write(Message::Ping(Default::default())).await {
                        break;
                    }
                }
            }
        }
    }
    conn.disconnect().await;
    tracing::debug!(actor = %meta.id, conn = %conn.id(), "disconnected");
}

/// What a frame from the client asks of the connection loop.
enum Read {
    /// Nothing more to do.
    Go,
    /// A pong.
    Pong,
    /// Answer this now: the error of an action the actor could not take (it did not run).
    Reply(ToClient),
    /// A connection-level error: read no more, close once nothing is owed.
    Fail(WireError),
}

/// The reading side of a connection: how frames decode, and the subscriptions they made.
struct Inbound {
    encoding: Encoding,
    /// Largest message read (`Limits::max_incoming_message`).
    limit: usize,
    /// The BARE version of the latest message the client sent (the greeting's before).
    version: u16,
    subscriptions: Subscriptions,
    meta: Arc<ActorMeta>,
}

impl Inbound {
    /// Handles one frame from the client: decodes it and hands it to the actor.
    async fn read(
        &mut self,
        conn: &mut ConnHandle,
        out: &mut ConnReceiver,
        frame: Message,
    ) -> Read {
        let (encoding, limit) = (self.encoding, self.limit);
        let bytes = match frame {
            Message::Pong(_) => return Read::Pong,
            // The reply to a close or a ping is queued by the WebSocket layer and written by the
            // next read or write.
            Message::Close(_) | Message::Ping(_) => return Read::Go,
            Message::Text(t) => {
                if encoding != Encoding::Json {
                    return Read::Fail(WireError::invalid_request(format!(
                        "Text frames are not valid in the {encoding} encoding."
                    )));
                }
                t.as_bytes().to_vec()
            }
            Message::Binary(b) => b.to_vec(),
        };
        if bytes.len() > limit {
            return Read::Fail(WireError::incoming_too_long(limit));
        }
        let meta = &self.meta;
        let msg = match ToServer::decode(encoding, &bytes) {
            Ok(m) => {
                if let Some(v) = version::of_payload(encoding, &bytes) {
                    self.version = v;
                }
                m
            }
            Err(e) => {
                tracing::debug!(actor = %meta.id, error = %e, "malformed frame");
                return Read::Fail(WireError::invalid_request(format!("Invalid message: {e}")));
            }
        };
        match msg {
            ToServer::ActionRequest { id, name, args } => {
                let revived = revive_args(args, encoding, self.version);
                let sent = match revived {
                    Ok(args) => conn.action(id, name, args).await,
                    Err(e) => Err(e),
                };
                match sent {
                    Ok(()) => {
                        out.owe();
                        Read::Go
                    }
                    Err(e) => Read::Reply(ToClient::Error {
                        error: e.with_actor(specifier(meta)),
                        action_id: Some(id),
                    }),
                }
            }
            // Checked against the connection's limits, then passed on, waiting for room in the
            // mailbox rather than refused for a full one; it fails only for a stopping actor,
            // whose close follows. A subscription has no action id, so a refusal can only be a
            // connection error, on which the official client fails every call in flight: the
            // connection reads no more, answers every call it has read, then sends the error
            // and closes, so no call the client sees fail has run.
            ToServer::SubscriptionRequest {
                event_name,
                subscribe,
            } => {
                let mut forward = None;
                let checked = self
                    .subscriptions
                    .request(event_name, subscribe, |name, on| {
                        forward = Some((name, on));
                        Ok(())
                    });
                match checked {
                    Ok(()) => {
                        if let Some((name, on)) = forward {
                            let _ = conn.subscribe(name, on).await;
                        }
                        Read::Go
                    }
                    Err(e) => Read::Fail(e),
                }
            }
        }
    }
}
