//! The error catalogue: every named error that actorium sends or acts on, defined once with its
//! group, code and HTTP status.
//!
//! The host, the front door, the engine envoy and the client all build and recognise errors
//! through these constants ([`ErrorCode::error`], [`ErrorCode::is`]) and the constructors on
//! [`WireError`]; [`WireError::http_status`] reads the status from [`CATALOGUE`]. Most codes are
//! RivetKit's own (same group, code and status); the few that are actorium's are marked so.
//! Errors a peer sends that are not listed keep their group and code and map to 500, except the
//! groups whose every code is a client mistake (see [`family_status`]).

use ciborium::Value;

use crate::error::WireError;

/// A named error: its group, code and the HTTP status it is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    /// Error group, e.g. `actor`.
    pub group: &'static str,
    /// Code within the group, e.g. `not_found`.
    pub code: &'static str,
    /// The HTTP status of a response carrying this error.
    pub status: u16,
}

impl ErrorCode {
    /// A [`WireError`] of this code with `message`.
    pub fn error(self, message: impl Into<String>) -> WireError {
        WireError::new(self.group, self.code, message)
    }

    /// Whether `error` is of this code.
    pub fn is(self, error: &WireError) -> bool {
        error.group == self.group && error.code == self.code
    }

    /// `group.code`, as WebSocket close reasons carry it.
    pub fn name(self) -> String {
        format!("{}.{}", self.group, self.code)
    }
}

