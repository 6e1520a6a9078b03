//! The connection's task: serves one socket at a time (commands out, messages in), and
//! reopens the socket with backoff when it drops.

use std::future::Future;
use std::sync::Arc;

use actorium_protocol::{Encoding, ToClient, ToServer, Value};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use super::pending::Pending;
use super::socket::{Opened, Target, close_error, close_politely, open_socket};
use super::{Command, ConnectionStatus, DISPOSE_TIMEOUT, Reply, Shared};
use crate::backoff;
use crate::config::{Config, ReconnectPolicy};
use crate::error::CallError;
use crate::retry;
use crate::tls::Ws;
use crate::values;

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
pub(super) struct Driver {
    target: Arc<Target>,
    shared: Arc<Shared>,
    cmd_rx: mpsc::UnboundedReceiver<Command>,
    policy: ReconnectPolicy,
    encoding: Encoding,
    pending: Pending,
    dispose_waiters: Vec<oneshot::Sender<()>>,
}

impl Driver {
    pub fn new(
        target: Arc<Target>,
        shared: Arc<Shared>,
        cmd_rx: mpsc::UnboundedReceiver<Command>,
        config: &Config,
    ) -> Driver {
        Driver {
            target,
            shared,
            cmd_rx,
            policy: config.reconnect.clone(),
            encoding: config.encoding,
            pending: Pending::default(),
            dispose_waiters: Vec::new(),
        }
    }

    /// Marks the connection connected and spawns the task serving `opened`.
    pub fn start(self, opened: Opened) {
        self.on_init(&opened);
        tokio::spawn(self.run(opened));
    }

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
            self.pending.fail_in_flight(&lost);
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

    fn on_init(&self, opened: &Opened) {
        tracing::debug!(actor_id = %opened.actor_id, connection_id = %opened.connection_id, "connected");
        self.shared
            .set_ids(opened.actor_id.clone(), opened.connection_id.clone());
        self.shared.set_status(ConnectionStatus::Connected);
    }

    /// Fails everything, ends the streams, marks the connection closed.
    fn finish(mut self, error: Option<CallError>) {
        if let Some(e) = &error {
            self.shared.set_close_error(e.clone());
        }
        self.shared.set_status(ConnectionStatus::Closed);
        let error = error.unwrap_or(CallError::Closed);
        self.pending.fail_all(&error);
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
                self.pending.sent(id, reply);
                Ok(())
            }
            Err(e @ CallError::Conversion(_)) => {
                let _ = reply.send(Err(e));
                Ok(())
            }
            Err(e) => {
                self.pending.sent(id, reply);
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
        for event in self.pending.events() {
            if let Err(end) = self.subscribe(ws, &event, true).await {
                return end;
            }
        }
        while let Some((id, name, args, reply)) = self.pending.next_queued() {
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
                            let id = self.pending.next_id();
                            self.send_action(ws, id, name, args, reply).await
                        }
                        Some(Command::Subscribe { event, id, tx }) => {
                            if self.pending.subscribe(event.clone(), id, tx) {
                                self.subscribe(ws, &event, true).await
                            } else {
                                Ok(())
                            }
                        }
                        Some(Command::Unsubscribe { event, id }) => {
                            if self.pending.unsubscribe(&event, id) {
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
                self.shared.set_ids(actor_id, connection_id);
            }
            ToClient::ActionResponse { id, output } => {
                if self
                    .pending
                    .respond(id, values::decode_value(output))
                    .is_err()
                {
                    tracing::debug!(id, "response to no pending action");
                }
            }
            ToClient::Error {
                error,
                action_id: Some(id),
            } => {
                let e = CallError::from(values::decode_error(error));
                if let Err(Err(e)) = self.pending.respond(id, Err(e)) {
                    tracing::debug!(id, error = %e, "error for no pending action");
                }
            }
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
            ToClient::Event { name, args } => self.pending.dispatch(&name, args),
        }
        None
    }

    /// Reopens the socket with backoff (sleeping `delay(0)` first), still serving commands
    /// meanwhile.
    async fn reconnect(&mut self) -> Result<Opened, End> {
        let policy = self.policy.clone();
        let shared = self.shared.clone();
        let target = self.target.clone();
        let dynamic = target.query.is_dynamic();
        let attempts = async move {
            shared.set_status(ConnectionStatus::Disconnected);
            tokio::time::sleep(policy.delay(0)).await;
            backoff::repeat(
                policy.max_attempts,
                |n| {
                    shared.set_status(ConnectionStatus::Disconnected);
                    policy.delay(n)
                },
                |_| {
                    shared.set_status(ConnectionStatus::Connecting);
                    open_socket(&target)
                },
                |e, n| {
                    let again = retry::is_reconnectable(e, dynamic);
                    if again {
                        tracing::warn!(attempt = n + 1, error = %e, "reconnect attempt failed");
                    }
                    again
                },
            )
            .await
        };
        self.idle(attempts).await?.map_err(End::Fatal)
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
                        self.pending.queue(name, args, reply);
                    }
                    Some(Command::Subscribe { event, id, tx }) => {
                        self.pending.subscribe(event, id, tx);
                    }
                    Some(Command::Unsubscribe { event, id }) => {
                        self.pending.unsubscribe(&event, id);
                    }
                },
            }
        }
    }
}
