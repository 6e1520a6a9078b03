//! The user side of a connection: the [`Connection`] handle and its [`EventStream`]s. Both
//! only send [`Command`]s to the driver task and read the [`Shared`] state.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use actorium_protocol::Value;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot, watch};

use super::driver::Driver;
use super::socket::{Target, open_socket};
use super::{Command, ConnectionStatus, DISPOSE_TIMEOUT, Shared};
use crate::client::Client;
use crate::error::CallError;
use crate::query::ActorQuery;
use crate::retry::{self, RetryPolicy};
use crate::values;

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
        let shared = Arc::new(Shared::new(config.event_buffer));
        let (cmd, cmd_rx) = mpsc::unbounded_channel();
        Driver::new(target, shared.clone(), cmd_rx, &config).start(opened);
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
    /// `ActorHandle::call`) and output.
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
        self.shared.ids().map(|(a, _)| a)
    }

    /// The connection id from the latest `Init` (new after every reconnect).
    pub fn connection_id(&self) -> Option<String> {
        self.shared.ids().map(|(_, c)| c)
    }

    /// The error that closed the connection for good, if any.
    pub fn close_error(&self) -> Option<CallError> {
        self.shared.close_error()
    }

    /// Closes the connection (`1000 "Disposed"`): pending calls fail with
    /// [`CallError::Closed`], event streams end, no reconnect. Idempotent.
    pub async fn dispose(&self) {
        let (done, rx) = oneshot::channel();
        if self.cmd.send(Command::Dispose { done }).is_ok() {
            let _ = tokio::time::timeout(DISPOSE_TIMEOUT * 2, rx).await;
        }
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
