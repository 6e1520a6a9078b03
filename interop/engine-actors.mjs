// RivetKit 2.3.19 actor registry used by the interop tests (plain ESM, Node 20).
// Implements the actors of tests/ACTORS.md: counter, alpha, beta, timer.
//
// Runs as an actor runner ("envoy") that connects out to a Rivet Engine:
//
//   node interop/engine-actors.mjs http://127.0.0.1:PORT
//   (or RIVET_ENDPOINT=http://127.0.0.1:PORT node interop/engine-actors.mjs)
//
// Normally started by interop/engine.mjs, which also starts the engine.
// Env that matters (engine.mjs sets these):
//   RIVETKIT_ENGINE_SPAWN=never  never let the runtime spawn/reuse an engine of its own
//   RIVET_RUN_SERVICES=0         no first-party "Services" actor host
//   RIVET_POOL                   pool/runner name, default "default"
//
// For a loopback endpoint the native runtime upserts the runner config itself:
// PUT /runner-configs/<pool>?namespace=<ns> {"datacenters":{"<dc>":{"normal":{},"drain_on_version_upgrade":true}}}
// (engine.mjs also does this explicitly before starting the runner).

import { pathToFileURL } from "node:url";
import { actor, setup, UserError } from "rivetkit";

export const counter = actor({
	createState: (_c, input) => ({
		count:
			input && typeof input === "object" && typeof input.start === "number"
				? input.start
				: 0,
	}),
	onBeforeConnect: (_c, params) => {
		if (params && typeof params === "object" && params.reject === true) {
			throw new UserError("connection rejected", {
				code: "conn_rejected",
				metadata: { reason: "params.reject" },
			});
		}
	},
	actions: {
		increment: (c, n) => {
			c.state.count += n;
			c.broadcast("newCount", c.state.count);
			return c.state.count;
		},
		getCount: (c) => c.state.count,
		fail: (_c, msg) => {
			throw new UserError(msg, {
				code: "bad_thing",
				metadata: { why: "test" },
			});
		},
		echo: (_c, ...args) => args,
		internalFail: () => {
			// A plain Error: not public, so clients see rivetkit.internal_error.
			throw new Error("internalFail: secret internal detail");
		},
	},
});

// A -> B -> A: alpha.ping() calls beta (same key).relay(<alpha key joined by
// ",">), which calls alpha (key split on ",").pong() through c.client().
export const alpha = actor({
	createState: () => ({ pongs: 0 }),
	actions: {
		ping: async (c) => {
			const client = c.client();
			return await client.beta.getOrCreate(c.key).relay(c.key.join(","));
		},
		pong: (c) => {
			c.state.pongs += 1;
			return "pong";
		},
		getPongs: (c) => c.state.pongs,
	},
});

export const beta = actor({
	actions: {
		relay: async (c, alphaKey) => {
			const client = c.client();
			const result = await client.alpha.getOrCreate(alphaKey.split(",")).pong();
			return `beta:${result}`;
		},
	},
});

// Durable timer: scheduleTick(ms) schedules action `tick` via the actor
// scheduler (c.schedule.after, persisted by the runtime), returns null.
export const timer = actor({
	createState: () => ({ ticks: 0 }),
	actions: {
		scheduleTick: async (c, ms) => {
			await c.schedule.after(ms, "tick");
			return null;
		},
		tick: (c) => {
			c.state.ticks += 1;
			c.broadcast("ticked", c.state.ticks);
			return c.state.ticks;
		},
		getTicks: (c) => c.state.ticks,
	},
});

export function makeRegistry(endpoint) {
	return setup({
		use: { counter, alpha, beta, timer },
		endpoint,
		startServices: false,
		noWelcome: true,
		// Do not wait the engine's actor stop threshold (minutes) on SIGTERM.
		shutdown: { gracePeriodMs: 2000 },
	});
}

async function main() {
	const endpoint = process.argv[2] ?? process.env.RIVET_ENDPOINT;
	if (!endpoint) {
		console.error("usage: node engine-actors.mjs <engine endpoint>");
		process.exit(2);
	}
	// Belt and braces: these are also set by engine.mjs.
	process.env.RIVETKIT_ENGINE_SPAWN ??= "never";
	process.env.RIVET_RUN_SERVICES ??= "0";

	const registry = makeRegistry(endpoint);
	const t0 = Date.now();
	await registry.startAndWait();
	console.log(`RUNNER READY ${endpoint} (${Date.now() - t0} ms)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
	main().catch((err) => {
		console.error("runner failed:", err);
		process.exit(1);
	});
}
