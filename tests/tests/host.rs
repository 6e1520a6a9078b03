//! In-process tests of the host (`actorium::server::Host`, driven directly, no HTTP): turn
//! loop, durability, panics, sleep, timers, connections, actor-to-actor calls. The test actors
//! are written with `#[actorium::actor]`, so their dispatch is the generated one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actorium::protocol::{ActorKey, IntoKey, ToClient, Value, WireError};
use actorium::server::{
    ConnOut, ConnSender, Host, HostConfig, MemoryStorage, SqliteStorage, Storage, SyncMode,
};
use actorium::{Conn, Ctx, InitCtx, Registry, UserError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

static VARS_BUILT: AtomicUsize = AtomicUsize::new(0);
static CONNECTED: AtomicUsize = AtomicUsize::new(0);
static DISCONNECTED: AtomicUsize = AtomicUsize::new(0);
/// Hooks seen by connections with params `"http-hooks"`, in order.
static HTTP_HOOKS: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

fn is_counted(conn: &Conn<Counter>) -> bool {
    matches!(conn.params().map(String::as_str), Some("alice" | "bob"))
}

fn http_hook(conn: Option<&Conn<Counter>>, hook: &'static str) {
    if conn.and_then(|c| c.params()).map(String::as_str) == Some("http-hooks") {
        HTTP_HOOKS.lock().unwrap().push(hook);
    }
}

/// A counter that exercises every part of the host (wire name "count").
#[actorium::actor(input = i64, conn_params = String)]
trait Count {
    /// Adds `by`, broadcasts `changed` and returns the new value.
    async fn add(by: i64) -> i64;
    /// The count.
    async fn get() -> i64;
    /// Which wake built the current vars (a process-wide counter).
    async fn wake_number() -> usize;
    /// Waits `ms`, then reads the state.
    async fn slow_get(ms: u64) -> i64;
    /// Adds 100, then panics: the change must be rolled back.
    async fn add_then_panic() -> i64;
    /// Borrows the state while a mutable guard is alive (a panic, not a deadlock).
    async fn double_borrow() -> i64;
    /// Always fails with the user error `bad_thing`.
    async fn fail();
    /// Schedules `add(by)` in `ms`.
    async fn schedule(ms: u64, by: i64);
    /// Asks the host to put this actor to sleep.
    async fn sleep();
    /// Asks the host to destroy this actor.
    async fn destroy();
    /// The state of the calling connection.
    async fn whoami() -> Option<String>;
    /// The states of the WebSocket connections.
    async fn conns() -> Vec<String>;
    /// A -> B -> A: asks the `relay` keyed `other` to call `add(1)` back on this actor.
    async fn call_other(other: String) -> i64;
    /// The new count, after every `add`.
    #[event]
    fn changed(n: i64);
}

/// Calls back the actor that called it (wire name "relay").
#[actorium::actor]
trait Relay {
    /// Calls `add(1)` on the `count` whose key parts are `back`, comma-separated.
    async fn relay(back: String) -> i64;
}

/// Checks in `on_state_change` that the change is already committed (wire name "observed").
#[actorium::actor]
trait Observed {
    /// Changes the state; returns how many times `on_state_change` has run so far.
    async fn bump() -> usize;
    /// Reads the state (commits nothing).
    async fn read() -> i64;
    /// The new count, after every commit.
    #[event]
    fn changed(n: i64);
}

/// State of a `count`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
struct Counter {
    n: i64,
}

/// Vars of a `count`, rebuilt on every wake.
#[derive(Default)]
struct CountVars {
    wake_number: usize,
}

#[actorium::actor]
impl CountActor for Counter {
    type Vars = CountVars;
    type ConnState = String;

    async fn create_state(_: &InitCtx<'_>, input: Option<i64>) -> actorium::Result<Self> {
        Ok(Counter {
            n: input.unwrap_or(0),
        })
    }

    async fn create_vars(_: &Ctx<Self>) -> actorium::Result<CountVars> {
        Ok(CountVars {
            wake_number: VARS_BUILT.fetch_add(1, Ordering::SeqCst) + 1,
        })
    }

    async fn on_before_connect(_: &Ctx<Self>, params: Option<&String>) -> actorium::Result<()> {
        if params.map(String::as_str) == Some("nope") {
            return Err(UserError::new("conn_rejected", "connection rejected").into());
        }
        Ok(())
    }

    async fn create_conn_state(_: &Ctx<Self>, params: Option<&String>) -> actorium::Result<String> {
        Ok(params.cloned().unwrap_or_default())
    }

    async fn on_connect(_: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        // The state create_conn_state built from the params (none: "").
        assert_eq!(
            conn.params().map_or("", String::as_str),
            conn.state().as_str()
        );
        // Only the WebSocket connections of `connections_get_events_in_order_and_can_be_rejected`
        // count (HTTP actions of concurrent tests connect and disconnect too).
        if is_counted(conn) {
            CONNECTED.fetch_add(1, Ordering::SeqCst);
        }
        http_hook(Some(conn), "on_connect");
        Ok(())
    }

    async fn on_disconnect(_: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
        if is_counted(conn) {
            DISCONNECTED.fetch_add(1, Ordering::SeqCst);
        }
        http_hook(Some(conn), "on_disconnect");
        Ok(())
    }

    async fn add(c: &Ctx<Self>, by: i64) -> actorium::Result<i64> {
        http_hook(c.conn().as_deref(), "action");
        let n = {
            let mut s = c.state_mut();
            s.n += by;
            s.n
        };
        c.events().changed(&n);
        Ok(n)
    }

    async fn get(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().n)
    }

    async fn wake_number(c: &Ctx<Self>) -> actorium::Result<usize> {
        Ok(c.vars().wake_number)
    }

    async fn slow_get(c: &Ctx<Self>, ms: u64) -> actorium::Result<i64> {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(c.state().n)
    }

    async fn add_then_panic(c: &Ctx<Self>) -> actorium::Result<i64> {
        c.state_mut().n += 100;
        panic!("boom")
    }

    async fn double_borrow(c: &Ctx<Self>) -> actorium::Result<i64> {
        let mut s = c.state_mut();
        s.n = c.state().n + 1;
        Ok(s.n)
    }

    async fn fail(_: &Ctx<Self>) -> actorium::Result<()> {
        Err(UserError::new("bad_thing", "nope").into())
    }

    async fn schedule(c: &Ctx<Self>, ms: u64, by: i64) -> actorium::Result<()> {
        c.schedule()
            .after(Duration::from_millis(ms), "add", vec![int(by)]);
        Ok(())
    }

    async fn sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.sleep();
        Ok(())
    }

    async fn destroy(c: &Ctx<Self>) -> actorium::Result<()> {
        c.destroy();
        Ok(())
    }

    async fn whoami(c: &Ctx<Self>) -> actorium::Result<Option<String>> {
        Ok(c.conn().map(|conn| conn.state().clone()))
    }

    async fn conns(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.conns().iter().map(|conn| conn.state().clone()).collect())
    }

    async fn call_other(c: &Ctx<Self>, other: String) -> actorium::Result<i64> {
        Ok(c.client()
            .get_or_create::<RelayRef>([other.as_str()])
            .relay(c.key().parts().join(","))
            .await?)
    }
}

