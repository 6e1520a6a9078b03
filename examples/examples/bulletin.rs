//! Raw HTTP: opens a board's server-sent-event stream, pins a note over the JSON API and one
//! through the typed `pin` action, reads both from the stream, then lists the board.
//!
//! Start a seed server (`cargo run --release -p actorium-examples --bin seed-server`), then:
//! `cargo run -p actorium-examples --example bulletin [-- --endpoint http://127.0.0.1:6420]`.

mod common;

use std::time::Duration;

use actorium::client::raw::http;
use actorium_examples::bulletin::{BulletinBoardRef, Note};
use anyhow::{Context, ensure};

/// Reads `stream` until it has delivered `count` `pinned` events; returns their notes.
async fn read_events(
    stream: &mut actorium::client::RawResponse,
    count: usize,
) -> anyhow::Result<Vec<Note>> {
    let mut text = String::new();
    let mut notes = Vec::new();
    while notes.len() < count {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .context("no event within 10 s")??
            .context("the stream ended")?;
        text.push_str(&String::from_utf8_lossy(&chunk));
        // Events end with a blank line; keep an unfinished one for the next chunk.
        while let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                notes.push(serde_json::from_str(data)?);
            }
        }
    }
    Ok(notes)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = common::client()?;
    let board_key = format!("board-{}", common::run_id());
    let board = client.get_or_create::<BulletinBoardRef>([&board_key]);
    let raw = board.raw();

    let mut stream = raw.fetch(http::Request::get("/events").body("")?).await?;
    ensure!(stream.status() == 200, "GET /events: {}", stream.status());

    let new_note = r#"{"author": "alice", "text": "Hello!"}"#;
    let created = raw
        .fetch(http::Request::post("/notes").body(new_note)?)
        .await?;
    ensure!(created.status() == 201, "POST /notes: {}", created.status());
    let note: Note = created.json().await?;
    println!("POST /notes: pinned #{} by {}", note.number, note.author);
    board.pin("bob", "Hi there").await?;

    for note in read_events(&mut stream, 2).await? {
        println!("sse event: #{} {}: {}", note.number, note.author, note.text);
    }
    let listed: Vec<Note> = raw
        .fetch(http::Request::get("/notes").body("")?)
        .await?
        .json()
        .await?;
    ensure!(listed.len() == 2, "GET /notes: {listed:?}");
    println!("GET /notes: {} notes on {board_key}", listed.len());
    Ok(())
}
