//! [`ActorOptions`]: per-actor-type settings that override the host's ([`super::Actor::options`]).

use std::time::Duration;

/// Settings of one actor type (RivetKit's actor `options`); `None` keeps the host's value.
///
/// ```
/// use std::time::Duration;
/// use actorium_server::ActorOptions;
///
/// let options = ActorOptions::default()
///     .action_timeout(Duration::from_millis(500))
///     .sleep_timeout(Duration::from_secs(1));
/// assert_eq!(options.action_timeout, Some(Duration::from_millis(500)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActorOptions {
    /// How long one action may run before its caller gets `actor.action_timed_out`
    /// (overrides [`crate::HostConfig::action_timeout`]).
    pub action_timeout: Option<Duration>,
    /// How long the actor stays awake without connections or work before it sleeps
    /// (overrides [`crate::HostConfig::idle_timeout`]; such an actor is never parked, it goes
    /// straight to sleep).
    pub sleep_timeout: Option<Duration>,
}

impl ActorOptions {
    /// Sets [`ActorOptions::action_timeout`].
    pub fn action_timeout(mut self, timeout: Duration) -> Self {
        self.action_timeout = Some(timeout);
        self
    }

    /// Sets [`ActorOptions::sleep_timeout`].
    pub fn sleep_timeout(mut self, timeout: Duration) -> Self {
        self.sleep_timeout = Some(timeout);
        self
    }
}
