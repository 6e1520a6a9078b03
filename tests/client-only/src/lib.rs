//! A contract shared by a server and a command-line client, built here with
//! `actorium = { default-features = false, features = ["client"] }`: only the typed client half
//! is generated (no server trait, no dispatch, no SQLite). `tests/tests/client_only.rs` checks
//! it builds alone and pulls in no server crate.

use actorium::{CallError, Client};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A chat message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Message {
    /// Who sent it.
    pub sender: String,
    /// What they said.
    pub text: String,
}

/// One chat room.
#[actorium::actor]
pub trait ChatRoom {
    /// Appends a message.
    async fn send_message(sender: String, text: String) -> Message;
    /// The whole history.
    async fn get_history() -> Vec<Message>;
    /// A new message was sent.
    #[event]
    fn new_message(message: Message);
}

/// Sends one message to the room `room` and returns the history.
pub async fn post(client: &Client, room: &str, text: &str) -> Result<Vec<Message>, CallError> {
    let handle = client.get_or_create::<ChatRoomRef>([room]);
    handle.send_message("cli", text).await?;
    handle.get_history().await
}
