//! A connection's outgoing queue: [`ConnSender`] (the actor's side, with the rules) and
//! [`ConnReceiver`] (the socket writer's side), carrying [`ConnOut`].

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actorium_protocol::{ToClient, catalogue};
use tokio::sync::{Notify, mpsc};

use crate::sync::lock;

/// A message for a connection's socket.
#[derive(Debug, Clone)]
pub enum ConnOut {
    /// A protocol message (event, action response, error).
    Msg(ToClient),
    /// Close the socket with this code and reason (`group.code`).
    Close {
        /// WebSocket close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
}

struct Shared {
    /// Events in the queue (replies are not counted).
    events: AtomicUsize,
    /// Most events that may wait.
    capacity: usize,
    /// An event did not fit.
    overflowed: AtomicBool,
    /// Closed by the actor, or overflowed: the writer reads no more requests.
    closing: AtomicBool,
    /// The close the actor asked for.
    close: Mutex<Option<(u16, String)>>,
    /// Wakes the receiver for a close or an overflow.
    wake: Notify,
}

/// The sending half of a connection's outgoing queue.
///
/// Three kinds of traffic, three rules:
/// - **Replies** (an action's response or error) are always queued: they are owed. Their number
///   is bounded by the front door, which stops reading requests while too many are owed
///   ([`ConnReceiver::owe`], [`ConnReceiver::owed`]).
/// - **Events** are queued while fewer than the capacity wait. One that does not fit marks the
///   connection *overflowed*: further events are dropped, the writer stops reading requests,
///   and once every owed reply is out the receiver yields `Close{1011, actor.overloaded}`. A
///   slow consumer thus loses its connection, never an action's outcome.
/// - **Close** goes beside the queue, not through it (a full queue cannot hold it back): the
///   receiver yields it once what was queued before it is out.
#[derive(Clone)]
pub struct ConnSender {
    // Boxed: the channel allocates room for 32 messages at a time, per connection.
    tx: mpsc::UnboundedSender<Box<ToClient>>,
    shared: Arc<Shared>,
}

/// The receiving half of a connection's outgoing queue.
pub struct ConnReceiver {
    rx: mpsc::UnboundedReceiver<Box<ToClient>>,
    shared: Arc<Shared>,
    owed: usize,
    done: bool,
}

impl std::fmt::Debug for ConnSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnSender")
            .field("events", &self.shared.events.load(Ordering::Relaxed))
            .field("capacity", &self.shared.capacity)
            .finish()
    }
}

impl ConnSender {
    /// A new queue in which at most `event_capacity` events may wait.
    pub fn channel(event_capacity: usize) -> (ConnSender, ConnReceiver) {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            events: AtomicUsize::new(0),
            capacity: event_capacity,
            overflowed: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            close: Mutex::new(None),
            wake: Notify::new(),
        });
        let sender = ConnSender {
            tx,
            shared: shared.clone(),
        };
        let receiver = ConnReceiver {
            rx,
            shared,
            owed: 0,
            done: false,
        };
        (sender, receiver)
    }

    /// Queues a reply (always: it is owed).
    pub(crate) fn reply(&self, msg: ToClient) {
        let _ = self.tx.send(Box::new(msg));
    }

    /// Queues an event; `false` if it was dropped (the queue overflowed, now or before).
    pub(crate) fn event(&self, msg: ToClient) -> bool {
        if self.shared.overflowed.load(Ordering::Acquire) {
            return false;
        }
        if self.shared.events.fetch_add(1, Ordering::AcqRel) >= self.shared.capacity {
            self.shared.events.fetch_sub(1, Ordering::AcqRel);
            self.shared.overflowed.store(true, Ordering::Release);
            self.shared.closing.store(true, Ordering::Release);
            self.shared.wake.notify_one();
            return false;
        }
        if self.tx.send(Box::new(msg)).is_err() {
            self.shared.events.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        true
    }

    /// Asks for the socket to close with `code` and `reason` once what is queued is out (the
    /// first close asked for wins).
    pub(crate) fn close(&self, code: u16, reason: String) {
        lock(&self.shared.close).get_or_insert((code, reason));
        self.shared.closing.store(true, Ordering::Release);
        self.shared.wake.notify_one();
    }
}

impl ConnReceiver {
    /// Counts one more reply owed: an action request the actor accepted.
    pub fn owe(&mut self) {
        self.owed += 1;
    }

    /// Replies owed and not yet received.
    pub fn owed(&self) -> usize {
        self.owed
    }

    /// Whether the connection is closing (closed by the actor, or its events overflowed): read
    /// no more requests from the client.
    pub fn closing(&self) -> bool {
        self.shared.closing.load(Ordering::Acquire)
    }

