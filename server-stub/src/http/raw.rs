//! Raw HTTP through the gateway (spec §8): `{gateway}/request{path}[?query]` reaches the actor's
//! [`crate::Actor::on_request`] with `path` as its URI (`/request` alone is `/`) and the query
//! without the gateway's `rvt-*` parameters; the actor's response goes back as it is, plus the
//! `x-rivet-actor*` headers.

use std::sync::Arc;

use actorium_protocol::WireError;
use axum::body::Body;
use axum::http::Uri;
use axum::http::request::Parts;
use axum::response::Response;

use super::App;
use super::errors::json_error;
use super::headers::{actor_headers, conn_params};
use super::values::specifier;
use crate::actor::raw_http::limited;
use crate::meta::ActorMeta;

/// Hands a raw request to the actor `meta` and returns its response (or the error, as JSON
/// with its status).
pub(super) async fn request(
    app: &App,
    meta: &Arc<ActorMeta>,
    parts: Parts,
    body: Body,
) -> Response {
    let params = match conn_params(&parts.headers) {
        Ok(p) => p,
        Err(e) => return actor_error(meta, e),
    };
    let uri = match actor_uri(&parts.uri, "/request") {
        Ok(u) => u,
        Err(e) => return actor_error(meta, e),
    };
    let mut parts = parts;
    parts.uri = uri;
    let body = limited(body, app.config.limits.max_raw_body);
    let request = axum::http::Request::from_parts(parts, body);
    match app.host.request(meta, request, params).await {
        Ok(mut response) => {
            actor_headers(&mut response, meta);
            response
        }
        Err(e) => actor_error(meta, e),
    }
}

fn actor_error(meta: &ActorMeta, e: WireError) -> Response {
    let mut response = json_error(e.with_actor(specifier(meta)));
    actor_headers(&mut response, meta);
    response
}

/// The URI the actor sees: the path after `/gateway/{target}{route}` (`route` is `/request` or
/// `/websocket`; at least `/`) and the query without `rvt-*` parameters, both as the client
/// encoded them.
pub(super) fn actor_uri(uri: &Uri, route: &str) -> Result<Uri, WireError> {
    let actor_path = uri
        .path()
        .strip_prefix("/gateway/")
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("");
    route_uri(actor_path, uri.query(), route)
}

/// `actor_path` (the path after the gateway target, e.g. `/websocket/chat`) without `route`
/// (at least `/`), with `query` minus its `rvt-*` parameters.
pub(crate) fn route_uri(
    actor_path: &str,
    query: Option<&str>,
    route: &str,
) -> Result<Uri, WireError> {
    let after = actor_path.strip_prefix(route).unwrap_or("");
    let path = if after.is_empty() { "/" } else { after };
    let query: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("rvt-"))
        .collect();
    let text = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    };
    text.parse()
        .map_err(|e| WireError::invalid_request(format!("Invalid request path: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor_path(uri: &str) -> String {
        actor_uri(&uri.parse().unwrap(), "/request")
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_actor_sees_its_own_path_and_query() {
        assert_eq!(actor_path("/gateway/abc/request"), "/");
        assert_eq!(actor_path("/gateway/abc/request/"), "/");
        assert_eq!(actor_path("/gateway/abc/request/api/x"), "/api/x");
        assert_eq!(
            actor_path("/gateway/c/request/p?rvt-namespace=default&rvt-method=get&a=1&b=%20"),
            "/p?a=1&b=%20"
        );
        assert_eq!(actor_path("/gateway/c/request/p?rvt-key=x"), "/p");
        let socket = actor_uri(
            &"/gateway/c/websocket/chat?a=1".parse().unwrap(),
            "/websocket",
        );
        assert_eq!(socket.unwrap().to_string(), "/chat?a=1");
    }
}
