#!/usr/bin/env node
// The official RivetKit 2.2.1 client (`rivetkit-driver-suite/client`, the npm alias of
// rivetkit@2.2.1 that ships the driver test suite; it speaks client protocol v3 in BARE)
// against a server hosting the actors of tests/ACTORS.md.
//
//   node interop/older-client.mjs ENDPOINT [bare,json,cbor]
//
// Per encoding: an HTTP action, values that only survive if the server keeps v3's plain CBOR
// (`$`-arrays, a 2^40 number), a user error over HTTP; a connection: action, event, user
// error; a rejected connection. In BARE every frame and body the server sends must be
// stamped v3 (a wire tap on `ws` and `fetch`). Prints `ok - name` / `not ok - name: reason`,
// then `N passed, M failed`; exit 1 if any check failed.

import { isDeepStrictEqual } from "node:util";
import WS from "ws";

process.env.RIVET_LOG_LEVEL ??= "error";
const { createClient } = await import("rivetkit-driver-suite/client");

const endpoint = process.argv[2];
if (!endpoint) {
	console.error("usage: node older-client.mjs <endpoint> [bare,json,cbor]");
	process.exit(2);
}
const encodings = (process.argv[3] ?? "bare,json,cbor").split(",").filter(Boolean);
const TIMEOUT_MS = 15000;
const runId = `${Date.now().toString(36)}-${process.pid}`;

// ------------------------------------------------------------ wire tap
// The BARE version prefix of every binary WebSocket frame and every binary HTTP response body
// the client receives.
const seen = [];
const prefix = (bytes) => (bytes.length >= 2 ? bytes[0] | (bytes[1] << 8) : null);
const origAdd = WS.prototype.addEventListener;
WS.prototype.addEventListener = function (type, listener, ...rest) {
	if (type === "message" && !this.__tapped) {
		this.__tapped = true;
		origAdd.call(this, "message", (ev) => {
			if (typeof ev.data !== "string") seen.push({ via: "ws", version: prefix(new Uint8Array(ev.data)) });
		});
	}
	return origAdd.call(this, type, listener, ...rest);
};
const origFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
	const res = await origFetch(...args);
	if (res.headers.get("content-type") === "application/octet-stream") {
		const body = new Uint8Array(await res.clone().arrayBuffer());
		seen.push({ via: "http", version: prefix(body) });
	}
	return res;
};

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

async function check(name, fn) {
	try {
		await withTimeout(Promise.resolve().then(fn), TIMEOUT_MS, name);
		passed++;
		console.log(`ok - ${name}`);
	} catch (e) {
		failed++;
		console.log(`not ok - ${name}: ${String(e?.message ?? e).replace(/\s*\n\s*/g, " | ")}`);
	}
}

function expectEq(got, want, what) {
	if (!isDeepStrictEqual(got, want)) {
		throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
	}
}

async function expectErr(promise, want, what) {
	let err;
	try {
		await promise;
	} catch (e) {
		err = e;
	}
	if (!err) throw new Error(`${what}: succeeded, expected ${want.group}.${want.code}`);
	const got = { group: err.group, code: err.code, message: err.message, metadata: err.metadata };
	expectEq(got, want, what);
}

async function waitFor(cond, what) {
	const end = Date.now() + 5000;
	while (!cond()) {
		if (Date.now() > end) throw new Error(`timeout: ${what}`);
		await sleep(10);
	}
}

/// In BARE, every frame and body received since `from` is stamped `want`.
function expectVersions(encoding, from, want, what) {
	if (encoding !== "bare") return;
	const got = seen.slice(from);
	if (got.length === 0) throw new Error(`${what}: the wire tap saw nothing`);
	const wrong = got.filter((s) => s.version !== want);
	if (wrong.length) throw new Error(`${what}: expected every BARE payload in v${want}, got ${JSON.stringify(wrong)}`);
}

// ------------------------------------------------------------ checks
// `$`-arrays: in BARE v3 and JSON they round-trip. In CBOR, which carries no version, actorium
// escapes them for 2.3.19 (which revives CBOR outputs) and 2.2.1 (which does not) sees the
// escape, so they are left out there.
const dollarArrays = (encoding, values) => (encoding === "cbor" ? [] : values);
const badThing = { group: "user", code: "bad_thing", message: "nope", metadata: { why: "test" } };

for (const encoding of encodings) {
	const client = createClient({ endpoint, encoding });
	const tag = `[2.2.1 ${encoding}]`;
	const key = (what) => [`older-${what}-${encoding}-${runId}`];

	await check(`${tag} HTTP action, plain values, user error`, async () => {
		const h = client.counter.getOrCreate(key("http"));
		const from = seen.length;
		expectEq(await h.increment(2), 2, "increment(2)");
		const values = [2 ** 40, ...dollarArrays(encoding, [["$weird", 1], { nested: ["$x", "y"] }])];
		expectEq(await h.echo(...values), values, "echo");
		await expectErr(h.fail("nope"), badThing, "fail('nope')");
		expectVersions(encoding, from, 3, "HTTP");
	});

	await check(`${tag} connection: action, event, user error`, async () => {
		const h = client.counter.getOrCreate(key("ws"));
		const from = seen.length;
		const conn = h.connect();
		try {
			const events = [];
			conn.on("newCount", (n) => events.push(n));
			expectEq(await conn.increment(3), 3, "conn.increment(3)");
			expectEq(await h.increment(4), 7, "HTTP increment(4)");
			await waitFor(() => events.length >= 2, "two newCount events");
			expectEq(events, [3, 7], "newCount events");
			const values = [2 ** 40, ...dollarArrays(encoding, [["$a", 1]])];
			expectEq(await conn.echo(...values), values, "conn.echo");
			await expectErr(conn.fail("nope"), badThing, "conn.fail('nope')");
			expectEq(await conn.getCount(), 7, "connection usable after the error");
			expectVersions(encoding, from, 3, "WebSocket");
		} finally {
			await conn.dispose();
		}
	});

	await check(`${tag} rejected connection -> user.conn_rejected`, async () => {
		const want = {
			group: "user",
			code: "conn_rejected",
			message: "connection rejected",
			metadata: { reason: "params.reject" },
		};
		const h = client.counter.getOrCreate(key("reject"), { params: { reject: true } });
		const from = seen.length;
		const conn = h.connect();
		try {
			let connErr;
			conn.onError((e) => {
				connErr = e;
			});
			await expectErr(conn.getCount(), want, "action on the rejected connection");
			await waitFor(() => connErr, "conn.onError");
			await expectErr(Promise.reject(connErr), want, "conn.onError");
			expectVersions(encoding, from, 3, "rejection");
		} finally {
			await conn.dispose();
		}
	});

	await client.dispose();
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
