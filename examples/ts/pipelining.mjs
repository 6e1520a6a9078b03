#!/usr/bin/env node
// Pipelining over one WebSocket with the official RivetKit 2.3.19 client:
// COUNT concurrent `chatRoom.sendMessage` calls on one connection (all issued
// before the first reply), then the room's history read back over HTTP.
//
//   node examples/ts/pipelining.mjs ENDPOINT ENCODING [COUNT]
//
// Prints one JSON line:
//   {"encoding", "count", "fulfilled", "rejected", "stored", "storedFulfilled",
//    "storedRejected", "unstructured", "errors": {"group.code": n}}
// where `stored` is the number of this run's messages in the history,
// `storedFulfilled`/`storedRejected` how many of them belong to calls that
// were fulfilled/rejected, and `unstructured` how many rejections carry no
// `group` and `code`. The caller asserts on it (examples/tests/ts_pipelining.rs);
// the script exits 0 whenever it could measure.

process.env.RIVET_LOG_LEVEL ??= "error";
const { createClient } = await import("rivetkit/client");

const [endpoint, encoding, countArg] = process.argv.slice(2);
if (!endpoint || !encoding) {
	console.error("usage: node examples/ts/pipelining.mjs <endpoint> <bare|json|cbor> [count]");
	process.exit(2);
}
const count = Number(countArg ?? 20000);
const room = `pipelining-${encoding}-${Date.now().toString(36)}-${process.pid}`;

const client = createClient({ endpoint, encoding });
const conn = client.chatRoom.getOrCreate([room]).connect();

const calls = [];
for (let i = 0; i < count; i++) calls.push(conn.sendMessage("pipeliner", `m${i}`));
const outcomes = await Promise.allSettled(calls);

const fulfilled = new Set();
const rejected = new Set();
const errors = {};
let unstructured = 0;
outcomes.forEach((o, i) => {
	if (o.status === "fulfilled") {
		fulfilled.add(`m${i}`);
		return;
	}
	rejected.add(`m${i}`);
	const e = o.reason;
	const key = e?.group && e?.code ? `${e.group}.${e.code}` : `unstructured: ${e?.message ?? e}`;
	if (!(e?.group && e?.code)) unstructured++;
	errors[key] = (errors[key] ?? 0) + 1;
});
await conn.dispose().catch(() => {});

// The history over HTTP (a fresh request, not the connection under test).
const url = `${endpoint}/gateway/chatRoom/action/getHistory?rvt-namespace=default&rvt-method=get&rvt-runner=default&rvt-key=${encodeURIComponent(room)}`;
const res = await fetch(url, {
	method: "POST",
	headers: { "content-type": "application/json", "x-rivet-encoding": "json" },
	body: JSON.stringify({ args: [] }),
});
if (!res.ok) {
	console.error(`getHistory: HTTP ${res.status}: ${await res.text()}`);
	process.exit(1);
}
const history = (await res.json()).output;
const texts = history.filter((m) => m.sender === "pipeliner").map((m) => m.text);
const storedFulfilled = texts.filter((t) => fulfilled.has(t)).length;
const storedRejected = texts.filter((t) => rejected.has(t)).length;

console.log(
	JSON.stringify({
		encoding,
		count,
		fulfilled: fulfilled.size,
		rejected: rejected.size,
		stored: texts.length,
		storedDistinct: new Set(texts).size,
		storedFulfilled,
		storedRejected,
		unstructured,
		errors,
	}),
);
process.exit(0);
