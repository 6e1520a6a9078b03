//! The gateway: `/gateway/{target}{path}` in both target forms, stateless actions over HTTP,
//! and the WebSocket upgrade of `/connect`.

use std::sync::Arc;

use actorium_protocol::{
    Encoding, GatewayTarget, HttpActionRequest, HttpActionResponse, PROTOCOL_VERSION,
    ProtocolError, QueryMethod, WireError, compat, version,
};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State, WebSocketUpgrade};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use super::App;
use super::body::read_body;
use super::errors::{encoded_error, json_error};
use super::headers::{actor_headers, conn_params};
use super::values::{escape, revive, revive_args, specifier};
use super::ws;
use crate::meta::ActorMeta;

/// Bytes a WebSocket reads at a time (what an idle socket keeps allocated for reading).
const WS_READ_BUFFER: usize = 4 << 10;
/// Bytes of outgoing frames a WebSocket buffers before writing them out.
const WS_WRITE_BUFFER: usize = 8 << 10;

pub(crate) async fn gateway(State(app): State<App>, req: Request) -> Response {
    // The request is taken apart by hand (no extractor copies the headers): this is the path
    // of every HTTP action.
    let (mut parts, body) = req.into_parts();
    let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
    let rest = uri.path().strip_prefix("/gateway/").unwrap_or("");
    let (segment, actor_path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let keys = &app.host.config().key_policy;
    let target = match GatewayTarget::parse_with(segment, uri.query(), keys) {
        Ok((target, _actor_query)) => target,
        Err(ProtocolError::Key(e)) => {
            return json_error(WireError::invalid_input(format!("Invalid key: {e}")));
        }
        Err(e) => {
            return json_error(WireError::query_invalid_params(format!(
                "invalid query gateway params: {e}"
            )));
        }
    };
    if let Some(name) = actor_path.strip_prefix("/action/") {
        if name.is_empty() || name.contains('/') {
            return super::errors::no_route(uri.clone()).await;
        }
        if method != Method::POST {
            let e = WireError::method_not_allowed(method.as_str(), actor_path);
            return json_error(e);
        }
        let action = match percent_decode_str(name).decode_utf8() {
            Ok(a) => a.into_owned(),
            Err(_) => {
                return json_error(WireError::invalid_request("The action name is not UTF-8."));
            }
        };
        let meta = match resolve(&app, &target).await {
            Ok(m) => m,
            Err(e) => return json_error(e),
        };
        return http_action(&app, &meta, &action, parts, body).await;
    }
    if actor_path == "/connect" {
        let mut offer = ws::Offer::parse(headers);
        let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut parts, &()).await else {
            return json_error(WireError::invalid_request(
                "`/connect` expects a WebSocket upgrade.",
            ));
        };
        let meta = match resolve(&app, &target).await {
            Ok(m) => m,
            Err(e) => return json_error(e),
        };
        offer.request = Some(Arc::new(crate::actor::Request::new(parts)));
        let max = app.config.limits.max_incoming_message;
        return upgrade
            .protocols(["rivet"])
            .max_message_size(max * 4)
            .max_frame_size(max * 4)
            // Small buffers for the many idle sockets (tungstenite's default read buffer,
            // allocated up front, is 128 KiB); they grow for large messages.
            .read_buffer_size(WS_READ_BUFFER)
            .write_buffer_size(WS_WRITE_BUFFER)
            .on_upgrade(move |socket| ws::run(socket, app, meta, offer))
            .into_response();
    }
    if actor_path == "/request" || actor_path.starts_with("/request/") {
        let meta = match resolve(&app, &target).await {
            Ok(m) => m,
            Err(e) => return json_error(e),
        };
        return super::raw::request(&app, &meta, parts, body).await;
    }
    if actor_path == "/websocket" || actor_path.starts_with("/websocket/") {
        let meta = match resolve(&app, &target).await {
            Ok(m) => m,
            Err(e) => return json_error(e),
        };
        return super::raw_ws::upgrade(app, meta, parts).await;
    }
    if actor_path.starts_with("/queue/") {
        return json_error(WireError::not_supported("Queues (`/queue`)"));
    }
    super::errors::no_route(uri.clone()).await
}

