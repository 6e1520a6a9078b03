//! The Rust client (`actorium-client`) against the real Rivet Engine 2.3.19 hosting the RivetKit
//! TypeScript test actors (`interop/engine.mjs`, actors in `tests/ACTORS.md`), in all three
//! encodings.
//!
//! One engine is started for the whole test binary (`node interop/engine.mjs --watch-stdin`):
//! it stops when this process exits and its stdin pipe closes. `node_modules/rivetkit` must be
//! installed at the repository root (`npm ci`); without it these tests fail.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actorium_client::{
    CallError, Client, ClientOptions, ConnectionStatus, Encoding, EventStream, Value, WireError,
};
use anyhow::{Context, Result, bail, ensure};
use futures_util::StreamExt;
use futures_util::future::join_all;
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------------------------------------
// The engine, once per test binary

struct Engine {
    endpoint: String,
    /// Kept open: the harness shuts down when it reads EOF (this process exited).
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

static ENGINE: OnceLock<Engine> = OnceLock::new();

/// The engine's endpoint, starting it on first use.
fn engine() -> &'static str {
    &ENGINE.get_or_init(start_engine).endpoint
}

fn start_engine() -> Engine {
    // The engine tests need the Rivet Engine and RivetKit from the Node packages.
    let root = actorium_test_support::require_node_packages(&["rivetkit"]);
    // Logs of the latest run (engine, runner, harness) stay here for post-mortems.
    let log_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("engine-client-logs");
    let _ = std::fs::remove_dir_all(&log_dir);
    std::fs::create_dir_all(&log_dir).expect("create the log dir");
    let stderr_path = log_dir.join("engine.mjs.stderr.log");
    let stderr = std::fs::File::create(&stderr_path).expect("create the stderr log");
    let mut child = Command::new("node")
        .arg("interop/engine.mjs")
        .arg("--watch-stdin")
        .arg("--log-dir")
        .arg(&log_dir)
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn `node interop/engine.mjs` (is node on PATH?)");
    let stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(url) = line.strip_prefix("READY ") {
                let _ = tx.send(url.trim().to_string());
                break;
            }
        }
        // Keep draining so the harness never blocks on a full pipe.
        for _ in lines {}
    });
    let endpoint = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(url) => url,
        Err(_) => {
            let _ = child.kill();
            let log = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            panic!(
                "interop/engine.mjs did not print READY within 120 s; logs in {}\n{log}",
                log_dir.display()
            );
        }
    };
    eprintln!("engine ready at {endpoint} (logs in {})", log_dir.display());
    Engine {
        endpoint,
        _stdin: Mutex::new(stdin),
        _child: Mutex::new(child),
    }
}

fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        format!("{}-{}", std::process::id(), nanos % 1_000_000_000)
    })
}

fn options(endpoint: &str, encoding: Encoding) -> ClientOptions {
    ClientOptions::new(endpoint)
        .encoding(encoding)
        .ignore_env(true)
}

fn client(encoding: Encoding) -> Client {
    Client::with_options(options(engine(), encoding)).expect("valid options")
}

fn key(scenario: &str, encoding: Encoding) -> Vec<String> {
    vec![
        scenario.to_string(),
        encoding.to_string(),
        run_id().to_string(),
    ]
}

// ---------------------------------------------------------------------------------------------
// Values and assertions

fn int(n: i64) -> Value {
    Value::Integer(n.into())
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(entries.iter().map(|(k, v)| (text(k), v.clone())).collect())
}

/// The actor error inside `result`, which must be `group.code`.
fn actor_error<T: std::fmt::Debug>(
    result: Result<T, CallError>,
    group: &str,
    code: &str,
) -> Result<WireError> {
    match result {
        Err(CallError::Actor(e)) if e.group == group && e.code == code => Ok(*e),
        other => bail!("expected actor error {group}.{code}, got {other:?}"),
    }
}

async fn next_event(events: &mut EventStream) -> Result<Vec<Value>> {
    tokio::time::timeout(Duration::from_secs(20), events.next())
        .await
        .with_context(|| format!("no `{}` event within 20 s", events.name()))?
        .context("event stream ended")
}

async fn with_timeout<T>(secs: u64, what: &str, f: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .with_context(|| format!("{what} did not finish within {secs} s"))?
}

