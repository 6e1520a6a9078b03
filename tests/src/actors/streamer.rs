//! `streamer`: a raw HTTP response whose body streams until the actor is told to end it, and a
//! short sleep timeout, to show that a streaming body keeps the actor awake.

use std::sync::Mutex;
use std::time::Duration;

use actorium::ActorOptions;
use actorium::prelude::*;
use actorium::raw_http::{Body, Bytes, http::StatusCode, text_response};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

/// How long `streamer` may be idle before it sleeps.
pub const STREAMER_SLEEP_TIMEOUT: Duration = Duration::from_millis(300);

/// `GET /stream` answers `open\n` and then streams until `end_stream()`.
#[actorium::actor]
pub trait Streamer {
    /// Ends the open stream (if any); returns whether there was one.
    async fn end_stream() -> bool;
    /// How many times the actor woke.
    async fn wakes() -> i64;
}

/// State of `streamer`: `{wakes}`.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct StreamerState {
    /// How many times the actor woke.
    pub wakes: i64,
}

/// The sending end of the open stream.
#[derive(Default)]
pub struct OpenStream(Mutex<Option<mpsc::Sender<Bytes>>>);

#[actorium::actor]
impl StreamerActor for StreamerState {
    type Vars = OpenStream;

    fn options() -> ActorOptions {
        ActorOptions::default().sleep_timeout(STREAMER_SLEEP_TIMEOUT)
    }

    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().wakes += 1;
        Ok(())
    }

    async fn on_request(c: &Ctx<Self>, request: HttpRequest) -> actorium::Result<HttpResponse> {
        if request.uri().path() != "/stream" {
            return Ok(text_response(StatusCode::NOT_FOUND, "no such path"));
        }
        let (tx, mut rx) = mpsc::channel::<Bytes>(4);
        tx.try_send(Bytes::from_static(b"open\n")).ok();
        *c.vars().0.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
        let body = futures_util::stream::poll_fn(move |cx| {
            rx.poll_recv(cx)
                .map(|b| b.map(Ok::<_, std::convert::Infallible>))
        });
        Ok(HttpResponse::new(Body::from_stream(body)))
    }

    async fn end_stream(c: &Ctx<Self>) -> actorium::Result<bool> {
        Ok(c.vars()
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some())
    }

    async fn wakes(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().wakes)
    }
}
