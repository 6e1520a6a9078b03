//! # actorium-protocol
//!
//! The public client protocol of RivetKit 2.3.19 (client protocol v4), as spoken by the
//! official TypeScript client, the Rivet Engine and actorium's own server and client.
//!
//! - [`Encoding`]: `json`, `cbor` and `bare` (BARE v1–v4 behind a two-byte version prefix;
//!   written in v4 unless asked for another, see [`version`]).
//! - [`messages`]: the WebSocket messages ([`ToClient`], [`ToServer`]) and the HTTP bodies
//!   ([`HttpActionRequest`], [`HttpActionResponse`], [`WireError`], queue send), each with
//!   `encode(Encoding)` and `decode(Encoding, bytes)`.
//! - [`compat`]: RivetKit's JSON-compat markers (`["$BigInt","1"]`, ...), revived on input and
//!   applied on output, so the host only ever sees plain CBOR [`Value`]s.
//! - [`key`]: actor keys and their two serializations (REST and query gateway).
//! - [`gateway`]: both gateway URL forms (query `rvt-*` parameters and direct `{id}@{token}`).
//! - [`rest`]: the `/metadata` and `/actors` REST bodies (always JSON).
//! - [`error`]: [`ProtocolError`] (decode/encode failures) and [`WireError`] (the error body a
//!   peer sends).
//! - [`catalogue`]: every named error (group, code, HTTP status) defined once.
//! - [`version`]: the BARE versions v1–v4 and how a server answers each client in its own
//!   (RivetKit 2.2.x clients write v3, 2.3.x clients v4; see the module for the negotiation).
//!
//! Message codecs are exact: what the reference sends decodes and re-encodes byte for byte (see
//! the golden-vector tests); user values inside messages are kept as they are on the wire, and
//! the [`compat`] layer converts them to and from the host's value model.

pub mod bare;
pub mod catalogue;
pub mod compat;
pub mod encoding;
pub mod error;
pub mod gateway;
pub mod key;
pub mod messages;
pub mod rest;
pub mod schema;
pub mod version;
mod writer;

pub use catalogue::ErrorCode;
pub use ciborium::Value;
pub use encoding::Encoding;
pub use error::{ActorSpecifier, ProtocolError, WireError};
pub use gateway::{GatewayTarget, QueryMethod, QueryTarget};
pub use key::{ActorKey, IntoKey, KeyPolicy};
pub use messages::{
    HttpActionRequest, HttpActionResponse, HttpQueueSendRequest, HttpQueueSendResponse, ToClient,
    ToServer,
};

/// The newest BARE protocol version, the one `encode` writes (RivetKit 2.3.19 writes 4);
/// `encode_version` writes any of v1–v4 (see [`version`]).
pub const PROTOCOL_VERSION: u16 = 4;

/// The RivetKit version whose wire protocol this crate implements.
pub const RIVETKIT_VERSION: &str = "2.3.19";
