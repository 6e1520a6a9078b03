//! [`CallError`]: everything a client call can fail with. Errors the actor or the server sent
//! ([`CallError::Actor`]) are distinct from transport failures and local problems. And
//! [`ConfigError`]: an invalid configuration (also reachable as `config::ConfigError`).

use std::sync::Arc;

use actorium_protocol::{ProtocolError, WireError};

/// An invalid client configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The endpoint is not a URL.
    #[error("invalid endpoint URL `{0}`")]
    InvalidUrl(String),
    /// The endpoint's scheme is neither `http` nor `https`.
    #[error("unsupported endpoint scheme `{0}`: only http:// and https:// are supported")]
    UnsupportedScheme(String),
    /// The endpoint is `https://` (its origin is given) but this build has no TLS backend.
    #[error(
        "the endpoint `{0}` needs TLS, but actorium-client is built without it: enable the \
         `rustls` feature of actorium-client (or of actorium)"
    )]
    TlsNotEnabled(String),
    /// A root certificate given with `ClientOptions::add_root_certificate` is not a PEM
    /// certificate rustls accepts.
    #[error("invalid root certificate: {0}")]
    InvalidCertificate(String),
    /// The TLS configuration could not be built.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The endpoint has a query string or a fragment.
    #[error("the endpoint cannot contain a query string or a fragment")]
    QueryOrFragment,
    /// The endpoint has a token (`http://:token@host`) but no namespace.
    #[error("the endpoint cannot have a token without a namespace")]
    TokenWithoutNamespace,
    /// The namespace or token is given both in the endpoint URL and as an option.
    #[error("the {0} is given both in the endpoint URL and as an option")]
    Conflict(&'static str),
    /// An extra header has an invalid name or value.
    #[error("invalid header `{0}`")]
    InvalidHeader(String),
}

/// The error type of every client operation.
///
/// - [`CallError::Actor`]: a structured error the actor, the gateway or the REST API sent
///   (`group`, `code`, `message`, `metadata`), e.g. `user.bad_thing` from a user error or
///   `actor.not_found`. The call reached the other side.
/// - [`CallError::Transport`], [`CallError::Http`], [`CallError::ConnectionLost`]: the call
///   did not complete (could not connect, unreadable response, socket dropped).
/// - [`CallError::Protocol`]: bytes that do not decode.
/// - [`CallError::Conversion`], [`CallError::InvalidRequest`], [`CallError::Config`]: local
///   problems found before or after the wire.
/// - [`CallError::Closed`]: the connection was disposed or closed for good.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The actor or the server answered with an error.
    #[error("actor error {0}")]
    Actor(Box<WireError>),
    /// The server could not be reached, or the exchange failed midway.
    #[error("transport error: {message}")]
    Transport {
        /// What failed.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// A non-success HTTP response whose body is not a structured error.
    #[error("unexpected HTTP {status} response: {body}")]
    Http {
        /// HTTP status code.
        status: u16,
        /// The response body (lossy UTF-8, truncated).
        body: String,
    },
    /// A message or body from the server does not decode.
    #[error("protocol error: {0}")]
    Protocol(#[source] Arc<ProtocolError>),
    /// Arguments or a result could not be converted to or from the requested Rust type.
    #[error("value conversion failed: {0}")]
    Conversion(#[source] Arc<ProtocolError>),
    /// The request was refused before it was sent (e.g. a key part longer than 128 characters,
    /// an input too large for the query gateway).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The client's configuration is invalid.
    #[error("invalid client configuration: {0}")]
    Config(#[from] ConfigError),
    /// The WebSocket dropped while the action was in flight; it may or may not have run.
    #[error("connection lost: {0}")]
    ConnectionLost(String),
    /// The connection was disposed, or closed for good.
    #[error("connection closed")]
    Closed,
}

impl From<ProtocolError> for CallError {
    fn from(e: ProtocolError) -> Self {
        CallError::Protocol(Arc::new(e))
    }
}

impl From<WireError> for CallError {
    fn from(e: WireError) -> Self {
        CallError::Actor(Box::new(e))
    }
}

impl CallError {
    /// A transport error with a source.
    pub fn transport(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        CallError::Transport {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// A transport error without a source.
    pub fn transport_msg(message: impl Into<String>) -> Self {
        CallError::Transport {
            message: message.into(),
            source: None,
        }
    }

    /// A conversion error.
    pub fn conversion(e: ProtocolError) -> Self {
        CallError::Conversion(Arc::new(e))
    }

    /// The structured error the other side sent, if this is one.
    pub fn actor_error(&self) -> Option<&WireError> {
        match self {
            CallError::Actor(e) => Some(&**e),
            _ => None,
        }
    }

    /// The error group (`user`, `actor`, `guard`, ...) for [`CallError::Actor`].
    pub fn group(&self) -> Option<&str> {
        self.actor_error().map(|e| e.group.as_str())
    }

    /// The error code for [`CallError::Actor`].
    pub fn code(&self) -> Option<&str> {
        self.actor_error().map(|e| e.code.as_str())
    }

    /// Whether this is the actor error `group.code`.
    pub fn is(&self, group: &str, code: &str) -> bool {
        self.group() == Some(group) && self.code() == Some(code)
    }

    /// Whether this is the actor error `code` of the error catalogue
    /// (`actorium_protocol::catalogue`).
    pub fn is_code(&self, code: actorium_protocol::ErrorCode) -> bool {
        self.is(code.group, code.code)
    }
}
