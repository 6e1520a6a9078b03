//! Which errors are retried, and how often: the official client's rules (RivetKit 2.3.19
//! `client/actor-handle.ts`, `actor-query.ts`, `lifecycle-errors.ts`).
//!
//! Two nested loops:
//! - inner, only for `get`/`getOrCreate` handles (whose query gateway re-resolves the actor on
//!   every request): stale-actor errors (`actor.not_found|starting|stopping|not_configured|
//!   dropped_reply|destroying|destroyed_*`) and placement errors (`guard.actor_ready_timeout`,
//!   `guard.actor_runner_failed`, `pegboard.route_resolve_query_timeout`) are retried up to
//!   [`GET_ATTEMPTS`] / [`GET_OR_CREATE_ATTEMPTS`] attempts in all, [`STALE_DELAY`] apart. The
//!   last error is returned, so `get` of a missing actor ends with `actor.not_found`.
//! - outer, for every handle: lifecycle boundaries (`actor.restarting`, `guard.service_unavailable`,
//!   `guard.actor_wake_retries_exceeded`, `guard.actor_stopped_while_waiting`,
//!   `guard.tunnel_*`, `guard.gateway_response_start_timeout`) up to [`LIFECYCLE_ATTEMPTS`]
//!   attempts, 25 ms doubling to 200 ms apart. For handles by id, which have no inner loop,
//!   the placement errors above are retried here too.
//!
//! Transport errors (connection refused, timeouts) are not retried, as in the official client.

use std::future::Future;
use std::time::Duration;

use crate::backoff;
use crate::error::CallError;

/// Attempts of a `get` handle on stale-actor and placement errors.
pub const GET_ATTEMPTS: u32 = 24;
/// Attempts of a `getOrCreate` handle on stale-actor and placement errors.
pub const GET_OR_CREATE_ATTEMPTS: u32 = 60;
/// Delay between those attempts.
pub const STALE_DELAY: Duration = Duration::from_millis(100);
/// Attempts on lifecycle-boundary errors (any handle).
pub const LIFECYCLE_ATTEMPTS: u32 = 5;
const LIFECYCLE_MIN_DELAY: Duration = Duration::from_millis(25);
const LIFECYCLE_MAX_DELAY: Duration = Duration::from_millis(200);

// These tables classify error codes the way the official client's retry rules do (families and
// prefixes, engine codes included); the codes actorium itself sends are defined in the
// protocol's error catalogue.

/// Whether the resolved actor is stale (`isStaleResolvedActorError` plus `destroying`).
pub(crate) fn is_stale(group: &str, code: &str) -> bool {
    group == "actor"
        && (matches!(
            code,
            "not_found"
                | "starting"
                | "stopping"
                | "not_configured"
                | "dropped_reply"
                | "destroying"
        ) || code.starts_with("destroyed_"))
}

/// Whether placing the actor failed or timed out.
pub(crate) fn is_placement(group: &str, code: &str) -> bool {
    matches!(
        (group, code),
        ("guard", "actor_ready_timeout")
            | ("guard", "actor_runner_failed")
            | ("pegboard", "route_resolve_query_timeout")
    )
}

/// Whether a `get`/`getOrCreate` handle retries this error.
pub(crate) fn is_dynamic_retryable(e: &CallError) -> bool {
    match e.actor_error() {
        Some(w) => is_stale(&w.group, &w.code) || is_placement(&w.group, &w.code),
        None => false,
    }
}

/// Whether this error is a lifecycle boundary that every handle retries.
pub(crate) fn is_lifecycle(e: &CallError) -> bool {
    let Some(w) = e.actor_error() else {
        return false;
    };
    match (w.group.as_str(), w.code.as_str()) {
        ("actor", "restarting") => true,
        ("guard", code) => matches!(
            code,
            "service_unavailable"
                | "actor_wake_retries_exceeded"
                | "actor_stopped_while_waiting"
                | "tunnel_request_aborted"
                | "tunnel_message_timeout"
                | "tunnel_response_closed"
                | "gateway_response_start_timeout"
        ),
        // Legacy forms the official client still matches.
        ("actor", "internal_error") => w.message == "Actor is stopping",
        ("actor", "stopping") => {
            w.message == "Actor stopping: Cannot accept new connections while actor is stopping"
        }
        _ => false,
    }
}

