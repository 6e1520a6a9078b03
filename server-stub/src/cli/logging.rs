//! The serve helper's logging: `tracing` events as lines on stderr, readable text or JSON,
//! filtered by `RUST_LOG` (default `info`), coloured only on a terminal.

use std::io::IsTerminal as _;

use clap::ValueEnum;

/// How log lines look (`--log-format`, `ACTORIUM_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event (default).
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `fields`, `target`), for log collectors.
    Json,
}

/// Whether text logs on stderr get ANSI colours: only when stderr is a terminal and `NO_COLOR`
/// is unset or empty (<https://no-color.org>), so redirected logs stay plain text.
pub fn colour_on_stderr() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    std::io::stderr().is_terminal() && !no_color
}

/// Installs a tracing subscriber on stderr in `format` (`RUST_LOG` filters, default `info`);
/// does nothing if one is installed already.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(colour_on_stderr()).try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
}

/// Installs the text subscriber of [`init_logging`].
pub fn init_tracing() {
    init_logging(LogFormat::Text);
}