macro_rules! catalogue {
    ($($(#[$doc:meta])* $name:ident = $group:literal . $code:literal => $status:literal;)*) => {
        $($(#[$doc])* pub const $name: ErrorCode =
            ErrorCode { group: $group, code: $code, status: $status };)*
        /// Every named error, in one table.
        pub const CATALOGUE: &[ErrorCode] = &[$($name),*];
    };
}

catalogue! {
    /// `rivetkit.internal_error`: every error the server does not mean to expose.
    INTERNAL_ERROR = "rivetkit"."internal_error" => 500;
    /// `actor.not_found`: no actor with that key or id.
    ACTOR_NOT_FOUND = "actor"."not_found" => 404;
    /// `actor.action_not_found`: the actor has no such action.
    ACTION_NOT_FOUND = "actor"."action_not_found" => 404;
    /// `actor.invalid_request`: a malformed message, argument list, input or params.
    INVALID_REQUEST = "actor"."invalid_request" => 400;
    /// `actor.action_timed_out`: the action ran past the action timeout.
    ACTION_TIMED_OUT = "actor"."action_timed_out" => 408;
    /// `actor.duplicate_key`: `create` of a key that exists.
    DUPLICATE_KEY = "actor"."duplicate_key" => 400;
    /// `actor.method_not_allowed`: a gateway route called with the wrong HTTP method.
    METHOD_NOT_ALLOWED = "actor"."method_not_allowed" => 405;
    /// `actor.overloaded`: the actor's mailbox is full (actorium).
    OVERLOADED = "actor"."overloaded" => 503;
    /// `actor.stopping`: the server is shutting down (actorium; the client retries it).
    STOPPING = "actor"."stopping" => 503;
    /// `actor.unsupported_websocket_encoding`: close reason for a WebSocket encoding the server
    /// does not speak.
    UNSUPPORTED_WEBSOCKET_ENCODING = "actor"."unsupported_websocket_encoding" => 400;
    /// `actor.invalid_name`: no actor with that name is registered (actorium).
    INVALID_NAME = "actor"."invalid_name" => 400;
    /// `actor.too_many_subscriptions`: a WebSocket connection asked for more event
    /// subscriptions than the server allows per connection (actorium; the connection goes on).
    TOO_MANY_SUBSCRIPTIONS = "actor"."too_many_subscriptions" => 400;
    /// `actor.destroyed`: close reason of connections to a destroyed actor.
    DESTROYED = "actor"."destroyed" => 500;
    /// `actor.destroyed_during_creation`: the engine destroyed an actor while creating it.
    DESTROYED_DURING_CREATION = "actor"."destroyed_during_creation" => 500;
    /// `actor.destroyed_while_waiting_for_ready`: the engine destroyed the actor while a request
    /// waited for it to be ready.
    DESTROYED_WHILE_WAITING_FOR_READY = "actor"."destroyed_while_waiting_for_ready" => 500;
    /// `actor.key_reserved_in_different_datacenter`: the engine's cross-datacenter key conflict.
    KEY_RESERVED_IN_DIFFERENT_DATACENTER =
        "actor"."key_reserved_in_different_datacenter" => 500;
    /// `actor.restarting`: the engine is restarting the actor.
    RESTARTING = "actor"."restarting" => 503;
    /// `actor.stopped`: the actor stopped under a connection.
    STOPPED = "actor"."stopped" => 500;
    /// `message.incoming_too_long`: a request or frame over the message limit.
    INCOMING_TOO_LONG = "message"."incoming_too_long" => 400;
    /// `message.outgoing_too_long`: a reply over the message limit.
    OUTGOING_TOO_LONG = "message"."outgoing_too_long" => 400;
    /// `guard.query_invalid_params`: bad `rvt-*` gateway parameters.
    QUERY_INVALID_PARAMS = "guard"."query_invalid_params" => 400;
    /// `guard.no_route`: a path the server does not serve (actorium).
    NO_ROUTE = "guard"."no_route" => 404;
    /// `guard.actor_ready_timeout`: the engine did not get the actor ready in time.
    ACTOR_READY_TIMEOUT = "guard"."actor_ready_timeout" => 503;
    /// `guard.actor_runner_failed`: the engine's runner of the actor failed.
    ACTOR_RUNNER_FAILED = "guard"."actor_runner_failed" => 503;
    /// `guard.service_unavailable`: the engine's gateway cannot serve the request now.
    SERVICE_UNAVAILABLE = "guard"."service_unavailable" => 503;
    /// `guard.actor_wake_retries_exceeded`: the engine gave up waking the actor.
    ACTOR_WAKE_RETRIES_EXCEEDED = "guard"."actor_wake_retries_exceeded" => 503;
    /// `guard.request_timeout`: a request body that did not arrive within the server's body
    /// timeout (actorium).
    REQUEST_TIMEOUT = "guard"."request_timeout" => 408;
    /// `guard.too_many_connections`: the server is at its connection cap and every connection is
    /// busy; a new connection is answered with this and closed (actorium).
    TOO_MANY_CONNECTIONS = "guard"."too_many_connections" => 503;
    /// `auth.forbidden`: a missing or wrong token.
    FORBIDDEN = "auth"."forbidden" => 403;
    /// `namespace.not_found`: a namespace this server does not have.
    NAMESPACE_NOT_FOUND = "namespace"."not_found" => 400;
    /// `validation.invalid_input`: an invalid key or input on the REST API.
    INVALID_INPUT = "validation"."invalid_input" => 400;
    /// `api.bad_request`: a REST body that does not parse.
    BAD_REQUEST = "api"."bad_request" => 400;
    /// `core.not_supported`: a route this server does not implement yet.
    NOT_SUPPORTED = "core"."not_supported" => 501;
    /// `ws.going_away`: close reason of connections to an actor that went to sleep.
    GOING_AWAY = "ws"."going_away" => 500;
    /// `ws.ping_timeout`: close reason of a WebSocket that did not answer the server's ping.
    WS_PING_TIMEOUT = "ws"."ping_timeout" => 408;
    /// `actor.state_too_large`: the turn would have grown the actor's state past the per-actor
    /// limit; it was rolled back and the actor keeps its last committed state (actorium).
    STATE_TOO_LARGE = "actor"."state_too_large" => 400;
    /// `storage.full`: the server's disk is full; nothing of the turn was stored and the actor
    /// keeps its last committed state. Not a bug: retry once space is freed (actorium).
    STORAGE_FULL = "storage"."full" => 503;
    /// `storage.corrupt`: the actor's stored data fails its integrity check; the actor is
    /// refused until an operator restores it (actorium).
    STORAGE_CORRUPT = "storage"."corrupt" => 500;
}

/// The status of a group whose every code is a client mistake (RivetKit's mapping), if any.
pub fn family_status(group: &str) -> Option<u16> {
    matches!(
        group,
        "message" | "queue" | "validation" | "api" | "namespace"
    )
    .then_some(400)
}

/// The HTTP status of `group.code`: the catalogue's, else the group's, else 500.
pub fn status_of(group: &str, code: &str) -> u16 {
    CATALOGUE
        .iter()
        .find(|c| c.group == group && c.code == code)
        .map(|c| c.status)
        .or_else(|| family_status(group))
        .unwrap_or(500)
}

impl WireError {
    /// `rivetkit.internal_error`: every error the server does not mean to expose.
    pub fn internal() -> Self {
        INTERNAL_ERROR.error("An internal error occurred")
    }

    /// `actor.not_found`: no actor with that key or id.
    pub fn actor_not_found() -> Self {
        ACTOR_NOT_FOUND.error("The actor does not exist or was destroyed.")
    }

    /// `actor.action_not_found`.
    pub fn action_not_found(action: &str) -> Self {
        ACTION_NOT_FOUND.error(format!("Action `{action}` was not found."))
    }

    /// `actor.invalid_request`: a malformed message or argument list.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        INVALID_REQUEST.error(message)
    }

    /// `actor.action_timed_out`.
    pub fn action_timed_out() -> Self {
        ACTION_TIMED_OUT.error("Action timed out.")
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
        DUPLICATE_KEY
            .error(format!(
                "Actor key '{key}' already in use for actor '{existing_actor_id}'"
            ))
            .with_metadata(metadata)
    }

    /// `actor.method_not_allowed`, with the method and path as metadata.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        let metadata = Value::Map(vec![
            (Value::Text("method".into()), Value::Text(method.into())),
            (Value::Text("path".into()), Value::Text(path.into())),
        ]);
        METHOD_NOT_ALLOWED
            .error(format!("Method {method} is not allowed for {path}."))
            .with_metadata(metadata)
    }

    /// `actor.overloaded`: the actor's mailbox is full.
    pub fn overloaded() -> Self {
        OVERLOADED.error("The actor has too many pending messages; try again later.")
    }

    /// `actor.stopping`: the server is shutting down.
    pub fn stopping() -> Self {
        STOPPING.error("The server is shutting down.")
    }

    /// `actor.invalid_name`: no actor named `name` is registered.
    pub fn invalid_name(name: &str) -> Self {
        INVALID_NAME.error(format!(
            "No actor named `{name}` is registered on this server."
        ))
    }

    /// `guard.request_timeout`: the request body did not arrive in time.
    pub fn request_timeout(message: impl Into<String>) -> Self {
        REQUEST_TIMEOUT.error(message)
    }

    /// `guard.too_many_connections`: the server is at its connection cap.
    pub fn too_many_connections() -> Self {
        TOO_MANY_CONNECTIONS.error("The server is at its connection cap; retry later.")
    }

    /// `actor.too_many_subscriptions`: more than `limit` subscriptions on one connection.
    pub fn too_many_subscriptions(limit: usize) -> Self {
        TOO_MANY_SUBSCRIPTIONS.error(format!(
            "Too many subscriptions on this connection (limit {limit}); unsubscribe from an \
             event first."
        ))
    }

    /// `message.incoming_too_long`.
    pub fn incoming_too_long(limit: usize) -> Self {
        INCOMING_TOO_LONG.error(format!("Incoming message too long (limit {limit} bytes)."))
    }

    /// `message.outgoing_too_long`.
    pub fn outgoing_too_long(limit: usize) -> Self {
        OUTGOING_TOO_LONG.error(format!("Outgoing message too long (limit {limit} bytes)."))
    }

    /// `guard.query_invalid_params`: bad `rvt-*` parameters.
    pub fn query_invalid_params(message: impl Into<String>) -> Self {
        QUERY_INVALID_PARAMS.error(message)
    }

    /// `guard.no_route`: no route for `path`.
    pub fn no_route(path: &str) -> Self {
        NO_ROUTE.error(format!("No route for `{path}`."))
    }

    /// `auth.forbidden`: missing or wrong token.
    pub fn forbidden() -> Self {
        FORBIDDEN.error("Forbidden.")
    }

    /// `namespace.not_found`.
    pub fn namespace_not_found() -> Self {
        NAMESPACE_NOT_FOUND.error("The namespace does not exist.")
    }

    /// `validation.invalid_input`.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        INVALID_INPUT.error(message)
    }

    /// `api.bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        BAD_REQUEST.error(message)
    }

    /// `core.not_supported`: `what` is not implemented by this server.
    pub fn not_supported(what: &str) -> Self {
        NOT_SUPPORTED.error(format!("{what}: not supported by this server."))
    }

    /// `actor.state_too_large`: a state of `size` bytes over the `limit`.
    pub fn state_too_large(size: usize, limit: usize) -> Self {
        STATE_TOO_LARGE.error(format!(
            "The actor's state would grow to {size} bytes, over the limit of {limit} bytes; \
             the changes were rolled back. Keep large data in several actors."
        ))
    }

    /// `storage.full`: the disk is full.
    pub fn storage_full() -> Self {
        STORAGE_FULL.error(
            "The server's storage is full; nothing was stored. Try again once space is freed.",
        )
    }

    /// `storage.corrupt`: `what` (e.g. "the state of actor X") fails its integrity check.
    pub fn storage_corrupt(what: &str) -> Self {
        STORAGE_CORRUPT.error(format!(
            "Stored data is corrupt ({what}); the actor is refused until it is restored."
        ))
    }

    /// Whether this error is of `code`.
    pub fn is_code(&self, code: ErrorCode) -> bool {
        code.is(self)
    }

    /// The HTTP status the reference uses for this error (the official client ignores it, but
    /// other tools do not): [`status_of`] its group and code.
    pub fn http_status(&self) -> u16 {
        status_of(&self.group, &self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            for b in &CATALOGUE[i + 1..] {
                assert!((a.group, a.code) != (b.group, b.code), "{} twice", a.name());
            }
        }
    }

    #[test]
    fn statuses_follow_the_reference() {
        assert_eq!(WireError::forbidden().http_status(), 403);
        assert_eq!(WireError::actor_not_found().http_status(), 404);
        assert_eq!(WireError::action_timed_out().http_status(), 408);
        assert_eq!(WireError::overloaded().http_status(), 503);
        assert_eq!(WireError::stopping().http_status(), 503);
        assert_eq!(WireError::no_route("/x").http_status(), 404);
        assert_eq!(WireError::not_supported("raw").http_status(), 501);
        assert_eq!(WireError::new("queue", "full", "m").http_status(), 400);
        assert_eq!(WireError::new("user", "nope", "m").http_status(), 500);
        assert_eq!(WireError::internal().http_status(), 500);
        assert_eq!(WireError::state_too_large(2, 1).http_status(), 400);
        assert_eq!(WireError::storage_full().http_status(), 503);
        assert_eq!(WireError::storage_corrupt("x").http_status(), 500);
    }

    #[test]
    fn codes_recognise_their_errors() {
        assert!(ACTOR_NOT_FOUND.is(&WireError::actor_not_found()));
        assert!(!ACTOR_NOT_FOUND.is(&WireError::action_not_found("x")));
        assert!(WireError::method_not_allowed("GET", "/action/x").is_code(METHOD_NOT_ALLOWED));
        assert_eq!(INVALID_NAME.name(), "actor.invalid_name");
    }
}
