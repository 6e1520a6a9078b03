//! Client protocol versions in BARE, and how a server decides which one to answer in.
//!
//! Every BARE payload starts with its version (`u16` little-endian). RivetKit 2.3.19 writes
//! v4 and reads v1–v4; RivetKit 2.2.x (the release that ships the driver test suite) writes v3
//! and reads only v1–v3, so a v4 answer fails there with `Unknown version 4`. JSON and CBOR
//! carry no version (their shape is v4's).
//!
//! | version | change from the previous one |
//! |---|---|
//! | v1 | `Init` has `connectionToken: str`; errors have no `actor` |
//! | v2 | `Init.connectionToken` removed |
//! | v3 | adds `HttpQueueSendRequest` / `HttpQueueSendResponse` |
//! | v4 | `Error.actor` and `HttpResponseError.actor` (`optional<ActorSpecifier>`) |
//!
//! Readers accept v1–v4 and bring older messages up to v4 (a v1 token is dropped, an absent
//! `actor` is `None`). Writers take the version to write
//! (`encode_version(encoding, version)`; plain `encode` writes [`PROTOCOL_VERSION`]): v1
//! writes an empty `connectionToken`, as RivetKit's own v2→v1 converter does; v1–v3 leave
//! out `actor`; a queue message in v1 or v2 is [`ProtocolError::NotInVersion`].
//!
//! User values (CBOR inside BARE `data`) differ by client generation too: the 2.3 client
//! writes and reads them with RivetKit's JSON-compat markers ([`crate::compat`]), the 2.2
//! client as plain CBOR. v4 is written only by 2.3 clients, so a server treats v4 values as
//! marked and v1–v3 values as plain ([`bare_has_markers`]).
//!
//! ## Negotiation (what actorium's server does)
//!
//! There is no handshake: no client sends its version in the URL, a header or a WebSocket
//! subprotocol (checked in the 2.2.1 and 2.3.19 clients: `/gateway/{id}/connect` with
//! subprotocols `rivet`, `rivet_encoding.bare` and optionally `rivet_conn_params.…`).
//! So the server answers in the version the client wrote, when it has seen one:
//!
//! - **HTTP**: a BARE body is answered (result or actor-level error) in the version of the
//!   request body ([`of_payload`]).
//! - **WebSocket**: a client sends nothing until it has the `Init`, so the `Init`, and a
//!   connection-level error sent before the client's first message, are written in
//!   [`GREETING_VERSION`] (v3: the newest version every RivetKit client from 2.2 on reads; the
//!   `Init` is the same in v2, v3 and v4; such an early error loses the v4-only `actor`).
//!   From the client's first message on, the connection answers in the version of the latest
//!   message the client sent.
//! - Unversioned inputs stay as they were: gateway-level errors are JSON, and the actor input
//!   of a query gateway URL (`rvt-input`, CBOR) is read as a 2.3 client writes it (markers).

use crate::{Encoding, PROTOCOL_VERSION, ProtocolError};

/// The oldest client protocol version read and written.
pub const OLDEST_VERSION: u16 = 1;

/// The version a WebSocket server writes before the client has sent a message (the `Init`):
/// v3, which RivetKit 2.2.x (reads v1–v3) and 2.3.x (reads v1–v4) both read.
pub const GREETING_VERSION: u16 = 3;

/// The first version with `HttpQueueSendRequest` and `HttpQueueSendResponse`.
pub const QUEUE_VERSION: u16 = 3;

/// The first version whose errors carry the `actor` that raised them.
pub const ERROR_ACTOR_VERSION: u16 = 4;

/// The first BARE version whose user values (CBOR inside `data`) carry RivetKit's
/// JSON-compat markers (`["$BigInt","1"]`, escaped `$`-arrays; see [`crate::compat`]): the
/// 2.3 client writes and reads them in BARE, the 2.2 client (v3) writes and reads plain CBOR.
pub const MARKERS_VERSION: u16 = 4;

/// Whether user values in a BARE payload of `version` carry JSON-compat markers.
pub fn bare_has_markers(version: u16) -> bool {
    version >= MARKERS_VERSION
}

/// Whether `version` is one this crate reads and writes (v1 to v4).
pub fn is_supported(version: u16) -> bool {
    (OLDEST_VERSION..=PROTOCOL_VERSION).contains(&version)
}

/// Fails unless `version` is one this crate writes.
pub(crate) fn check(version: u16) -> Result<u16, ProtocolError> {
    if is_supported(version) {
        Ok(version)
    } else {
        Err(ProtocolError::UnsupportedVersion(version))
    }
}

/// The version a payload was written in: the BARE prefix, or `None` for JSON and CBOR (which
/// carry none) and for a BARE payload too short to have one. Meant for payloads that decoded.
pub fn of_payload(encoding: Encoding, bytes: &[u8]) -> Option<u16> {
    match (encoding, bytes) {
        (Encoding::Bare, [lo, hi, ..]) => Some(u16::from_le_bytes([*lo, *hi])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_prefixes() {
        assert!((1..=4).all(is_supported));
        assert!(!is_supported(0) && !is_supported(5));
        assert!(matches!(
            check(5),
            Err(ProtocolError::UnsupportedVersion(5))
        ));
        assert_eq!(of_payload(Encoding::Bare, &[3, 0, 9]), Some(3));
        assert_eq!(of_payload(Encoding::Bare, &[3]), None);
        assert_eq!(of_payload(Encoding::Json, b"{}"), None);
        assert_eq!(of_payload(Encoding::Cbor, &[3, 0]), None);
    }
}
