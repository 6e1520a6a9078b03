//! Getting messages to actors: the mailbox of a live instance (waking a sleeping actor,
//! resuming a parked one), delivery with overload and retry on a closing mailbox, calls and
//! connections, and [`ConnHandle`], what a front door keeps of an admitted connection.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use actorium_protocol::{Value, WireError};
use tokio::sync::{mpsc, oneshot};

use super::instance::Start;
use super::mailbox::{Envelope, Mail, MailboxTx};
use super::{Host, Slot, SlotState};
use crate::actor::Request;
use crate::actor::{ConnSender, HttpRequest, HttpResponse};
use crate::meta::ActorMeta;
use crate::sync::lock;

/// What [`Host::send_retrying`] does when the mailbox is full.
#[derive(Clone, Copy)]
enum Room {
    /// Answer `actor.overloaded` (callers from outside: bounded queues, never unbounded memory).
    Refuse,
    /// Wait for room (messages the host itself owes an actor: sleep, redelivery).
    Wait,
}

impl Host {
    /// The mailbox of the live instance of `meta`, activating (waking) one if needed.
    fn sender_for(&self, meta: &Arc<ActorMeta>) -> Result<MailboxTx, WireError> {
        let mut live = lock(&self.0.live);
        if let Some(s) = live.get_mut(&meta.id) {
            return Ok(self.running(s));
        }
        let after = lock(&self.0.stopping)
            .get(&meta.id)
            .map(|(_, rx)| rx.clone());
        self.start_instance(live, meta, Start::Wake { after })
    }

    /// The mailbox of an actor in memory; a parked one gets a new task first (with the `live`
    /// lock held, so no other caller sees it half resumed).
    pub(super) fn running(&self, s: &mut Slot) -> MailboxTx {
        if let SlotState::Running(tx) = &s.state {
            return tx.clone();
        }
        let (tx, rx) = mpsc::channel(self.0.config.mailbox_capacity);
        let SlotState::Parked(parked) =
            std::mem::replace(&mut s.state, SlotState::Running(tx.clone()))
        else {
            unreachable!("checked above")
        };
        s.slot = self.0.next_slot.fetch_add(1, Ordering::Relaxed);
        self.0.resumes.fetch_add(1, Ordering::Relaxed);
        match self.0.registry.factory(&s.meta.name) {
            Some(factory) => factory.spawn(
                self.clone(),
                s.meta.clone(),
                Start::Resume(parked),
                rx,
                s.slot,
            ),
            // Cannot happen (the actor was running under this name): its mailbox closes.
            None => drop(rx),
        }
        tracing::trace!(actor = %s.meta.id, "resumed");
        tx
    }

    /// The mailbox of actor `id` if it is in memory (resuming it if parked); never wakes a
    /// sleeping actor.
    pub(super) fn live_sender(&self, id: &str) -> Option<MailboxTx> {
        let mut live = lock(&self.0.live);
        let s = live.get_mut(id)?;
        Some(self.running(s))
    }

    /// Puts `env` in the actor's mailbox (waking it) without waiting for room
    /// (`actor.overloaded` if it is full); returns the mailbox it went to.
    pub(crate) async fn deliver(
        &self,
        meta: &Arc<ActorMeta>,
        env: Envelope,
    ) -> Result<MailboxTx, WireError> {
        let mailbox = || self.sender_for(meta).map(Some);
        match self
            .send_retrying(Box::new(env), Room::Refuse, mailbox)
            .await
        {
            Ok(Some(tx)) => Ok(tx),
            Ok(None) => Err(WireError::internal()),
            Err((e, _)) => Err(e),
        }
    }

    /// [`Host::deliver`], waiting for room in the mailbox instead of refusing.
    pub(crate) async fn deliver_waiting(
        &self,
        meta: &Arc<ActorMeta>,
        env: Envelope,
    ) -> Result<MailboxTx, WireError> {
        match self
            .send_waiting(Box::new(env), || self.sender_for(meta).map(Some))
            .await
        {
            Ok(Some(tx)) => Ok(tx),
            Ok(None) => Err(WireError::internal()),
            Err((e, _)) => Err(e),
        }
    }

    /// Re-sends a message that reached an instance while it was going to sleep.
    pub(crate) fn redeliver(&self, id: &str, env: Envelope) {
        let host = self.clone();
        let id = id.to_string();
        tokio::spawn(async move {
            match host.find(&id).await {
                Ok(Some(meta)) => {
                    if let Err((e, env)) = host.deliver_or_return(&meta, env).await {
                        env.fail(e);
                    }
                }
                Ok(None) => env.fail(WireError::actor_not_found()),
                Err(e) => env.fail(e),
            }
        });
    }

