//! Errors of actions and hooks: [`UserError`] (reaches clients as is) and [`ActorError`] (what
//! actions and hooks return; everything that is not a user error or a deliberate framework error
//! reaches clients as the generic internal error and is logged).

use std::error::Error as StdError;
use std::fmt;

use actorium_protocol::{Value, WireError};
use serde::Serialize;

/// The result of an action or hook: `actorium::Result<T>`.
pub type Result<T, E = ActorError> = std::result::Result<T, E>;

/// An error meant for the caller: it reaches every client (Rust and TypeScript) as group
/// `"user"` with this code, message and metadata.
///
/// ```
/// use actorium::UserError;
/// let e = UserError::new("bad_thing", "nope").with_metadata(&serde_json::json!({"why": "test"}));
/// assert_eq!(e.code(), "bad_thing");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("user error {code}: {message}")]
pub struct UserError {
    code: String,
    message: String,
    metadata: Option<Value>,
}

impl UserError {
    /// A user error with a code (e.g. `"bad_thing"`) and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        UserError {
            code: code.into(),
            message: message.into(),
            metadata: None,
        }
    }

    /// Attaches metadata (any serializable value). A value that cannot be serialized is
    /// dropped with a warning.
    pub fn with_metadata<T: Serialize + ?Sized>(mut self, metadata: &T) -> Self {
        match actorium_protocol::compat::serialize(metadata) {
            Ok(v) => self.metadata = Some(v),
            Err(e) => {
                tracing::warn!(error = %e, "dropping user error metadata that does not serialize")
            }
        }
        self
    }

    /// Attaches metadata that is already a value.
    pub fn with_metadata_value(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// The error code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The metadata, if any.
    pub fn metadata(&self) -> Option<&Value> {
        self.metadata.as_ref()
    }

    /// The error as clients see it.
    pub fn to_wire(&self) -> WireError {
        let mut w = WireError::new("user", self.code.clone(), self.message.clone());
        w.metadata = self.metadata.clone();
        w
    }
}

/// The error type of actions and hooks.
///
/// Built from a [`UserError`] (public; also a user error another actor raised, reaching this
/// actor as an `actorium::CallError`), from one of the framework constructors
/// ([`ActorError::action_not_found`], [`ActorError::invalid_args`], [`ActorError::public`]), or
/// with `?` from any other error, which becomes the generic internal error
/// (`rivetkit.internal_error`, "An internal error occurred") for the caller and is logged with
/// its details on the server.
///
/// Like `anyhow::Error`, this type deliberately does not implement [`std::error::Error`], so
/// that `?` converts every error type into it.
pub struct ActorError(Box<Repr>);

enum Repr {
    User(UserError),
    Public(WireError),
    Internal(Box<dyn StdError + Send + Sync + 'static>),
}

impl ActorError {
    fn of(repr: Repr) -> Self {
        ActorError(Box::new(repr))
    }

    /// `actor.action_not_found`: the actor has no action with that wire name.
    pub fn action_not_found(action: &str) -> Self {
        ActorError::of(Repr::Public(WireError::action_not_found(action)))
    }

    /// `actor.invalid_request`: the arguments of `action` do not have the expected shape.
    pub fn invalid_args(action: &str, detail: impl fmt::Display) -> Self {
        ActorError::of(Repr::Public(WireError::invalid_request(format!(
            "Invalid arguments for action `{action}`: {detail}"
        ))))
    }

    /// A framework error that reaches the client as is (group, code, message, metadata).
    pub fn public(error: WireError) -> Self {
        ActorError::of(Repr::Public(error))
    }

    /// An internal error with a message that is logged but never sent to clients.
    pub fn internal(message: impl Into<String>) -> Self {
        ActorError::of(Repr::Internal(message.into().into()))
    }

    /// The user error, if this is one.
    pub fn as_user(&self) -> Option<&UserError> {
        match &*self.0 {
            Repr::User(u) => Some(u),
            _ => None,
        }
    }

    /// Whether this error is internal (redacted for clients).
    pub fn is_internal(&self) -> bool {
        matches!(*self.0, Repr::Internal(_))
    }

    /// The error as clients see it: user and public errors as they are, anything else as
    /// `rivetkit.internal_error`.
    pub fn to_wire(&self) -> WireError {
        match &*self.0 {
            Repr::User(u) => u.to_wire(),
            Repr::Public(w) => w.clone(),
            Repr::Internal(_) => WireError::internal(),
        }
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for ActorError {
    fn from(e: E) -> Self {
        let boxed: Box<dyn StdError + Send + Sync + 'static> = Box::new(e);
        let other = match boxed.downcast::<UserError>() {
            Ok(u) => return ActorError::of(Repr::User(*u)),
            Err(other) => other,
        };
        // A user error raised by another actor (through `Ctx::client`) stays a user error.
        if let Some(actorium_client::CallError::Actor(w)) =
            other.downcast_ref::<actorium_client::CallError>()
            && w.group == "user"
        {
            let mut u = UserError::new(w.code.clone(), w.message.clone());
            u.metadata = w.metadata.clone();
            return ActorError::of(Repr::User(u));
        }
        // So does a public framework error about the request (`actor.duplicate_key`,
        // `actor.not_found`, `validation.invalid_input` for a bad key, ...), without the other
        // actor's specifier.
        if let Some(actorium_client::CallError::Actor(w)) =
            other.downcast_ref::<actorium_client::CallError>()
            && (w.group == "actor" || w.group == "validation")
        {
            let mut w = (**w).clone();
            w.actor = None;
            return ActorError::of(Repr::Public(w));
        }
        ActorError::of(Repr::Internal(other))
    }
}

impl fmt::Debug for ActorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Repr::User(u) => f.debug_tuple("User").field(u).finish(),
            Repr::Public(w) => f.debug_tuple("Public").field(w).finish(),
            Repr::Internal(e) => f.debug_tuple("Internal").field(e).finish(),
        }
    }
}

impl fmt::Display for ActorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Repr::User(u) => fmt::Display::fmt(u, f),
            Repr::Public(w) => fmt::Display::fmt(w, f),
            Repr::Internal(e) => write!(f, "internal error: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails_with_io() -> Result<()> {
        Err(std::io::Error::other("disk on fire"))?;
        Ok(())
    }

    fn fails_with_user() -> Result<()> {
        Err(UserError::new("bad_thing", "nope"))?;
        Ok(())
    }

    #[test]
    fn user_errors_stay_public_and_others_are_redacted() {
        let e = fails_with_user().unwrap_err();
        assert_eq!(e.to_wire().group, "user");
        assert_eq!(e.to_wire().code, "bad_thing");
        let e = fails_with_io().unwrap_err();
        assert!(e.is_internal());
        assert_eq!(e.to_wire(), WireError::internal());
        assert!(e.to_string().contains("disk on fire"));
    }

    #[test]
    fn metadata_serializes() {
        let e = UserError::new("c", "m").with_metadata(&[("why", "test")]);
        assert!(e.metadata().is_some());
    }
}
