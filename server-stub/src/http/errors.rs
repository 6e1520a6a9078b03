//! Error responses: gateway-level errors are always JSON; actor-level errors are in the
//! request's encoding (and BARE version) and name the actor.

use actorium_protocol::{Encoding, PROTOCOL_VERSION, WireError};

use super::values::escape;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The HTTP status of an error (the protocol's error catalogue).
pub fn status_of(e: &WireError) -> StatusCode {
    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Escapes the metadata of an error for `encoding` (and, in BARE, `version`).
pub(crate) fn escape_error(mut e: WireError, encoding: Encoding, version: u16) -> WireError {
    e.metadata = e.metadata.map(|m| escape(m, encoding, version));
    e
}

/// A gateway-level (or REST) error: JSON, no actor.
pub(crate) fn json_error(e: WireError) -> Response {
    encoded_error(e, Encoding::Json, PROTOCOL_VERSION)
}

/// An error in `encoding`, in BARE as `version` (the request's).
pub(crate) fn encoded_error(e: WireError, encoding: Encoding, version: u16) -> Response {
    let status = status_of(&e);
    let e = escape_error(e, encoding, version);
    match e.encode_http_version(encoding, version) {
        Ok(body) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(encoding.content_type()),
            )],
            body,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "error body does not encode");
            let body = WireError::internal()
                .encode_http(Encoding::Json)
                .unwrap_or_default();
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response()
        }
    }
}

/// Any path the server does not know.
pub(crate) async fn no_route(uri: axum::http::Uri) -> Response {
    json_error(WireError::no_route(uri.path()))
}
