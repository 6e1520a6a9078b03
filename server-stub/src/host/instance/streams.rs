//! Raw HTTP responses whose bodies stream after the handler returned (server-sent events): each
//! counts as activity, like an open connection, until its body ends or the client goes away;
//! then the actor's turn loop is nudged to check whether it is idle now.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::{Body as HttpBody, Frame, SizeHint};

use crate::actor::HttpResponse;
use crate::host::Host;
use crate::host::mailbox::Envelope;

/// `response` with a body that keeps the actor `id` awake until it ends or is dropped. A body
/// whose whole length is known up front (a plain JSON answer) is returned as it is.
pub(super) fn keep_awake(
    response: HttpResponse,
    open: &Arc<AtomicUsize>,
    host: &Host,
    id: &str,
) -> HttpResponse {
    if response.body().size_hint().exact().is_some() {
        return response;
    }
    open.fetch_add(1, Ordering::Relaxed);
    let guard = StreamGuard {
        open: open.clone(),
        host: host.clone(),
        id: id.to_string(),
    };
    response.map(|inner| {
        Body::new(Guarded {
            inner,
            _guard: guard,
        })
    })
}

/// Counts one open stream; on drop, uncounts it and nudges the actor.
struct StreamGuard {
    open: Arc<AtomicUsize>,
    host: Host,
    id: String,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        if self.open.fetch_sub(1, Ordering::Relaxed) == 1
            && let Some(tx) = self.host.live_sender(&self.id)
        {
            // Full mailbox: the actor is busy and re-checks idleness after that work anyway.
            let _ = tx.try_send(Box::new(Envelope::StreamEnded));
        }
    }
}

/// A body that holds a [`StreamGuard`] while it lives.
struct Guarded {
    inner: Body,
    _guard: StreamGuard,
}

impl HttpBody for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
