//! Connections of sleeping actors ([`crate::ActorOptions::hibernatable_connections`]): what
//! the host keeps of them between an instance's sleep and the next wake.
//!
//! The instance that goes to sleep hands its connections over (typed, as the actor's
//! [`HibernatedConn`]s, behind `dyn Any` here) before it signals the end of its stop, so the
//! next instance, which waits for that signal, always finds them. The front door keeps the
//! sockets themselves: it routes the next message of such a connection through the host,
//! which wakes the actor ([`super::ConnHandle`]).

use std::any::Any;
use std::collections::HashMap;

use crate::actor::{Actor, ConnSender, HibernatedConn};
use crate::sync::lock;

use super::Host;

/// One sleeping actor's connections.
pub(crate) struct Hibernated {
    /// A `Vec<HibernatedConn<A>>` of the actor's type.
    conns: Box<dyn Any + Send + Sync>,
    /// Their channels to the front door (to close them without the actor's type).
    senders: Vec<ConnSender>,
}

/// Every sleeping actor's connections, by actor id.
#[derive(Default)]
pub(crate) struct HibernatedTable(std::sync::Mutex<HashMap<String, Hibernated>>);

impl Host {
    /// Keeps the connections of actor `id`, going to sleep, until it wakes.
    pub(crate) fn keep_hibernated<A: Actor>(&self, id: &str, conns: Vec<HibernatedConn<A>>) {
        if conns.is_empty() {
            return;
        }
        let senders: Vec<ConnSender> = conns.iter().map(|c| c.sender().clone()).collect();
        if self.is_shutting_down() {
            // Going to sleep during shutdown: nothing will wake it again.
            close(
                senders,
                1001,
                &actorium_protocol::catalogue::GOING_AWAY.name(),
            );
            return;
        }
        let previous = lock(&self.0.hibernated.0).insert(
            id.to_string(),
            Hibernated {
                conns: Box::new(conns),
                senders,
            },
        );
        debug_assert!(
            previous.is_none(),
            "an awake actor has no hibernated connections"
        );
    }

    /// The connections actor `id` left when it went to sleep (none if it kept none).
    pub(crate) fn take_hibernated<A: Actor>(&self, id: &str) -> Vec<HibernatedConn<A>> {
        let Some(h) = lock(&self.0.hibernated.0).remove(id) else {
            return Vec::new();
        };
        match h.conns.downcast::<Vec<HibernatedConn<A>>>() {
            Ok(conns) => *conns,
            Err(_) => {
                tracing::error!(actor = %id, "hibernated connections of another actor type");
                close(h.senders, 1011, "actor.internal_error");
                Vec::new()
            }
        }
    }

    /// Closes the hibernated connections of actor `id` (destroyed, or unloaded by the engine).
    pub(crate) fn close_hibernated(&self, id: &str, code: u16, reason: &str) {
        if let Some(h) = lock(&self.0.hibernated.0).remove(id) {
            close(h.senders, code, reason);
        }
    }

    /// Closes every hibernated connection (shutdown).
    pub(crate) fn close_all_hibernated(&self, code: u16, reason: &str) {
        let all = std::mem::take(&mut *lock(&self.0.hibernated.0));
        for h in all.into_values() {
            close(h.senders, code, reason);
        }
    }

    /// How many connections of sleeping actors are kept open (for tests and tooling).
    pub fn hibernated_connections(&self) -> usize {
        lock(&self.0.hibernated.0)
            .values()
            .map(|h| h.senders.len())
            .sum()
    }
}

fn close(senders: Vec<ConnSender>, code: u16, reason: &str) {
    for sender in senders {
        sender.close(code, reason.to_string());
    }
}
