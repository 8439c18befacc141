#!/usr/bin/env bash
# Peak memory of a run is bounded by concurrent fetches, not by the number of
# sources: the same run over 200 and 2,000 locally served feeds, and with 4
# and 16 concurrent fetches, side by side.
# usage: bash bench/memory.sh [ITEMS_PER_FEED=20]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
items="${1:-20}"
work="$(mktemp -d /dev/shm/newsmirror-mem.XXXXXX)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
bin="${NEWSMIRROR:-$root/target/release/newsmirror}"
[ -n "${NEWSMIRROR:-}" ] || (cd "$root" && cargo build --release --quiet)

mkdir -p "$work/data/feeds"
python3 "$here/serve.py" "$work/data/feeds" > "$work/port" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(head -1 "$work/port")"
python3 "$here/gen-feeds.py" 2000 "$items" "$work/data" "http://127.0.0.1:$port"

run() { # sources concurrency
  local n="$1" c="$2" site="$work/site-$1-$2" cfg="$work/cfg-$1-$2.toml"
  { echo "[defaults]"; echo "concurrency = $c"; echo; awk -v n="$n" '/^\[\[source\]\]/ {k++} k <= n' "$work/data/raw.toml"; } > "$cfg"
  local t0 t1 kib
  t0=$(date +%s.%N)
  kib=$( { /usr/bin/time -f %M "$bin" run --config "$cfg" --site "$site" >/dev/null; } 2>&1 | tail -1)
  t1=$(date +%s.%N)
  printf "%6d sources  concurrency %3d  %8.1f MiB peak  %6.2f s  %6d posts\n" "$n" "$c" "$(echo "$kib / 1024" | bc -l)" "$(echo "$t1 - $t0" | bc -l)" "$(ls "$site/_posts" | wc -l)"
  rm -rf "$site"
}
echo "feeds of $items seed-shaped items (~$((items * 11)) KiB each), served on 127.0.0.1"
for c in 4 16; do
  run 200 "$c"
  run 2000 "$c"
done
