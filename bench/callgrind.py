#!/usr/bin/env python3
"""Server cost per action under callgrind: instructions and allocations, deterministic.

Runs `actorium-bench serve-actorium` under `valgrind --tool=callgrind` with instrumentation
off, warms up, turns instrumentation on for N sequential requests on one keep-alive HTTP
connection, and reports the server's instructions (Ir) and `malloc` calls per request. The
counts repeat to a fraction of a percent on a noisy machine, unlike timings, so two builds can
be compared (BENCHMARKS.md quotes them).

    cargo build --release -p actorium-bench
    python3 bench/callgrind.py target/release/actorium-bench            # every scenario
    python3 bench/callgrind.py OLD_BINARY NEW_BINARY                    # both, side by side
    CALLGRIND_SCENARIOS=http-read,ws-read python3 bench/callgrind.py …  # some of them

Scenarios: `http-read` (getCount on one actor, in memory), `http-write` (increment on one
actor, SQLite NORMAL, reply after commit) and `ws-read` (getCount on one actor, in memory,
sequential calls over one WebSocket connection, json encoding). Needs valgrind and
callgrind_control.
"""

import base64
import socket
import struct

import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

REQUESTS = int(os.environ.get("CALLGRIND_REQUESTS", "3000"))
WARMUP = 300


def start(binary, scenario, workdir):
    out = os.path.join(workdir, "cg.out")
    args = [
        "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
        binary, "serve-actorium", "--port", "0", "--data-dir", os.path.join(workdir, "data"),
    ]
    if scenario in ("http-read", "ws-read"):
        args.append("--memory")
    # The server stops when its stdin reaches EOF: hold a pipe open for its lifetime.
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        m = re.search(r"READY http://([0-9.]+):([0-9]+)", line)
        if m:
            return proc, out, (m.group(1), int(m.group(2)))
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"{binary} did not print READY under valgrind")


def request(conn, method, path, body):
    data = json.dumps(body).encode()
    conn.request(method, path, body=data, headers={"content-type": "application/json"})
    resp = conn.getresponse()
    payload = resp.read()
    if resp.status != 200:
        raise SystemExit(f"{method} {path}: {resp.status} {payload[:200]!r}")
    return json.loads(payload)


class WebSocket:
    """Just enough of a WebSocket client (RFC 6455) for sequential calls: masked text frames
    out, unfragmented frames in, pings answered."""

    def __init__(self, host, port, path):
        self.sock = socket.create_connection((host, port), timeout=120)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: rivet, rivet_encoding.json\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._recv()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise SystemExit(f"WebSocket upgrade refused: {head[:200]!r}")

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise SystemExit("the server closed the WebSocket")
        return data

    def _take(self, n):
        while len(self.buf) < n:
            self.buf += self._recv()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send_text(self, text):
        self._send_frame(0x1, text.encode())

    def recv_text(self):
        while True:
            b0, b1 = self._take(2)
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._take(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._take(8))
            payload = self._take(n)
            opcode = b0 & 0x0F
            if opcode == 0x9:
                self._send_frame(0xA, payload)
            elif opcode == 0x8:
                raise SystemExit(f"the server closed the WebSocket: {payload!r}")
            elif opcode in (0x1, 0x2):
                return payload.decode()


def ws_call(ws, i):
    ws.send_text(json.dumps({"body": {"tag": "ActionRequest", "val": {
        "id": ["$BigInt", str(i)], "name": "getCount", "args": []}}}))
    reply = ws.recv_text()
    if "ActionResponse" not in reply:
        raise SystemExit(f"getCount over the WebSocket: {reply[:200]}")


def control(pid, *args):
    subprocess.run(["callgrind_control", *args, str(pid)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def totals(path):
    """(instructions, malloc calls) of a callgrind output file."""
    ir = 0
    mallocs = 0
    names = {}
    callee = None
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                ir = int(line.split()[1])
            m = re.match(r"(c?)fn=\((\d+)\)(?: (.*))?", line)
            if m:
                if m.group(3):
                    names[m.group(2)] = m.group(3).strip()
                if m.group(1):
                    callee = names.get(m.group(2))
                continue
            if line.startswith("calls=") and callee in ("malloc", "__libc_malloc"):
                mallocs += int(line[6:].split()[0])
    return ir, mallocs


def measure(binary, scenario):
    with tempfile.TemporaryDirectory() as workdir:
        proc, out, (host, port) = start(binary, scenario, workdir)
        try:
            conn = http.client.HTTPConnection(host, port, timeout=120)
            actor = request(conn, "PUT", "/actors", {"name": "counter", "key": "callgrind"})
            actor = actor["actor"]["actor_id"]
            if scenario == "ws-read":
                ws = WebSocket(host, port, f"/gateway/{actor}/connect")
                if "Init" not in ws.recv_text():
                    raise SystemExit("the WebSocket did not start with Init")
                call = lambda i: ws_call(ws, i)  # noqa: E731
            else:
                action = "getCount" if scenario == "http-read" else "increment"
                args = [] if scenario == "http-read" else [1]
                path = f"/gateway/{actor}/action/{action}"
                call = lambda i: request(conn, "POST", path, {"args": args})  # noqa: E731
            for i in range(WARMUP):
                call(i)
            control(proc.pid, "-z")
            control(proc.pid, "-i", "on")
            for i in range(REQUESTS):
                call(WARMUP + i)
            control(proc.pid, "-i", "off")
            control(proc.pid, "-d")
            time.sleep(1)
        finally:
            proc.terminate()
            proc.wait(timeout=120)
        dumps = sorted(p for p in os.listdir(workdir) if p.startswith("cg.out"))
        ir, mallocs = 0, 0
        for d in dumps:
            i, m = totals(os.path.join(workdir, d))
            if i > ir:
                ir, mallocs = i, m
        return ir / REQUESTS, mallocs / REQUESTS


def main():
    binaries = sys.argv[1:]
    if not binaries:
        raise SystemExit(__doc__)
    print(f"server cost per request under callgrind ({REQUESTS} sequential requests, one connection)")
    print(f"{'scenario':<12} {'binary':<40} {'instructions':>14} {'mallocs':>9}")
    results = {}
    scenarios = os.environ.get("CALLGRIND_SCENARIOS", "http-read,http-write,ws-read").split(",")
    for scenario in scenarios:
        for b in binaries:
            ir, mallocs = measure(b, scenario)
            results[(scenario, b)] = (ir, mallocs)
            print(f"{scenario:<12} {b:<40} {ir:>14,.0f} {mallocs:>9.1f}", flush=True)
        if len(binaries) == 2:
            (a, am), (c, cm) = results[(scenario, binaries[0])], results[(scenario, binaries[1])]
            print(f"{scenario:<12} {'second / first':<40} {c / a:>14.4f} {cm / am if am else 0:>9.4f}")


if __name__ == "__main__":
    main()
