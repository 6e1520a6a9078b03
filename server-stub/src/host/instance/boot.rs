//! Booting an instance: creating a new actor (`create_state`, `on_create`, the creation
//! commit) or waking a stored one (load, `create_vars`, `on_wake`).

use std::sync::Arc;

use actorium_protocol::{Value, WireError};

use super::Start;
use super::inflight::hook;
use crate::actor::{Actor, ActorClient, Ctx, InitCtx};
use crate::error::{ActorError, Result};
use crate::host::{Host, storage_error};
use crate::meta::ActorMeta;
use crate::storage::{ActorRecord, StorageError, Write};
use crate::sync::lock;

/// Creates or wakes the actor: the context, its vars, and the committed state bytes.
pub(super) async fn boot<A: Actor>(
    host: &Host,
    meta: &Arc<ActorMeta>,
    start: Start,
) -> std::result::Result<(Ctx<A>, Vec<u8>), (ActorError, bool)> {
    let client = host.actor_client();
    match start {
        Start::Resume(_) => Err((ActorError::internal("a parked actor does not boot"), false)),
        Start::Wake { after } => {
            if let Some(mut after) = after {
                let _ = after.wait_for(|done| *done).await;
            }
            let bytes = host
                .storage()
                .load_state(&meta.id)
                .await
                .map_err(|e| (ActorError::public(storage_error(e)), false))?;
            let Some(bytes) = bytes else {
                return Err((ActorError::internal("actor has no stored state"), true));
            };
            let state = decode_state::<A>(&bytes).map_err(|e| (ActorError::internal(e), false))?;
            let ctx = Ctx::new(
                meta.clone(),
                state,
                client,
                host.config().data_dir.as_path().into(),
            );
            // Connections that stayed open while it slept are back before `on_wake`.
            for conn in host.take_hibernated::<A>(&meta.id) {
                let conn = conn.wake(ctx.effects.clone());
                lock(&ctx.conns).insert(conn.id().to_string(), conn);
            }
            wake(&ctx).await.map_err(|e| (e, false))?;
            tracing::debug!(actor = %meta.id, name = %meta.name, "woke");
            Ok((ctx, bytes))
        }
        Start::Create { input, reply } => {
            let created = create::<A>(host, meta, input, client).await;
            match created {
                Ok(x) => {
                    let _ = reply.send(Ok(()));
                    tracing::debug!(actor = %meta.id, name = %meta.name, key = %meta.key, "created");
                    Ok(x)
                }
                Err(e) => {
                    let wire = e.to_wire();
                    if e.is_internal() {
                        tracing::error!(actor = %meta.id, name = %meta.name, error = %e, "actor creation failed");
                    }
                    let _ = reply.send(Err(wire));
                    // The creator got the error; nothing was stored.
                    Err((e, true))
                }
            }
        }
    }
}

async fn create<A: Actor>(
    host: &Host,
    meta: &Arc<ActorMeta>,
    input: Option<Value>,
    client: ActorClient,
) -> Result<(Ctx<A>, Vec<u8>)> {
    let first: Option<A::Input> = decode_value(input.clone(), "input")?;
    let second: Option<A::Input> = decode_value(input, "input")?;
    let state = hook("create_state", A::create_state(&InitCtx::new(meta), first)).await?;
    let ctx = Ctx::new(
        meta.clone(),
        state,
        client,
        host.config().data_dir.as_path().into(),
    );
    hook("on_create", A::on_create(&ctx, second)).await?;
    wake(&ctx).await?;
    let bytes = ctx.encode_state().map_err(ActorError::internal)?;
    let limit = host.config().max_state_bytes;
    if bytes.len() > limit {
        return Err(ActorError::public(WireError::state_too_large(
            bytes.len(),
            limit,
        )));
    }
    ctx.take_dirty();
    let mut writes = vec![
        Write::CreateActor(ActorRecord {
            id: meta.id.clone(),
            name: meta.name.clone(),
            key: meta.key.clone(),
            create_ts: meta.create_ts,
            generation: meta.generation,
        }),
        Write::PutState {
            id: meta.id.clone(),
            state: bytes.clone(),
        },
    ];
    let effects = ctx.take_effects();
    writes.extend(effects.timers.iter().cloned().map(Write::PutTimer));
    host.storage().commit(writes).await.map_err(|e| match e {
        StorageError::DuplicateKey { existing_actor_id } => ActorError::public(
            WireError::duplicate_key(&meta.key.to_rest(), &existing_actor_id),
        ),
        other => ActorError::public(storage_error(other)),
    })?;
    for t in effects.timers {
        host.timers().add(t);
    }
    Ok((ctx, bytes))
}

async fn wake<A: Actor>(ctx: &Ctx<A>) -> Result<()> {
    let vars = hook("create_vars", A::create_vars(ctx)).await?;
    ctx.set_vars(vars);
    hook("on_wake", A::on_wake(ctx)).await
}

pub(super) fn decode_value<T: serde::de::DeserializeOwned>(
    value: Option<Value>,
    what: &str,
) -> Result<Option<T>> {
    value
        .map(|v| {
            actorium_protocol::compat::deserialize(v).map_err(|e| {
                ActorError::public(WireError::invalid_request(format!("Invalid {what}: {e}")))
            })
        })
        .transpose()
}

pub(super) fn decode_state<A: Actor>(bytes: &[u8]) -> std::result::Result<A, String> {
    ciborium::from_reader(bytes).map_err(|e| format!("stored state does not decode: {e}"))
}
