//! The front door's open connections: how many there may be, what each is doing, and which to
//! close first when the cap is reached.
//!
//! Every accepted socket is registered here with a [`ConnState`] and wrapped in [`Tracked`],
//! which unregisters it when the socket closes: an upgraded WebSocket keeps its slot until the
//! socket is gone, so WebSockets count toward the cap. A connection is in one of four phases:
//! reading a request head (`Head`, from accept or from the first byte after a pause), serving a
//! request (`Busy`), between requests (`Idle`, HTTP keep-alive) or upgraded. Only `Head` and
//! `Idle` connections can be evicted: nothing in flight is ever cut to make room.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

use crate::sync::lock;

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Phase {
    /// Waiting for or reading a request head (from accept, or from the first byte after `Idle`).
    Head = 0,
    /// A request is being served.
    Busy = 1,
    /// Between requests (HTTP keep-alive), since the last byte of the last response.
    Idle = 2,
    /// Handed over to a WebSocket: not subject to the HTTP timeouts, never evicted.
    Upgraded = 3,
}

/// What the server asks of a connection's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Stop {
    /// Nothing.
    No = 0,
    /// Finish the request in flight, if any, then close (shutdown).
    Graceful = 1,
    /// Close now (evicted to make room; only asked of `Head` and `Idle` connections).
    Now = 2,
}

static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Milliseconds since the first call (a cheap timestamp an atomic can hold).
pub(crate) fn now_ms() -> u64 {
    EPOCH.elapsed().as_millis() as u64
}

/// The shared state of one connection.
#[derive(Debug)]
pub(crate) struct ConnState {
    id: u64,
    phase: AtomicU8,
    /// When the current phase began (`now_ms`); for `Idle`, the last byte written.
    since: AtomicU64,
    stop: AtomicU8,
    /// Wakes the connection's task when `stop` changes.
    pub(crate) wake: Notify,
}

impl ConnState {
    /// The current phase and when it began.
    pub(crate) fn phase(&self) -> (Phase, u64) {
        let phase = match self.phase.load(Ordering::Acquire) {
            0 => Phase::Head,
            1 => Phase::Busy,
            2 => Phase::Idle,
            _ => Phase::Upgraded,
        };
        (phase, self.since.load(Ordering::Relaxed))
    }

    /// A request was read: `Busy` until its response is ready.
    pub(crate) fn busy(&self) {
        self.phase.store(Phase::Busy as u8, Ordering::Release);
    }

    /// The response is ready: `Idle` from now on (writing it refreshes the time), or
    /// `Upgraded` for a `101 Switching Protocols`.
    pub(crate) fn responded(&self, upgraded: bool) {
        if upgraded {
            self.phase.store(Phase::Upgraded as u8, Ordering::Release);
        } else {
            self.since.store(now_ms(), Ordering::Relaxed);
            self.phase.store(Phase::Idle as u8, Ordering::Release);
        }
    }

    /// What the server asks.
    pub(crate) fn stop(&self) -> Stop {
        match self.stop.load(Ordering::Acquire) {
            0 => Stop::No,
            1 => Stop::Graceful,
            _ => Stop::Now,
        }
    }

    fn ask(&self, stop: Stop) {
        self.stop.fetch_max(stop as u8, Ordering::AcqRel);
        self.wake.notify_one();
    }

    fn on_read(&self) {
        if self.phase.load(Ordering::Acquire) == Phase::Idle as u8 {
            // The first byte of the next request: the header timeout starts now.
            self.since.store(now_ms(), Ordering::Relaxed);
            self.phase.store(Phase::Head as u8, Ordering::Release);
        }
    }

    fn on_write(&self) {
        if self.phase.load(Ordering::Acquire) == Phase::Idle as u8 {
            self.since.store(now_ms(), Ordering::Relaxed);
        }
    }
}

/// Whether a new connection may be served.
pub(crate) enum Admission {
    /// Yes (possibly after asking an idle or slow connection to make room).
    Admitted(Arc<ConnState>),
    /// No: at the cap and nothing can be evicted.
    Refused,
}

/// Every open connection of one server, and its cap.
#[derive(Debug)]
pub(crate) struct Connections {
    open: Mutex<BTreeMap<u64, Arc<ConnState>>>,
    next_id: AtomicU64,
    cap: usize,
    /// How far above `cap` the count may go while evicted connections are still closing.
    slack: usize,
}

impl Connections {
    /// An empty table with this cap (at least 1).
    pub(crate) fn new(cap: usize, slack: usize) -> Arc<Connections> {
        Arc::new(Connections {
            open: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
            cap: cap.max(1),
            slack,
        })
    }

    /// How many connections are open (WebSockets included).
    pub(crate) fn len(&self) -> usize {
        lock(&self.open).len()
    }

