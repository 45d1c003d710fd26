#!/usr/bin/env bash
# The project's test command (npm test): builds, packs, then runs every test under Node 24 (n8n 2.x needs it)
# against the Postgres server in TEST_DATABASE_URL, PGlite, a PostgREST fixture, n8n's engine in-process
# and real n8n servers. Arguments select test files (default: every test/**/*.test.ts).
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-services.sh || exit 1
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
NODE24="$(bash scripts/runtime.sh node)" || exit 1
export N8N_RUNTIME_DIR; N8N_RUNTIME_DIR="$(bash scripts/runtime.sh n8n)" || exit 1
export PATH="$(dirname "$NODE24"):$PATH"

# A type error fails the run, but the tests still run on what compiled, so every failure shows at once.
build_status=0
# From scratch, as npm run build: a migration or node removed from the sources must not live on in dist/.
rm -rf dist
npx tsc -p tsconfig.json || build_status=$?
npx gulp build --silent || exit 1
bash scripts/pack.sh >/dev/null || exit 1

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
# Two files at once. Three finished the tests sooner (1,378 s), but starved CI's newcomer path, which installs n8n
# from an empty cache at the same time, past its time limit.
node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-600000}" "${files[@]}"
test_status=$?
if [ "$build_status" -ne 0 ]; then echo "npm test: the TypeScript build failed (see above)" >&2; exit "$build_status"; fi
exit "$test_status"
