// RivetKit 2.2.1's own driver test suite (`rivetkit/driver-test-suite`, installed as the npm
// alias `rivetkit-driver-suite`) against actorium: every test gets a fresh
// `conformance-server --memory --port 0` (the Rust twins of the suite's fixture actors, see
// `conformance/src/`), killed by PID when the test finishes. Run it with `conformance/run.sh`,
// which compares the outcome with `expected-failures.txt` and `CONFORMANCE.md`.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { runDriverTests } from "rivetkit-driver-suite/driver-test-suite";
import { WebSocket as WsWebSocket } from "ws";

// The raw WebSocket tests read `WebSocket.OPEN` from the global `WebSocket`, which Node 22 has
// and Node 20 (this machine's) does not: give them the `ws` package's, the one the official
// client itself uses on Node 20.
if (!("WebSocket" in globalThis)) {
	Object.assign(globalThis, { WebSocket: WsWebSocket });
}

const root = resolve(import.meta.dirname, "..");
const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(root, "target");
const server =
	process.env.CONFORMANCE_SERVER ?? resolve(targetDir, "debug", "conformance-server");
if (!existsSync(server)) {
	throw new Error(
		`${server} is missing: cargo build -p actorium-conformance --bin conformance-server`,
	);
}

/** Starts a conformance server and resolves with its address once it listens. */
function startServer(): Promise<{ child: ChildProcess; endpoint: string }> {
	return new Promise((ok, fail) => {
		const child = spawn(server, ["--memory", "--port", "0"], {
			stdio: ["ignore", "pipe", "inherit"],
			env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
		});
		const timer = setTimeout(() => {
			child.kill("SIGKILL");
			fail(new Error("conformance-server did not print its address within 10 s"));
		}, 10_000);
		child.once("error", (e) => {
			clearTimeout(timer);
			fail(e);
		});
		child.once("exit", (code) => {
			clearTimeout(timer);
			fail(new Error(`conformance-server exited with ${code} before listening`));
		});
		const lines = createInterface({ input: child.stdout! });
		lines.on("line", (line) => {
			const m = /actorium listening on (http:\/\/\S+)/.exec(line);
			if (m) {
				clearTimeout(timer);
				child.removeAllListeners("exit");
				ok({ child, endpoint: m[1] });
			}
		});
	});
}

/** Kills the server by its PID and waits for it to exit. */
function stopServer(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((ok) => {
		child.once("exit", () => ok());
		process.kill(child.pid!, "SIGKILL");
	});
}

runDriverTests({
	useRealTimers: true,
	skip: {
		// The inline client drives a TypeScript registry in-process; actorium is a server.
		inline: true,
		// Out of scope for actorium: RivetKit's agent OS and its docker sandbox actor.
		agentOs: true,
		sandbox: true,
	},
	async start() {
		const { child, endpoint } = await startServer();
		return {
			endpoint,
			namespace: "default",
			runnerName: "default",
			cleanup: () => stopServer(child),
		};
	},
});