/// Whether a dropped WebSocket should keep reconnecting after this error: transport-level
/// failures and retryable actor errors do (stale-actor errors only for get/getOrCreate
/// handles, whose gateway may find a new actor); any other actor error is final.
pub(crate) fn is_reconnectable(e: &CallError, dynamic: bool) -> bool {
    match e {
        CallError::Actor(w) => {
            (dynamic && is_stale(&w.group, &w.code))
                || is_placement(&w.group, &w.code)
                || is_lifecycle(e)
                || matches!(
                    (w.group.as_str(), w.code.as_str()),
                    ("actor", "stopped") | ("ws", "going_away")
                )
        }
        CallError::Transport { .. }
        | CallError::Http { .. }
        | CallError::Protocol(_)
        | CallError::ConnectionLost(_) => true,
        CallError::Conversion(_)
        | CallError::InvalidRequest(_)
        | CallError::Config(_)
        | CallError::Closed => false,
    }
}

/// How a call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Inner attempts on stale/placement errors (1 for handles by id).
    pub dynamic_attempts: u32,
    /// Whether lifecycle boundaries are retried.
    pub lifecycle: bool,
}

/// Runs `attempt` under `policy`: the stale-actor/placement loop inside the lifecycle loop
/// (see the module docs), both on [`backoff::repeat`].
pub(crate) async fn run<T, F, Fut>(policy: RetryPolicy, attempt: F) -> Result<T, CallError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    let lifecycle_attempts = if policy.lifecycle {
        LIFECYCLE_ATTEMPTS
    } else {
        1
    };
    let dynamic_attempts = policy.dynamic_attempts.max(1);
    let attempt = &attempt;
    let inner = move |_| {
        backoff::repeat(
            Some(dynamic_attempts),
            |_| STALE_DELAY,
            move |_| attempt(),
            |e: &CallError, n| {
                let again = is_dynamic_retryable(e);
                if again {
                    tracing::debug!(error = %e, attempt = n + 1, "retrying after a stale-actor or placement error");
                }
                again
            },
        )
    };
    backoff::repeat(
        Some(lifecycle_attempts),
        |n| backoff::exponential(LIFECYCLE_MIN_DELAY, LIFECYCLE_MAX_DELAY, n - 1),
        inner,
        |e, n| {
            // Placement errors are lifecycle boundaries too for handles whose inner loop did
            // not retry them (handles by id).
            let boundary = is_lifecycle(e)
                || (dynamic_attempts == 1
                    && e.actor_error()
                        .is_some_and(|w| is_placement(&w.group, &w.code)));
            if boundary {
                tracing::debug!(error = %e, attempt = n + 1, "retrying after a lifecycle boundary");
            }
            boundary
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use actorium_protocol::WireError;

    use super::*;

    fn err(group: &str, code: &str) -> CallError {
        CallError::from(WireError::new(group, code, "m"))
    }

    #[test]
    fn classification() {
        for code in [
            "not_found",
            "starting",
            "stopping",
            "not_configured",
            "dropped_reply",
            "destroying",
            "destroyed_during_creation",
            "destroyed_while_waiting_for_ready",
        ] {
            assert!(is_dynamic_retryable(&err("actor", code)), "{code}");
            assert!(!is_lifecycle(&err("actor", code)), "{code}");
        }
        assert!(is_dynamic_retryable(&err(
            "pegboard",
            "route_resolve_query_timeout"
        )));
        assert!(is_dynamic_retryable(&err("guard", "actor_ready_timeout")));
        assert!(!is_dynamic_retryable(&err("user", "not_found")));
        assert!(!is_dynamic_retryable(&err("actor", "duplicate_key")));
        assert!(is_lifecycle(&err("guard", "service_unavailable")));
        assert!(is_lifecycle(&err("guard", "actor_wake_retries_exceeded")));
        assert!(is_lifecycle(&err("actor", "restarting")));
        assert!(!is_lifecycle(&err("actor", "internal_error")));
        assert!(is_lifecycle(&CallError::from(WireError::new(
            "actor",
            "internal_error",
            "Actor is stopping"
        ))));
        assert!(!is_lifecycle(&CallError::transport_msg("x")));
        assert!(is_reconnectable(&CallError::transport_msg("x"), false));
        assert!(is_reconnectable(&err("actor", "not_found"), true));
        assert!(!is_reconnectable(&err("actor", "not_found"), false));
        assert!(is_reconnectable(
            &err("guard", "actor_ready_timeout"),
            false
        ));
        assert!(is_reconnectable(&err("ws", "going_away"), false));
        assert!(!is_reconnectable(&err("user", "conn_rejected"), true));
        assert!(!is_reconnectable(&CallError::Closed, true));
    }

    async fn count_until(
        policy: RetryPolicy,
        fail: impl Fn(u32) -> Option<CallError>,
    ) -> (Result<u32, CallError>, u32) {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let r = run(policy, || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            let e = fail(n);
            async move {
                match e {
                    Some(e) => Err(e),
                    None => Ok(n),
                }
            }
        })
        .await;
        (r, calls.load(Ordering::SeqCst))
    }

    #[tokio::test(start_paused = true)]
    async fn get_of_a_missing_actor_fails_with_not_found_after_24_attempts() {
        let policy = RetryPolicy {
            dynamic_attempts: GET_ATTEMPTS,
            lifecycle: true,
        };
        let start = tokio::time::Instant::now();
        let (r, calls) = count_until(policy, |_| Some(err("actor", "not_found"))).await;
        assert!(r.unwrap_err().is("actor", "not_found"));
        assert_eq!(calls, 24);
        assert_eq!(start.elapsed(), STALE_DELAY * 23);
    }

    #[tokio::test(start_paused = true)]
    async fn get_or_create_retries_placement_then_succeeds() {
        let policy = RetryPolicy {
            dynamic_attempts: GET_OR_CREATE_ATTEMPTS,
            lifecycle: true,
        };
        let (r, calls) = count_until(policy, |n| {
            (n < 30).then(|| err("pegboard", "route_resolve_query_timeout"))
        })
        .await;
        assert_eq!(r.unwrap(), 30);
        assert_eq!(calls, 31);
    }

    #[tokio::test(start_paused = true)]
    async fn lifecycle_is_retried_five_times_for_any_handle() {
        let policy = RetryPolicy {
            dynamic_attempts: 1,
            lifecycle: true,
        };
        let start = tokio::time::Instant::now();
        let (r, calls) = count_until(policy, |_| Some(err("guard", "service_unavailable"))).await;
        assert!(r.unwrap_err().is("guard", "service_unavailable"));
        assert_eq!(calls, 5);
        // 25 + 50 + 100 + 200 ms
        assert_eq!(start.elapsed(), Duration::from_millis(375));

        // A handle by id retries placement errors as lifecycle boundaries...
        let (r, calls) = count_until(policy, |n| {
            (n < 3).then(|| err("pegboard", "route_resolve_query_timeout"))
        })
        .await;
        assert_eq!((r.unwrap(), calls), (3, 4));
        let (_, calls) = count_until(policy, |_| Some(err("guard", "actor_ready_timeout"))).await;
        assert_eq!(calls, 5);

        // ... but not stale errors.
        let (r, calls) = count_until(policy, |_| Some(err("actor", "not_found"))).await;
        assert!(r.is_err());
        assert_eq!(calls, 1);

        // User errors are never retried.
        let policy = RetryPolicy {
            dynamic_attempts: 60,
            lifecycle: true,
        };
        let (_, calls) = count_until(policy, |_| Some(err("user", "bad_thing"))).await;
        assert_eq!(calls, 1);
    }
}