/// Generates one test per encoding for an `async fn scenario(Encoding) -> Result<()>`.
macro_rules! per_encoding {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use super::*;

            #[tokio::test]
            async fn bare() {
                super::$scenario(Encoding::Bare).await.unwrap();
            }

            #[tokio::test]
            async fn json() {
                super::$scenario(Encoding::Json).await.unwrap();
            }

            #[tokio::test]
            async fn cbor() {
                super::$scenario(Encoding::Cbor).await.unwrap();
            }
        }
    )*};
}

per_encoding!(
    get_or_create_get_for_id_and_resolve,
    create_and_duplicate_key,
    get_of_a_missing_actor_fails_with_not_found,
    user_errors_over_http_and_websocket,
    values_round_trip,
    websocket_actions_and_events,
    reconnects_and_resubscribes_after_a_drop,
);

// ---------------------------------------------------------------------------------------------
// Scenarios

async fn get_or_create_get_for_id_and_resolve(encoding: Encoding) -> Result<()> {
    with_timeout(60, "scenario", async {
        let client = client(encoding);
        let key = key("goc", encoding);
        let handle = client
            .actor("counter")
            .get_or_create(&key[..], Some(map(&[("start", int(10))])));
        let count: u64 = handle.call("getCount", ()).await?;
        ensure!(count == 10, "input sets the initial count: {count}");
        let count: u64 = handle.call("increment", (5,)).await?;
        ensure!(count == 15);

        // The input is only used on creation.
        let again = client
            .actor("counter")
            .get_or_create(&key[..], Some(map(&[("start", int(99))])));
        ensure!(again.call::<_, u64>("getCount", ()).await? == 15);

        let get = client.actor("counter").get(&key[..]);
        ensure!(get.action("getCount", vec![]).await? == int(15));

        let id = handle.resolve().await?;
        ensure!(!id.is_empty());
        ensure!(get.resolve().await? == id, "get resolves to the same actor");
        ensure!(again.resolve().await? == id);

        let by_id = client.actor("counter").get_for_id(&id);
        ensure!(by_id.resolve().await? == id);
        ensure!(by_id.call::<_, u64>("increment", (1,)).await? == 16);
        ensure!(get.call::<_, u64>("getCount", ()).await? == 16);
        let url = by_id.gateway_url().await?;
        ensure!(url.ends_with(&format!("/gateway/{id}")), "{url}");
        Ok(())
    })
    .await
}

async fn create_and_duplicate_key(encoding: Encoding) -> Result<()> {
    with_timeout(60, "scenario", async {
        let client = client(encoding);
        let key = key("created", encoding);
        let created = client
            .actor("counter").create(&key[..], Some(map(&[("start", int(3))])))
            .await?;
        let id = created.resolve().await?;
        ensure!(
            matches!(created.query(), actorium_client::ActorQuery::ForId { actor_id, .. } if *actor_id == id)
        );
        ensure!(created.call::<_, u64>("getCount", ()).await? == 3);
        ensure!(created.call::<_, u64>("increment", (1,)).await? == 4);
        ensure!(client.actor("counter").get(&key[..]).resolve().await? == id);

        let dup = actor_error(
            client.actor("counter").create(&key[..], None).await,
            "actor",
            "duplicate_key",
        )?;
        let metadata = dup.metadata.context("duplicate_key carries metadata")?;
        let Value::Map(entries) = metadata else {
            bail!("metadata is a map: {metadata:?}")
        };
        ensure!(
            entries.contains(&(text("existing_actor_id"), text(&id))),
            "metadata names the existing actor: {entries:?}"
        );
        Ok(())
    })
    .await
}

async fn get_of_a_missing_actor_fails_with_not_found(encoding: Encoding) -> Result<()> {
    with_timeout(60, "scenario", async {
        let client = client(encoding);
        let missing = client.actor("counter").get(key("missing", encoding));
        let start = Instant::now();
        let err = actor_error(
            missing.action("getCount", vec![]).await,
            "actor",
            "not_found",
        )?;
        ensure!(!err.message.is_empty());
        // Retried 24 times, 100 ms apart, like the official client.
        ensure!(
            start.elapsed() >= Duration::from_millis(2300),
            "not retried: failed after {:?}",
            start.elapsed()
        );
        actor_error(missing.resolve().await, "actor", "not_found")?;
        // A WebSocket to a missing actor fails the same way.
        actor_error(missing.connect().await, "actor", "not_found")?;
        Ok(())
    })
    .await
}

