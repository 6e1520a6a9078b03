// RivetKit 2.3.19 benchmark actors (plain ESM, Node 20): the same actors, wire names and
// actions that actorium hosts in `cargo run --release -p actorium-bench`:
//
//   counter      increment(n) -> count (broadcasts newCount), getCount() -> count
//   sleeper      counter that sleeps after 500 ms idle (the `wake` scenario)
//   coordinator  startJob(tasks), reportResult(result), getResults()   (seed map-reduce)
//   worker       process(task) -> reports {taskId, output} to coordinator "main"
//
// Runs as an actor runner ("envoy") connected to a Rivet Engine; started by
// interop/engine.mjs --actors bench/rivetkit/actors.mjs (node bench/rivetkit/actors.mjs http://127.0.0.1:PORT).
// Node packages come from the repository's single root package.json.

import { pathToFileURL } from "node:url";
import { actor, setup } from "rivetkit";

const counterActions = {
	increment: (c, n) => {
		c.state.count += n;
		c.broadcast("newCount", c.state.count);
		return c.state.count;
	},
	getCount: (c) => c.state.count,
};

const startCount = (_c, input) => ({
	count:
		input && typeof input === "object" && typeof input.start === "number"
			? input.start
			: 0,
});

export const counter = actor({
	createState: startCount,
	actions: counterActions,
});

export const sleeper = actor({
	createState: startCount,
	actions: counterActions,
	options: { sleepTimeout: 500 },
});

// The seed's map-reduce, verbatim apart from the registry typing.
export const coordinator = actor({
	state: { results: [] },
	actions: {
		startJob: async (c, tasks) => {
			const client = c.client();
			await Promise.all(
				tasks.map((task) => client.worker.getOrCreate(task.id).process(task)),
			);
		},
		reportResult: (c, result) => {
			c.state.results.push(result);
		},
		getResults: (c) => c.state.results,
	},
});

export const worker = actor({
	state: {},
	actions: {
		process: async (c, task) => {
			const result = { taskId: task.id, output: `Processed ${task.data}` };
			const client = c.client();
			await client.coordinator.getOrCreate("main").reportResult(result);
		},
	},
});

export function makeRegistry(endpoint) {
	return setup({
		use: { counter, sleeper, coordinator, worker },
		endpoint,
		startServices: false,
		noWelcome: true,
		shutdown: { gracePeriodMs: 2000 },
	});
}

async function main() {
	const endpoint = process.argv[2] ?? process.env.RIVET_ENDPOINT;
	if (!endpoint) {
		console.error("usage: node bench/rivetkit/actors.mjs <engine endpoint>");
		process.exit(2);
	}
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
