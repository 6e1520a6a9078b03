//! Handles from a [`Client`]: [`Client::actor`] and [`ActorAccessor`] (untyped), the
//! `*_untyped` constructors the typed layer builds on, and [`Client::handle`].

use actorium_protocol::{IntoKey, Value, WireError, catalogue};

use crate::backoff;
use crate::client::Client;
use crate::error::CallError;
use crate::handle::ActorHandle;
use crate::query::ActorQuery;
use crate::retry::STALE_DELAY;

/// Attempts of `create` when the engine answers `actor.destroyed_during_creation`.
const CREATE_ATTEMPTS: u32 = 5;

impl Client {
    /// Untyped access to the actors named `name`: for actors without a Rust contract (e.g.
    /// TypeScript actors on the Rivet Engine). Actors with a contract use the typed accessors
    /// ([`Client::get`], [`Client::get_or_create`], [`Client::create`], [`Client::get_for_id`]).
    pub fn actor(&self, name: impl Into<String>) -> ActorAccessor {
        ActorAccessor {
            client: self.clone(),
            name: name.into(),
        }
    }

    /// A handle to the actor `name` with `key`, which must exist (`get`).
    pub(crate) fn get_untyped(&self, name: impl Into<String>, key: impl IntoKey) -> ActorHandle {
        self.handle(ActorQuery::Get {
            name: name.into(),
            key: key.into_key(),
        })
    }

    /// A handle to the actor `name` with `key`, created with `input` on first use if it does
    /// not exist (`getOrCreate`; the input is ignored when the actor exists).
    pub(crate) fn get_or_create_untyped(
        &self,
        name: impl Into<String>,
        key: impl IntoKey,
        input: Option<Value>,
    ) -> ActorHandle {
        self.handle(ActorQuery::GetOrCreate {
            name: name.into(),
            key: key.into_key(),
            input,
            region: None,
        })
    }

    /// Creates the actor `name` with `key` and `input` now (`POST /actors`) and returns a
    /// handle by its id. Fails with `actor.duplicate_key` if the key is taken.
    ///
    /// The Rivet Engine sometimes answers a taken key with `actor.destroyed_during_creation`
    /// (observed often with engine 2.3.19). The client then looks the key up: if it is taken,
    /// the call fails with `actor.duplicate_key` (the engine's message and metadata
    /// `{existing_actor_id, key}`); if not, the request is repeated, up to 5 times.
    pub(crate) async fn create_untyped(
        &self,
        name: impl Into<String>,
        key: impl IntoKey,
        input: Option<Value>,
    ) -> Result<ActorHandle, CallError> {
        let name = name.into();
        let key = key.into_key();
        key.validate()
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        let http = self.inner.http()?;
        let resolved = self.inner.resolved().await?;
        // The engine sometimes answers a taken key with `actor.destroyed_during_creation`
        // (the conflicting new actor destroyed itself) instead of `actor.duplicate_key`. No actor
        // was created then: if the key is taken, report `actor.duplicate_key` as the engine
        // otherwise does; if it is free, repeat the request (a few times at most).
        let (name, key, resolved, input) = (&name, &key, &resolved, input.as_ref());
        let once = |_| async move {
            match http.create_actor(resolved, name, key, input, None).await {
                Err(e) if e.is_code(catalogue::DESTROYED_DURING_CREATION) => {
                    match http.actor_by_key(resolved, name, key).await? {
                        Some(existing) => Err(CallError::from(WireError::duplicate_key(
                            &key.to_rest(),
                            &existing.actor_id,
                        ))),
                        None => Err(e),
                    }
                }
                other => other,
            }
        };
        let actor = backoff::repeat(
            Some(CREATE_ATTEMPTS),
            |_| STALE_DELAY,
            once,
            |e: &CallError, attempt| {
                let again = e.is_code(catalogue::DESTROYED_DURING_CREATION);
                if again {
                    tracing::debug!(%name, %key, attempt = attempt + 1, "create: destroyed during creation, retrying");
                }
                again
            },
        )
        .await?;
        tracing::debug!(actor_id = %actor.actor_id, %name, %key, "created actor");
        Ok(self.get_for_id_untyped(name.as_str(), actor.actor_id))
    }

    /// A handle to the actor `name` with id `actor_id`.
    pub(crate) fn get_for_id_untyped(
        &self,
        name: impl Into<String>,
        actor_id: impl Into<String>,
    ) -> ActorHandle {
        self.handle(ActorQuery::ForId {
            name: name.into(),
            actor_id: actor_id.into(),
        })
    }

    /// A handle for any query.
    pub fn handle(&self, query: ActorQuery) -> ActorHandle {
        ActorHandle::new(self.clone(), query)
    }
}

/// Untyped access to the actors of one name (see [`Client::actor`]).
#[derive(Debug, Clone)]
pub struct ActorAccessor {
    client: Client,
    name: String,
}

impl ActorAccessor {
    /// A handle to the actor with `key`, which must exist (`get`).
    pub fn get(&self, key: impl IntoKey) -> ActorHandle {
        self.client.get_untyped(self.name.clone(), key)
    }

    /// A handle to the actor with `key`, created with `input` on first use if it does not exist
    /// (`getOrCreate`; the input is ignored when the actor exists).
    pub fn get_or_create(&self, key: impl IntoKey, input: Option<Value>) -> ActorHandle {
        self.client
            .get_or_create_untyped(self.name.clone(), key, input)
    }

    /// Creates the actor with `key` and `input` now and returns a handle by its id; fails with
    /// `actor.duplicate_key` if the key is taken.
    pub async fn create(
        &self,
        key: impl IntoKey,
        input: Option<Value>,
    ) -> Result<ActorHandle, CallError> {
        self.client
            .create_untyped(self.name.clone(), key, input)
            .await
    }

    /// A handle to the actor with id `actor_id`.
    pub fn get_for_id(&self, actor_id: impl Into<String>) -> ActorHandle {
        self.client.get_for_id_untyped(self.name.clone(), actor_id)
    }
}
