//! Raw WebSockets: alice and bob join a `wsChat` room over plain WebSockets, alice says hello,
//! bob reads it, then the room's history is read through the typed `history` action.
//!
//! Start a seed server (`cargo run --release -p actorium-examples --bin seed-server`), then:
//! `cargo run -p actorium-examples --example ws_chat [-- --endpoint http://127.0.0.1:6420]`.

mod common;

use std::time::Duration;

use actorium::client::RawWebSocket;
use actorium::client::raw_ws::WsMessage;
use actorium_examples::ws_chat::WsChatRef;
use anyhow::{Context, bail, ensure};
use futures_util::{SinkExt, StreamExt};

/// Reads lines until one equals `want`.
async fn read_until(socket: &mut RawWebSocket, who: &str, want: &str) -> anyhow::Result<()> {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .with_context(|| format!("{who}: no line within 10 s"))?;
        match next {
            Some(Ok(WsMessage::Text(line))) => {
                println!("{who} got: {line}");
                if line == want {
                    return Ok(());
                }
            }
            Some(Ok(other)) => bail!("{who}: unexpected {other:?}"),
            Some(Err(e)) => return Err(e.into()),
            None => bail!("{who}: closed ({:?})", socket.close_frame()),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = common::client()?;
    let room_key = format!("room-{}", common::run_id());
    let room = client.get_or_create::<WsChatRef>([&room_key]);

    let mut alice = room.raw().websocket("/?name=alice").await?;
    read_until(&mut alice, "alice", "* alice joined").await?;
    let mut bob = room.raw().websocket("/?name=bob").await?;
    read_until(&mut bob, "bob", "* bob joined").await?;

    alice.send(WsMessage::from("hello bob")).await?;
    read_until(&mut bob, "bob", "alice: hello bob").await?;

    bob.close(1000, "bye").await?;
    read_until(&mut alice, "alice", "* bob left").await?;
    let history = room.history().await?;
    ensure!(history.len() == 4, "history of {room_key}: {history:?}");
    println!("history of {room_key}: {} lines", history.len());
    Ok(())
}