    async fn deliver_or_return(
        &self,
        meta: &Arc<ActorMeta>,
        env: Envelope,
    ) -> Result<(), (WireError, Envelope)> {
        // `deliver` consumes the envelope only on success or on a full mailbox; keep a way to
        // answer it on failure by trying the send here.
        match self
            .send_waiting(Box::new(env), || self.sender_for(meta).map(Some))
            .await
        {
            Ok(_) => Ok(()),
            Err((e, env)) => Err((e, *env)),
        }
    }

    /// Sends `env` to the mailbox `mailbox` names, waiting for room. See
    /// [`Host::send_retrying`].
    pub(super) async fn send_waiting(
        &self,
        env: Mail,
        mailbox: impl Fn() -> Result<Option<MailboxTx>, WireError>,
    ) -> Result<Option<MailboxTx>, (WireError, Mail)> {
        self.send_retrying(env, Room::Wait, mailbox).await
    }

    /// The one send loop: sends `env` to the mailbox `mailbox` names. A mailbox that closes
    /// meanwhile (its instance parked or stopped) is asked for again, so the next attempt
    /// resumes or activates the actor; after 100 closed mailboxes in a row, `actor.stopping`.
    /// `Ok(None)`: `mailbox` named none. On failure the message comes back with the error.
    async fn send_retrying(
        &self,
        mut env: Mail,
        room: Room,
        mailbox: impl Fn() -> Result<Option<MailboxTx>, WireError>,
    ) -> Result<Option<MailboxTx>, (WireError, Mail)> {
        for _ in 0..100 {
            let tx = match mailbox() {
                Ok(Some(tx)) => tx,
                Ok(None) => return Ok(None),
                Err(e) => return Err((e, env)),
            };
            let sent = match room {
                Room::Refuse => match tx.try_send(env) {
                    Ok(()) => Ok(()),
                    Err(mpsc::error::TrySendError::Full(e)) => {
                        return Err((WireError::overloaded(), e));
                    }
                    Err(mpsc::error::TrySendError::Closed(e)) => Err(e),
                },
                Room::Wait => tx.send(env).await.map_err(|mpsc::error::SendError(e)| e),
            };
            match sent {
                Ok(()) => return Ok(Some(tx)),
                Err(e) => env = e,
            }
            tokio::task::yield_now().await;
        }
        Err((WireError::stopping(), env))
    }

    /// Calls `action` on actor `meta` on an ephemeral connection with `params` (what an HTTP
    /// action does): admission, then the action; resolves after the change is committed.
    pub async fn call(
        &self,
        meta: &Arc<ActorMeta>,
        action: &str,
        args: Vec<Value>,
        params: Option<Value>,
    ) -> Result<Value, WireError> {
        self.call_with_request(meta, action, args, params, None)
            .await
    }

    /// [`Host::call`] for an HTTP action: `request` is what [`crate::Ctx::request`] shows the
    /// admission hooks.
    pub async fn call_with_request(
        &self,
        meta: &Arc<ActorMeta>,
        action: &str,
        args: Vec<Value>,
        params: Option<Value>,
        request: Option<Arc<Request>>,
    ) -> Result<Value, WireError> {
        let (reply, rx) = oneshot::channel();
        self.deliver(
            meta,
            Envelope::Call {
                action: action.to_string(),
                args,
                params,
                request,
                reply,
            },
        )
        .await?;
        rx.await.unwrap_or_else(|_| Err(WireError::internal()))
    }

    /// A raw HTTP request to the actor's [`crate::Actor::on_request`] (waking it if it sleeps),
    /// with the connection `params` of its ephemeral connection. The request's URI is the
    /// actor's own path (the front door strips `/gateway/{target}/request`).
    pub async fn request(
        &self,
        meta: &Arc<ActorMeta>,
        request: HttpRequest,
        params: Option<Value>,
    ) -> Result<HttpResponse, WireError> {
        let head = {
            let mut head = axum::http::Request::new(());
            *head.method_mut() = request.method().clone();
            *head.uri_mut() = request.uri().clone();
            *head.headers_mut() = request.headers().clone();
            Arc::new(Request::new(head.into_parts().0))
        };
        let (reply, rx) = oneshot::channel();
        let env = Envelope::Request {
            request,
            params,
            head,
            reply,
        };
        self.deliver(meta, env).await?;
        rx.await.unwrap_or_else(|_| Err(WireError::internal()))
    }

