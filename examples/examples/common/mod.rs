//! What every client example shares: the endpoint from the command line, a client for it, and a
//! run id that keeps the keys of one run apart from the next.

use std::time::{SystemTime, UNIX_EPOCH};

use actorium::Client;
use anyhow::{Context, bail};

/// The endpoint used when neither `--endpoint` nor `RIVET_ENDPOINT` names one.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:6420";

/// `--endpoint URL` (or `--endpoint=URL`), else `RIVET_ENDPOINT`, else [`DEFAULT_ENDPOINT`].
pub fn endpoint() -> anyhow::Result<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let given = match args.as_slice() {
        [] => None,
        [flag, url] if flag == "--endpoint" => Some(url.clone()),
        [arg] if arg.starts_with("--endpoint=") => Some(arg["--endpoint=".len()..].to_string()),
        [arg] if arg == "-h" || arg == "--help" => {
            println!("usage: [--endpoint URL]   (default: $RIVET_ENDPOINT or {DEFAULT_ENDPOINT})");
            std::process::exit(0);
        }
        _ => bail!("usage: [--endpoint URL] (got {args:?})"),
    };
    Ok(given
        .or_else(|| std::env::var("RIVET_ENDPOINT").ok())
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()))
}

/// A client for [`endpoint`], announcing which endpoint it talks to.
pub fn client() -> anyhow::Result<Client> {
    let endpoint = endpoint()?;
    println!("endpoint: {endpoint}");
    Client::try_new(&endpoint).with_context(|| format!("bad endpoint `{endpoint}`"))
}

/// A suffix unique to this run (milliseconds since the epoch and the process id), for keys a
/// second run must not reuse.
#[allow(dead_code)] // not every example needs one
pub fn run_id() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{ms}-{}", std::process::id())
}
