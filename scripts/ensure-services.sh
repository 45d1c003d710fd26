#!/usr/bin/env bash
# What the tests need besides npm packages: Postgres on 127.0.0.1:5432 (store suites; TEST_DATABASE_URL),
# Redis on 127.0.0.1:6379 (n8n queue mode) and Debian's Chromium (the editor check). Starts or installs what is
# missing where it can (Debian, as root), otherwise says exactly what to do. Used by npm test and CI.
set -uo pipefail

missing=0
say() { echo "[services] $*" >&2; }

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || { say "PostgreSQL is not running on 127.0.0.1:5432 (apt-get install postgresql, or set TEST_DATABASE_URL)"; missing=1; }
fi

if [ -z "${TEST_DATABASE_URL:-}" ] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null &&
   ! psql -h 127.0.0.1 -U postgres -d test -Atqc 'select 1' >/dev/null 2>&1; then
  say "creating database test"
  createdb -h 127.0.0.1 -U postgres test 2>/dev/null || true
fi

if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  if command -v redis-server >/dev/null 2>&1; then
    say "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp >/dev/null
    sleep 1
  fi
  (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null || { say "Redis is not running on 127.0.0.1:6379 (apt-get install redis-server)"; missing=1; }
fi

browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$browser" ] || ! dpkg -s fonts-noto-color-emoji >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian chromium (headless editor check)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium fonts-noto-color-emoji >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium fonts-noto-color-emoji >/dev/null 2>&1; }
  fi
  [ -x "$browser" ] || { say "Chromium not found at $browser (apt-get install chromium, or set CHROMIUM_PATH)"; missing=1; }
fi

exit "$missing"