/// Finds (or creates) the actor a gateway target names.
pub(crate) async fn resolve(
    app: &App,
    target: &GatewayTarget,
) -> Result<Arc<ActorMeta>, WireError> {
    match target {
        GatewayTarget::Direct { actor_id, .. } => app.host.actor(actor_id).await,
        GatewayTarget::Query(q) => {
            if q.namespace != app.host.config().namespace {
                return Err(WireError::namespace_not_found());
            }
            match q.method {
                QueryMethod::Get => app.host.get(&q.name, &q.key).await,
                QueryMethod::GetOrCreate => {
                    let input = match &q.input {
                        None => None,
                        Some(bytes) => {
                            let limit = app.config.limits.max_query_input;
                            if bytes.len() > limit {
                                return Err(WireError::incoming_too_long(limit));
                            }
                            let raw = compat::from_cbor(bytes).and_then(revive).map_err(|e| {
                                WireError::invalid_request(format!("Invalid input: {e}"))
                            })?;
                            Some(raw)
                        }
                    };
                    Ok(app.host.get_or_create(&q.name, &q.key, input).await?.0)
                }
            }
        }
    }
}

/// An actor-level error in the request's encoding and BARE `version`.
fn actor_error(meta: &ActorMeta, e: WireError, encoding: Encoding, version: u16) -> Response {
    let mut resp = encoded_error(e.with_actor(specifier(meta)), encoding, version);
    actor_headers(&mut resp, meta);
    resp
}

async fn http_action(
    app: &App,
    meta: &Arc<ActorMeta>,
    action: &str,
    parts: axum::http::request::Parts,
    body: Body,
) -> Response {
    let headers = &parts.headers;
    let encoding = match Encoding::from_header(
        headers
            .get(actorium_protocol::encoding::ENCODING_HEADER)
            .and_then(|v| v.to_str().ok()),
    ) {
        Ok(e) => e,
        Err(e) => return json_error(WireError::invalid_request(e.to_string())),
    };
    let params = match conn_params(headers) {
        Ok(p) => p,
        Err(e) => return json_error(e),
    };
    // The request, for the admission hooks (`Ctx::request`): moved, not copied.
    let request = Some(Arc::new(crate::actor::Request::new(parts)));
    let limit = app.config.limits.max_incoming_message;
    let body = match read_body(body, limit).await {
        Ok(b) => b,
        Err(e) => return json_error(e),
    };
    // A BARE request is answered in its own version (a RivetKit 2.2 client reads up to v3).
    let version = version::of_payload(encoding, &body).unwrap_or(PROTOCOL_VERSION);
    let args = match HttpActionRequest::decode(encoding, &body)
        .map_err(|e| WireError::invalid_request(format!("Invalid request body: {e}")))
        .and_then(|req| revive_args(req.args, encoding, version))
    {
        Ok(a) => a,
        Err(e) => return json_error(e),
    };
    let output = match app
        .host
        .call_with_request(meta, action, args, params, request)
        .await
    {
        Ok(o) => o,
        Err(e) => return actor_error(meta, e, encoding, version),
    };
    let body = match (HttpActionResponse {
        output: escape(output, encoding, version),
    })
    .encode_version(encoding, version)
    {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(actor = %meta.id, %action, error = %e, "action output does not encode");
            return actor_error(meta, WireError::internal(), encoding, version);
        }
    };
    let limit = app.config.limits.max_outgoing_message;
    if body.len() > limit {
        return actor_error(meta, WireError::outgoing_too_long(limit), encoding, version);
    }
    let mut resp = Response::new(Body::from(body));
    // Room for every header this response gets (content type and length, the actor's three,
    // the CORS three), so the map is not regrown on the way out.
    resp.headers_mut().reserve(8);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoding.content_type()),
    );
    actor_headers(&mut resp, meta);
    resp
}
