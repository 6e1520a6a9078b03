//! The gateway's own headers: the connection params a request carries
//! (`x-rivet-conn-params`) and the `x-rivet-actor*` headers of every actor's answer.

use actorium_protocol::{Value, WireError, compat};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;

use crate::meta::ActorMeta;

/// `x-rivet-conn-params`: the connection params of an HTTP action or raw request (raw JSON).
const CONN_PARAMS_HEADER: &str = "x-rivet-conn-params";

/// The connection params of an HTTP request (`x-rivet-conn-params`, raw JSON).
pub(crate) fn conn_params(headers: &HeaderMap) -> Result<Option<Value>, WireError> {
    let Some(v) = headers.get(CONN_PARAMS_HEADER) else {
        return Ok(None);
    };
    match serde_json::from_slice::<serde_json::Value>(v.as_bytes()) {
        Ok(j) => Ok(Some(compat::from_json(j))),
        Err(e) => Err(WireError::invalid_request(format!(
            "Invalid {CONN_PARAMS_HEADER}: {e}"
        ))),
    }
}

/// Adds the `x-rivet-actor*` headers that name the actor that answered.
pub(crate) fn actor_headers(resp: &mut Response, meta: &ActorMeta) {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&meta.id) {
        h.insert(HeaderName::from_static("x-rivet-actor"), v);
    }
    if let Ok(v) = HeaderValue::from_str(&meta.key.to_rest()) {
        h.insert(HeaderName::from_static("x-rivet-actor-key"), v);
    }
    let generation = match meta.generation {
        1 => HeaderValue::from_static("1"),
        n => HeaderValue::from(n),
    };
    h.insert(
        HeaderName::from_static("x-rivet-actor-generation"),
        generation,
    );
}
