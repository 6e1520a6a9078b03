#!/usr/bin/env python3
"""Server cost per action under callgrind: instructions and allocations, deterministic.

Runs `actorium-bench serve-actorium` under `valgrind --tool=callgrind` with instrumentation
off, warms up, turns instrumentation on for N sequential requests on one keep-alive HTTP
connection, and reports the server's instructions (Ir) and `malloc` calls per request. The
counts repeat to a fraction of a percent on a noisy machine, unlike timings, so two builds can
be compared (BENCHMARKS.md quotes them).

    cargo build --release -p actorium-bench
    python3 bench/callgrind.py target/release/actorium-bench            # http-read, http-write
    python3 bench/callgrind.py OLD_BINARY NEW_BINARY                    # both, side by side

Scenarios: `http-read` (getCount on one actor, in memory) and `http-write` (increment on one
actor, SQLite NORMAL, reply after commit). Needs valgrind and callgrind_control.
"""

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
    if scenario == "http-read":
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
            action = "getCount" if scenario == "http-read" else "increment"
            args = [] if scenario == "http-read" else [1]
            path = f"/gateway/{actor}/action/{action}"
            for _ in range(WARMUP):
                request(conn, "POST", path, {"args": args})
            control(proc.pid, "-z")
            control(proc.pid, "-i", "on")
            for _ in range(REQUESTS):
                request(conn, "POST", path, {"args": args})
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
    for scenario in ("http-read", "http-write"):
        for b in binaries:
            ir, mallocs = measure(b, scenario)
            results[(scenario, b)] = (ir, mallocs)
            print(f"{scenario:<12} {b:<40} {ir:>14,.0f} {mallocs:>9.1f}", flush=True)
        if len(binaries) == 2:
            (a, am), (c, cm) = results[(scenario, binaries[0])], results[(scenario, binaries[1])]
            print(f"{scenario:<12} {'second / first':<40} {c / a:>14.4f} {cm / am if am else 0:>9.4f}")


if __name__ == "__main__":
    main()
