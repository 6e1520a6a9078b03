//! Errors: [`ProtocolError`] for bytes that do not decode (or values that cannot be encoded),
//! and [`WireError`], the structured error one peer sends the other.

use ciborium::Value;

/// A failure to decode or encode a wire message.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The input ended before the message did.
    #[error("message truncated")]
    Truncated,
    /// Bytes were left over after a complete message.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// A BARE payload carried a version this crate does not read (1 to 4 are read).
    #[error("unsupported protocol version {0}")]
    UnsupportedVersion(u16),
    /// The message does not exist in the BARE version it was to be read or written in (the
    /// queue messages exist from v3 on).
    #[error("{message} does not exist in client protocol version {version} (only from v{since})")]
    NotInVersion {
        /// The message, e.g. `HttpQueueSendRequest`.
        message: &'static str,
        /// The version asked for.
        version: u16,
        /// The first version that has the message.
        since: u16,
    },
    /// `x-rivet-encoding` or `rivet_encoding.*` named an unknown encoding.
    #[error("unknown encoding `{0}`")]
    UnknownEncoding(String),
    /// The BARE layer rejected the bytes.
    #[error("invalid BARE: {0}")]
    Bare(String),
    /// The CBOR layer rejected the bytes.
    #[error("invalid CBOR: {0}")]
    Cbor(String),
    /// The JSON layer rejected the text.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The message parsed but does not have the expected shape.
    #[error("invalid message: {0}")]
    Shape(String),
    /// A value cannot be represented in the chosen encoding (e.g. a CBOR tag in JSON).
    #[error("value not representable in {encoding}: {reason}")]
    Unrepresentable {
        /// The target encoding.
        encoding: &'static str,
        /// What could not be represented.
        reason: String,
    },
    /// A JSON-compat marker (`["$Tag", ...]`) was malformed or unknown.
    #[error("invalid JSON-compat value: {0}")]
    Compat(String),
    /// An actor key or key string is invalid.
    #[error("invalid key: {0}")]
    Key(String),
    /// A gateway URL or its `rvt-*` parameters are invalid.
    #[error("invalid gateway target: {0}")]
    Gateway(String),
}

impl ProtocolError {
    pub(crate) fn shape(msg: impl Into<String>) -> Self {
        ProtocolError::Shape(msg.into())
    }
}

/// Which actor an error came from (`ActorSpecifier` in the v4 schema).
#[derive(Debug, Clone, PartialEq)]
pub struct ActorSpecifier {
    /// The actor id.
    pub actor_id: String,
    /// The actor's generation (starts at 1).
    pub generation: u64,
    /// The actor's key in REST form (`a/b`), if known.
    pub key: Option<String>,
}

/// The error body one peer sends another: `{group, code, message, metadata?, actor?}`.
///
/// User errors have group `"user"`; anything the server does not mean to expose is sent as
/// [`WireError::internal`] (`rivetkit.internal_error`). Named errors and their HTTP statuses are
/// in the [`crate::catalogue`].
#[derive(Debug, Clone, PartialEq)]
pub struct WireError {
    /// Error group, e.g. `user`, `actor`, `rivetkit`, `guard`.
    pub group: String,
    /// Error code within the group, e.g. `not_found`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Optional structured metadata (a user value).
    pub metadata: Option<Value>,
    /// The actor that raised it, for actor-level errors.
    pub actor: Option<ActorSpecifier>,
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}: {}", self.group, self.code, self.message)
    }
}

impl std::error::Error for WireError {}

impl WireError {
    /// An error with the given group, code and message, no metadata and no actor.
    pub fn new(
        group: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        WireError {
            group: group.into(),
            code: code.into(),
            message: message.into(),
            metadata: None,
            actor: None,
        }
    }

    /// Adds metadata.
    pub fn with_metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Adds the actor that raised the error.
    pub fn with_actor(mut self, actor: ActorSpecifier) -> Self {
        self.actor = Some(actor);
        self
    }

    /// `group.code`, as used in WebSocket close reasons.
    pub fn close_reason(&self) -> String {
        format!("{}.{}", self.group, self.code)
    }
}