    /// Admits a WebSocket connection; on success the returned [`ConnHandle`] sends its
    /// messages to the instance that admitted it, and the instance answers through `sender`
    /// (make it with [`ConnSender::channel`]; the front door counts the replies it is owed on
    /// the receiver).
    pub async fn connect(
        &self,
        meta: &Arc<ActorMeta>,
        params: Option<Value>,
        sender: ConnSender,
    ) -> Result<ConnHandle, WireError> {
        self.connect_with_request(meta, params, sender, None).await
    }

    /// [`Host::connect`] with the upgrade request, which [`crate::Ctx::request`] shows the
    /// admission hooks.
    pub async fn connect_with_request(
        &self,
        meta: &Arc<ActorMeta>,
        params: Option<Value>,
        sender: ConnSender,
        request: Option<Arc<Request>>,
    ) -> Result<ConnHandle, WireError> {
        let conn_id = uuid::Uuid::new_v4().to_string();
        let (reply, rx) = oneshot::channel();
        let mailbox = self
            .deliver(
                meta,
                Envelope::Connect {
                    conn_id: conn_id.clone(),
                    params,
                    request,
                    sender,
                    reply,
                },
            )
            .await?;
        rx.await.unwrap_or_else(|_| Err(WireError::internal()))?;
        let hibernates = self
            .0
            .registry
            .factory(&meta.name)
            .is_some_and(|f| f.options().hibernatable_connections);
        Ok(ConnHandle {
            conn_id,
            mailbox,
            hibernation: hibernates.then(|| (self.clone(), meta.clone())),
        })
    }
}

/// A WebSocket connection admitted by an actor instance.
#[derive(Debug)]
pub struct ConnHandle {
    conn_id: String,
    /// The mailbox of the instance that has the connection now.
    mailbox: MailboxTx,
    /// For a hibernatable connection, where to find the actor once that instance has gone to
    /// sleep (or parked) with it: the next message wakes the actor, which has it again.
    hibernation: Option<(Host, Arc<ActorMeta>)>,
}

impl ConnHandle {
    /// The connection id (sent in `Init`).
    pub fn id(&self) -> &str {
        &self.conn_id
    }

    /// Queues an action request; its reply comes through the connection's queue. Refused
    /// (the action does not run, no reply follows) with `actor.overloaded` if the mailbox is
    /// full, `actor.stopping` if the instance is stopping (its close follows). On a
    /// hibernatable connection of an actor that went to sleep, the request wakes it.
    pub async fn action(
        &mut self,
        id: u64,
        action: String,
        args: Vec<Value>,
    ) -> Result<(), WireError> {
        let env = Envelope::ConnAction {
            conn_id: self.conn_id.clone(),
            id,
            action,
            args,
        };
        match self.mailbox.try_send(Box::new(env)) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => Err(WireError::overloaded()),
            Err(mpsc::error::TrySendError::Closed(env)) => self.wake_with(*env, false).await,
        }
    }

    /// Queues a subscription change, waiting for room in the mailbox (never refused for a
    /// full one: a refusal could only be a connection-level error, on which the official
    /// client fails every call in flight); `actor.stopping` if the instance is gone (a
    /// hibernatable connection wakes the actor instead).
    pub async fn subscribe(&mut self, event: String, subscribe: bool) -> Result<(), WireError> {
        let env = Envelope::Subscribe {
            conn_id: self.conn_id.clone(),
            event,
            subscribe,
        };
        match self.mailbox.send(Box::new(env)).await {
            Ok(()) => Ok(()),
            Err(mpsc::error::SendError(env)) => self.wake_with(*env, true).await,
        }
    }

    /// Tells the actor the connection closed (waits for room in the mailbox). A hibernatable
    /// connection of a sleeping actor wakes it, so that `on_disconnect` runs.
    pub async fn disconnect(&mut self) {
        let env = Envelope::Disconnect {
            conn_id: self.conn_id.clone(),
        };
        if let Err(mpsc::error::SendError(env)) = self.mailbox.send(Box::new(env)).await {
            let _ = self.wake_with(*env, true).await;
        }
    }

    /// Sends `env` to the actor's current instance, waking it if it sleeps, when the
    /// instance this handle knew has stopped or parked with a hibernatable connection.
    /// `wait`: for room in the mailbox, instead of `actor.overloaded`.
    async fn wake_with(&mut self, env: Envelope, wait: bool) -> Result<(), WireError> {
        let Some((host, meta)) = &self.hibernation else {
            return Err(WireError::stopping());
        };
        self.mailbox = if wait {
            host.deliver_waiting(meta, env).await?
        } else {
            host.deliver(meta, env).await?
        };
        Ok(())
    }
}
