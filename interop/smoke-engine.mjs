#!/usr/bin/env node
// Smoke test of the official RivetKit 2.3.19 client against an endpoint
// (the engine from interop/engine.mjs, or later our Rust server).
//
//   node interop/smoke-engine.mjs http://127.0.0.1:PORT [bare,json,cbor]
//
// Prints one line per check, then "N passed, M failed"; exit 1 on any failure.
//
// WebSocket on Node 20: there is no global WebSocket, so rivetkit's
// importWebSocket() does `await import("ws")` (resolved from
// node_modules/rivetkit, i.e. the top-level node_modules/ws 8.23.0). Nothing
// to configure as long as `ws` is installed beside rivetkit.

import { isDeepStrictEqual } from "node:util";

// The client logs expected failures (user errors, rejected connections) as
// warnings on stdout; keep the output readable unless asked otherwise.
process.env.RIVET_LOG_LEVEL ??= "error";
const { createClient } = await import("rivetkit/client");

const endpoint = process.argv[2] ?? process.env.RIVET_ENDPOINT;
if (!endpoint) {
	console.error("usage: node smoke-engine.mjs <endpoint> [encodings]");
	process.exit(2);
}
const encodings = (process.argv[3] ?? "bare,json,cbor").split(",");
const STEP_TIMEOUT_MS = Number(process.env.SMOKE_STEP_TIMEOUT_MS || 20000);
const runId = `${Date.now().toString(36)}-${process.pid}`;

let passed = 0;
let failed = 0;

function withTimeout(promise, ms, what) {
	let t;
	return Promise.race([
		promise,
		new Promise((_, rej) => {
			t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms);
		}),
	]).finally(() => clearTimeout(t));
}

async function check(name, fn) {
	const t = Date.now();
	try {
		await withTimeout(Promise.resolve().then(fn), STEP_TIMEOUT_MS, name);
		passed++;
		console.log(`ok   ${name} (${Date.now() - t} ms)`);
	} catch (e) {
		failed++;
		console.log(`FAIL ${name} (${Date.now() - t} ms): ${e?.stack ?? e}`);
	}
}

function expectEq(actual, expected, what) {
	if (!isDeepStrictEqual(actual, expected))
		throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

function expectUserError(err, code, message, metadata) {
	if (!err) throw new Error("expected an error, call succeeded");
	const got = { group: err.group, code: err.code, message: err.message, metadata: err.metadata };
	const want = { group: "user", code, message, metadata };
	if (!isDeepStrictEqual(got, want))
		throw new Error(`error mismatch: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)} (${err?.constructor?.name}: ${err})`);
}

async function catchErr(p) {
	try {
		await p;
	} catch (e) {
		return e;
	}
	return undefined;
}

// The client retries GET /metadata forever; fail fast if nothing answers.
await check("GET /metadata answers 2xx JSON", async () => {
	const r = await fetch(`${endpoint.replace(/\/$/, "")}/metadata?namespace=default`, {
		signal: AbortSignal.timeout(5000),
	});
	if (!r.ok) throw new Error(`HTTP ${r.status}`);
	await r.json();
});
if (failed > 0) {
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(1);
}

for (const encoding of encodings) {
	const client = createClient({ endpoint, encoding });
	const tag = `[${encoding}]`;

	await check(`${tag} getOrCreate(["smoke"]).increment(2) over HTTP`, async () => {
		const h = client.counter.getOrCreate(["smoke"]);
		const before = await h.getCount();
		expectEq(await h.increment(2), before + 2, "increment result");
		expectEq(await h.getCount(), before + 2, "getCount after");
	});

	await check(`${tag} create() with input {start:10}`, async () => {
		const h = await client.counter.create(["smoke-input", encoding, runId], {
			input: { start: 10 },
		});
		expectEq(await h.getCount(), 10, "initial count from input");
		expectEq(await h.increment(1), 11, "increment");
	});

	await check(`${tag} echo round-trip over HTTP`, async () => {
		const args = [1, "two", { three: [3] }, null, true];
		expectEq(await client.counter.getOrCreate(["smoke"]).echo(...args), args, "echo");
	});

	await check(`${tag} fail() -> user error over HTTP`, async () => {
		const err = await catchErr(client.counter.getOrCreate(["smoke"]).fail("nope"));
		expectUserError(err, "bad_thing", "nope", { why: "test" });
	});

	await check(`${tag} connection: newCount event + actions + fail over WebSocket`, async () => {
		const conn = client.counter.getOrCreate(["smoke-conn", encoding, runId]).connect();
		try {
			const events = [];
			let gotEvent;
			const eventPromise = new Promise((r) => {
				gotEvent = r;
			});
			conn.on("newCount", (n) => {
				events.push(n);
				gotEvent();
			});
			expectEq(await conn.increment(5), 5, "increment via conn");
			await withTimeout(eventPromise, 5000, "newCount event");
			expectEq(events, [5], "events");
			expectEq(await conn.increment(2), 7, "second increment");
			expectEq(await conn.echo("a", 1), ["a", 1], "echo via conn");
			const err = await catchErr(conn.fail("boom"));
			expectUserError(err, "bad_thing", "boom", { why: "test" });
			// connection stays usable after an action error
			expectEq(await conn.getCount(), 7, "getCount after error");
			expectEq(events, [5, 7], "events after second increment");
			if (typeof conn.connectionId !== "string" || !conn.connectionId)
				throw new Error(`no connectionId: ${conn.connectionId}`);
		} finally {
			await conn.dispose();
		}
	});

	await check(`${tag} onBeforeConnect rejects params {reject:true}`, async () => {
		const conn = client.counter
			.getOrCreate(["smoke-reject", encoding, runId], { params: { reject: true } })
			.connect();
		try {
			let onErr;
			const errPromise = new Promise((r) => {
				onErr = r;
			});
			conn.onError((e) => onErr(e));
			const actionErr = await catchErr(conn.getCount());
			const connErr = await withTimeout(errPromise, 5000, "onError");
			for (const e of [actionErr, connErr]) {
				if (e?.group !== "user" || e?.code !== "conn_rejected")
					throw new Error(`expected user.conn_rejected, got ${e?.group}.${e?.code}: ${e}`);
			}
		} finally {
			await conn.dispose();
		}
	});
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
