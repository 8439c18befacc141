#!/usr/bin/env bash
# Ingest benchmark: newsmirror (raw and default mode) against the old Node
# pipeline as it really ran (rss-parser, every feed at once), on the same
# `file://` feeds, side by side, on tmpfs and on disk, at 200 and 2,000 feeds
# of 10,000 posts in all; floors: a bare write + rename loop of the same
# files, and on disk the same loop with fdatasync (newsmirror's writes are
# durable). Set BEFORE=/path/to/an/older/newsmirror to time it in the same
# rounds. usage: bash bench/ingest.sh [ROUNDS=5] [SIZES="200x50 2000x5"]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
rounds="${1:-5}" sizes="${2:-200x50 2000x5}"

work="$(mktemp -d /dev/shm/newsmirror-bench.XXXXXX)"
disk="$(mktemp -d "${TMPDIR:-/var/tmp}/newsmirror-bench.XXXXXX")"
cleanup() { rm -rf "$work" "$disk"; }
trap cleanup EXIT

bin="${NEWSMIRROR:-$root/target/release/newsmirror}"
if [ -z "${NEWSMIRROR:-}" ]; then
  echo "building newsmirror (release)…" >&2
  (cd "$root" && cargo build --release --quiet)
fi

echo "installing rss-parser into a temporary folder…" >&2
npm install --prefix "$work/npm" --no-audit --no-fund --silent rss-parser >/dev/null
cc -O2 -o "$work/write-floor" "$here/write-floor.c"

for size in $sizes; do
  feeds="${size%x*}" items="${size#*x}"
  rm -rf "$work/data"
  mkdir -p "$work/data/feeds"
  python3 "$here/gen-feeds.py" "$feeds" "$items" "$work/data" "file://$work/data/feeds"
  NODE_PATH="$work/npm/node_modules" python3 "$here/ingest.py" \
    --bin "$bin" ${BEFORE:+--before "$BEFORE"} --node-script "$here/old-pipeline/index.js" \
    --floor "$work/write-floor" --data "$work/data" --tmpfs "$work/runs" --disk "$disk/runs" \
    --rounds "$rounds" --expect "$((feeds * items))" --label "$feeds feeds x $items items"
done
