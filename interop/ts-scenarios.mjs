#!/usr/bin/env node
// Client scenarios of the official RivetKit 2.3.19 TypeScript client
// (`createClient` from "rivetkit/client") against any server hosting the
// actors of tests/ACTORS.md (the real engine via interop/engine.mjs, or
// actorium's test-server).
//
//   node interop/ts-scenarios.mjs ENDPOINT [bare,json,cbor]
//
// Prints `ok - name` / `not ok - name: reason` per check, then exactly
// `N passed, M failed`; exit 1 if any check failed (2 on bad usage).
// Every check has a timeout (TS_SCENARIO_TIMEOUT_MS, default 15000).
// Keys are unique per run (run id = time + pid) and per attempt, so a
// long-lived server can be reused.
//
// Env:
//   TS_SCENARIO_TIMEOUT_MS  per-check timeout (default 15000)
//   TS_SCENARIO_RETRIES     extra attempts (fresh keys) for a check that failed
//                           by timing out or with a guard.*/pegboard.* error
//                           (default 0). For the real engine only: it
//                           occasionally takes 15 s to place a new actor
//                           (pegboard.route_resolve_query_timeout).
//   TS_SCENARIO_STRICT=1    no leniency for known engine quirks (see ENGINE:
//                           notes); use it for actorium's own server.
//   TS_SCENARIO_STACKS=1    print stacks of failures
//
// Findings where the real engine (2.3.19) is the truth are marked ENGINE:.

import { AsyncLocalStorage } from "node:async_hooks";
import { isDeepStrictEqual } from "node:util";
import WS from "ws";

// The client logs expected failures (user errors, rejected connections) as
// warnings on stdout; keep the output readable unless asked otherwise.
process.env.RIVET_LOG_LEVEL ??= "error";
const { createClient } = await import("rivetkit/client");

const endpoint = process.argv[2] ?? process.env.RIVET_ENDPOINT;
if (!endpoint || endpoint.startsWith("-")) {
	console.error("usage: node ts-scenarios.mjs <endpoint> [bare,json,cbor]");
	process.exit(2);
}
const ALL_ENCODINGS = ["bare", "json", "cbor"];
const encodings = (process.argv[3] ?? ALL_ENCODINGS.join(","))
	.split(",")
	.filter(Boolean);
for (const e of encodings) {
	if (!ALL_ENCODINGS.includes(e)) {
		console.error(`ts-scenarios.mjs: unknown encoding ${e}`);
		process.exit(2);
	}
}
const CHECK_TIMEOUT_MS = Number(process.env.TS_SCENARIO_TIMEOUT_MS || 15000);
const RETRIES = Number(process.env.TS_SCENARIO_RETRIES || 0);
const STRICT = process.env.TS_SCENARIO_STRICT === "1";
const EVENT_GRACE_MS = 500;
const runId = `${Date.now().toString(36)}-${process.pid}`;
// Per check attempt, async-local (so an abandoned, timed-out attempt still
// running in the background keeps its own keys and does not disturb reports):
// {attempt (0 = first; part of keys), lastStep (last expectation that passed)}.
const attemptStore = new AsyncLocalStorage();
const currentAttempt = () => attemptStore.getStore()?.attempt ?? 0;
function stepPassed(what) {
	const ctx = attemptStore.getStore();
	if (ctx) ctx.lastStep = what;
}

// ------------------------------------------------------------ wire tap
// Records every message frame each client WebSocket receives, so a check can
// prove that a connection received *nothing* (the client silently drops
// events it has no listener for). rivetkit's client does
// `await import("ws")` on Node 20, which is this same module instance
// (top-level node_modules/ws); on runtimes with a global WebSocket that one
// is patched too.
const tappedSockets = []; // in order of the client's first "message" listener
function tap(proto) {
	if (!proto || proto.__actoriumTapped) return;
	const orig = proto.addEventListener;
	proto.addEventListener = function (type, listener, ...rest) {
		if (type === "message") {
			if (!this.__frames) {
				this.__frames = [];
				tappedSockets.push(this);
				orig.call(this, "message", (ev) => this.__frames.push(ev.data));
			}
		}
		return orig.call(this, type, listener, ...rest);
	};
	proto.__actoriumTapped = true;
}
tap(WS.prototype);
if (typeof globalThis.WebSocket === "function") tap(globalThis.WebSocket.prototype);

// ------------------------------------------------------------ harness
let passed = 0;
let failed = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
	let t;
	return Promise.race([
		promise,
		new Promise((_, rej) => {
			t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms);
		}),
	]).finally(() => clearTimeout(t));
}

