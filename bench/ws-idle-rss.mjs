#!/usr/bin/env node
// Memory of idle WebSockets: opens N `/connect` sockets to one `chatRoom` of a
// running seed-server (json encoding, each waits for its Init) and prints the
// server's RSS before and after, and the growth per socket, as one JSON line.
//
//   node bench/ws-idle-rss.mjs ENDPOINT SERVER_PID N
import WS from "ws";
import { readFileSync } from "node:fs";
const [endpoint, pid, n] = process.argv.slice(2);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const url = `${endpoint.replace("http", "ws")}/gateway/chatRoom/connect?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=rss`;
const open = () => new Promise((res, rej) => {
  const ws = new WS(url, ["rivet", "rivet_encoding.json"]);
  ws.once("message", () => res(ws));
  ws.once("error", rej);
});
// Warm up: the actor and one connection.
const warm = await open();
await new Promise((r) => setTimeout(r, 1000));
const before = rss();
const socks = [];
for (let i = 0; i < Number(n); i++) socks.push(await open());
await new Promise((r) => setTimeout(r, 2000));
const after = rss();
console.log(JSON.stringify({ n: Number(n), beforeKiB: before, afterKiB: after, perSocketKiB: (after - before) / Number(n) }));
process.exit(0);