/// State of a `relay` (none).
#[derive(Default, Serialize, Deserialize, JsonSchema)]
struct Relayer {}

#[actorium::actor]
impl RelayActor for Relayer {
    async fn relay(c: &Ctx<Self>, back: String) -> actorium::Result<i64> {
        let key: Vec<&str> = back.split(',').collect();
        Ok(c.client().get_or_create::<CountRef>(key).add(1).await?)
    }
}

/// The storage `Watched::on_state_change` checks (set by the test that uses it).
static OBSERVED_STORAGE: std::sync::OnceLock<Arc<MemoryStorage>> = std::sync::OnceLock::new();
static OBSERVED_CHANGES: AtomicUsize = AtomicUsize::new(0);

/// State of an `observed`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
struct Watched {
    n: i64,
    /// How many times `on_state_change` ran (its own change: committed, and not a trigger).
    hook_runs: i64,
}

#[actorium::actor]
impl ObservedActor for Watched {
    fn on_state_change(c: &Ctx<Self>) {
        // Runs after the commit: the stored state is already the new one.
        use futures_util::FutureExt as _;
        let storage = OBSERVED_STORAGE.get().expect("storage set by the test");
        let stored = storage
            .load_state(c.actor_id())
            .now_or_never()
            .expect("memory storage answers at once")
            .unwrap()
            .expect("state stored");
        let stored: Watched = ciborium::from_reader(&stored[..]).unwrap();
        assert_eq!(
            stored.n,
            c.state().n,
            "on_state_change ran before the commit"
        );
        OBSERVED_CHANGES.fetch_add(1, Ordering::SeqCst);
        c.state_mut().hook_runs += 1;
        c.events().changed(&c.state().n);
    }

