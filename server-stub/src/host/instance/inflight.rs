//! What is in flight in an instance: each action, hook or timer future (panics caught), who
//! waits for it and until when, and how it ended.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use actorium_protocol::{Value, WireError};
use futures_util::future::{BoxFuture, FutureExt};
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::actor::HttpResponse;
use crate::error::{ActorError, Result};

/// Who waits for an in-flight future.
pub(super) enum Target {
    Call(oneshot::Sender<std::result::Result<Value, WireError>>),
    Conn {
        conn_id: String,
        action_id: u64,
    },
    Connect {
        conn_id: String,
        reply: oneshot::Sender<std::result::Result<(), WireError>>,
    },
    Timer {
        id: String,
        action: String,
    },
    Hook(&'static str),
    /// A raw WebSocket message's handler: a panic (or a rollback while it was in flight)
    /// closes the socket with `1011`, so the client knows a message was lost.
    RawMessage {
        socket_id: String,
    },
    /// A raw HTTP request: the handler leaves its response in `response` (the future's own
    /// output is a [`Value`], like every other).
    Request {
        response: ResponseSlot,
        reply: oneshot::Sender<std::result::Result<HttpResponse, WireError>>,
    },
}

/// Where a raw HTTP handler's future leaves its response for [`Target::Request`].
pub(super) type ResponseSlot = std::sync::Arc<std::sync::Mutex<Option<HttpResponse>>>;

/// How an in-flight future ended.
pub(super) enum Outcome {
    Done(Result<Value>),
    Panicked(String),
    TimedOut,
}

pub(super) fn panic_message(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// An in-flight action, hook or timer: its sequence number and its future, which turns a
/// panic into [`Outcome::Panicked`]. Timeouts are the instance's (one timer for all, see
/// `Instance::expire`), not one per future.
pub(super) struct InFlight {
    pub(super) seq: u64,
    fut: BoxFuture<'static, Outcome>,
}

impl InFlight {
    pub(super) fn new(seq: u64, fut: impl Future<Output = Result<Value>> + Send + 'static) -> Self {
        let fut = Box::pin(async move {
            match AssertUnwindSafe(fut).catch_unwind().await {
                Ok(r) => Outcome::Done(r),
                Err(p) => Outcome::Panicked(panic_message(&*p)),
            }
        });
        InFlight { seq, fut }
    }
}

impl Future for InFlight {
    type Output = (u64, Outcome);

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<(u64, Outcome)> {
        let seq = self.seq;
        self.fut.as_mut().poll(cx).map(|outcome| (seq, outcome))
    }
}

/// Who waits for an in-flight future, and until when.
pub(super) struct Pending {
    pub(super) target: Target,
    pub(super) deadline: Instant,
}

/// Runs a boot-time hook, turning a panic into an internal error.
pub(super) async fn hook<T>(what: &str, fut: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(r) => r,
        Err(p) => Err(ActorError::internal(format!(
            "{what} panicked: {}",
            panic_message(&*p)
        ))),
    }
}
