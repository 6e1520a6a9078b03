//! Raw HTTP: a `bulletinBoard` actor (one per board) that serves a small JSON API and a
//! server-sent-events stream over `on_request`, beside its typed actions and event.
//!
//! - `GET  {gateway}/request/notes`: every note, as JSON.
//! - `POST {gateway}/request/notes` with `{"author": .., "text": ..}`: pins a note (201).
//! - `GET  {gateway}/request/events`: `text/event-stream`, one `pinned` event per note pinned
//!   from then on (by HTTP or by the `pin` action).
//!
//! The stream is fed from `on_state_change`, which runs after a change is committed: a reader
//! never sees a note that a crash could still take back. An open stream keeps the actor awake.
//!
//! Run: `cargo run -p actorium-examples --example bulletin` against a running seed server, or
//! by hand: `curl -N 'http://127.0.0.1:6420/gateway/bulletinBoard/request/events?rvt-namespace=default&rvt-method=getOrCreate&rvt-key=lobby'`.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};

use actorium::prelude::*;
use actorium::raw_http::http::{Method, StatusCode, header};
use actorium::raw_http::{Body, body_bytes, json_response, text_response};
use futures_util::StreamExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// A pinned note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Note {
    /// 1, 2, 3, … in pinning order.
    pub number: u64,
    /// Who pinned it.
    pub author: String,
    /// What it says.
    pub text: String,
}

/// What `POST /notes` takes.
#[derive(Deserialize)]
struct NewNote {
    author: String,
    text: String,
}

/// A notice board: notes pinned by its readers, over actions or raw HTTP.
#[actorium::actor]
pub trait BulletinBoard {
    /// Pins a note and returns it with its number.
    async fn pin(author: String, text: String) -> Note;
    /// Every note, oldest first.
    async fn notes() -> Vec<Note>;
    /// A note was pinned.
    #[event]
    fn pinned(note: Note);
}

/// State of a `bulletinBoard`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct Board {
    notes: Vec<Note>,
}

/// The board's live feed (ephemeral): the server-sent-event streams subscribe to it.
pub struct Feed {
    tx: broadcast::Sender<Note>,
    /// The number of the last note sent to the feed.
    published: AtomicU64,
}

impl Default for Feed {
    fn default() -> Self {
        Feed {
            tx: broadcast::channel(256).0,
            published: AtomicU64::new(0),
        }
    }
}

fn pin_note(c: &Ctx<Board>, author: String, text: String) -> Note {
    let mut board = c.state_mut();
    let note = Note {
        number: board.notes.len() as u64 + 1,
        author,
        text,
    };
    board.notes.push(note.clone());
    c.events().pinned(&note);
    note
}

/// The `text/event-stream` of the feed: a comment at once (so the client has the response),
/// then one `pinned` event per note.
fn event_stream(feed: &Feed) -> HttpResponse {
    let hello =
        futures_util::stream::once(async { Ok::<_, Infallible>(": pinned notes\n\n".to_string()) });
    let notes = futures_util::stream::unfold(feed.tx.subscribe(), |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(note) => {
                    let data = serde_json::to_string(&note).unwrap_or_default();
                    return Some((Ok(format!("event: pinned\ndata: {data}\n\n")), rx));
                }
                // A reader too slow for 256 notes misses some rather than stalling the board.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let mut response = HttpResponse::new(Body::from_stream(hello.chain(notes)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        "text/event-stream".parse().expect("valid"),
    );
    headers.insert(header::CACHE_CONTROL, "no-cache".parse().expect("valid"));
    response
}

#[actorium::actor]
impl BulletinBoardActor for Board {
    type Vars = Feed;

    async fn create_vars(c: &Ctx<Self>) -> actorium::Result<Feed> {
        let feed = Feed::default();
        feed.published
            .store(c.state().notes.len() as u64, Ordering::Relaxed);
        Ok(feed)
    }

    /// Runs after each committed change: sends the feed the notes it has not seen.
    fn on_state_change(c: &Ctx<Self>) {
        let feed = c.vars();
        let board = c.state();
        let seen = feed.published.load(Ordering::Relaxed);
        for note in board.notes.iter().filter(|n| n.number > seen) {
            // No reader listening is fine.
            let _ = feed.tx.send(note.clone());
        }
        feed.published
            .store(board.notes.len() as u64, Ordering::Relaxed);
    }

    async fn on_request(c: &Ctx<Self>, request: HttpRequest) -> actorium::Result<HttpResponse> {
        let path = request.uri().path().trim_end_matches('/').to_string();
        match (request.method().clone(), path.as_str()) {
            (Method::GET, "/notes") => json_response(&c.state().notes),
            (Method::POST, "/notes") => {
                let body = body_bytes(request).await?;
                let Ok(new) = serde_json::from_slice::<NewNote>(&body) else {
                    return Ok(text_response(
                        StatusCode::BAD_REQUEST,
                        "expected {\"author\": string, \"text\": string}",
                    ));
                };
                let note = pin_note(c, new.author, new.text);
                let mut response = json_response(&note)?;
                *response.status_mut() = StatusCode::CREATED;
                Ok(response)
            }
            (Method::GET, "/events") => Ok(event_stream(c.vars())),
            (_, "/notes" | "/events") => Ok(text_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed",
            )),
            _ => Ok(text_response(StatusCode::NOT_FOUND, "no such page")),
        }
    }

    async fn pin(c: &Ctx<Self>, author: String, text: String) -> actorium::Result<Note> {
        Ok(pin_note(c, author, text))
    }

    async fn notes(c: &Ctx<Self>) -> actorium::Result<Vec<Note>> {
        Ok(c.state().notes.clone())
    }
}
