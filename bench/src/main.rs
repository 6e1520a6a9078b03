//! `actorium-bench`: `cargo run --release -p actorium-bench -- all` (or one scenario by name;
//! `--quick` for a smoke run). See `BENCHMARKS.md`. `server-process` measures a separately
//! built `test-server` binary (see [`actorium_bench::scenarios::server_process`]).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use actorium_bench::report::Report;
use actorium_bench::scenarios::{self, Config, SCENARIOS, Systems, server_process};
use actorium_bench::serve::{self, ActoriumArgs, AxumArgs};
use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "actorium vs RivetKit vs a bare axum ceiling, one Rust load generator")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Every scenario, in order.
    All(RunArgs),
    /// getCount over HTTP at 1/16/64 callers on 1 and 64 actors.
    HttpRead(RunArgs),
    /// getCount over one WebSocket per caller.
    WsRead(RunArgs),
    /// The counter's raw HTTP handler (`/request/count`) vs the same read on the ceiling.
    RawHttpRead(RunArgs),
    /// `count` on one raw WebSocket per caller (the counter's `on_websocket_message`) vs the
    /// ceiling.
    RawWsRead(RunArgs),
    /// increment over HTTP, reply after commit (NORMAL and FULL).
    HttpWrite(RunArgs),
    /// getOrCreate (PUT /actors) of N distinct keys.
    Create(RunArgs),
    /// Latency to the first reply from a sleeping actor.
    Wake(RunArgs),
    /// Resident bytes per live idle and per sleeping actor.
    Memory(RunArgs),
    /// Resident bytes per WebSocket connection kept open while its actor sleeps, and per
    /// connection that keeps its actor awake.
    Hibernation(RunArgs),
    /// The seed's coordinator/worker map-reduce, end to end.
    MapReduce(RunArgs),
    /// One event to many connected clients.
    Broadcast(RunArgs),
    /// Re-renders NAME.md and NAME.svg from a results JSON written by a run.
    Render {
        /// The JSON file (e.g. bench/results/all.json).
        json: PathBuf,
    },
    /// perf profile of actorium under http-read or http-write.
    Profile(ProfileArgs),
    /// increment (BARE) from concurrent HTTP callers on one actor of a test-server process
    /// (build it first: cargo build --release -p actorium-tests --bin test-server).
    ServerProcess(ServerProcessArgs),
    /// (internal) serve actorium for the harness.
    #[command(hide = true)]
    ServeActorium(ActoriumArgs),
    /// (internal) serve the axum ceiling for the harness.
    #[command(hide = true)]
    ServeAxum(AxumArgs),
}

#[derive(Debug, Clone, Args)]
struct RunArgs {
    /// Small sizes and short windows (a smoke run of well under a minute per scenario).
    #[arg(long)]
    quick: bool,
    /// Systems to run, comma-separated: actorium, rivetkit, ceiling.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "actorium,rivetkit,ceiling"
    )]
    systems: Vec<String>,
    /// Measured window of each closed-loop run, ms (default 2000; 500 with --quick).
    #[arg(long)]
    window_ms: Option<u64>,
    /// Measured window against RivetKit, ms (default 4000; 1500 with --quick).
    #[arg(long)]
    rk_window_ms: Option<u64>,
    /// Warm-up before each closed-loop run, ms (default 300; 100 with --quick).
    #[arg(long)]
    warmup_ms: Option<u64>,
    /// Rounds of each http-read/ws-read case for actorium and the ceiling, taken in turn; the
    /// median round is reported (default 3; 1 with --quick).
    #[arg(long)]
    rounds: Option<usize>,
    /// Where NAME.json, NAME.md and NAME.svg go (default bench/results; NAME-quick.* with --quick).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
struct ProfileArgs {
    /// http-read or http-write.
    scenario: String,
    /// Seconds of load under perf.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Output directory (default bench/results).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Profile the bare axum ceiling instead of actorium (same load).
    #[arg(long)]
    ceiling: bool,
}

#[derive(Debug, Clone, Args)]
struct ServerProcessArgs {
    /// The test-server binary (default: test-server next to this binary).
    #[arg(long, env = "ACTORIUM_BENCH_SERVER")]
    server: Option<PathBuf>,
    /// Concurrent callers.
    #[arg(long, default_value_t = 16)]
    callers: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
}

