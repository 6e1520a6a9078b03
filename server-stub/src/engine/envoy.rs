//! The envoy callbacks: the engine starts and stops actors on this process and tunnels the
//! gateway's HTTP requests and WebSocket connections to them.
//!
//! A tunneled HTTP request (`/action/{name}`, …, relative to the actor) is handed to the
//! bundled front door as `/gateway/{actorId}/action/{name}`, so the engine path speaks exactly
//! the same protocol (encodings, errors, connection params, limits) as the bundled server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actorium_protocol::ActorKey;
use axum::body::Body;
use axum::http::{Request, header::HeaderName, header::HeaderValue};
use rivet_envoy_client::config::{
    ActorStopHandle, BoxFuture, EnvoyCallbacks, HttpRequest, HttpResponse, WebSocketHandler,
    WebSocketSender,
};
use rivet_envoy_client::handle::EnvoyHandle;
use rivet_envoy_client::http::ResponseChunk;
use rivet_envoy_client::protocol;
use tower::ServiceExt;

use super::kv::KvStorage;
use crate::host::Host;
use crate::meta::{ActorMeta, now_ms};
use crate::storage::ActorRecord;

/// Largest request body accepted through the tunnel (the front door applies its own limits).
const MAX_BODY: usize = 8 << 20;

pub(crate) struct Callbacks {
    pub(crate) host: Host,
    pub(crate) storage: KvStorage,
    pub(crate) router: axum::Router,
    /// Actors the engine is stopping here (their own sleep is not reported back).
    pub(crate) stopping: Arc<Mutex<std::collections::HashSet<String>>>,
}

fn decode_input(bytes: Option<Vec<u8>>) -> anyhow::Result<Option<actorium_protocol::Value>> {
    match bytes {
        None => Ok(None),
        Some(b) if b.is_empty() => Ok(None),
        Some(b) => {
            let v = actorium_protocol::compat::from_cbor(&b)
                .and_then(crate::http::values::revive)
                .map_err(|e| anyhow::anyhow!("the actor's input does not decode: {e}"))?;
            Ok(Some(v))
        }
    }
}

impl EnvoyCallbacks for Callbacks {
    fn on_connect(&self, handle: EnvoyHandle) {
        self.storage.set_handle(handle.clone());
        tracing::info!(envoy_key = %handle.get_envoy_key(), pool = %handle.pool_name(), "connected to the engine");
    }

    fn on_disconnect(&self, _handle: EnvoyHandle) {
        tracing::warn!("disconnected from the engine; reconnecting");
    }

    fn on_actor_start(
        &self,
        handle: EnvoyHandle,
        actor_id: String,
        generation: u32,
        config: protocol::ActorConfig,
        _preloaded_kv: Option<protocol::PreloadedKv>,
    ) -> BoxFuture<anyhow::Result<()>> {
        let host = self.host.clone();
        let storage = self.storage.clone();
        crate::sync::lock(&self.stopping).remove(&actor_id);
        storage.set_handle(handle);
        Box::pin(async move {
            if !host.registry().contains(&config.name) {
                anyhow::bail!(
                    "no actor named `{}` is registered on this envoy (registered: {:?})",
                    config.name,
                    host.registry().names().collect::<Vec<_>>()
                );
            }
            let key = ActorKey::from_rest(config.key.as_deref().unwrap_or("/"));
            tracing::info!(
                target: "actorium::engine::activation",
                actor_id = %actor_id,
                generation,
                name = %config.name,
                key = %key,
                at_ms = now_ms(),
                "actor activated"
            );
            let (state, timers) = storage.load(&actor_id).await?;
            let record = ActorRecord {
                id: actor_id.clone(),
                name: config.name.clone(),
                key: key.clone(),
                create_ts: config.create_ts,
                generation,
            };
            storage.activate(record, timers.clone());
            for t in timers {
                host.timers().add(t);
            }
            if state.is_none() {
                let input = decode_input(config.input)?;
                let meta = Arc::new(ActorMeta {
                    id: actor_id.clone(),
                    name: config.name,
                    key,
                    create_ts: config.create_ts,
                    generation,
                });
                if let Err(e) = host.create_with_meta(meta, input).await {
                    storage.deactivate(&actor_id);
                    anyhow::bail!("creating the actor failed: {e}");
                }
            }
            Ok(())
        })
    }

