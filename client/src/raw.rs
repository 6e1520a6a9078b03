//! Raw HTTP to an actor's `on_request` (RivetKit's `handle.fetch`): [`ActorHandle::fetch`]
//! sends an `http::Request` whose URI is the actor's own path to `{gateway}/request{path}` and
//! returns the actor's response as it is ([`RawResponse`]: any status, streaming body).

use actorium_protocol::ProtocolError;
pub use bytes::Bytes;
/// The `http` crate (1.x), whose `Request` [`ActorHandle::fetch`] takes.
pub use http;
use serde::de::DeserializeOwned;

use crate::error::CallError;
use crate::handle::ActorHandle;
use crate::http::{CONN_PARAMS_HEADER, TOKEN_HEADER};
use crate::values;

/// The actor's answer to [`ActorHandle::fetch`]: status, headers and a body read as it arrives.
/// A 404 or a 500 is a response like any other, not an error.
#[derive(Debug)]
pub struct RawResponse {
    inner: reqwest::Response,
}

impl RawResponse {
    /// The status code.
    pub fn status(&self) -> http::StatusCode {
        self.inner.status()
    }

    /// The headers (the actor's, plus the server's `x-rivet-actor*`).
    pub fn headers(&self) -> &http::HeaderMap {
        self.inner.headers()
    }

    /// The next piece of the body as it arrives (`None` at its end): for streamed responses
    /// such as server-sent events.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, CallError> {
        self.inner
            .chunk()
            .await
            .map_err(|e| CallError::transport("reading the response body failed", e))
    }

    /// The whole body.
    pub async fn bytes(self) -> Result<Bytes, CallError> {
        self.inner
            .bytes()
            .await
            .map_err(|e| CallError::transport("reading the response body failed", e))
    }

    /// The whole body as text (UTF-8, invalid sequences replaced).
    pub async fn text(self) -> Result<String, CallError> {
        Ok(String::from_utf8_lossy(&self.bytes().await?).into_owned())
    }

    /// The whole body as JSON.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, CallError> {
        serde_json::from_slice(&self.bytes().await?)
            .map_err(|e| CallError::conversion(ProtocolError::Json(e.to_string())))
    }
}

impl ActorHandle {
    /// Sends `request` to the actor's raw HTTP handler (`on_request`): its URI is the actor's
    /// path and query (`/api/items?limit=5`), its method, headers
    /// and body go as they are, with the handle's connection params and the client's token.
    /// Resolves the actor first (creating it for a `get_or_create` handle). Not retried: a raw
    /// request may not be idempotent.
    ///
    /// ```no_run
    /// # async fn demo(h: actorium::client::ActorHandle) -> Result<(), actorium::CallError> {
    /// use actorium::client::raw::http;
    /// let request = http::Request::post("/api/echo").body(r#"{"a":1}"#).unwrap();
    /// let response = h.fetch(request).await?;
    /// assert!(response.status().is_success());
    /// let echoed: serde_json::Value = response.json().await?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch<B: Into<Bytes>>(
        &self,
        request: http::Request<B>,
    ) -> Result<RawResponse, CallError> {
        let inner = &self.client().inner;
        let http = inner.http()?;
        let resolved = inner.resolved().await?;
        let target = self.query().gateway_target(http.config, &resolved)?;
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().trim_start_matches('/');
        let path = target
            .path_and_query(&format!("/request/{path}"))
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        let mut url = format!("{}{path}", resolved.endpoint);
        if let Some(query) = parts.uri.query() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(query);
        }
        let mut req = http
            .pool
            .request(parts.method, &url)
            .headers(parts.headers)
            .body(body.into());
        if let Some(p) = self.params() {
            req = req.header(CONN_PARAMS_HEADER, values::params_json(p)?);
        }
        if let Some(t) = &resolved.token {
            req = req.header(TOKEN_HEADER, t.as_str());
        }
        let inner = http.send_raw(req).await?;
        Ok(RawResponse { inner })
    }
}