    /// Registers a new connection if there is room, making room by evicting the oldest
    /// connection that has not sent a complete request head (then the oldest idle one).
    pub(crate) fn admit(&self) -> Admission {
        let mut open = lock(&self.open);
        if open.len() >= self.cap && (open.len() >= self.cap + self.slack || !Self::evict_in(&open))
        {
            return Admission::Refused;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(ConnState {
            id,
            phase: AtomicU8::new(Phase::Head as u8),
            since: AtomicU64::new(now_ms()),
            stop: AtomicU8::new(Stop::No as u8),
            wake: Notify::new(),
        });
        open.insert(id, conn.clone());
        Admission::Admitted(conn)
    }

    /// Asks one `Head` or `Idle` connection to close (the oldest, `Head` first); false if none.
    pub(crate) fn evict_one(&self) -> bool {
        Self::evict_in(&lock(&self.open))
    }

    fn evict_in(open: &BTreeMap<u64, Arc<ConnState>>) -> bool {
        for wanted in [Phase::Head, Phase::Idle] {
            let victim = open
                .values()
                .find(|c| c.phase().0 == wanted && c.stop() == Stop::No);
            if let Some(victim) = victim {
                victim.ask(Stop::Now);
                return true;
            }
        }
        false
    }

    /// Asks every connection to finish what it is doing and close (shutdown).
    pub(crate) fn stop_all(&self) {
        for conn in lock(&self.open).values() {
            conn.ask(Stop::Graceful);
        }
    }

    fn remove(&self, id: u64) {
        lock(&self.open).remove(&id);
    }
}

/// The connection cap for `configured` under this process's file-descriptor limit: the soft
/// `RLIMIT_NOFILE` minus a reserve for the database, the actors' files and accepting (an
/// eighth of the limit, 32 to 256), so the server runs out of connection slots before it runs
/// out of descriptors. Returns the cap and the reserve; without a readable limit (not Linux),
/// the configured cap and a reserve of 64.
pub(crate) fn effective_cap(configured: usize) -> (usize, usize) {
    match open_files_limit() {
        Some(limit) => {
            let reserve = (limit / 8).clamp(32, 256);
            (
                configured.min(limit.saturating_sub(reserve)).max(1),
                reserve,
            )
        }
        None => (configured.max(1), 64),
    }
}

/// The soft limit on open files, from `/proc/self/limits` (`Max open files  SOFT  HARD  files`).
pub(crate) fn open_files_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line["Max open files".len()..].split_whitespace().next()?;
    soft.parse().ok() // "unlimited" → None: no descriptor-derived cap
}

/// A socket registered in [`Connections`]: reads and writes update its phase, and dropping it
/// (the connection or, after an upgrade, the WebSocket is done) frees its slot.
pub(crate) struct Tracked<S> {
    inner: S,
    conn: Arc<ConnState>,
    table: Arc<Connections>,
}

impl<S> Tracked<S> {
    /// Wraps `inner`, registered as `conn` in `table`.
    pub(crate) fn new(inner: S, conn: Arc<ConnState>, table: Arc<Connections>) -> Self {
        Tracked { inner, conn, table }
    }
}

impl<S> Drop for Tracked<S> {
    fn drop(&mut self) {
        self.table.remove(self.conn.id);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.conn.on_read();
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.on_write();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.on_write();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// When a connection in `phase` since `since` (ms) times out, given the header and keep-alive
/// timeouts; `None` while a request is served or after an upgrade.
pub(crate) fn deadline_ms(
    phase: Phase,
    since: u64,
    header: Duration,
    idle: Duration,
) -> Option<u64> {
    match phase {
        Phase::Head => Some(since + header.as_millis() as u64),
        Phase::Idle => Some(since + idle.as_millis() as u64),
        Phase::Busy | Phase::Upgraded => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(c: &Connections) -> Arc<ConnState> {
        match c.admit() {
            Admission::Admitted(conn) => conn,
            Admission::Refused => panic!("refused"),
        }
    }

    #[test]
    fn at_the_cap_the_oldest_head_goes_first_then_idle_and_busy_never() {
        let table = Connections::new(3, 2);
        let a = admitted(&table);
        let b = admitted(&table);
        let c = admitted(&table);
        a.busy();
        b.busy();
        b.responded(false); // idle
        // c is still reading its head: it goes first.
        let d = admitted(&table);
        assert_eq!(c.stop(), Stop::Now);
        assert_eq!(b.stop(), Stop::No);
        // Then the idle one (d is busy by now).
        d.busy();
        let e = admitted(&table);
        assert_eq!(b.stop(), Stop::Now);
        assert_eq!(a.stop(), Stop::No);
        // At cap + slack nothing more, even with e evictable.
        assert!(matches!(table.admit(), Admission::Refused));
        assert_eq!(e.stop(), Stop::No);
        // Slots come back when the evicted ones unregister.
        table.remove(b.id);
        table.remove(c.id);
        assert_eq!(table.len(), 3);
        d.responded(true); // upgraded: never evicted
        let table2 = Connections::new(1, 5);
        let x = admitted(&table2);
        x.busy();
        assert!(matches!(table2.admit(), Admission::Refused));
    }

    #[test]
    fn reads_after_idle_start_the_header_clock() {
        let table = Connections::new(10, 0);
        let c = admitted(&table);
        c.busy();
        c.responded(false);
        assert_eq!(c.phase().0, Phase::Idle);
        c.on_write();
        assert_eq!(c.phase().0, Phase::Idle);
        c.on_read();
        assert_eq!(c.phase().0, Phase::Head);
        let h = Duration::from_secs(1);
        let i = Duration::from_secs(5);
        assert_eq!(deadline_ms(Phase::Head, 10, h, i), Some(1010));
        assert_eq!(deadline_ms(Phase::Idle, 10, h, i), Some(5010));
        assert_eq!(deadline_ms(Phase::Busy, 10, h, i), None);
    }

    #[test]
    fn the_cap_leaves_a_reserve_of_descriptors() {
        if let Some(limit) = open_files_limit() {
            let (cap, reserve) = effective_cap(usize::MAX);
            assert_eq!(cap + reserve, limit);
            assert!(reserve >= 32);
        }
        assert_eq!(effective_cap(5).0, 5);
    }
}
