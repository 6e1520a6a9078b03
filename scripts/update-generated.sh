#!/usr/bin/env bash
# Rewrites the committed generated documents on purpose, after a change that alters them; the
# tests only compare them (and say to run this). Review the result with `git diff`.
#
#   examples/schema.json              the seed registry's schema document
#   codegen/tests/snapshots/**        TypeScript, OpenAPI and JSON Schema generated from it
#   tests/ui/fail/*.stderr            the compiler's messages for the macro mistakes (trybuild)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> examples/schema.json"
UPDATE_SNAPSHOTS=1 cargo test --locked -p actorium-examples --test schema schema_json_is_the_registry_schema
echo "==> codegen snapshots (from examples/schema.json)"
UPDATE_SNAPSHOTS=1 cargo test --locked -p actorium-codegen --test snapshots
echo "==> macro compile-error messages"
TRYBUILD=overwrite cargo test --locked -p actorium-tests --test macro_ui

git status --short
