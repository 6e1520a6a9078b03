#!/usr/bin/env node
// Starts a private Rivet Engine 2.3.19 plus the RivetKit actor runner from
// ./engine-actors.mjs, waits until an actor call through the gateway works,
// prints exactly one line `READY http://127.0.0.1:PORT` on stdout and keeps
// running until SIGTERM/SIGINT (or stdin EOF with --watch-stdin), then kills
// both children by PID and removes the engine's temp data dir.
//
//   node interop/engine.mjs [--port N] [--log-dir DIR] [--watch-stdin] [--dev-tuning] [--actors FILE]
//
// Env equivalents: INTEROP_PORT, INTEROP_LOG_DIR, INTEROP_WATCH_STDIN=1,
// INTEROP_DEV_TUNING=1, INTEROP_RUNNER_LOG_LEVEL (default "info"),
// INTEROP_READY_TIMEOUT_MS (default 90000).
// All diagnostics go to stderr and to files in the log dir:
//   engine.stdout.log engine.stderr.log runner.stdout.log runner.stderr.log
//   interop-state.json (ports, pids, timings)
// Exit codes: 0 after a requested shutdown, 1 if startup failed or a child died.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..");
const ENGINE_BIN = path.join(
	ROOT,
	"node_modules/@rivetkit/engine-cli-linux-x64-musl/rivet-engine",
);
const DEFAULT_ACTORS = path.join(HERE, "engine-actors.mjs");
const NAMESPACE = "default";
const POOL = "default";

// ---------------------------------------------------------------- args
function parseArgs(argv) {
	const opts = {
		port: process.env.INTEROP_PORT ? Number(process.env.INTEROP_PORT) : 0,
		logDir: process.env.INTEROP_LOG_DIR || "",
		watchStdin: process.env.INTEROP_WATCH_STDIN === "1",
		devTuning: process.env.INTEROP_DEV_TUNING === "1",
		actors: DEFAULT_ACTORS,
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === "--port") opts.port = Number(argv[++i]);
		else if (a.startsWith("--port=")) opts.port = Number(a.slice(7));
		else if (a === "--log-dir") opts.logDir = argv[++i];
		else if (a.startsWith("--log-dir=")) opts.logDir = a.slice(10);
		else if (a === "--watch-stdin") opts.watchStdin = true;
		else if (a === "--dev-tuning") opts.devTuning = true;
		// The RivetKit registry module to run (default ./engine-actors.mjs; the benchmarks
		// pass their own actors).
		else if (a === "--actors") opts.actors = path.resolve(argv[++i]);
		else if (a === "-h" || a === "--help") {
			process.stderr.write(
				"usage: node interop/engine.mjs [--port N] [--log-dir DIR] [--watch-stdin] [--dev-tuning] [--actors FILE]\n",
			);
			process.exit(0);
		} else {
			process.stderr.write(`engine.mjs: unknown argument ${a}\n`);
			process.exit(2);
		}
	}
	if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
		process.stderr.write("engine.mjs: bad --port\n");
		process.exit(2);
	}
	return opts;
}

const opts = parseArgs(process.argv.slice(2));
const T0 = Date.now();
const log = (msg) =>
	process.stderr.write(`[engine.mjs +${Date.now() - T0}ms] ${msg}\n`);

// ---------------------------------------------------------------- helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on("error", reject);
		srv.listen(0, "127.0.0.1", () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

function checkPortFree(port) {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.unref();
		srv.once("error", () => resolve(false));
		srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
	});
}

async function pickPorts(requested) {
	const taken = new Set();
	const pick = async () => {
		for (;;) {
			const p = await freePort();
			if (!taken.has(p)) {
				taken.add(p);
				return p;
			}
		}
	};
	let guard = requested;
	if (guard) {
		if (!(await checkPortFree(guard)))
			throw new Error(`port ${guard} on 127.0.0.1 is in use`);
		taken.add(guard);
	} else guard = await pick();
	return { guard, peer: await pick(), metrics: await pick() };
}

