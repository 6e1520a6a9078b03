//! Actor-to-actor calls in-process: the actors' client ([`crate::actor::Ctx::client`], the same
//! `actorium_client::Client` as outside) gets this local router, so stateless actions and
//! `resolve` of actors this host serves go straight to the target's mailbox (no HTTP, no
//! encoding), and `A -> B -> A` chains complete (each actor keeps polling its other work while
//! it awaits). Calls to names this host does not serve, and WebSocket connections, go over the
//! network to the configured client endpoint.

use std::sync::{Arc, Weak};

use actorium_client::{ActorQuery, CallError, LocalCall, LocalFuture, LocalRouter};
use actorium_protocol::Value;

use super::{Host, HostInner};
use crate::meta::ActorMeta;

/// Routes calls to actors of one host in-process.
pub(crate) struct HostRouter {
    pub(crate) host: Weak<HostInner>,
}

impl HostRouter {
    fn host_for(&self, query: &ActorQuery) -> Option<Host> {
        let host = Host::from_inner(self.host.upgrade()?);
        host.registry().contains(query.name()).then_some(host)
    }
}

async fn meta(host: &Host, query: &ActorQuery) -> Result<Arc<ActorMeta>, CallError> {
    match query {
        ActorQuery::Get { name, key } => host.get(name, key).await,
        ActorQuery::GetOrCreate {
            name, key, input, ..
        } => host
            .get_or_create(name, key, input.clone())
            .await
            .map(|(m, _)| m),
        ActorQuery::ForId { actor_id, .. } => host.actor(actor_id).await,
    }
    .map_err(CallError::from)
}

impl LocalRouter for HostRouter {
    fn action(&self, call: &LocalCall) -> Option<LocalFuture<Value>> {
        let host = self.host_for(&call.query)?;
        let call = call.clone();
        Some(Box::pin(async move {
            let meta = meta(&host, &call.query).await?;
            host.call(&meta, &call.action, call.args, call.params)
                .await
                .map_err(CallError::from)
        }))
    }

    fn resolve(&self, query: &ActorQuery) -> Option<LocalFuture<String>> {
        let host = self.host_for(query)?;
        let query = query.clone();
        Some(Box::pin(async move {
            Ok(meta(&host, &query).await?.id.clone())
        }))
    }
}
