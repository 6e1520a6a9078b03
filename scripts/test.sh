#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the node packages the interop tests need
# (once, into ./node_modules, from the one package.json), then runs every Rust test: unit,
# golden-vector, property, integration against the real Rivet Engine, and the official
# TypeScript client against actorium's own server. Nothing is skipped: a missing prerequisite
# fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "node (20 or later) is required for the interop tests" >&2; exit 1; }
echo "==> npm install --no-save (rivetkit 2.3.19 and 2.2.1, the Rivet Engine binary, ws, vitest; never rewrites package-lock.json)"
npm install --no-save --no-audit --no-fund --loglevel=error

echo "==> cargo test --workspace"
cargo test --workspace --locked --no-fail-fast "$@"

# RivetKit's own driver test suite against the conformance server (cargo test built it), checked
# against conformance/expected-failures.txt and CONFORMANCE.md; no retries.
echo "==> RivetKit driver test suite (conformance/run.sh)"
cargo build --locked -p actorium-conformance --bin conformance-server
bash conformance/run.sh