async fn user_errors_over_http_and_websocket(encoding: Encoding) -> Result<()> {
    with_timeout(60, "scenario", async {
        let client = client(encoding);
        let handle = client
            .actor("counter")
            .get_or_create(key("errors", encoding), None);
        let why = map(&[("why", text("test"))]);

        let e = actor_error(
            handle.action("fail", vec![text("nope")]).await,
            "user",
            "bad_thing",
        )?;
        ensure!(e.message == "nope", "{e:?}");
        ensure!(e.metadata.as_ref() == Some(&why), "{e:?}");

        actor_error(
            handle.action("noSuchAction", vec![]).await,
            "actor",
            "action_not_found",
        )?;

        let conn = handle.connect().await?;
        let e = actor_error(
            conn.action("fail", vec![text("over ws")]).await,
            "user",
            "bad_thing",
        )?;
        ensure!(
            e.message == "over ws" && e.metadata.as_ref() == Some(&why),
            "{e:?}"
        );
        // The connection stays usable after an action error.
        ensure!(conn.call::<_, u64>("getCount", ()).await? == 0);
        conn.dispose().await;

        // onBeforeConnect rejects params {reject: true}: a connection-level error.
        let reject = map(&[("reject", Value::Bool(true))]);
        let e = actor_error(
            handle.connect_with_params(reject.clone()).await,
            "user",
            "conn_rejected",
        )?;
        ensure!(e.message == "connection rejected", "{e:?}");
        ensure!(
            e.metadata == Some(map(&[("reason", text("params.reject"))])),
            "{e:?}"
        );
        // HTTP actions go through the same admission, with the params in a header.
        actor_error(
            handle
                .clone()
                .with_params(reject)
                .action("getCount", vec![])
                .await,
            "user",
            "conn_rejected",
        )?;
        let ok = map(&[("user", text("alice (admin)"))]);
        ensure!(
            handle
                .clone()
                .with_params(ok.clone())
                .action("getCount", vec![])
                .await?
                == int(0)
        );
        let conn = handle.connect_with_params(ok).await?;
        ensure!(conn.status() == ConnectionStatus::Connected);
        conn.dispose().await;
        Ok(())
    })
    .await
}

async fn values_round_trip(encoding: Encoding) -> Result<()> {
    with_timeout(60, "scenario", async {
        let client = client(encoding);
        let handle = client
            .actor("counter")
            .get_or_create(key("values", encoding), None);
        let mut args = vec![
            int(0),
            int(-42),
            int(1 << 40),
            Value::Float(1.5),
            text("héllo"),
            Value::Bool(true),
            Value::Null,
            Value::Array(vec![int(1), text("two"), Value::Array(vec![])]),
            // Sorted keys: json and cbor outputs come back with sorted keys.
            map(&[("a", int(1)), ("b", map(&[("c", Value::Bool(false))]))]),
        ];
        if encoding != Encoding::Cbor {
            // Values JSON cannot hold travel as compat markers (cbor sends them unescaped, and
            // the reference refuses them: the spec says to use bare).
            args.extend([
                Value::Integer(u64::MAX.into()),
                Value::Integer(i64::MIN.into()),
                actorium_protocol::compat::int_value(1i128 << 70),
                Value::Bytes(vec![0, 1, 2, 255]),
                Value::Array(vec![text("$weird"), int(1)]),
            ]);
        }
        let out = handle.action("echo", args.clone()).await?;
        ensure!(
            out == Value::Array(args.clone()),
            "echo over HTTP:\n{out:?}\n!=\n{args:?}"
        );

        let conn = handle.connect().await?;
        let out = conn.action("echo", args.clone()).await?;
        ensure!(
            out == Value::Array(args.clone()),
            "echo over WS:\n{out:?}\n!=\n{args:?}"
        );

        let (s, n): (String, u32) = conn.call("echo", ("typed", 7u32)).await?;
        ensure!(s == "typed" && n == 7);
        let empty: Vec<u8> = handle.call("echo", ()).await?;
        ensure!(empty.is_empty());
        conn.dispose().await;
        Ok(())
    })
    .await
}

