#!/usr/bin/env bash
# Ingest benchmark: newsmirror against the old Node pipeline (rss-parser) on
# the same locally served feeds, side by side, plus a bare write loop as the
# floor. usage: bash bench/ingest.sh [FEEDS=200] [ITEMS=50] [ROUNDS=5]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
feeds="${1:-200}" items="${2:-50}" rounds="${3:-5}"

work="$(mktemp -d /dev/shm/newsmirror-bench.XXXXXX)"
disk="$(mktemp -d "${TMPDIR:-/var/tmp}/newsmirror-bench.XXXXXX")"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work" "$disk"; }
trap cleanup EXIT

bin="${NEWSMIRROR:-$root/target/release/newsmirror}"
if [ -z "${NEWSMIRROR:-}" ]; then
  echo "building newsmirror (release)…" >&2
  (cd "$root" && cargo build --release --quiet)
fi

echo "installing rss-parser into a temporary folder…" >&2
npm install --prefix "$work/npm" --no-audit --no-fund --silent rss-parser >/dev/null
cc -O2 -o "$work/write-floor" "$here/write-floor.c"

mkdir -p "$work/data/feeds"
python3 "$here/serve.py" "$work/data/feeds" > "$work/port" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(head -1 "$work/port")"
python3 "$here/gen-feeds.py" "$feeds" "$items" "$work/data" "http://127.0.0.1:$port"

NODE_PATH="$work/npm/node_modules" python3 "$here/ingest.py" \
  --bin "$bin" --node-script "$here/old-pipeline/index.js" --floor "$work/write-floor" \
  --data "$work/data" --tmpfs "$work/runs" --disk "$disk/runs" \
  --rounds "$rounds" --expect "$((feeds * items))"