    fn on_actor_stop_with_completion(
        &self,
        _handle: EnvoyHandle,
        actor_id: String,
        generation: u32,
        reason: protocol::StopActorReason,
        stop_handle: ActorStopHandle,
    ) -> BoxFuture<anyhow::Result<()>> {
        let host = self.host.clone();
        let storage = self.storage.clone();
        crate::sync::lock(&self.stopping).insert(actor_id.clone());
        let stopping = self.stopping.clone();
        Box::pin(async move {
            tokio::spawn(async move {
                if matches!(reason, protocol::StopActorReason::Destroy) {
                    if let Err(e) = host.destroy(&actor_id).await {
                        tracing::debug!(actor = %actor_id, error = %e, "destroy on engine request");
                    }
                } else {
                    host.sleep(&actor_id).await;
                }
                if let Ok(Some(meta)) = host.find(&actor_id).await {
                    host.forget(&meta);
                }
                storage.deactivate(&actor_id);
                crate::sync::lock(&stopping).remove(&actor_id);
                tracing::info!(
                    target: "actorium::engine::activation",
                    actor_id = %actor_id,
                    generation,
                    reason = ?reason,
                    at_ms = now_ms(),
                    "actor deactivated"
                );
                stop_handle.complete();
            });
            Ok(())
        })
    }

    fn on_shutdown(&self) {
        tracing::info!("envoy shut down");
    }

    fn fetch(
        &self,
        _handle: EnvoyHandle,
        actor_id: String,
        _gateway_id: protocol::GatewayId,
        _request_id: protocol::RequestId,
        request: HttpRequest,
    ) -> BoxFuture<anyhow::Result<HttpResponse>> {
        let router = self.router.clone();
        Box::pin(async move { forward(router, &actor_id, request).await })
    }

    fn websocket(
        &self,
        _handle: EnvoyHandle,
        actor_id: String,
        _gateway_id: protocol::GatewayId,
        _request_id: protocol::RequestId,
        _request: HttpRequest,
        path: String,
        headers: HashMap<String, String>,
        _is_hibernatable: bool,
        _is_restoring_hibernatable: bool,
        sender: WebSocketSender,
    ) -> BoxFuture<anyhow::Result<WebSocketHandler>> {
        let host = self.host.clone();
        Box::pin(async move { super::ws::open(host, actor_id, path, headers, sender).await })
    }

    fn can_hibernate(
        &self,
        _actor_id: &str,
        _gateway_id: &protocol::GatewayId,
        _request_id: &protocol::RequestId,
        _request: &HttpRequest,
    ) -> BoxFuture<anyhow::Result<bool>> {
        Box::pin(async { Ok(false) })
    }
}

/// Runs a tunneled HTTP request through the bundled front door.
async fn forward(
    router: axum::Router,
    actor_id: &str,
    mut request: HttpRequest,
) -> anyhow::Result<HttpResponse> {
    let mut body = request.body.take().unwrap_or_default();
    if let Some(mut stream) = request.body_stream.take() {
        while let Some(chunk) = stream
            .recv()
            .await
            .map_err(|e| anyhow::anyhow!("request body: {e:?}"))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BODY {
                anyhow::bail!("request body too large");
            }
        }
    }
    // The actor-relative path. The query carries nothing an action reads, but a raw request's
    // handler gets it.
    let (route, query) = match request.path.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (request.path.as_str(), None),
    };
    let mut path = if route.starts_with('/') {
        route.to_string()
    } else {
        format!("/{route}")
    };
    if let Some(query) = query.filter(|_| path == "/request" || path.starts_with("/request/")) {
        path = format!("{path}?{query}");
    }
    let uri = format!("/gateway/{actor_id}{path}");
    let mut builder = Request::builder().method(request.method.as_str()).uri(uri);
    for (k, v) in &request.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            builder = builder.header(k, v);
        }
    }
    let req = builder.body(Body::from(body))?;
    let resp = router
        .oneshot(req)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let status = resp.status().as_u16();
    let mut headers = HashMap::new();
    for (k, v) in resp.headers() {
        if let Ok(v) = v.to_str() {
            headers.insert(k.as_str().to_string(), v.to_string());
        }
    }
    use http_body::Body as _;
    if resp.body().size_hint().exact().is_none() {
        // A body that streams (server-sent events from a raw handler): chunk by chunk.
        return Ok(HttpResponse {
            status,
            headers,
            body: None,
            body_stream: Some(stream_body(resp.into_body()).into()),
        });
    }
    let bytes = axum::body::to_bytes(resp.into_body(), MAX_BODY).await?;
    Ok(HttpResponse {
        status,
        headers,
        body: Some(bytes.to_vec()),
        body_stream: None,
    })
}

/// The chunks of `body` for the envoy client to send as they come, ending with `finish`.
fn stream_body(body: Body) -> tokio::sync::mpsc::Receiver<ResponseChunk> {
    use futures_util::StreamExt;
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        let mut data = body.into_data_stream();
        while let Some(chunk) = data.next().await {
            let chunk = match chunk {
                Ok(bytes) => ResponseChunk::Data {
                    data: bytes.to_vec(),
                    finish: false,
                },
                Err(e) => {
                    let _ = tx.send(ResponseChunk::Error(e.to_string())).await;
                    return;
                }
            };
            if tx.send(chunk).await.is_err() {
                return; // the client went away: dropping the body ends the stream
            }
        }
        let end = ResponseChunk::Data {
            data: Vec::new(),
            finish: true,
        };
        let _ = tx.send(end).await;
    });
    rx
}