    async fn bump(c: &Ctx<Self>) -> actorium::Result<usize> {
        c.state_mut().n += 1;
        Ok(OBSERVED_CHANGES.load(Ordering::SeqCst))
    }

    async fn read(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().n)
    }
}

fn registry() -> Registry {
    Registry::new()
        .with::<Counter>()
        .with::<Relayer>()
        .with::<Watched>()
}

async fn host_on(storage: Arc<dyn Storage>, config: HostConfig) -> Host {
    let host = Host::new(registry(), storage, config);
    host.start().await.unwrap();
    host
}

async fn memory_host() -> Host {
    host_on(Arc::new(MemoryStorage::new()), HostConfig::default()).await
}

fn int(n: i64) -> Value {
    Value::Integer(n.into())
}

async fn call(host: &Host, key: &str, action: &str, args: Vec<Value>) -> Result<Value, WireError> {
    let (meta, _) = host.get_or_create("count", &key.into_key(), None).await?;
    host.call(&meta, action, args, None).await
}

#[tokio::test]
async fn counts_and_creates_once() {
    let host = memory_host().await;
    let key: ActorKey = "a".into_key();
    let (m1, created) = host
        .get_or_create("count", &key, Some(int(5)))
        .await
        .unwrap();
    assert!(created);
    let (m2, created) = host
        .get_or_create("count", &key, Some(int(9)))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(m1.id, m2.id);
    assert_eq!(
        host.call(&m1, "add", vec![int(2)], None).await.unwrap(),
        int(7)
    );
    assert_eq!(call(&host, "a", "get", vec![]).await.unwrap(), int(7));
    let e = host.create("count", &key, None).await.unwrap_err();
    assert_eq!(e.code, "duplicate_key");
    let e = call(&host, "a", "nope", vec![]).await.unwrap_err();
    assert_eq!(e.code, "action_not_found");
    let e = call(&host, "a", "add", vec![Value::Text("x".into())])
        .await
        .unwrap_err();
    assert_eq!(
        (e.group.as_str(), e.code.as_str()),
        ("actor", "invalid_request")
    );
    // The generated dispatch rejects extra arguments too.
    let e = call(&host, "a", "get", vec![int(1)]).await.unwrap_err();
    assert_eq!(
        (e.group.as_str(), e.code.as_str()),
        ("actor", "invalid_request")
    );
    let e = call(&host, "a", "fail", vec![]).await.unwrap_err();
    assert_eq!((e.group.as_str(), e.code.as_str()), ("user", "bad_thing"));
    let e = host.get_or_create("nope", &key, None).await.unwrap_err();
    assert_eq!(e.code, "invalid_name");
    let e = host
        .get_or_create(
            "count",
            &"bad-input".into_key(),
            Some(Value::Text("x".into())),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "invalid_request");
    assert!(
        host.find_by_key("count", &"bad-input".into_key())
            .await
            .unwrap()
            .is_none()
    );
    host.shutdown().await;
}

