#!/usr/bin/env bash
# Packs the built package exactly as `npm publish` would, into .test-tmp/n8n-nodes-cart-recovery.tgz,
# for tests and the demo to install into an n8n user folder as a community package.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .test-tmp
tarball=$(npm pack --silent --pack-destination .test-tmp | tail -n 1)
mv -f ".test-tmp/$tarball" .test-tmp/n8n-nodes-cart-recovery.tgz
echo "$PWD/.test-tmp/n8n-nodes-cart-recovery.tgz"
