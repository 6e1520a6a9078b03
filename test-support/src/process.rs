//! Child processes: a server that reports its URL ([`ServerProcess`]) and a command run to
//! completion within a deadline ([`run`]).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long a server may take to report its URL unless [`StartOptions::timeout`] says
/// otherwise.
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(60);

/// `... listening on http://127.0.0.1:PORT ...` → `http://127.0.0.1:PORT`: the URL of a
/// "listening on" line (`actorium listening on URL`, also inside a log line), ANSI codes and
/// trailing punctuation dropped; `None` for other lines and for port 0.
pub fn listening_url(line: &str) -> Option<String> {
    let at = line.find("listening on http")?;
    let rest = &line[at + "listening on ".len()..];
    let url: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || ".:-_[]/".contains(*c))
        .collect();
    let url = url.trim_end_matches(['/', '.', ':']).to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    url.rsplit_once(':')
        .is_some_and(|(_, port)| port.parse::<u16>().is_ok_and(|p| p != 0))
        .then_some(url)
}

/// How [`ServerProcess::spawn_with`] starts a server.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// How long it may take to report its URL.
    pub timeout: Duration,
    /// Picks the URL out of a line of its stdout (default [`listening_url`]).
    pub ready: fn(&str) -> Option<String>,
    /// Keep a pipe to its stdin ([`ServerProcess::take_stdin`]) instead of `/dev/null`.
    pub stdin: bool,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            timeout: DEFAULT_START_TIMEOUT,
            ready: listening_url,
            stdin: false,
        }
    }
}

/// Output lines of a child, shared with the threads that read them.
#[derive(Clone, Default)]
struct Captured {
    /// stdout and stderr interleaved by line, stderr lines prefixed `[stderr] `.
    all: Arc<Mutex<String>>,
    /// stderr alone.
    stderr: Arc<Mutex<String>>,
}

impl Captured {
    fn push(&self, stderr: bool, line: &str) {
        let mut all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        if stderr {
            all.push_str("[stderr] ");
            let mut err = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
            err.push_str(line);
            err.push('\n');
        }
        all.push_str(line);
        all.push('\n');
    }

    fn all(&self) -> String {
        self.all.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Picks a URL out of an output line, and where to send the first one.
type Ready = (fn(&str) -> Option<String>, mpsc::Sender<String>);

/// Reads `reader` line by line (lossy UTF-8) into `captured` until it closes; sends the first
/// line `ready` picks a URL from.
fn reader_thread<R: Read + Send + 'static>(
    reader: R,
    stderr: bool,
    captured: Captured,
    ready: Option<Ready>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut ready = ready;
        let mut reader = BufReader::new(reader);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.trim_end_matches(['\n', '\r']);
                    if let Some((pick, _)) = &ready
                        && let Some(url) = pick(line)
                        && let Some((_, tx)) = ready.take()
                    {
                        let _ = tx.send(url);
                    }
                    captured.push(stderr, line);
                }
            }
        }
    })
}