function oneLine(s) {
	return String(s).replace(/\s*\n\s*/g, " | ");
}

// Failures that look like the engine stalling on actor placement.
function isPlacementStall(reason) {
	return /timeout after \d+ ms|route_resolve_query_timeout|actor_ready_timeout|group=(guard|pegboard) /.test(reason);
}

async function check(name, fn) {
	for (let attempt = 0; ; attempt++) {
		const t = Date.now();
		const ctx = { attempt, lastStep: "(none)" };
		try {
			await withTimeout(attemptStore.run(ctx, () => Promise.resolve().then(fn)), CHECK_TIMEOUT_MS, name);
			passed++;
			console.log(`ok - ${name} (${Date.now() - t} ms${attempt ? `, attempt ${attempt + 1}` : ""})`);
			return;
		} catch (e) {
			let reason = e?.stack && process.env.TS_SCENARIO_STACKS === "1" ? e.stack : e?.message ?? e;
			reason = oneLine(reason);
			if (/^timeout after/.test(reason)) reason += ` [last step passed: ${ctx.lastStep}]`;
			if (attempt < RETRIES && isPlacementStall(reason)) {
				console.log(`# retrying with fresh keys - ${name}: ${reason} (${Date.now() - t} ms)`);
				continue;
			}
			failed++;
			console.log(`not ok - ${name}: ${reason} (${Date.now() - t} ms)`);
			return;
		}
	}
}

function show(v) {
	return JSON.stringify(v, (_k, x) =>
		typeof x === "bigint"
			? `${x}n`
			: x instanceof Uint8Array
				? `Uint8Array[${[...x]}]`
				: x === undefined
					? "<undefined>"
					: x,
	);
}

function expectEq(actual, expected, what) {
	if (!isDeepStrictEqual(actual, expected))
		throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
	stepPassed(what);
}

function describeErr(e) {
	if (!e) return String(e);
	return `${e?.constructor?.name}(group=${e.group} code=${e.code} message=${show(e.message)} metadata=${show(e.metadata)})`;
}

// want: {group, code, message?, metadata?}; message/metadata compared only if given
// (metadata: null means "must be absent").
function expectErr(err, want, what) {
	if (!err) throw new Error(`${what}: expected error ${want.group}.${want.code}, call succeeded`);
	const ok =
		err.group === want.group &&
		err.code === want.code &&
		(!("message" in want) || err.message === want.message) &&
		(!("metadata" in want) ||
			(want.metadata === null
				? err.metadata === undefined || err.metadata === null
				: isDeepStrictEqual(err.metadata, want.metadata)));
	if (!ok) throw new Error(`${what}: expected ${show(want)}, got ${describeErr(err)}`);
	stepPassed(what);
}

async function catchErr(p) {
	try {
		const v = await p;
		return { value: v, err: undefined };
	} catch (e) {
		return { err: e };
	}
}
async function mustFail(p, what) {
	const { value, err } = await catchErr(p);
	if (!err) throw new Error(`${what}: expected an error, got value ${show(value)}`);
	return err;
}

function deferred() {
	let resolve;
	const promise = new Promise((r) => {
		resolve = r;
	});
	return { promise, resolve };
}

async function waitFor(pred, ms, what, stepMs = 50) {
	const deadline = Date.now() + ms;
	for (;;) {
		const v = await pred();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
		await sleep(stepMs);
	}
}

// Opens a connection and waits until it is connected (Init received).
// Returns {conn, socket}: socket = the client's WebSocket (wire tap), if found.
async function openConn(handle) {
	const before = tappedSockets.length;
	const conn = handle.connect();
	try {
		await withTimeout(conn.ready, 10000, "connection ready (Init)");
	} catch (e) {
		await conn.dispose().catch(() => {});
		throw e;
	}
	const socket = tappedSockets.length > before ? tappedSockets[tappedSockets.length - 1] : undefined;
	stepPassed("connection ready");
	return { conn, socket };
}

async function disposeAll(conns) {
	await Promise.all(conns.map((c) => c?.dispose().catch(() => {})));
}

// ------------------------------------------------------------ values
// Nested values for echo. `["$weird", 1]` is a 2-element array whose first
// element is a string starting with "$" (escaped by the JSON-compat layer).
//
// ENGINE: with encoding cbor the client does NOT apply the JSON-compat escape
// to args, and the engine's actor runtime answers rivetkit.internal_error for
// args containing ["$weird",1] or a nested ["$deeper","x"]; BigInt 5n comes
// back as the number 5 and Uint8Array fails with core.internal_error. So
// cbor echoes JSON-like values only. bare and json round-trip all of them
// (json through the ["$BigInt","…"]/["$Uint8Array","…"] compat layer).
function echoArgs(encoding) {
	const args = [
		1,
		"two",
		{ three: [3, { four: null, five: "5" }], b: true, list: [] },
		null,
		false,
		-7.5,
	];
	if (encoding !== "cbor") {
		args.push(["$weird", 1], [["nested", ["$deeper", "x"]]]);
		args.push(2n ** 70n, 7n, new Uint8Array([1, 2, 3]));
	}
	return args;
}

