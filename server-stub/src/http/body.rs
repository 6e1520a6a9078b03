//! Reading request bodies under a size limit and a time limit.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actorium_protocol::WireError;
use axum::body::{Body, Bytes};
use hyper::body::{Frame, Incoming, SizeHint};
use tokio::time::Sleep;

/// Reads a (possibly chunked) body of at most `limit` bytes. A body that does not arrive within
/// the server's body timeout ([`TimeoutBody`]) is `guard.request_timeout`.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Vec<u8>, WireError> {
    read_body_watched(body, limit, |_| Ok(())).await
}

/// [`read_body`], showing every chunk to `watch` first: after its error, the rest of the body
/// is read and dropped (nothing more is kept), then the error is returned.
pub(crate) async fn read_body_watched(
    body: Body,
    limit: usize,
    mut watch: impl FnMut(&[u8]) -> Result<(), WireError>,
) -> Result<Vec<u8>, WireError> {
    use futures_util::StreamExt as _;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            let e = e.into_inner();
            match e.downcast_ref::<BodyTimedOut>() {
                Some(t) => WireError::request_timeout(format!(
                    "The request body did not arrive within {} ms.",
                    t.0.as_millis()
                )),
                None => WireError::invalid_request(format!("Cannot read the request body: {e}")),
            }
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(WireError::incoming_too_long(limit));
        }
        if let Err(e) = watch(&chunk) {
            // Read and drop the rest (within the limit) before answering: a client still
            // sending would otherwise get a broken pipe instead of the error.
            let mut seen = buf.len() + chunk.len();
            while let Some(Ok(rest)) = stream.next().await {
                seen += rest.len();
                if seen > limit {
                    break;
                }
            }
            return Err(e);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// The error of a body that took longer than the body timeout.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub(crate) struct BodyTimedOut(pub Duration);

/// A request body that fails with [`BodyTimedOut`] once it has waited `timeout` in all for
/// data since it first had to wait (a body already buffered costs no timer).
pub(crate) struct TimeoutBody {
    inner: Incoming,
    timeout: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl TimeoutBody {
    /// `inner`, cut off after `timeout`.
    pub(crate) fn new(inner: Incoming, timeout: Duration) -> Self {
        TimeoutBody {
            inner,
            timeout,
            sleep: None,
        }
    }
}

impl hyper::body::Body for TimeoutBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|r| r.map_err(Into::into))),
            Poll::Pending => {
                let timeout = this.timeout;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimedOut(timeout))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
