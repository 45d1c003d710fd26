#!/usr/bin/env bash
# Runs a benchmark under Node 24 against n8n servers from the test server harness (build + pack first, as
# scripts/test.sh does). Usage: bash bench/run.sh [bench/trigger-intake.bench.ts] [-- options]
set -uo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
NODE24="$(bash scripts/runtime.sh node)" || exit 1
export N8N_RUNTIME_DIR; N8N_RUNTIME_DIR="$(bash scripts/runtime.sh n8n)" || exit 1
export PATH="$(dirname "$NODE24"):$PATH"
npx tsc -p tsconfig.json || echo "bench: TypeScript errors (see above); running on what compiled" >&2
npx gulp build --silent || exit 1
bash scripts/pack.sh >/dev/null || exit 1
file="${1:-bench/trigger-intake.bench.ts}"; shift || true
exec node --import tsx "$file" "$@"
