//! Reading request bodies under a size limit.

use actorium_protocol::WireError;
use axum::body::Body;

/// Reads a (possibly chunked) body of at most `limit` bytes.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Vec<u8>, WireError> {
    read_body_watched(body, limit, |_| Ok(())).await
}

/// [`read_body`], showing every chunk to `watch` first: its error ends the read at once.
pub(crate) async fn read_body_watched(
    body: Body,
    limit: usize,
    mut watch: impl FnMut(&[u8]) -> Result<(), WireError>,
) -> Result<Vec<u8>, WireError> {
    use futures_util::StreamExt as _;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            WireError::invalid_request(format!("Cannot read the request body: {e}"))
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(WireError::incoming_too_long(limit));
        }
        watch(&chunk)?;
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}
