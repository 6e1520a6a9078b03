//! Raw HTTP (RivetKit's `onRequest`): the request an actor's [`super::Actor::on_request`]
//! receives at `{gateway}/request/{path}` and the response it returns, as the `http` crate's
//! types with axum's streaming [`Body`] (what axum users already know).
//!
//! The request's URI is the actor's own path (`/request` removed, so `/request/api/x?y=1` is
//! `/api/x?y=1`, with the gateway's `rvt-*` query parameters removed); its headers are the
//! client's; its body streams in, bounded by [`crate::http::Limits::max_raw_body`] (reading past
//! the bound fails with an error that [`body_bytes`] names `message.incoming_too_long`). The
//! response's body may stream out too (server-sent events: a `Body::from_stream` fed by a
//! channel the actor keeps in its vars; see `examples/src/bulletin.rs`). While a response body
//! streams, the actor stays awake.
//!
//! ```
//! use actorium::prelude::*;
//! use actorium::raw_http::{body_bytes, json_response, text_response, http::StatusCode};
//!
//! #[actorium::actor]
//! pub trait Board { async fn notes() -> Vec<String>; }
//!
//! #[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
//! pub struct State { notes: Vec<String> }
//!
//! #[actorium::actor]
//! impl BoardActor for State {
//!     async fn on_request(c: &Ctx<Self>, request: HttpRequest) -> actorium::Result<HttpResponse> {
//!         match (request.method().as_str(), request.uri().path()) {
//!             ("GET", "/notes") => json_response(&c.state().notes),
//!             ("POST", "/notes") => {
//!                 let text = String::from_utf8_lossy(&body_bytes(request).await?).into_owned();
//!                 c.state_mut().notes.push(text);   // committed before the response leaves
//!                 Ok(text_response(StatusCode::CREATED, "pinned"))
//!             }
//!             _ => Ok(text_response(StatusCode::NOT_FOUND, "no such page")),
//!         }
//!     }
//!     async fn notes(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
//!         Ok(c.state().notes.clone())
//!     }
//! }
//! ```

use actorium_protocol::WireError;
pub use axum::body::{Body, Bytes};
pub use axum::http;

use crate::error::{ActorError, Result};

/// What [`super::Actor::on_request`] receives.
pub type HttpRequest = http::Request<Body>;
/// What [`super::Actor::on_request`] returns.
pub type HttpResponse = http::Response<Body>;

/// The whole body of `request` (at most the server's raw body limit): an oversized body is
/// `message.incoming_too_long` (400), a body the client stopped sending is
/// `actor.invalid_request`.
pub async fn body_bytes(request: HttpRequest) -> Result<Bytes> {
    match axum::body::to_bytes(request.into_body(), usize::MAX).await {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            // The limit error is wrapped once per body layer: look down the whole chain.
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = source {
                if let Some(limit) = s.downcast_ref::<LengthLimit>() {
                    return Err(ActorError::public(WireError::incoming_too_long(limit.0)));
                }
                source = s.source();
            }
            Err(ActorError::public(WireError::invalid_request(format!(
                "The request body could not be read: {e}"
            ))))
        }
    }
}

/// A response with `status` and a plain-text body.
pub fn text_response(status: http::StatusCode, text: impl Into<String>) -> HttpResponse {
    let mut response = http::Response::new(Body::from(text.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A JSON response (status 200) of `value`.
pub fn json_response<T: serde::Serialize + ?Sized>(value: &T) -> Result<HttpResponse> {
    let body = serde_json::to_vec(value)
        .map_err(|e| ActorError::internal(format!("the response does not serialize: {e}")))?;
    let mut response = http::Response::new(Body::from(body));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// The answer of an actor without a raw HTTP handler (RivetKit's): 404.
pub(crate) fn no_handler() -> HttpResponse {
    text_response(http::StatusCode::NOT_FOUND, "Not Found")
}

/// The error a request body bounded by the front door yields past its limit.
#[derive(Debug, thiserror::Error)]
#[error("the request body is larger than {0} bytes")]
pub(crate) struct LengthLimit(pub(crate) usize);

/// `body`, failing with [`LengthLimit`] once more than `limit` bytes have arrived.
pub(crate) fn limited(body: Body, limit: usize) -> Body {
    use futures_util::StreamExt;
    let mut seen = 0usize;
    let stream = body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(axum::Error::new)?;
        seen += chunk.len();
        if seen > limit {
            return Err(axum::Error::new(LengthLimit(limit)));
        }
        Ok(chunk)
    });
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &'static str, limit: usize) -> HttpRequest {
        http::Request::new(limited(Body::from(body), limit))
    }

    #[tokio::test]
    async fn a_body_within_the_limit_reads_whole() {
        let bytes = body_bytes(request("hello", 5)).await.unwrap();
        assert_eq!(&bytes[..], b"hello");
    }

    #[tokio::test]
    async fn a_body_past_the_limit_is_incoming_too_long() {
        let e = body_bytes(request("hello!", 5))
            .await
            .unwrap_err()
            .to_wire();
        assert_eq!(
            (e.group.as_str(), e.code.as_str()),
            ("message", "incoming_too_long")
        );
        assert_eq!(e.http_status(), 400);
    }

    #[test]
    fn responses_carry_their_type() {
        let r = json_response(&serde_json::json!({"a": 1})).unwrap();
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(no_handler().status(), 404);
    }
}
