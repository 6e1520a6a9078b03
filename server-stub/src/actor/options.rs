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
    /// Whether the actor's WebSocket connections (`/connect`) *hibernate*: they stay open
    /// while the actor sleeps, and do not keep it awake. The front door keeps the client's
    /// socket and its subscriptions, the host keeps each connection's id, params and
    /// [`crate::Actor::ConnState`]; the actor's state, vars, task and mailbox leave memory.
    /// The next action or event on one of them wakes the actor with its connections as they
    /// were (`on_connect` does not run again, `on_wake` sees them in [`crate::Ctx::conns`]).
    /// Off by default: a sleeping actor's connections are closed with `1001` and clients
    /// reconnect. RivetKit's hibernatable WebSockets; see the README's "Connections that survive
    /// sleep" for what it costs and how it behaves through the Rivet Engine.
    pub hibernatable_connections: bool,
    /// How long a sleep (or shutdown) waits, after `on_sleep`, for [`crate::Ctx::wait_until`]
    /// work and for [`crate::Ctx::set_prevent_sleep`] to be cleared (RivetKit's
    /// `sleepGracePeriod`); `None`: 15 s.
    pub sleep_grace_period: Option<Duration>,
}

impl ActorOptions {
    /// Sets [`ActorOptions::action_timeout`].
    pub fn action_timeout(mut self, timeout: Duration) -> Self {
        self.action_timeout = Some(timeout);
        self
    }

    /// Turns on [`ActorOptions::hibernatable_connections`].
    pub fn hibernate_connections(mut self) -> Self {
        self.hibernatable_connections = true;
        self
    }

    /// Sets [`ActorOptions::sleep_grace_period`].
    pub fn sleep_grace_period(mut self, grace: Duration) -> Self {
        self.sleep_grace_period = Some(grace);
        self
    }

    /// Sets [`ActorOptions::sleep_timeout`].
    pub fn sleep_timeout(mut self, timeout: Duration) -> Self {
        self.sleep_timeout = Some(timeout);
        self
    }
}