    /// The next message for the socket: whatever is queued first, then the close (the actor's,
    /// or `1011 actor.overloaded` after an overflow once no reply is owed). `None` after the
    /// close, or once the actor dropped the connection without one.
    pub async fn recv(&mut self) -> Option<ConnOut> {
        loop {
            if self.done {
                return None;
            }
            match self.rx.try_recv() {
                Ok(msg) => return Some(self.received(*msg)),
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.done = true;
                    return self.close_now();
                }
                Err(mpsc::error::TryRecvError::Empty) => {}
            }
            if let Some(close) = self.close_now() {
                self.done = true;
                return Some(close);
            }
            tokio::select! {
                msg = self.rx.recv() => if let Some(msg) = msg {
                    return Some(self.received(*msg));
                },
                () = self.shared.wake.notified() => {}
            }
        }
    }

    fn close_now(&mut self) -> Option<ConnOut> {
        if let Some((code, reason)) = lock(&self.shared.close).take() {
            return Some(ConnOut::Close { code, reason });
        }
        (self.shared.overflowed.load(Ordering::Acquire) && self.owed == 0).then(|| ConnOut::Close {
            code: 1011,
            reason: catalogue::OVERLOADED.name(),
        })
    }

    fn received(&mut self, msg: ToClient) -> ConnOut {
        match &msg {
            ToClient::Event { .. } => {
                self.shared.events.fetch_sub(1, Ordering::AcqRel);
            }
            ToClient::ActionResponse { .. }
            | ToClient::Error {
                action_id: Some(_), ..
            } => self.owed = self.owed.saturating_sub(1),
            _ => {}
        }
        ConnOut::Msg(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actorium_protocol::Value;

    fn event(n: i64) -> ToClient {
        ToClient::Event {
            name: "e".into(),
            args: vec![Value::Integer(n.into())],
        }
    }

    fn response(id: u64) -> ToClient {
        ToClient::ActionResponse {
            id,
            output: Value::Null,
        }
    }

    async fn next(rx: &mut ConnReceiver) -> ConnOut {
        tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
            .await
            .expect("a message")
            .expect("not the end")
    }

    #[tokio::test]
    async fn replies_always_fit_and_the_close_follows_what_was_queued() {
        let (tx, mut rx) = ConnSender::channel(1);
        for id in 0..10 {
            rx.owe();
            tx.reply(response(id));
        }
        tx.close(1001, "ws.going_away".into());
        assert!(rx.closing());
        for id in 0..10 {
            assert!(
                matches!(next(&mut rx).await, ConnOut::Msg(ToClient::ActionResponse { id: i, .. }) if i == id)
            );
        }
        assert!(matches!(
            next(&mut rx).await,
            ConnOut::Close { code: 1001, .. }
        ));
        assert!(rx.recv().await.is_none());
    }

    #[tokio::test]
    async fn an_overflow_closes_only_after_the_owed_replies() {
        let (tx, mut rx) = ConnSender::channel(2);
        rx.owe();
        rx.owe();
        assert!(tx.event(event(1)));
        assert!(tx.event(event(2)));
        assert!(!rx.closing());
        assert!(!tx.event(event(3)), "over capacity");
        assert!(rx.closing());
        assert!(matches!(
            next(&mut rx).await,
            ConnOut::Msg(ToClient::Event { .. })
        ));
        assert!(matches!(
            next(&mut rx).await,
            ConnOut::Msg(ToClient::Event { .. })
        ));
        // Room again, but the connection is closing: events stay dropped.
        assert!(!tx.event(event(4)));
        tx.reply(response(7));
        assert!(matches!(
            next(&mut rx).await,
            ConnOut::Msg(ToClient::ActionResponse { id: 7, .. })
        ));
        // One reply still owed: no close yet.
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), rx.recv()).await;
        assert!(waiting.is_err(), "closed while a reply was owed");
        tx.reply(response(8));
        assert!(matches!(
            next(&mut rx).await,
            ConnOut::Msg(ToClient::ActionResponse { id: 8, .. })
        ));
        match next(&mut rx).await {
            ConnOut::Close { code, reason } => {
                assert_eq!((code, reason.as_str()), (1011, "actor.overloaded"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_close_wakes_a_waiting_receiver_even_with_a_full_queue() {
        let (tx, mut rx) = ConnSender::channel(1);
        assert!(tx.event(event(1)));
        let waiter = tokio::spawn(async move {
            let first = next(&mut rx).await;
            let second = next(&mut rx).await;
            (first, second)
        });
        tokio::task::yield_now().await;
        tx.close(1011, "actor.destroyed".into());
        let (first, second) = waiter.await.unwrap();
        assert!(matches!(first, ConnOut::Msg(ToClient::Event { .. })));
        assert!(
            matches!(second, ConnOut::Close { code: 1011, reason } if reason == "actor.destroyed")
        );
    }
}