async function fetchWithTimeout(url, init = {}, ms = 5000) {
	return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

// ---------------------------------------------------------------- state
const children = {}; // name -> ChildProcess
let tmpDir = "";
let shuttingDown = false;
let readyPrinted = false;
const state = { timings: {} };

function writeState() {
	try {
		fs.writeFileSync(
			path.join(opts.logDir, "interop-state.json"),
			`${JSON.stringify(state, null, 2)}\n`,
		);
	} catch {}
}

function killAndWait(child, name, graceMs) {
	return new Promise((resolve) => {
		if (!child || child.exitCode !== null || child.signalCode !== null)
			return resolve();
		const timer = setTimeout(() => {
			log(`${name} (pid ${child.pid}) did not exit in ${graceMs} ms, SIGKILL`);
			try {
				process.kill(child.pid, "SIGKILL");
			} catch {}
		}, graceMs);
		child.once("exit", () => {
			clearTimeout(timer);
			resolve();
		});
		try {
			process.kill(child.pid, "SIGTERM");
		} catch {
			clearTimeout(timer);
			resolve();
		}
	});
}

async function shutdown(code, why) {
	if (shuttingDown) return;
	shuttingDown = true;
	log(`shutting down (${why})`);
	const t = Date.now();
	// Runner first (it drains while the engine is still up), then the engine.
	await killAndWait(children.runner, "runner", 4000);
	await killAndWait(children.engine, "engine", 6000);
	if (tmpDir) {
		try {
			fs.rmSync(tmpDir, { recursive: true, force: true });
		} catch (e) {
			log(`could not remove ${tmpDir}: ${e.message}`);
		}
	}
	state.timings.shutdownMs = Date.now() - t;
	writeState();
	log(`stopped in ${Date.now() - t} ms`);
	process.exit(code);
}

// Last resort if something calls process.exit() elsewhere.
process.on("exit", () => {
	for (const c of Object.values(children)) {
		if (c && c.exitCode === null && c.signalCode === null) {
			try {
				process.kill(c.pid, "SIGKILL");
			} catch {}
		}
	}
	if (tmpDir) {
		try {
			fs.rmSync(tmpDir, { recursive: true, force: true });
		} catch {}
	}
});
process.on("SIGTERM", () => shutdown(0, "SIGTERM"));
process.on("SIGINT", () => shutdown(0, "SIGINT"));
process.on("SIGHUP", () => shutdown(0, "SIGHUP"));
if (opts.watchStdin) {
	process.stdin.on("end", () => shutdown(0, "stdin closed"));
	process.stdin.on("error", () => shutdown(0, "stdin error"));
	process.stdin.resume();
}

function spawnLogged(name, cmd, args, env, cwd) {
	const out = fs.openSync(path.join(opts.logDir, `${name}.stdout.log`), "a");
	const err = fs.openSync(path.join(opts.logDir, `${name}.stderr.log`), "a");
	const child = spawn(cmd, args, {
		cwd,
		env,
		stdio: ["ignore", out, err],
	});
	fs.closeSync(out);
	fs.closeSync(err);
	children[name] = child;
	child.on("exit", (code, signal) => {
		if (!shuttingDown) {
			log(`${name} (pid ${child.pid}) exited unexpectedly: code=${code} signal=${signal}; see ${opts.logDir}/${name}.*.log`);
			shutdown(1, `${name} died`);
		}
	});
	child.on("error", (e) => {
		if (!shuttingDown) {
			log(`${name} failed to spawn: ${e.message}`);
			shutdown(1, `${name} spawn error`);
		}
	});
	return child;
}

// ---------------------------------------------------------------- main
async function main() {
	if (!opts.logDir)
		opts.logDir = fs.mkdtempSync(path.join(os.tmpdir(), "actorium-interop-logs-"));
	fs.mkdirSync(opts.logDir, { recursive: true });
	opts.logDir = path.resolve(opts.logDir);
	tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "actorium-engine-"));
	const dataDir = path.join(tmpDir, "db");
	fs.mkdirSync(dataDir);

	const ports = await pickPorts(opts.port);
	const endpoint = `http://127.0.0.1:${ports.guard}`;
	Object.assign(state, {
		endpoint,
		ports,
		logDir: opts.logDir,
		tmpDir,
		devTuning: opts.devTuning,
		pid: process.pid,
	});
	log(`ports guard=${ports.guard} api-peer=${ports.peer} metrics=${ports.metrics}; logs in ${opts.logDir}; data in ${tmpDir}`);

	// Topology: without it the engine advertises http://127.0.0.1:6420 as the
	// datacenter URL (GET /datacenters). Same shape as rivetkit's own
	// engine-process write_engine_config().
	const configPath = path.join(tmpDir, "config.json");
	fs.writeFileSync(
		configPath,
		JSON.stringify({
			topology: {
				datacenter_label: 1,
				datacenters: {
					default: {
						datacenter_label: 1,
						is_leader: true,
						public_url: `${endpoint}/`,
						peer_url: `http://127.0.0.1:${ports.peer}`,
					},
				},
			},
		}),
	);

	const engineEnv = {
		...process.env,
		RIVET__GUARD__HOST: "127.0.0.1",
		RIVET__GUARD__PORT: String(ports.guard),
		RIVET__API_PEER__HOST: "127.0.0.1",
		RIVET__API_PEER__PORT: String(ports.peer),
		RIVET__METRICS__HOST: "127.0.0.1",
		RIVET__METRICS__PORT: String(ports.metrics),
		RIVET__FILE_SYSTEM__PATH: dataDir,
		RIVET__TELEMETRY__ENABLED: "false",
	};
	if (opts.devTuning) {
		// The development overrides rivetkit 2.3.19 itself applies when it
		// spawns a local engine (rivetkit-rust/packages/engine-process engine_env).
		// Off by default: with them, WebSocket connects that create a new actor
		// via the query gateway intermittently hung 15 s and failed with
		// pegboard.route_resolve_query_timeout (actor never created); without
		// them no such failure was seen.
		Object.assign(engineEnv, {
			RIVET__PEGBOARD__RETRY_RESET_DURATION: "100",
			RIVET__PEGBOARD__BASE_RETRY_TIMEOUT: "100",
			RIVET__PEGBOARD__RESCHEDULE_BACKOFF_MAX_EXPONENT: "1",
			RIVET__PEGBOARD__RUNNER_ELIGIBLE_THRESHOLD: "5000",
			RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD: "7000",
			RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD: "5000",
			RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD: "7000",
			RIVET__PEGBOARD__MIN_METADATA_POLL_INTERVAL: "1000",
			RIVET__FEATURES__GUARD_GATEWAY_V3__MODE: "on",
			RIVET__FEATURES__GUARD_GATEWAY_V3__PERCENTAGE: "100",
			RIVET__RUNTIME__WORKER_SHUTDOWN_DURATION: "1",
			RIVET__RUNTIME__GUARD_SHUTDOWN_DURATION: "1",
			RIVET__RUNTIME__FORCE_SHUTDOWN_DURATION: "2",
		});
	}
	const engine = spawnLogged(
		"engine",
		ENGINE_BIN,
		["start", "--config", configPath],
		engineEnv,
		tmpDir,
	);
	state.enginePid = engine.pid;
	writeState();

	// 1. engine health
	const tEngine = Date.now();
	for (;;) {
		if (shuttingDown) return;
		if (Date.now() - tEngine > 30000) throw new Error("engine /health not ok after 30 s");
		try {
			const r = await fetchWithTimeout(`${endpoint}/health`, {}, 1000);
			if (r.ok) {
				const body = await r.json();
				if (body.status === "ok") break;
			}
		} catch {}
		await sleep(50);
	}
	state.timings.engineHealthyMs = Date.now() - tEngine;
	log(`engine healthy after ${state.timings.engineHealthyMs} ms (pid ${engine.pid})`);

	// 2. runner config for pool "default" (kind "normal" = runners/envoys
	// connect out to the engine). The rivetkit runtime upserts the same thing
	// itself for a loopback endpoint; doing it here makes it explicit and
	// surfaces engine API errors early. Retried: the default namespace may
	// not be ready right after /health.
	const tCfg = Date.now();
	for (let attempt = 1; ; attempt++) {
		if (shuttingDown) return;
		try {
			const dcs = await (
				await fetchWithTimeout(`${endpoint}/datacenters?namespace=${NAMESPACE}`)
			).json();
			const datacenters = {};
			for (const dc of dcs.datacenters)
				datacenters[dc.name] = { normal: {}, drain_on_version_upgrade: true };
			const r = await fetchWithTimeout(
				`${endpoint}/runner-configs/${POOL}?namespace=${NAMESPACE}`,
				{
					method: "PUT",
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ datacenters }),
				},
			);
			if (r.ok) break;
			const text = await r.text();
			if (attempt >= 100) throw new Error(`runner config upsert failed: ${r.status} ${text}`);
		} catch (e) {
			if (attempt >= 100) throw e;
		}
		await sleep(100);
	}
	state.timings.runnerConfigMs = Date.now() - tCfg;

	// 3. actor runner (envoy)
	const runnerEnv = {
		...process.env,
		RIVET_ENDPOINT: endpoint,
		RIVET_NAMESPACE: NAMESPACE,
		RIVET_POOL: POOL,
		// 2.3.19 ignores RIVETKIT_ENGINE_SPAWN=never: for any loopback endpoint
		// the native runtime "manages" the engine and, if /health fails, spawns
		// an orphaned engine of its own on 127.0.0.1:6420 with a db under
		// ~/.rivetkit. A nonexistent binary path turns that into a fast
		// engine.binary_unavailable failure instead (it still reuses our
		// healthy engine).
		RIVET_ENGINE_BINARY: path.join(tmpDir, "no-such-rivet-engine"),
		RIVETKIT_ENGINE_SPAWN: "never",
		RIVET_RUN_SERVICES: "0",
		RIVETKIT_STORAGE_PATH: path.join(tmpDir, "rivetkit"),
		RIVET_LOG_LEVEL: process.env.INTEROP_RUNNER_LOG_LEVEL || "info",
	};
	const tRunner = Date.now();
	const runner = spawnLogged("runner", process.execPath, [opts.actors, endpoint], runnerEnv, ROOT);
	state.runnerPid = runner.pid;
	writeState();

	// 4. wait until the engine lists the runner's envoy in our pool. Probing
	// earlier is harmful: an actor created while no envoy is connected stays
	// pending allocation for ~15 s (observed), and the probe request hangs.
	const envoyDeadline = Date.now() + 60000;
	for (;;) {
		if (shuttingDown) return;
		if (Date.now() > envoyDeadline) throw new Error("runner envoy never registered with the engine (60 s)");
		try {
			const r = await fetchWithTimeout(`${endpoint}/envoys?namespace=${NAMESPACE}&name=${POOL}`);
			if (r.ok) {
				const body = await r.json();
				const live = (body.envoys ?? []).filter(
					(e) => e.pool_name === POOL && e.stop_ts == null,
				);
				if (live.length > 0) break;
			}
		} catch {}
		await sleep(50);
	}
	state.timings.runnerRegisteredMs = Date.now() - tRunner;
	log(`runner envoy registered ${state.timings.runnerRegisteredMs} ms after runner spawn (pid ${runner.pid})`);

	// 5. probe: an action through the gateway (creates actor counter["probe"]).
	const tProbe = Date.now();
	const probeUrl =
		`${endpoint}/gateway/counter/action/getCount?rvt-namespace=${NAMESPACE}` +
		`&rvt-method=getOrCreate&rvt-runner=${POOL}&rvt-key=probe&rvt-crash-policy=sleep`;
	const deadline = Date.now() + Number(process.env.INTEROP_READY_TIMEOUT_MS || 90000);
	let attempts = 0;
	let lastErr = "";
	for (;;) {
		if (shuttingDown) return;
		if (Date.now() > deadline)
			throw new Error(`gateway probe never succeeded (${attempts} attempts, last: ${lastErr})`);
		attempts++;
		try {
			const r = await fetchWithTimeout(
				probeUrl,
				{
					method: "POST",
					headers: { "content-type": "application/json", "x-rivet-encoding": "json" },
					body: '{"args":[]}',
				},
				15000,
			);
			const text = await r.text();
			if (r.ok && typeof JSON.parse(text).output === "number") break;
			lastErr = `${r.status} ${text.slice(0, 200)}`;
		} catch (e) {
			lastErr = String(e?.message ?? e);
		}
		await sleep(100);
	}
	state.timings.firstActorCallMs = Date.now() - tProbe;
	state.timings.runnerToFirstActorMs = Date.now() - tRunner;
	state.timings.probeAttempts = attempts;
	state.timings.totalReadyMs = Date.now() - T0;
	writeState();
	log(
		`first actor call (create + place + action) ok in ${state.timings.firstActorCallMs} ms, ${state.timings.runnerToFirstActorMs} ms after runner spawn (${attempts} probe attempt(s)); total ${state.timings.totalReadyMs} ms`,
	);
	if (attempts > 1) log(`probe retries were needed; last failure: ${lastErr}`);

	process.stdout.write(`READY ${endpoint}\n`);
	readyPrinted = true;
}

main().catch((e) => {
	log(`startup failed: ${e?.stack ?? e}`);
	shutdown(1, "startup failed");
});