/// Sends `signal` (`"TERM"`, `"KILL"`, ...) to process `pid` with `kill(1)`; a negative `pid`
/// names a process group. Errors are ignored (the process may be gone).
pub fn signal(pid: i64, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A server running as a child process: started by [`ServerProcess::start`], ready once its
/// stdout reported the URL it listens on, its output captured, killed (SIGKILL) on drop.
pub struct ServerProcess {
    name: String,
    url: String,
    child: Child,
    stdin: Option<ChildStdin>,
    captured: Captured,
}

impl ServerProcess {
    /// Runs `bin args…` (stdin `/dev/null`) and waits up to [`DEFAULT_START_TIMEOUT`] for
    /// `actorium listening on URL` on its stdout. The error, if it exits or times out first,
    /// carries everything it printed.
    pub fn start<I, S>(bin: impl AsRef<OsStr>, args: I) -> anyhow::Result<ServerProcess>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new(bin);
        command.args(args);
        Self::spawn(&mut command)
    }

    /// Like [`ServerProcess::start`] with a prepared command (environment, directory, ...);
    /// its stdio is set here.
    pub fn spawn(command: &mut Command) -> anyhow::Result<ServerProcess> {
        Self::spawn_with(command, &StartOptions::default())
    }

    /// Spawns `command` (stdout and stderr piped and captured, stdin per `options`) and waits
    /// up to `options.timeout` for a stdout line `options.ready` takes a URL from.
    pub fn spawn_with(
        command: &mut Command,
        options: &StartOptions,
    ) -> anyhow::Result<ServerProcess> {
        let name = Self::name_of(command);
        let mut child = command
            .stdin(if options.stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot spawn {command:?}"))?;
        let captured = Captured::default();
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        reader_thread(stdout, false, captured.clone(), Some((options.ready, tx)));
        reader_thread(stderr, true, captured.clone(), None);
        let stdin = child.stdin.take();
        let mut server = ServerProcess {
            name,
            url: String::new(),
            child,
            stdin,
            captured,
        };
        let deadline = Instant::now() + options.timeout;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(url) => {
                    server.url = url;
                    return Ok(server);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                // stdout closed without the line: only the exit check below is left.
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(50))
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100)); // let the readers finish
                bail!(
                    "{} exited ({status}) before reporting the URL it listens on; its output \
                     (stderr lines prefixed `[stderr] `):\n{}",
                    server.name,
                    server.output()
                );
            }
            if Instant::now() >= deadline {
                let _ = server.child.kill();
                let _ = server.child.wait();
                std::thread::sleep(Duration::from_millis(100));
                bail!(
                    "{} did not report the URL it listens on within {:?}; its output (stderr \
                     lines prefixed `[stderr] `):\n{}",
                    server.name,
                    options.timeout,
                    server.output()
                );
            }
        }
    }

    fn name_of(command: &Command) -> String {
        let program = std::path::Path::new(command.get_program());
        program
            .file_name()
            .unwrap_or(program.as_os_str())
            .to_string_lossy()
            .into_owned()
    }

    /// The URL it reported (`http://127.0.0.1:PORT` for `actorium listening on ...`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.captured.stderr()
    }

    /// Everything it wrote so far, stdout and stderr interleaved by line (stderr lines
    /// prefixed `[stderr] `).
    pub fn output(&self) -> String {
        self.captured.all()
    }

    /// The pipe to its stdin ([`StartOptions::stdin`]); dropping it closes the pipe.
    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.stdin.take()
    }

    /// Waits up to `timeout` for it to exit; `None` if it still runs.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, and wait until it is gone.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM (a graceful stop), and wait for its exit status.
    pub fn terminate(mut self) -> ExitStatus {
        signal(i64::from(self.child.id()), "TERM");
        self.child
            .wait()
            .unwrap_or_else(|e| panic!("waiting for {}: {e}", self.name))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a finished child process did.
#[derive(Debug)]
pub struct Run {
    /// Its exit status; `None` when it was killed at the deadline.
    pub status: Option<ExitStatus>,
    /// stdout and stderr interleaved by line, stderr lines prefixed `[stderr] `.
    pub output: String,
    /// How long it ran.
    pub elapsed: Duration,
}

impl Run {
    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// Whether it was killed at the deadline.
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }
}

/// Runs `command` (stdin `/dev/null`, output captured) to completion, killing it if it runs
/// longer than `timeout`. Panics if it cannot be spawned.
pub fn run(command: &mut Command, timeout: Duration) -> Run {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {command:?}: {e}"));
    let captured = Captured::default();
    let readers = [
        reader_thread(
            child.stdout.take().expect("stdout is piped"),
            false,
            captured.clone(),
            None,
        ),
        reader_thread(
            child.stderr.take().expect("stderr is piped"),
            true,
            captured.clone(),
            None,
        ),
    ];
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if started.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    for reader in readers {
        let _ = reader.join();
    }
    Run {
        status,
        output: captured.all(),
        elapsed: started.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_lines() {
        assert_eq!(
            listening_url("actorium listening on http://127.0.0.1:4321"),
            Some("http://127.0.0.1:4321".into())
        );
        assert_eq!(
            listening_url("\u{1b}[32mINFO\u{1b}[0m listening on http://127.0.0.1:80/\u{1b}[0m"),
            Some("http://127.0.0.1:80".into())
        );
        assert_eq!(listening_url("listening on http://127.0.0.1:0"), None);
        assert_eq!(listening_url("starting"), None);
    }

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    #[test]
    fn a_server_reports_its_url() {
        let p = ServerProcess::spawn(&mut sh(
            "echo starting >&2; echo 'actorium listening on http://127.0.0.1:9'; exec sleep 30",
        ))
        .unwrap();
        assert_eq!(p.url(), "http://127.0.0.1:9");
        assert!(p.pid() > 0);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(p.stderr(), "starting\n");
        assert!(p.output().contains("[stderr] starting\n"), "{}", p.output());
    }

    #[test]
    fn exiting_first_is_an_error_with_the_stderr() {
        let e = ServerProcess::spawn(&mut sh("echo 'no such flag: --x' >&2; exit 3"))
            .err()
            .expect("an error");
        let e = format!("{e:#}");
        assert!(
            e.contains("exited") && e.contains("no such flag: --x"),
            "{e}"
        );
    }

    #[test]
    fn a_start_timeout_is_an_error_with_the_stderr() {
        let options = StartOptions {
            timeout: Duration::from_millis(300),
            ..StartOptions::default()
        };
        let e = ServerProcess::spawn_with(&mut sh("echo waiting >&2; exec sleep 30"), &options)
            .err()
            .expect("an error");
        let e = format!("{e:#}");
        assert!(e.contains("within") && e.contains("waiting"), "{e}");
    }

    #[test]
    fn runs_finish_or_are_killed_at_the_deadline() {
        let done = run(&mut sh("echo out; echo err >&2"), Duration::from_secs(10));
        assert!(done.success());
        assert!(done.output.contains("out\n") && done.output.contains("[stderr] err\n"));
        let slow = run(&mut sh("exec sleep 30"), Duration::from_millis(200));
        assert!(slow.timed_out() && !slow.success());
    }
}