#[tokio::test]
async fn actions_interleave_but_do_not_block_each_other() {
    let host = memory_host().await;
    let h2 = host.clone();
    let slow = tokio::spawn(async move { call(&h2, "i", "slowGet", vec![int(2000)]).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let t = std::time::Instant::now();
    assert_eq!(call(&host, "i", "add", vec![int(1)]).await.unwrap(), int(1));
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "add waited for slowGet"
    );
    // slowGet reads the state after its await: it sees the change made meanwhile.
    assert_eq!(slow.await.unwrap().unwrap(), int(1));
}

#[tokio::test]
async fn a_panic_fails_the_call_and_rolls_back() {
    let host = memory_host().await;
    call(&host, "p", "add", vec![int(3)]).await.unwrap();
    let e = call(&host, "p", "addThenPanic", vec![]).await.unwrap_err();
    assert_eq!(e.code, "internal_error");
    assert_eq!(call(&host, "p", "get", vec![]).await.unwrap(), int(3));
    // A second borrow while a mutable guard is alive panics (an internal error), not a deadlock.
    let e = call(&host, "p", "doubleBorrow", vec![]).await.unwrap_err();
    assert_eq!(e.code, "internal_error");
    assert_eq!(call(&host, "p", "add", vec![int(1)]).await.unwrap(), int(4));
}

#[tokio::test]
async fn a_to_b_to_a_completes() {
    let host = memory_host().await;
    assert_eq!(
        call(&host, "x", "callOther", vec![Value::Text("r".into())])
            .await
            .unwrap(),
        int(1)
    );
    assert_eq!(call(&host, "x", "get", vec![]).await.unwrap(), int(1));
}

#[tokio::test]
async fn sleep_keeps_state_and_rebuilds_vars() {
    let config = HostConfig::default().idle_timeout(Duration::from_millis(100));
    let host = host_on(Arc::new(MemoryStorage::new()), config).await;
    call(&host, "s", "add", vec![int(41)]).await.unwrap();
    let first = call(&host, "s", "wakeNumber", vec![]).await.unwrap();
    let id = host.get("count", &"s".into_key()).await.unwrap().id.clone();
    assert!(host.is_live(&id));
    wait_until(Duration::from_secs(5), || !host.is_live(&id)).await;
    assert_eq!(call(&host, "s", "get", vec![]).await.unwrap(), int(41));
    let second = call(&host, "s", "wakeNumber", vec![]).await.unwrap();
    assert_ne!(first, second, "vars were not rebuilt on wake");
    // Forced sleep through the context.
    call(&host, "s", "sleep", vec![]).await.unwrap();
    host.sleep(&id).await;
    assert!(!host.is_live(&id));
    assert_eq!(
        call(&host, "s", "add", vec![int(1)]).await.unwrap(),
        int(42)
    );
}

#[tokio::test]
async fn many_concurrent_callers_across_sleep() {
    let config = HostConfig::default().idle_timeout(Duration::from_millis(5));
    let host = host_on(Arc::new(MemoryStorage::new()), config).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let host = host.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                call(&host, "c", "add", vec![int(1)]).await.unwrap();
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(call(&host, "c", "get", vec![]).await.unwrap(), int(200));
}

#[tokio::test]
async fn connections_get_events_in_order_and_can_be_rejected() {
    let host = memory_host().await;
    let (meta, _) = host
        .get_or_create("count", &"ws".into_key(), None)
        .await
        .unwrap();
    let e = host
        .connect(
            &meta,
            Some(Value::Text("nope".into())),
            ConnSender::channel(8).0,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.group.as_str(), e.code.as_str()),
        ("user", "conn_rejected")
    );

    let (tx, mut rx) = ConnSender::channel(16);
    let connected = CONNECTED.load(Ordering::SeqCst);
    let mut conn = host
        .connect(&meta, Some(Value::Text("alice".into())), tx)
        .await
        .unwrap();
    assert_eq!(CONNECTED.load(Ordering::SeqCst), connected + 1);
    // A second connection that closes: on_disconnect runs.
    let disconnected = DISCONNECTED.load(Ordering::SeqCst);
    let mut short = host
        .connect(
            &meta,
            Some(Value::Text("bob".into())),
            ConnSender::channel(8).0,
        )
        .await
        .unwrap();
    short.disconnect().await;
    conn.action(0, "add".into(), vec![int(1)]).await.unwrap();
    // Not subscribed: only the response.
    match rx.recv().await.unwrap() {
        ConnOut::Msg(ToClient::ActionResponse { id: 0, output }) => assert_eq!(output, int(1)),
        other => panic!("unexpected {other:?}"),
    }
    conn.subscribe("changed".into(), true).await.unwrap();
    conn.action(1, "add".into(), vec![int(1)]).await.unwrap();
    match rx.recv().await.unwrap() {
        ConnOut::Msg(ToClient::Event { name, args }) => {
            assert_eq!(name, "changed");
            assert_eq!(args, vec![int(2)]);
        }
        other => panic!("unexpected {other:?}"),
    }
    match rx.recv().await.unwrap() {
        ConnOut::Msg(ToClient::ActionResponse { id: 1, .. }) => {}
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(DISCONNECTED.load(Ordering::SeqCst), disconnected + 1);
    // `c.conn()` is the calling connection: this one over WebSocket, an ephemeral one over HTTP.
    conn.action(9, "whoami".into(), vec![]).await.unwrap();
    match rx.recv().await.unwrap() {
        ConnOut::Msg(ToClient::ActionResponse { id: 9, output }) => {
            assert_eq!(output, Value::Text("alice".into()))
        }
        other => panic!("unexpected {other:?}"),
    }
    let who = host
        .call(&meta, "whoami", vec![], Some(Value::Text("carol".into())))
        .await
        .unwrap();
    assert_eq!(who, Value::Text("carol".into()));
    conn.action(2, "conns".into(), vec![]).await.unwrap();
    match rx.recv().await.unwrap() {
        ConnOut::Msg(ToClient::ActionResponse { id: 2, output }) => {
            assert_eq!(output, Value::Array(vec![Value::Text("alice".into())]))
        }
        other => panic!("unexpected {other:?}"),
    }
    conn.action(3, "fail".into(), vec![]).await.unwrap();
    match rx.recv().await.unwrap() {
        ConnOut::Msg(ToClient::Error {
            error,
            action_id: Some(3),
        }) => {
            assert_eq!(error.code, "bad_thing");
            assert_eq!(error.actor.unwrap().actor_id, meta.id);
        }
        other => panic!("unexpected {other:?}"),
    }
    // Connected actors do not sleep when idle; destroy closes the connection.
    host.destroy(&meta.id).await.unwrap();
    match rx.recv().await.unwrap() {
        ConnOut::Close { code: 1011, reason } => assert_eq!(reason, "actor.destroyed"),
        other => panic!("unexpected {other:?}"),
    }
    conn.disconnect().await;
    assert!(host.find(&meta.id).await.unwrap().is_none());
    let (again, created) = host
        .get_or_create("count", &"ws".into_key(), None)
        .await
        .unwrap();
    assert!(created, "the key of a destroyed actor is free again");
    // An id is never reused, so every id has exactly one generation (what errors and the
    // `x-rivet-actor-generation` header carry).
    assert_ne!(again.id, meta.id, "a re-created key gets a new id");
    assert_eq!((meta.generation, again.generation), (1, 1));
}

#[tokio::test]
async fn state_and_timers_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let open = || -> Arc<dyn Storage> {
        Arc::new(SqliteStorage::open(dir.path(), SyncMode::Normal).unwrap())
    };
    {
        let host = host_on(open(), HostConfig::default()).await;
        call(&host, "d", "add", vec![int(10)]).await.unwrap();
        // A timer due in 300 ms, and the server stops before it fires.
        call(&host, "d", "schedule", vec![int(300), int(5)])
            .await
            .unwrap();
        host.shutdown().await;
    }
    // The host's own timer list is not public: the stored timer is checked here, that the
    // host loaded it by its firing below, and that it loaded it once by the count after it.
    let storage = open();
    let host = host_on(storage.clone(), HostConfig::default()).await;
    assert_eq!(storage.timers().await.unwrap().len(), 1);
    assert_eq!(call(&host, "d", "get", vec![]).await.unwrap(), int(10));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if call(&host, "d", "get", vec![]).await.unwrap() == int(15) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timer did not fire after restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The fired timer is deleted (and fired once).
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(call(&host, "d", "get", vec![]).await.unwrap(), int(15));
    host.shutdown().await;
    drop(storage);
    let storage = open();
    assert!(storage.timers().await.unwrap().is_empty());
}