fn default_out() -> PathBuf {
    actorium_bench::procs::repo_root().join("bench/results")
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,actorium_bench=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let (name, args) = match cli.command {
        Cmd::ServeActorium(a) => return serve::serve_actorium(a),
        Cmd::ServeAxum(a) => return serve::serve_axum(a),
        Cmd::Render { json } => return render(&json),
        Cmd::Profile(p) => {
            init_tracing();
            let out = p.out.unwrap_or_else(default_out);
            return runtime()?.block_on(actorium_bench::profile::profile(
                &p.scenario,
                p.seconds,
                &out,
                p.ceiling,
            ));
        }
        Cmd::ServerProcess(a) => {
            init_tracing();
            let opts = server_process::Options {
                server: a.server.unwrap_or_else(server_process::default_server),
                callers: a.callers,
                duration: Duration::from_secs_f64(a.seconds),
            };
            runtime()?.block_on(server_process::server_process(&opts))?;
            return Ok(());
        }
        Cmd::All(a) => ("all", a),
        Cmd::HttpRead(a) => ("http-read", a),
        Cmd::WsRead(a) => ("ws-read", a),
        Cmd::RawHttpRead(a) => ("raw-http-read", a),
        Cmd::RawWsRead(a) => ("raw-ws-read", a),
        Cmd::HttpWrite(a) => ("http-write", a),
        Cmd::Create(a) => ("create", a),
        Cmd::Wake(a) => ("wake", a),
        Cmd::Memory(a) => ("memory", a),
        Cmd::Hibernation(a) => ("hibernation", a),
        Cmd::MapReduce(a) => ("map-reduce", a),
        Cmd::Broadcast(a) => ("broadcast", a),
    };
    init_tracing();
    let mut systems = Systems {
        actorium: false,
        rivetkit: false,
        ceiling: false,
    };
    for s in &args.systems {
        match s.as_str() {
            "actorium" => systems.actorium = true,
            "rivetkit" => systems.rivetkit = true,
            "ceiling" | "axum" => systems.ceiling = true,
            other => bail!("unknown system {other} (actorium, rivetkit, ceiling)"),
        }
    }
    let q = args.quick;
    let ms = |v: Option<u64>, full: u64, quick: u64| {
        Duration::from_millis(v.unwrap_or(if q { quick } else { full }))
    };
    let cfg = Config {
        quick: q,
        window: ms(args.window_ms, 2000, 500),
        rk_window: ms(args.rk_window_ms, 4000, 1500),
        warmup: ms(args.warmup_ms, 300, 100),
        rounds: args.rounds.unwrap_or(if q { 1 } else { 3 }).max(1),
        systems,
    };
    let list: Vec<&str> = if name == "all" {
        SCENARIOS.to_vec()
    } else {
        vec![name]
    };
    let machine = actorium_bench::machine();
    println!(
        "actorium-bench on {machine}{}",
        if q { " (quick)" } else { "" }
    );
    let t0 = Instant::now();
    let mut report = Report::default();
    let rt = runtime()?;
    for s in &list {
        let t = Instant::now();
        if let Err(e) = rt.block_on(scenarios::run(s, &cfg, &mut report)) {
            println!("  {s} failed: {e:#}");
        }
        println!("  ({s}: {:.1} s)", t.elapsed().as_secs_f64());
    }
    let total = t0.elapsed();
    let out = args.out.unwrap_or_else(default_out);
    std::fs::create_dir_all(&out)?;
    // A quick run never overwrites the figures of a full one.
    let stem = if q {
        format!("{name}-quick")
    } else {
        name.to_string()
    };
    let header = format!(
        "<!-- written by actorium-bench {name}{} on {machine} in {:.0} s -->\n\n",
        if q { " --quick" } else { "" },
        total.as_secs_f64()
    );
    let tables = report.markdown();
    std::fs::write(out.join(format!("{stem}.md")), format!("{header}{tables}"))?;
    std::fs::write(out.join(format!("{stem}.svg")), report.svg())?;
    std::fs::write(
        out.join(format!("{stem}.json")),
        serde_json::to_string_pretty(&serde_json::json!({
            "machine": machine,
            "quick": q,
            "seconds": total.as_secs_f64(),
            "rows": report.rows,
        }))?,
    )?;
    println!("\n{tables}");
    println!(
        "total {:.1} s; wrote {}/{stem}.{{md,svg,json}}",
        total.as_secs_f64(),
        out.display()
    );
    if report.rows.is_empty() {
        bail!("no figures were measured");
    }
    Ok(())
}

/// `render`: the markdown tables and the chart again, from a results JSON.
fn render(json: &std::path::Path) -> Result<()> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json)?)?;
    let rows: Vec<actorium_bench::report::Row> = serde_json::from_value(v["rows"].clone())?;
    let report = Report { rows };
    let md = json.with_extension("md");
    let header = format!(
        "<!-- written by actorium-bench (rendered from {}) on {} -->\n\n",
        json.file_name().and_then(|f| f.to_str()).unwrap_or("?"),
        v["machine"].as_str().unwrap_or("?")
    );
    std::fs::write(&md, format!("{header}{}", report.markdown()))?;
    std::fs::write(json.with_extension("svg"), report.svg())?;
    println!(
        "wrote {} and {}",
        md.display(),
        json.with_extension("svg").display()
    );
    Ok(())
}
