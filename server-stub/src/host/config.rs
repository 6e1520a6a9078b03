//! [`HostConfig`]: the host's settings, with the reference's limits by default.

use std::time::Duration;

use actorium_protocol::KeyPolicy;

/// Host settings (the reference's limits by default).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HostConfig {
    /// An actor with no connections and no work for this long is put to sleep (default 30 s).
    pub idle_timeout: Duration,
    /// Longest an action may run before the caller gets `actor.action_timed_out` (default 60 s).
    pub action_timeout: Duration,
    /// Messages waiting for one actor before callers get `actor.overloaded` (default 1024).
    pub mailbox_capacity: usize,
    /// Events waiting for one WebSocket client before it is closed with `actor.overloaded`,
    /// once the replies it is owed are out (default 1024; replies are never refused).
    pub conn_queue_capacity: usize,
    /// The only namespace this server serves (default `"default"`).
    pub namespace: String,
    /// How long shutdown waits for in-flight actions (default 10 s).
    pub shutdown_grace: Duration,
    /// Where the actors' client ([`crate::Ctx::client`]) sends what it cannot route
    /// in-process (WebSocket connections, actors this host does not serve); the serve helper
    /// sets it to the server's own address (default `http://127.0.0.1:6420`).
    pub client_endpoint: String,
    /// The token the actors' client sends over the network.
    pub client_token: Option<String>,
    /// A directory for the actors' own files (an external database, caches), reached with
    /// [`crate::Ctx::data_dir`]. The serve helper sets it to `--data-dir` (with `--memory`, a
    /// per-process directory under the system's temporary directory); the default is
    /// `<temp>/actorium`.
    pub data_dir: std::path::PathBuf,
    /// An actor with no connections and nothing in flight for this long gives up its task
    /// and mailbox and is *parked*: its state and vars stay in memory, no hook runs, and its
    /// next message gets it a new task (default 100 ms). It still goes to sleep after
    /// [`HostConfig::idle_timeout`]. A value at or above the idle timeout turns parking off.
    pub park_after: Duration,
    /// How large a key may be (characters per part, parts, bytes), checked the same way on
    /// every path that names an actor by key: REST, gateway, WebSocket, actor-to-actor calls
    /// (default [`KeyPolicy::DEFAULT`]: 128 characters, 32 parts, 2048 bytes).
    pub key_policy: KeyPolicy,
    /// Largest state an actor may commit, in bytes of its stored (CBOR) form (default 1 MiB).
    /// A turn that would leave the state larger than this and larger than before is rolled
    /// back and its callers get `actor.state_too_large`; the actor keeps its last committed
    /// state and stays usable (a turn may always shrink the state). Every commit rewrites the
    /// whole state, and a reply that returns it must fit the 1 MiB message limit: keep large
    /// data in several actors.
    pub max_state_bytes: usize,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            idle_timeout: Duration::from_secs(30),
            action_timeout: Duration::from_secs(60),
            mailbox_capacity: 1024,
            conn_queue_capacity: 1024,
            namespace: "default".into(),
            shutdown_grace: Duration::from_secs(10),
            client_endpoint: "http://127.0.0.1:6420".into(),
            client_token: None,
            data_dir: std::env::temp_dir().join("actorium"),
            park_after: Duration::from_millis(100),
            key_policy: KeyPolicy::DEFAULT,
            max_state_bytes: 1 << 20,
        }
    }
}

setters!(HostConfig {
    idle_timeout: Duration,
    action_timeout: Duration,
    mailbox_capacity: usize,
    conn_queue_capacity: usize,
    namespace: String,
    shutdown_grace: Duration,
    client_endpoint: String,
    client_token: Option<String>,
    data_dir: std::path::PathBuf,
    park_after: Duration,
    key_policy: KeyPolicy,
    max_state_bytes: usize,
});
