//! Raw WebSockets: a `wsChat` actor (one per room) whose members talk over plain WebSockets at
//! `{gateway}/websocket/?name=alice`, in a line protocol of its own (no RivetKit framing):
//! every text message a member sends goes to every member as `alice: text`, joins and leaves
//! as `* alice joined` / `* alice left`. A new member first gets the last lines of the room.
//! The history is the actor's state, so it survives sleep; each line is committed before any
//! member sees it.
//!
//! Run: `cargo run -p actorium-examples --example ws_chat` against a running seed server, or by
//! hand with any WebSocket client (e.g. `websocat`) at
//! `ws://127.0.0.1:6420/gateway/wsChat/websocket/?name=alice&rvt-namespace=default&rvt-method=getOrCreate&rvt-key=lobby`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Lines a new member is sent on joining (and the history keeps).
pub const HISTORY_LINES: usize = 50;

/// A chat room over raw WebSockets.
#[actorium::actor]
pub trait WsChat {
    /// The room's last lines, oldest first.
    async fn history() -> Vec<String>;
}

/// State of a `wsChat`: its last lines.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct ChatLog {
    lines: VecDeque<String>,
}

/// The members' names, by socket id (ephemeral: sockets do not outlive the actor's memory).
#[derive(Default)]
pub struct Members(Mutex<BTreeMap<String, String>>);

impl Members {
    fn name_of(&self, socket: &RawSocket) -> String {
        let members = self.0.lock().unwrap_or_else(|e| e.into_inner());
        members.get(socket.id()).cloned().unwrap_or_default()
    }
}

/// Appends `line` to the history and sends it to every member (after the commit).
fn say(c: &Ctx<ChatLog>, line: String) {
    {
        let mut log = c.state_mut();
        log.lines.push_back(line.clone());
        while log.lines.len() > HISTORY_LINES {
            log.lines.pop_front();
        }
    }
    for member in c.raw_sockets() {
        member.send(line.clone());
    }
}

/// The `name` query parameter of a socket's upgrade request.
fn name_param(socket: &RawSocket) -> Option<String> {
    socket
        .request()
        .query()?
        .split('&')
        .find_map(|p| p.strip_prefix("name="))
        .filter(|n| !n.is_empty() && n.len() <= 32)
        .map(str::to_string)
}

#[actorium::actor]
impl WsChatActor for ChatLog {
    type Vars = Members;

    async fn on_websocket(c: &Ctx<Self>, socket: &Arc<RawSocket>) -> actorium::Result<()> {
        let Some(name) = name_param(socket) else {
            return Err(UserError::new("name_required", "join with ?name=<1 to 32 chars>").into());
        };
        for line in c.state().lines.iter() {
            socket.send(line.clone());
        }
        c.vars()
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(socket.id().to_string(), name.clone());
        say(c, format!("* {name} joined"));
        Ok(())
    }

    async fn on_websocket_message(
        c: &Ctx<Self>,
        socket: &Arc<RawSocket>,
        message: WsMessage,
    ) -> actorium::Result<()> {
        let Some(text) = message.as_text() else {
            socket.send("* only text messages are relayed");
            return Ok(());
        };
        let name = c.vars().name_of(socket);
        say(c, format!("{name}: {text}"));
        Ok(())
    }

    async fn on_websocket_close(
        c: &Ctx<Self>,
        socket: &Arc<RawSocket>,
        _code: u16,
        _reason: &str,
    ) -> actorium::Result<()> {
        let name = c.vars().name_of(socket);
        c.vars()
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(socket.id());
        say(c, format!("* {name} left"));
        Ok(())
    }

    async fn history(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.state().lines.iter().cloned().collect())
    }
}
