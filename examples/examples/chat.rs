//! Actor per entity + coordinator: asks the `chatRoomList` coordinator `main` to create a chat
//! room (a new `chatRoom` actor, named with a per-run suffix), lists the rooms it indexes, then
//! talks to the room by its actor id: listens for `newMessage` on a connection, sends a message
//! and reads the history.
//!
//! Start a seed server (`cargo run --release -p actorium-examples --bin seed-server`), then:
//! `cargo run -p actorium-examples --example chat [-- --endpoint http://127.0.0.1:6420]`.

mod common;

use std::time::Duration;

use actorium_examples::chat::{ChatRoomListRef, ChatRoomRef};
use anyhow::{Context, ensure};
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = common::client()?;
    let coordinator = client.get_or_create::<ChatRoomListRef>(["main"]);

    let name = format!("general-{}", common::run_id());
    let actor_id = coordinator.create_chat_room(&name).await?;
    println!("created chat room {name:?}: actor id {actor_id}");

    let rooms = coordinator.list_chat_rooms().await?;
    ensure!(
        rooms.contains(&actor_id),
        "the coordinator does not list the new room"
    );
    println!(
        "coordinator lists {} chat room(s), the new one included",
        rooms.len()
    );

    let room = client.get_for_id::<ChatRoomRef>(&actor_id);
    let conn = room.connect().await?;
    let mut new_messages = conn.new_message();
    // The subscription travels on the WebSocket, the message below over HTTP: one round trip
    // on the connection makes sure the server has the subscription before the message is sent.
    conn.get_history().await?;
    let sent = room.send_message("alice", "Hello!").await?;
    println!("sent: {}: {}", sent.sender, sent.text);

    let event = tokio::time::timeout(Duration::from_secs(10), new_messages.next())
        .await
        .context("no newMessage event within 10 s")?
        .context("the connection closed")?;
    println!("newMessage event: {}: {}", event.sender, event.text);
    conn.dispose().await;

    let history = room.get_history().await?;
    ensure!(history == vec![sent], "unexpected history {history:?}");
    println!("history has {} message(s)", history.len());
    Ok(())
}
