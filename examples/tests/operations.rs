//! Operations: the README's flag table against the serve helper's flags, the `Dockerfile`
//! against the workspace (no container engine runs here), and the seed server as a process
//! with its stderr redirected: plain-text logs without colour codes, JSON logs on request, the
//! environment variables and `--cors-origin` in effect.

mod common;

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::process::Command;
use std::time::Duration;

use actorium_test_support::{ServerProcess, signal};
use clap::CommandFactory as _;

fn read(file: &str) -> String {
    let path = common::workspace_root().join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `(flag, environment variable)` of every serve flag (the seed server has the engine flags).
fn serve_flags() -> Vec<(String, String)> {
    let command = actorium::cli::Cli::command();
    let mut flags: Vec<(String, String)> = command
        .get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?;
            if matches!(long, "help" | "version") {
                return None;
            }
            let env = a.get_env().map(|e| e.to_string_lossy().into_owned());
            Some((format!("--{long}"), env.unwrap_or_default()))
        })
        .collect();
    flags.sort();
    flags
}

/// The `(flag, environment variable)` rows of the README's "Operations" table.
fn readme_flags() -> Vec<(String, String)> {
    let readme = read("README.md");
    let section = readme
        .split("\n## Operations\n")
        .nth(1)
        .expect("the README has an Operations section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut rows: Vec<(String, String)> = section
        .lines()
        .filter(|l| l.starts_with("| `--"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(|c| c.trim().trim_matches('`')).collect();
            (cells[1].to_owned(), cells[2].to_owned())
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn the_readme_lists_every_flag_with_its_environment_variable() {
    let flags = serve_flags();
    assert!(
        flags.len() >= 15,
        "the serve helper's flags, engine flags included: {flags:?}"
    );
    assert!(flags.iter().all(|(_, env)| !env.is_empty()), "{flags:?}");
    assert_eq!(
        readme_flags(),
        flags,
        "the README's Operations table (left) and the serve helper's flags (right) differ"
    );
}

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn dockerfile() -> Vec<String> {
    let text = read("Dockerfile");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

/// The arguments of every `KEYWORD args` instruction.
fn instructions<'a>(lines: &'a [String], keyword: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(keyword)?.strip_prefix(' '))
        .map(str::trim)
        .collect()
}

#[test]
fn the_dockerfile_builds_the_seed_server_on_all_interfaces_with_a_data_volume() {
    let lines = dockerfile();
    // The binary it builds is this crate's seed server.
    let run = instructions(&lines, "RUN").join("\n");
    assert!(
        run.contains("cargo build --release --locked -p actorium-examples --bin seed-server"),
        "{run}"
    );
    assert_eq!(env!("CARGO_PKG_NAME"), "actorium-examples");
    assert!(std::path::Path::new(env!("CARGO_BIN_EXE_seed-server")).is_file());
    let entrypoint = instructions(&lines, "ENTRYPOINT");
    assert_eq!(entrypoint, [r#"["/usr/local/bin/seed-server"]"#]);
    assert!(
        instructions(&lines, "COPY")
            .contains(&"--from=build /usr/local/bin/seed-server /usr/local/bin/seed-server"),
        "{lines:?}"
    );

    // Its settings are real environment variables of the serve helper.
    let env: HashMap<&str, &str> = instructions(&lines, "ENV")
        .iter()
        .flat_map(|l| l.split_whitespace())
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let known: Vec<String> = serve_flags().into_iter().map(|(_, env)| env).collect();
    for name in env.keys() {
        assert!(known.iter().any(|k| k == name), "{name} is no serve flag's");
    }
    // Every interface (127.0.0.1 is unreachable from outside a container).
    assert_eq!(env["ACTORIUM_HOST"], "0.0.0.0");
    // The exposed port is the default port, and the one it listens on.
    let command = actorium::cli::Cli::command();
    let port = command
        .get_arguments()
        .find(|a| a.get_long() == Some("port"))
        .and_then(|a| a.get_default_values().first())
        .expect("--port has a default")
        .to_string_lossy()
        .into_owned();
    assert_eq!(instructions(&lines, "EXPOSE"), [port.as_str()]);
    assert_eq!(env["ACTORIUM_PORT"], port);
    // The data directory is the volume.
    let data_dir = env["ACTORIUM_DATA_DIR"];
    assert_eq!(
        instructions(&lines, "VOLUME"),
        [format!(r#"["{data_dir}"]"#)]
    );
    // `serve` (the default) reads them; no flag overrides them.
    assert_eq!(instructions(&lines, "CMD"), [r#"["serve"]"#]);
}

/// The seed server on a free port with stderr redirected (a pipe, not a terminal) and `NO_COLOR`
/// unset, so only the terminal check can keep colours out.
fn seed_server(args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
    let mut command = Command::new(env!("CARGO_BIN_EXE_seed-server"));
    command
        .args(["serve", "--host", "127.0.0.1", "--port", "0"])
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR");
    for (k, v) in env {
        command.env(k, v);
    }
    ServerProcess::spawn(&mut command).unwrap_or_else(|e| panic!("{e:#}"))
}

/// SIGTERM, a clean exit, and everything it wrote to stderr.
fn stop(mut server: ServerProcess) -> String {
    signal(i64::from(server.pid()), "TERM");
    let status = server
        .wait_timeout(Duration::from_secs(20))
        .expect("the server stops on SIGTERM");
    assert!(status.success(), "{status}\n{}", server.output());
    std::thread::sleep(Duration::from_millis(200)); // let the readers finish
    server.stderr()
}

/// `GET path` with an `Origin` header: the response head, header names lowercased.
fn get_with_origin(url: &str, path: &str, origin: &str) -> String {
    request(url, "GET", path, &format!("Origin: {origin}\r\n"))
}

/// One HTTP/1.1 request with `headers` (each line ending in CRLF): the response head, header
/// names lowercased.
fn request(url: &str, method: &str, path: &str, headers: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut sock = std::net::TcpStream::connect(addr).unwrap();
    write!(
        sock,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    sock.read_to_string(&mut response).unwrap();
    let head = response.split("\r\n\r\n").next().unwrap_or_default();
    head.lines()
        .map(|l| match l.split_once(':') {
            Some((name, value)) => format!("{}:{value}", name.to_ascii_lowercase()),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn redirected_logs_are_plain_text_and_cors_origin_is_applied() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let server = seed_server(
        &[
            "--data-dir",
            dir,
            "--cors-origin",
            "https://app.example.com",
        ],
        &[],
    );
    let listed = get_with_origin(server.url(), "/health", "https://app.example.com");
    assert!(listed.starts_with("HTTP/1.1 200"), "{listed}");
    assert!(
        listed.contains("access-control-allow-origin: https://app.example.com"),
        "{listed}"
    );
    assert!(
        listed.contains("access-control-allow-credentials: true"),
        "{listed}"
    );
    let other = get_with_origin(server.url(), "/health", "https://elsewhere.example");
    assert!(other.starts_with("HTTP/1.1 200"), "{other}");
    assert!(!other.contains("access-control-allow-origin"), "{other}");

    let log = stop(server);
    assert!(log.contains("listening"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "ANSI escapes in a redirected log:\n{log:?}"
    );
}

#[test]
fn json_logs_are_one_object_per_line_and_settings_come_from_the_environment() {
    let server = seed_server(
        &[],
        &[
            ("ACTORIUM_LOG_FORMAT", "json"),
            ("ACTORIUM_MEMORY", "true"),
            ("ACTORIUM_CORS_ORIGIN", "http://localhost:5173,*"),
        ],
    );
    let listed = get_with_origin(server.url(), "/health", "http://localhost:5173");
    assert!(
        listed.contains("access-control-allow-origin: http://localhost:5173"),
        "{listed}"
    );
    let any = get_with_origin(server.url(), "/health", "https://elsewhere.example");
    assert!(any.contains("access-control-allow-origin: *"), "{any}");
    assert!(!any.contains("access-control-allow-credentials"), "{any}");

    let log = stop(server);
    let events: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let message = |e: &serde_json::Value| e["fields"]["message"].as_str().map(str::to_owned);
    let listening = events
        .iter()
        .find(|e| message(e).as_deref() == Some("listening"))
        .unwrap_or_else(|| panic!("no `listening` event:\n{log}"));
    assert_eq!(listening["level"], "INFO");
    // ACTORIUM_MEMORY=true took effect.
    assert_eq!(listening["fields"]["memory"], true, "{listening}");
    assert!(
        events
            .iter()
            .any(|e| message(e).as_deref() == Some("stopped")),
        "{log}"
    );
    assert!(!log.contains('\u{1b}'), "{log:?}");
}

/// The seed registry in-process with `origins` allowed (and a token, so refusals show too).
async fn cors_server(origins: &[&str]) -> actorium_test_support::TestServer {
    let config = actorium::server::ServerConfig::default()
        .token(Some("sekret".into()))
        .cors_origins(origins.iter().map(|o| o.to_string()).collect());
    actorium_test_support::TestServer::start_with_config(actorium_examples::registry(), config)
        .await
        .expect("start the in-process server")
}

fn preflight(url: &str, origin: &str) -> String {
    request(
        url,
        "OPTIONS",
        "/gateway/chatRoom/action/getHistory",
        &format!(
            "Origin: {origin}\r\nAccess-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: x-rivet-encoding\r\n"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_only_the_configured_origins() {
    // The default: no CORS headers at all, whatever the origin.
    let s = cors_server(&[]).await;
    let url = s.endpoint().to_owned();
    let (plain, pre) = tokio::task::spawn_blocking(move || {
        (
            get_with_origin(&url, "/health", "https://app.example.com"),
            preflight(&url, "https://app.example.com"),
        )
    })
    .await
    .unwrap();
    assert!(plain.starts_with("HTTP/1.1 200"), "{plain}");
    assert!(!plain.contains("access-control-"), "{plain}");
    assert!(pre.starts_with("HTTP/1.1 204"), "{pre}");
    assert!(!pre.contains("access-control-"), "{pre}");
    s.stop().await.unwrap();

    // Listed origins: echoed with credentials (also on a refusal), preflights answered.
    let s = cors_server(&["https://app.example.com/", "HTTP://LOCALHOST:5173"]).await;
    let url = s.endpoint().to_owned();
    let (listed, refused, other, pre, pre_other) = tokio::task::spawn_blocking(move || {
        (
            get_with_origin(&url, "/health", "https://app.example.com"),
            get_with_origin(&url, "/actors/names", "http://localhost:5173"),
            get_with_origin(&url, "/health", "https://elsewhere.example"),
            preflight(&url, "https://app.example.com"),
            preflight(&url, "https://elsewhere.example"),
        )
    })
    .await
    .unwrap();
    for head in [&listed, &pre] {
        assert!(
            head.contains("access-control-allow-origin: https://app.example.com"),
            "{head}"
        );
        assert!(
            head.contains("access-control-allow-credentials: true"),
            "{head}"
        );
        assert!(head.contains("vary: origin"), "{head}");
    }
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(
        refused.contains("access-control-allow-origin: http://localhost:5173"),
        "{refused}"
    );
    assert!(
        pre.contains("access-control-allow-headers: x-rivet-encoding"),
        "{pre}"
    );
    assert!(pre.contains("access-control-allow-methods: "), "{pre}");
    for head in [&other, &pre_other] {
        assert!(!head.contains("access-control-allow"), "{head}");
        assert!(head.contains("vary: origin"), "{head}");
    }
    s.stop().await.unwrap();

    // `*`: any origin, never with credentials.
    let s = cors_server(&["*"]).await;
    let url = s.endpoint().to_owned();
    let any = tokio::task::spawn_blocking(move || {
        get_with_origin(&url, "/health", "https://elsewhere.example")
    })
    .await
    .unwrap();
    assert!(any.contains("access-control-allow-origin: *"), "{any}");
    assert!(!any.contains("access-control-allow-credentials"), "{any}");
    s.stop().await.unwrap();
}
