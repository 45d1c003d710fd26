#!/usr/bin/env bash
# The project's test command (npm test): builds, then runs every test under Node 24 (n8n 2.x needs it)
# against the Postgres server in TEST_DATABASE_URL, PGlite, a PostgREST fixture, n8n's engine in-process
# and real n8n servers. Extra arguments are passed to `node --test` (e.g. a test file).
set -euo pipefail
cd "$(dirname "$0")/.."

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
NODE24="$(bash scripts/runtime.sh node)"
export N8N_RUNTIME_DIR="$(bash scripts/runtime.sh n8n)"
export PATH="$(dirname "$NODE24"):$PATH"

npm run build --silent
bash scripts/pack.sh >/dev/null

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-600000}" "${files[@]}"