// ------------------------------------------------------------ startup
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

// ------------------------------------------------------------ scenarios
for (const encoding of encodings) {
	const client = createClient({ endpoint, encoding });
	const tag = `[${encoding}]`;
	const key = (name) => {
		const attempt = currentAttempt();
		return [name, encoding, attempt ? `${runId}-r${attempt}` : runId];
	};

	await check(`${tag} get: missing key -> actor.not_found, works after creation`, async () => {
		const k = key("get");
		const err = await mustFail(client.counter.get(k).getCount(), "get on missing key");
		expectErr(err, { group: "actor", code: "not_found" }, "get on missing key");
		expectEq(await client.counter.getOrCreate(k).increment(4), 4, "getOrCreate().increment(4)");
		expectEq(await client.counter.get(k).getCount(), 4, "get().getCount() after creation");
		expectEq(await client.counter.get(k).increment(1), 5, "get().increment(1)");
	});

	await check(`${tag} getOrCreate with input {start:10}; second input ignored`, async () => {
		const k = key("goc-input");
		const h1 = client.counter.getOrCreate(k, { createWithInput: { start: 10 } });
		expectEq(await h1.getCount(), 10, "getCount after getOrCreate({start:10})");
		const h2 = client.counter.getOrCreate(k, { createWithInput: { start: 99 } });
		expectEq(await h2.getCount(), 10, "getCount via second getOrCreate({start:99})");
		expectEq(await client.counter.getOrCreate(k).getCount(), 10, "getOrCreate without input");
		expectEq(await h1.resolve(), await h2.resolve(), "both handles resolve to the same id");
	});

	await check(`${tag} create; duplicate key -> actor.duplicate_key`, async () => {
		const k = key("create");
		const h = await client.counter.create(k, { input: { start: 3 } });
		const id = await h.resolve();
		expectEq(await h.getCount(), 3, "getCount after create({start:3})");
		const err = await mustFail(client.counter.create(k, { input: { start: 5 } }), "second create");
		// ENGINE: the engine answers a duplicate POST /actors (400) with
		// actor.duplicate_key (metadata {existing_actor_id, key}) or, in ~30-40 %
		// of tries even sequentially and long after the first actor started,
		// actor.destroyed_during_creation (no metadata). Strict mode wants
		// duplicate_key only.
		if (!STRICT && err?.group === "actor" && err?.code === "destroyed_during_creation") {
			stepPassed("second create failed (engine quirk: destroyed_during_creation)");
		} else {
			expectErr(err, { group: "actor", code: "duplicate_key" }, "second create with the same key");
			if (err.metadata !== undefined && err.metadata?.existing_actor_id !== id)
				throw new Error(`duplicate_key metadata ${show(err.metadata)} does not name the existing actor ${id}`);
		}
		expectEq(await h.getCount(), 3, "first actor unchanged");
		expectEq(await client.counter.get(k).resolve(), id, "key still resolves to the first actor");
		// create without input starts at 0
		const h0 = await client.counter.create(key("create-noinput"));
		expectEq(await h0.getCount(), 0, "create without input");
	});

	await check(`${tag} getForId with the id from create and from resolve`, async () => {
		const h = await client.counter.create(key("for-id"), { input: { start: 20 } });
		const id = await h.resolve();
		if (typeof id !== "string" || id.length === 0) throw new Error(`bad actor id ${show(id)}`);
		const byId = client.counter.getForId(id);
		expectEq(await byId.getCount(), 20, "getForId(create id).getCount()");
		expectEq(await byId.increment(2), 22, "getForId().increment(2)");
		expectEq(await h.getCount(), 22, "visible through the create handle");
		expectEq(await byId.resolve(), id, "getForId(id).resolve() is id");
		const k2 = key("for-id-goc");
		expectEq(await client.counter.getOrCreate(k2).increment(7), 7, "getOrCreate().increment(7)");
		const id2 = await client.counter.getOrCreate(k2).resolve();
		expectEq(await client.counter.getForId(id2).getCount(), 7, "getForId(resolved id).getCount()");
		if (id2 === id) throw new Error("two actors share an id");
	});

	await check(`${tag} resolve: same id via getOrCreate/get/create/getForId, stable`, async () => {
		const k = key("resolve");
		const h = await client.counter.create(k);
		const created = await h.resolve();
		const goc = client.counter.getOrCreate(k);
		const r1 = await goc.resolve();
		const r2 = await goc.resolve();
		const r3 = await client.counter.getOrCreate(k).resolve();
		const r4 = await client.counter.get(k).resolve();
		const r5 = await client.counter.getForId(created).resolve();
		expectEq([r1, r2, r3, r4, r5], [created, created, created, created, created], "resolved ids");
		// getOrCreate-first actor: resolve creates it, later resolves agree
		const k2 = key("resolve-goc");
		const a = await client.counter.getOrCreate(k2).resolve();
		const b = await client.counter.getOrCreate(k2).resolve();
		const c = await client.counter.get(k2).resolve();
		expectEq([b, c], [a, a], "ids after getOrCreate().resolve()");
		expectEq(await client.counter.getForId(a).increment(1), 1, "getForId(resolved).increment(1)");
		expectEq(await client.counter.get(k2).getCount(), 1, "same actor via get()");
		if (a === created) throw new Error("distinct keys resolved to the same id");
	});

	await check(`${tag} HTTP actions: increment/getCount/echo`, async () => {
		const h = client.counter.getOrCreate(key("http"));
		expectEq(await h.getCount(), 0, "initial getCount");
		expectEq(await h.increment(2), 2, "increment(2)");
		expectEq(await h.increment(40), 42, "increment(40)");
		expectEq(await h.getCount(), 42, "getCount");
		const args = echoArgs(encoding);
		expectEq(await h.echo(...args), args, "echo(nested)");
		expectEq(await h.echo(), [], "echo()");
		expectEq(await h.action({ name: "echo", args: ["via action()"] }), ["via action()"], "action({name:'echo'})");
	});

	await check(`${tag} WebSocket actions on a connection`, async () => {
		const { conn } = await openConn(client.counter.getOrCreate(key("ws")));
		try {
			if (typeof conn.connectionId !== "string" || !conn.connectionId)
				throw new Error(`no connectionId: ${show(conn.connectionId)}`);
			expectEq(await conn.increment(5), 5, "increment(5)");
			expectEq(await conn.getCount(), 5, "getCount");
			const args = echoArgs(encoding);
			expectEq(await conn.echo(...args), args, "echo(nested)");
			// pipelined calls resolve to their own results
			const [a, b, c] = await Promise.all([conn.increment(1), conn.echo("p"), conn.getCount()]);
			expectEq([a, b, c], [6, ["p"], 6], "pipelined increment/echo/getCount");
			expectEq(await client.counter.getOrCreate(key("ws")).getCount(), 6, "same state over HTTP");
		} finally {
			await conn.dispose();
		}
	});

	await check(`${tag} events only to subscribers`, async () => {
		const h = client.counter.getOrCreate(key("events"));
		const conns = [];
		try {
			const A = await openConn(h);
			conns.push(A.conn);
			const B = await openConn(h);
			conns.push(B.conn);
			if (!B.socket) throw new Error("wire tap did not see the second connection's WebSocket");
			const got = [];
			const first = deferred();
			A.conn.on("newCount", (...args) => {
				got.push(args);
				first.resolve();
			});
			// the subscription is sent before this action on the same socket
			expectEq(await A.conn.getCount(), 0, "A getCount");
			const bFramesBefore = B.socket.__frames.length;
			expectEq(await B.conn.getCount(), 0, "B getCount");
			if (B.socket.__frames.length !== bFramesBefore + 1)
				throw new Error(`wire tap: B got ${B.socket.__frames.length - bFramesBefore} frames for one action`);
			const bBase = B.socket.__frames.length;
			// increment from B (not subscribed) and from HTTP: only A sees events
			expectEq(await B.conn.increment(3), 3, "B increment(3)");
			expectEq(await h.increment(4), 7, "HTTP increment(4)");
			await withTimeout(first.promise, 5000, "A's newCount event");
			await waitFor(() => got.length >= 2, 5000, "A got both events");
			await sleep(EVENT_GRACE_MS);
			expectEq(got, [[3], [7]], "A's newCount events");
			// B: exactly one frame (the response to its increment), no Event
			const extra = B.socket.__frames.length - bBase;
			if (extra !== 1)
				throw new Error(`unsubscribed B received ${extra} frames after its increment, expected 1 (its ActionResponse)`);
		} finally {
			await disposeAll(conns);
		}
	});

	await check(`${tag} user error via HTTP and via connection`, async () => {
		const want = { group: "user", code: "bad_thing", message: "nope", metadata: { why: "test" } };
		const h = client.counter.getOrCreate(key("user-error"));
		expectErr(await mustFail(h.fail("nope"), "HTTP fail"), want, "HTTP fail('nope')");
		const { conn } = await openConn(h);
		try {
			expectErr(await mustFail(conn.fail("nope"), "conn fail"), want, "conn fail('nope')");
			expectEq(await conn.increment(1), 1, "connection usable after the error");
		} finally {
			await conn.dispose();
		}
	});

	await check(`${tag} internalFail -> rivetkit.internal_error (HTTP and connection)`, async () => {
		const want = { group: "rivetkit", code: "internal_error", message: "An internal error occurred" };
		const h = client.counter.getOrCreate(key("internal"));
		expectErr(await mustFail(h.internalFail(), "HTTP internalFail"), want, "HTTP internalFail()");
		const { conn } = await openConn(h);
		try {
			expectErr(await mustFail(conn.internalFail(), "conn internalFail"), want, "conn internalFail()");
			expectEq(await conn.getCount(), 0, "connection usable after the error");
		} finally {
			await conn.dispose();
		}
	});

	await check(`${tag} unknown action -> actor.action_not_found (HTTP and connection)`, async () => {
		const want = { group: "actor", code: "action_not_found" };
		const h = client.counter.getOrCreate(key("unknown"));
		expectErr(
			await mustFail(h.action({ name: "noSuchAction", args: [] }), "HTTP noSuchAction"),
			want,
			"HTTP noSuchAction",
		);
		const { conn } = await openConn(h);
		try {
			expectErr(
				await mustFail(conn.action({ name: "noSuchAction", args: [1] }), "conn noSuchAction"),
				want,
				"conn noSuchAction",
			);
			expectEq(await conn.getCount(), 0, "connection usable after the error");
		} finally {
			await conn.dispose();
		}
	});

	await check(`${tag} rejected connection: params {reject:true} -> user.conn_rejected`, async () => {
		const want = {
			group: "user",
			code: "conn_rejected",
			message: "connection rejected",
			metadata: { reason: "params.reject" },
		};
		const k = key("reject");
		const h = client.counter.getOrCreate(k, { params: { reject: true } });
		// HTTP action with those params runs through onBeforeConnect too
		expectErr(await mustFail(h.getCount(), "HTTP getCount with reject params"), want, "HTTP action");
		const conn = h.connect();
		try {
			const onErr = deferred();
			conn.onError((e) => onErr.resolve(e));
			const actionErr = await mustFail(conn.getCount(), "action on rejected conn");
			const connErr = await withTimeout(onErr.promise, 5000, "conn.onError");
			expectErr(connErr, want, "conn.onError");
			expectErr(actionErr, want, "pending action on the rejected conn");
			if (conn.connStatus === "connected") throw new Error("rejected connection reports connected");
		} finally {
			await conn.dispose();
		}
		// the same actor accepts other params
		expectEq(await client.counter.getOrCreate(k, { params: { reject: false } }).getCount(), 0, "getCount with reject:false");
	});

	await check(`${tag} A -> B -> A: alpha.ping() == "beta:pong", getPongs 1`, async () => {
		const h = client.alpha.getOrCreate(key("aba"));
		expectEq(await h.ping(), "beta:pong", "alpha.ping()");
		expectEq(await h.getPongs(), 1, "alpha.getPongs()");
		expectEq(await h.ping(), "beta:pong", "second alpha.ping()");
		expectEq(await h.getPongs(), 2, "alpha.getPongs() after two pings");
	});

	await check(`${tag} timer: scheduleTick(200) -> tick, ticked event`, async () => {
		const h = client.timer.getOrCreate(key("timer"));
		const { conn } = await openConn(h);
		try {
			const events = [];
			const gotEvent = deferred();
			conn.on("ticked", (...args) => {
				events.push(args);
				gotEvent.resolve();
			});
			expectEq(await conn.getTicks(), 0, "getTicks before");
			const t0 = Date.now();
			expectEq(await h.scheduleTick(200), null, "scheduleTick(200)");
			await waitFor(async () => (await h.getTicks()) === 1, 5000, "getTicks() == 1");
			const elapsed = Date.now() - t0;
			await withTimeout(gotEvent.promise, 3000, "ticked event");
			await sleep(EVENT_GRACE_MS);
			expectEq(events, [[1]], "ticked events");
			expectEq(await h.getTicks(), 1, "getTicks after");
			if (elapsed < 150) throw new Error(`tick ran after ${elapsed} ms, before the 200 ms delay`);
		} finally {
			await conn.dispose();
		}
	});
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
