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
/// [`WireError::internal`] (`rivetkit.internal_error`).
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

    /// `rivetkit.internal_error`: every error the server does not mean to expose.
    pub fn internal() -> Self {
        Self::new("rivetkit", "internal_error", "An internal error occurred")
    }

    /// `actor.not_found`: no actor with that key or id.
    pub fn actor_not_found() -> Self {
        Self::new(
            "actor",
            "not_found",
            "The actor does not exist or was destroyed.",
        )
    }

    /// `actor.action_not_found`.
    pub fn action_not_found(action: &str) -> Self {
        Self::new(
            "actor",
            "action_not_found",
            format!("Action `{action}` was not found."),
        )
    }

    /// `actor.invalid_request`: a malformed message or argument list.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new("actor", "invalid_request", message)
    }

    /// `actor.action_timed_out`.
    pub fn action_timed_out() -> Self {
        Self::new("actor", "action_timed_out", "Action timed out.")
    }

    /// `actor.duplicate_key`, with the reference's metadata.
    pub fn duplicate_key(key: &str, existing_actor_id: &str) -> Self {
        let metadata = Value::Map(vec![
            (
                Value::Text("existing_actor_id".into()),
                Value::Text(existing_actor_id.into()),
            ),
            (Value::Text("key".into()), Value::Text(key.into())),
        ]);
        Self::new(
            "actor",
            "duplicate_key",
            format!("Actor key '{key}' already in use for actor '{existing_actor_id}'"),
        )
        .with_metadata(metadata)
    }

    /// `message.incoming_too_long`.
    pub fn incoming_too_long(limit: usize) -> Self {
        Self::new(
            "message",
            "incoming_too_long",
            format!("Incoming message too long (limit {limit} bytes)."),
        )
    }

    /// `message.outgoing_too_long`.
    pub fn outgoing_too_long(limit: usize) -> Self {
        Self::new(
            "message",
            "outgoing_too_long",
            format!("Outgoing message too long (limit {limit} bytes)."),
        )
    }

    /// `guard.query_invalid_params`: bad `rvt-*` parameters.
    pub fn query_invalid_params(message: impl Into<String>) -> Self {
        Self::new("guard", "query_invalid_params", message)
    }

    /// `auth.forbidden`: missing or wrong token.
    pub fn forbidden() -> Self {
        Self::new("auth", "forbidden", "Forbidden.")
    }

    /// The HTTP status the reference uses for this error (the official client ignores it, but
    /// other tools do not).
    pub fn http_status(&self) -> u16 {
        match (self.group.as_str(), self.code.as_str()) {
            ("auth", "forbidden") => 403,
            ("actor", "action_not_found") | ("actor", "not_found") => 404,
            ("actor", "action_timed_out") => 408,
            ("actor", "invalid_request") | ("actor", "duplicate_key") => 400,
            ("actor", "method_not_allowed") => 405,
            ("actor", "overloaded") => 503,
            ("message", _) | ("queue", _) | ("guard", "query_invalid_params") => 400,
            ("validation", _) | ("api", _) | ("namespace", _) => 400,
            ("core", "not_supported") => 501,
            _ => 500,
        }
    }
}