#[tokio::test]
async fn timers_wake_sleeping_actors() {
    let config = HostConfig::default().idle_timeout(Duration::from_millis(50));
    let host = host_on(Arc::new(MemoryStorage::new()), config).await;
    call(&host, "t", "schedule", vec![int(1500), int(2)])
        .await
        .unwrap();
    let id = host.get("count", &"t".into_key()).await.unwrap().id.clone();
    wait_until(Duration::from_millis(1400), || !host.is_live(&id)).await;
    // The timer wakes it (polling with `find` does not).
    wait_until(Duration::from_secs(5), || host.is_live(&id)).await;
    assert_eq!(call(&host, "t", "get", vec![]).await.unwrap(), int(2));
}

/// Polls `cond` every 10 ms; panics after `limit`.
async fn wait_until(limit: Duration, cond: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn on_state_change_runs_after_the_commit_and_before_the_reply() {
    let storage = OBSERVED_STORAGE
        .get_or_init(|| Arc::new(MemoryStorage::new()))
        .clone();
    let host = host_on(storage.clone(), HostConfig::default()).await;
    let (meta, _) = host
        .get_or_create("observed", &"o".into_key(), None)
        .await
        .unwrap();
    let before = OBSERVED_CHANGES.load(Ordering::SeqCst);
    host.call(&meta, "bump", vec![], None).await.unwrap();
    // The reply left after on_state_change ran.
    assert_eq!(OBSERVED_CHANGES.load(Ordering::SeqCst), before + 1);
    // A read-only action commits nothing and does not trigger it, not even after the hook
    // changed the state itself: that change was committed with the hook.
    host.call(&meta, "read", vec![], None).await.unwrap();
    assert_eq!(OBSERVED_CHANGES.load(Ordering::SeqCst), before + 1);
    let stored = storage.load_state(&meta.id).await.unwrap().unwrap();
    let stored: Watched = ciborium::from_reader(&stored[..]).unwrap();
    assert_eq!((stored.n, stored.hook_runs), (1, 1));
}

#[tokio::test]
async fn a_full_mailbox_is_an_overload_error() {
    let config = HostConfig::default().mailbox_capacity(4);
    let host = host_on(Arc::new(MemoryStorage::new()), config).await;
    let (meta, _) = host
        .get_or_create("count", &"busy".into_key(), None)
        .await
        .unwrap();
    let mut calls = Vec::new();
    for _ in 0..64 {
        let (host, meta) = (host.clone(), meta.clone());
        calls.push(tokio::spawn(async move {
            host.call(&meta, "slowGet", vec![int(200)], None).await
        }));
    }
    let mut overloaded = 0;
    for c in calls {
        if let Err(e) = c.await.unwrap() {
            assert_eq!((e.group.as_str(), e.code.as_str()), ("actor", "overloaded"));
            overloaded += 1;
        }
    }
    assert!(overloaded > 0, "a mailbox of 4 took 64 calls at once");
    assert_eq!(call(&host, "busy", "get", vec![]).await.unwrap(), int(0));
}

#[tokio::test]
async fn slow_actions_time_out() {
    let config = HostConfig::default().action_timeout(Duration::from_millis(100));
    let host = host_on(Arc::new(MemoryStorage::new()), config).await;
    let e = call(&host, "slow", "slowGet", vec![int(1000)])
        .await
        .unwrap_err();
    assert_eq!(
        (e.group.as_str(), e.code.as_str()),
        ("actor", "action_timed_out")
    );
    assert_eq!(
        call(&host, "slow", "add", vec![int(1)]).await.unwrap(),
        int(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_get_or_create_makes_one_actor() {
    let host = memory_host().await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let host = host.clone();
        // Half of them on the same key, the rest on keys of their own.
        let key = if i % 2 == 0 {
            "same".to_string()
        } else {
            format!("own-{i}")
        };
        tasks.push(tokio::spawn(async move {
            let (meta, created) = host
                .get_or_create("count", &key.as_str().into_key(), None)
                .await
                .unwrap();
            (key, meta.id.clone(), created)
        }));
    }
    let mut same_ids = std::collections::HashSet::new();
    let mut created_same = 0;
    for t in tasks {
        let (key, id, created) = t.await.unwrap();
        if key == "same" {
            same_ids.insert(id);
            created_same += usize::from(created);
        } else {
            assert!(created);
        }
    }
    assert_eq!(same_ids.len(), 1);
    assert_eq!(created_same, 1);
}

#[tokio::test]
async fn idle_actors_park_keep_their_vars_and_still_sleep() {
    let config = HostConfig::default()
        .park_after(Duration::from_millis(30))
        .idle_timeout(Duration::from_millis(600));
    let host = host_on(Arc::new(MemoryStorage::new()), config).await;
    call(&host, "p", "add", vec![int(5)]).await.unwrap();
    let first = call(&host, "p", "wakeNumber", vec![]).await.unwrap();
    let id = host.get("count", &"p".into_key()).await.unwrap().id.clone();
    wait_until(Duration::from_secs(5), || host.is_parked(&id)).await;
    assert!(host.is_live(&id), "a parked actor is still in memory");
    // The next message resumes it: same state, same vars (no sleep, no wake in between).
    let resumes = host.resumes();
    assert_eq!(call(&host, "p", "get", vec![]).await.unwrap(), int(5));
    assert!(!host.is_parked(&id));
    assert_eq!(host.resumes(), resumes + 1);
    assert_eq!(call(&host, "p", "wakeNumber", vec![]).await.unwrap(), first);
    // Parked again, then asleep once the idle timeout has passed.
    wait_until(Duration::from_secs(5), || host.is_parked(&id)).await;
    wait_until(Duration::from_secs(5), || !host.is_live(&id)).await;
    assert_eq!(call(&host, "p", "get", vec![]).await.unwrap(), int(5));
    assert_ne!(call(&host, "p", "wakeNumber", vec![]).await.unwrap(), first);
    // `Host::sleep` and destroy reach a parked actor too.
    wait_until(Duration::from_secs(5), || host.is_parked(&id)).await;
    host.sleep(&id).await;
    assert!(!host.is_live(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parking_and_resuming_under_concurrent_callers_loses_nothing() {
    let config = HostConfig::default()
        .park_after(Duration::from_millis(1))
        .idle_timeout(Duration::from_secs(30));
    let host = host_on(Arc::new(MemoryStorage::new()), config).await;
    let mut tasks = Vec::new();
    for t in 0..8u64 {
        let host = host.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..40u64 {
                call(&host, "race", "add", vec![int(1)]).await.unwrap();
                // 0–2 ms apart, with one 10 ms pause of all callers halfway: calls land
                // before, during and after parking.
                let pause = if i == 20 {
                    10_000
                } else {
                    (t * 131 + i * 37) % 2_000
                };
                tokio::time::sleep(Duration::from_micros(pause)).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(call(&host, "race", "get", vec![]).await.unwrap(), int(320));
    assert!(
        host.resumes() > 0,
        "the callers never found the actor parked"
    );
    let id = host
        .get("count", &"race".into_key())
        .await
        .unwrap()
        .id
        .clone();
    wait_until(Duration::from_secs(5), || host.is_parked(&id)).await;
    host.shutdown().await;
    assert!(!host.is_live(&id), "shutdown stops parked actors too");
}

#[tokio::test]
async fn each_slow_action_times_out_on_its_own_deadline() {
    let config = HostConfig::default().action_timeout(Duration::from_millis(150));
    let host = host_on(Arc::new(MemoryStorage::new()), config).await;
    let started = std::time::Instant::now();
    let early = call(&host, "t", "slowGet", vec![int(10_000)]);
    let late = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let e = call(&host, "t", "slowGet", vec![int(10_000)]).await;
        (e, started.elapsed())
    };
    let quick = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        call(&host, "t", "slowGet", vec![int(20)]).await
    };
    let (early, (late, late_at), quick) = tokio::join!(early, late, quick);
    for e in [early.unwrap_err(), late.unwrap_err()] {
        assert_eq!(e.code, "action_timed_out");
    }
    assert!(
        late_at >= Duration::from_millis(250),
        "timed out early: {late_at:?}"
    );
    assert_eq!(quick.unwrap(), int(0));
}

/// An HTTP action's ephemeral connection connects and disconnects around the action, as in
/// RivetKit (its driver suite counts the hooks of each call).
#[tokio::test]
async fn http_actions_connect_and_disconnect_around_the_action() {
    let host = memory_host().await;
    let (meta, _) = host
        .get_or_create("count", &"http-hooks".into_key(), None)
        .await
        .unwrap();
    let params = Some(Value::Text("http-hooks".into()));
    host.call(&meta, "add", vec![int(1)], params.clone())
        .await
        .unwrap();
    host.call(&meta, "add", vec![int(1)], params).await.unwrap();
    assert_eq!(
        *HTTP_HOOKS.lock().unwrap(),
        ["on_connect", "action", "on_disconnect"].repeat(2)
    );
}

/// An actor that takes no connection params ignores any a client sends (RivetKit's driver
/// suite passes params to its `counter`, which declares none).
#[tokio::test]
async fn params_sent_to_an_actor_without_params_are_ignored() {
    let host = memory_host().await;
    let (meta, _) = host
        .get_or_create("relay", &"no-params".into_key(), None)
        .await
        .unwrap();
    let params = Value::Map(vec![(
        Value::Text("userId".into()),
        Value::Text("u".into()),
    )]);
    // `relay("")` calls a `count` keyed "": the call got past admission.
    let out = host
        .call(&meta, "relay", vec![Value::Text("".into())], Some(params))
        .await;
    assert!(out.is_ok(), "{out:?}");
}
