//! Actor per entity + coordinator: one `chatRoom` actor per room (the data actor) and a
//! `chatRoomList` coordinator that creates rooms through its actor client and indexes their ids.
//! A room's connections hibernate: members stay connected (and subscribed) while it sleeps.
//!
//! Run: `cargo run -p actorium-examples --example chat` against a running seed server.

use actorium::prelude::*;
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

/// One chat room: its message history, broadcast to connected clients.
#[actorium::actor]
pub trait ChatRoom {
    /// Appends a message to the history and broadcasts it as `newMessage`.
    async fn send_message(sender: String, text: String) -> Message;
    /// The whole history, oldest first.
    async fn get_history() -> Vec<Message>;
    /// A new message was sent.
    #[event]
    fn new_message(message: Message);
}

/// The coordinator: an index of chat rooms.
#[actorium::actor]
pub trait ChatRoomList {
    /// Creates a `chatRoom` keyed by `name` and returns its actor id.
    async fn create_chat_room(name: String) -> String;
    /// The ids of every room created so far.
    async fn list_chat_rooms() -> Vec<String>;
}

/// State of a `chatRoom`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct Room {
    messages: Vec<Message>,
}

#[actorium::actor]
impl ChatRoomActor for Room {
    // Members stay connected while the room sleeps; the next message wakes it for them.
    fn options() -> actorium::ActorOptions {
        actorium::ActorOptions::default().hibernate_connections()
    }

    async fn send_message(
        c: &Ctx<Self>,
        sender: String,
        text: String,
    ) -> actorium::Result<Message> {
        let message = Message { sender, text };
        c.state_mut().messages.push(message.clone());
        c.events().new_message(&message);
        Ok(message)
    }

    async fn get_history(c: &Ctx<Self>) -> actorium::Result<Vec<Message>> {
        Ok(c.state().messages.clone())
    }
}

/// State of a `chatRoomList`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomIndex {
    chat_room_ids: Vec<String>,
}

#[actorium::actor]
impl ChatRoomListActor for RoomIndex {
    async fn create_chat_room(c: &Ctx<Self>, name: String) -> actorium::Result<String> {
        let room = c.client().create::<ChatRoomRef>([name], &()).await?;
        let actor_id = room.resolve().await?;
        c.state_mut().chat_room_ids.push(actor_id.clone());
        Ok(actor_id)
    }

    async fn list_chat_rooms(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.state().chat_room_ids.clone())
    }
}
