//! The driver's book: actions in flight (sent, awaiting a response) or queued (called while
//! not connected), and the subscribers of each event.

use std::collections::{BTreeMap, HashMap, VecDeque};

use actorium_protocol::Value;
use tokio::sync::mpsc;

use super::Reply;
use crate::error::CallError;
use crate::values;

/// An action waiting to be sent: its id, name, arguments and reply.
pub(super) type Queued = (u64, String, Vec<Value>, Reply);

/// The subscribers of one event: (subscriber id, its queue).
type Subscribers = Vec<(u64, mpsc::Sender<Vec<Value>>)>;

/// Actions and subscribers of one connection, across its sockets.
#[derive(Default)]
pub(super) struct Pending {
    /// The next action id (ids count from 0 for the whole life of the connection).
    next_id: u64,
    in_flight: HashMap<u64, Reply>,
    queued: VecDeque<Queued>,
    /// The subscribers of each event.
    subs: BTreeMap<String, Subscribers>,
}

impl Pending {
    /// The id of the next action.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Queues an action until the next `Init`.
    pub fn queue(&mut self, name: String, args: Vec<Value>, reply: Reply) {
        let id = self.next_id();
        self.queued.push_back((id, name, args, reply));
    }

    /// The oldest queued action.
    pub fn next_queued(&mut self) -> Option<Queued> {
        self.queued.pop_front()
    }

    /// Records a sent action.
    pub fn sent(&mut self, id: u64, reply: Reply) {
        self.in_flight.insert(id, reply);
    }

    /// Delivers the result of action `id`, or hands it back if no such action is in flight.
    pub fn respond(
        &mut self,
        id: u64,
        result: Result<Value, CallError>,
    ) -> Result<(), Result<Value, CallError>> {
        match self.in_flight.remove(&id) {
            Some(reply) => {
                let _ = reply.send(result);
                Ok(())
            }
            None => Err(result),
        }
    }

    /// Adds a subscriber; true if it is the event's first one.
    pub fn subscribe(&mut self, event: String, id: u64, tx: mpsc::Sender<Vec<Value>>) -> bool {
        let list = self.subs.entry(event).or_default();
        list.push((id, tx));
        list.len() == 1
    }

    /// Removes a subscriber; true if it was the event's last one.
    pub fn unsubscribe(&mut self, event: &str, id: u64) -> bool {
        let Some(list) = self.subs.get_mut(event) else {
            return false;
        };
        let before = list.len();
        list.retain(|(i, _)| *i != id);
        if list.is_empty() && before > 0 {
            self.subs.remove(event);
            return true;
        }
        false
    }

    /// The events with subscribers.
    pub fn events(&self) -> Vec<String> {
        self.subs.keys().cloned().collect()
    }

    /// Hands an event's arguments (as received) to its subscribers, dropping it for those too
    /// far behind.
    pub fn dispatch(&mut self, name: &str, args: Vec<Value>) {
        let Some(list) = self.subs.get_mut(name) else {
            tracing::debug!(event = name, "event without subscribers");
            return;
        };
        let args = match values::decode_args(args) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(event = name, error = %e, "event arguments do not decode");
                return;
            }
        };
        list.retain(|(_, tx)| match tx.try_send(args.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(
                    event = name,
                    "event subscriber is too far behind; event dropped"
                );
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }

    /// Fails the actions in flight (the socket they were sent on is gone).
    pub fn fail_in_flight(&mut self, error: &CallError) {
        for (_, reply) in self.in_flight.drain() {
            let _ = reply.send(Err(error.clone()));
        }
    }

    /// Fails every action and ends every event stream (the connection is closed for good).
    pub fn fail_all(&mut self, error: &CallError) {
        self.fail_in_flight(error);
        for (_, _, _, reply) in self.queued.drain(..) {
            let _ = reply.send(Err(error.clone()));
        }
        self.subs.clear();
    }
}