async fn websocket_actions_and_events(encoding: Encoding) -> Result<()> {
    with_timeout(60, "scenario", async {
        let client = client(encoding);
        let handle = client
            .actor("counter")
            .get_or_create(key("events", encoding), None);
        let conn = handle.connect().await?;
        ensure!(conn.status() == ConnectionStatus::Connected);
        ensure!(conn.actor_id() == Some(handle.resolve().await?));
        ensure!(conn.connection_id().is_some_and(|c| !c.is_empty()));

        // Before subscribing: no event reaches us.
        ensure!(conn.call::<_, u64>("increment", (1,)).await? == 1);
        let mut events = conn.events("newCount");
        ensure!(conn.call::<_, u64>("increment", (2,)).await? == 3);
        let first = next_event(&mut events).await?;
        ensure!(
            first == vec![int(3)],
            "first event is the one after subscribing: {first:?}"
        );

        // Pipelined actions, matched by id.
        let calls = (0..5).map(|_| conn.action("increment", vec![int(1)]));
        let mut outputs = Vec::new();
        for out in join_all(calls).await {
            outputs.push(out?);
        }
        outputs.sort_by_key(|v| v.as_integer().map(i128::from));
        ensure!(
            outputs == (4..=8).map(int).collect::<Vec<_>>(),
            "{outputs:?}"
        );
        for n in 4..=8 {
            ensure!(next_event(&mut events).await? == vec![int(n)]);
        }

        // Broadcasts caused by an HTTP action reach the connection too, and every subscriber.
        let mut typed = conn.events_as::<(u64,)>("newCount");
        ensure!(handle.call::<_, u64>("increment", (10,)).await? == 18);
        ensure!(next_event(&mut events).await? == vec![int(18)]);
        let (n,) = tokio::time::timeout(Duration::from_secs(20), typed.next())
            .await?
            .context("typed stream ended")??;
        ensure!(n == 18);
        drop(typed);

        // A second connection that does not subscribe still works.
        let other = handle.connect().await?;
        ensure!(other.connection_id() != conn.connection_id());
        ensure!(other.call::<_, u64>("getCount", ()).await? == 18);
        other.dispose().await;

        conn.dispose().await;
        ensure!(conn.status() == ConnectionStatus::Closed);
        ensure!(matches!(
            conn.action("getCount", vec![]).await,
            Err(CallError::Closed)
        ));
        ensure!(
            tokio::time::timeout(Duration::from_secs(5), events.next())
                .await?
                .is_none(),
            "the stream ends on dispose"
        );
        Ok(())
    })
    .await
}

async fn reconnects_and_resubscribes_after_a_drop(encoding: Encoding) -> Result<()> {
    with_timeout(90, "scenario", async {
        let upstream: SocketAddr = engine()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .context("engine endpoint is http://IP:PORT")?;
        let proxy = Proxy::start(upstream).await?;
        let via_proxy = Client::with_options(options(&proxy.endpoint(), encoding))?;
        let direct = client(encoding);
        let key = key("reconnect", encoding);

        let conn = via_proxy
            .actor("counter")
            .get_or_create(&key[..], None)
            .connect()
            .await?;
        let mut events = conn.events("newCount");
        ensure!(conn.call::<_, u64>("increment", (1,)).await? == 1);
        ensure!(next_event(&mut events).await? == vec![int(1)]);
        let first_id = conn.connection_id();

        let mut status = conn.status_watch();
        proxy.cut();
        tokio::time::timeout(
            Duration::from_secs(10),
            status.wait_for(|s| *s != ConnectionStatus::Connected),
        )
        .await
        .context("the drop was not noticed")??;
        // Called while disconnected: queued and sent after the next Init.
        let queued = conn.action("increment", vec![int(1)]);
        let count = tokio::time::timeout(Duration::from_secs(30), queued)
            .await
            .context("queued action never completed")??;
        ensure!(count == int(2), "{count:?}");
        ensure!(conn.status() == ConnectionStatus::Connected);
        ensure!(
            conn.connection_id() != first_id,
            "a new connection id after reconnect"
        );

        // The subscription was replayed: broadcasts reach the same stream.
        ensure!(next_event(&mut events).await? == vec![int(2)]);
        let direct_handle = direct.actor("counter").get_or_create(&key[..], None);
        ensure!(direct_handle.call::<_, u64>("increment", (5,)).await? == 7);
        ensure!(next_event(&mut events).await? == vec![int(7)]);

        conn.dispose().await;
        ensure!(conn.status() == ConnectionStatus::Closed);
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// A TCP proxy whose connections can be cut

struct Proxy {
    addr: SocketAddr,
    conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let registry = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut down, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if let Ok(mut up) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut down, &mut up).await;
                    }
                });
                registry.lock().unwrap().push(task.abort_handle());
            }
        });
        Ok(Proxy {
            addr,
            conns,
            accept,
        })
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every proxied connection (both sides); new connections are still accepted.
    fn cut(&self) {
        for task in self.conns.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}
