//! A test kit: a registry served in-process on `127.0.0.1:0`, with a connected [`Client`] and a
//! way to force sleep. Test your own actors with it:
//!
//! ```
//! # use actorium_server::{testkit::TestServer, Registry};
//! # async fn demo(registry: Registry) -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start(registry).await?;        // in memory, fresh each time
//! let client = server.client();                            // a connected actorium Client
//! // ... call actors: client.get_or_create::<MyActorRef>(["k"]).my_action().await? ...
//! server.sleep_all().await;                                // every actor sleeps; the next
//!                                                          // call wakes it (vars rebuilt)
//! server.stop().await?;                                    // graceful: everything committed
//! # Ok(()) }
//! ```
//!
//! [`TestServer::start_in`] serves from SQLite in a directory instead, so a test can stop the
//! server and start a new one on the same directory to check what survives a restart.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use actorium_client::{Client, ClientOptions};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http::{self, ServerConfig};
use crate::storage::sqlite::{SqliteStorage, SyncMode};
use crate::storage::{Storage, memory::MemoryStorage};
use crate::{Host, HostConfig, Registry};

/// Why a test server could not start.
#[derive(Debug, thiserror::Error)]
pub enum TestServerError {
    /// Binding the port, or creating a directory, failed.
    #[error("test server I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The storage could not be opened.
    #[error("test server storage: {0}")]
    Storage(#[from] crate::storage::StorageError),
    /// The server stopped with an error (reported by [`TestServer::stop`]).
    #[error("test server failed while serving: {0}")]
    Serve(std::io::Error),
    /// The server's task panicked (reported by [`TestServer::stop`]).
    #[error("test server task panicked: {0}")]
    Panicked(String),
}

/// A server running in this process until [`TestServer::stop`] (or drop, which stops it
/// without waiting).
pub struct TestServer {
    addr: SocketAddr,
    host: Host,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    _temp: Option<TempDir>,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fresh_temp_dir() -> std::io::Result<TempDir> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("actorium-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(TempDir(dir))
}

impl TestServer {
    /// Serves `registry` with in-memory state (the actors' own files go to a fresh temporary
    /// directory, removed when the server is dropped).
    pub async fn start(registry: Registry) -> Result<TestServer, TestServerError> {
        Self::start_with_config(registry, ServerConfig::default()).await
    }

    /// [`TestServer::start`] with front-door settings of your own, e.g. a token
    /// (`ServerConfig::default().token(Some("t".into()))`; the client of
    /// [`TestServer::client`] does not send it, so give it with [`TestServer::client_with`]).
    pub async fn start_with_config(
        registry: Registry,
        config: ServerConfig,
    ) -> Result<TestServer, TestServerError> {
        let temp = fresh_temp_dir()?;
        let dir = temp.0.clone();
        let storage = Arc::new(MemoryStorage::new());
        Self::serve(registry, storage, dir, Some(temp), config).await
    }

    /// Serves `registry` with durable state in SQLite under `dir` (created if needed); the
    /// actors' own files go there too.
    pub async fn start_in(registry: Registry, dir: &Path) -> Result<TestServer, TestServerError> {
        std::fs::create_dir_all(dir)?;
        let storage = SqliteStorage::open(dir, SyncMode::Normal)?;
        let config = ServerConfig::default();
        Self::serve(registry, Arc::new(storage), dir.to_path_buf(), None, config).await
    }

    async fn serve(
        registry: Registry,
        storage: Arc<dyn Storage>,
        data_dir: PathBuf,
        temp: Option<TempDir>,
        server: ServerConfig,
    ) -> Result<TestServer, TestServerError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let config = HostConfig {
            client_endpoint: format!("http://{addr}"),
            data_dir,
            ..HostConfig::default()
        };
        let host = Host::new(registry, storage, config);
        host.start().await?;
        let (tx, rx) = oneshot::channel::<()>();
        let shutdown: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
            let _ = rx.await;
        });
        let task = tokio::spawn(http::serve(listener, host.clone(), server, shutdown));
        Ok(TestServer {
            addr,
            host,
            shutdown: Some(tx),
            task: Some(task),
            _temp: temp,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client of this server (BARE, like the official client).
    pub fn client(&self) -> Client {
        self.client_with(ClientOptions::new(self.endpoint()))
    }

    /// A client of this server with other options (the endpoint is set for you).
    pub fn client_with(&self, options: ClientOptions) -> Client {
        let options = ClientOptions {
            endpoint: Some(self.endpoint()),
            ..options
        };
        Client::with_options(options.ignore_env(true)).expect("a loopback endpoint is valid")
    }

    /// The host, for white-box checks (`live_actors`, `is_live`, `sleep`).
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// Puts every actor in memory to sleep; the next request wakes it transparently.
    pub async fn sleep_all(&self) {
        self.host.sleep_all().await;
    }

    /// Stops the server gracefully: in-flight requests finish, every actor commits and sleeps.
    /// An error the server met while serving (or a panic of its task) is returned here, so a
    /// test that ends with `server.stop().await?` cannot miss it.
    pub async fn stop(mut self) -> Result<(), TestServerError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => match task.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(TestServerError::Serve(e)),
                Err(e) => Err(TestServerError::Panicked(e.to_string())),
            },
            None => Ok(()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
