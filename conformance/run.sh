#!/usr/bin/env bash
# RivetKit's driver test suite against actorium's conformance server, checked against
# conformance/expected-failures.txt and CONFORMANCE.md (see conformance/scoreboard.mjs).
# The three encodings run as three vitest processes side by side (the tests mostly wait on
# timers and sockets); each writes its JSON report to target/conformance/.
# CONFORMANCE_UPDATE=1 rewrites CONFORMANCE.md from the run instead of comparing.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build -q -p actorium-conformance --bin conformance-server
out="$target/conformance"
mkdir -p "$out"
start=$(date +%s)
pids=()
for encoding in bare cbor json; do
  rm -f "$out/report-$encoding.json"
  # vitest's own exit code is ignored (the expected failures fail it); the scoreboard decides.
  npx vitest run --config conformance/vitest.config.ts --silent --reporter=dot \
    --reporter=json --outputFile.json="$out/report-$encoding.json" \
    --testNamePattern "encoding \\($encoding\\)" >"$out/vitest-$encoding.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
echo "conformance: suite ran in $(( $(date +%s) - start )) s (logs in $out/vitest-*.log)"
for encoding in bare cbor json; do
  [ -s "$out/report-$encoding.json" ] || {
    echo "conformance: vitest wrote no report for $encoding:" >&2
    tail -20 "$out/vitest-$encoding.log" >&2
    exit 1
  }
done
node conformance/scoreboard.mjs check "$out"/report-{bare,cbor,json}.json
