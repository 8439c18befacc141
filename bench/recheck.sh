#!/usr/bin/env bash
# Re-checking 10,000 mirrored posts whose originals are unchanged (every
# answer a 304 to the stored ETag) against `curl --parallel` sending the same
# conditional requests with the same concurrency, to the same local server
# (bench/serve.py). Prints both wall times, their ratio and newsmirror's peak
# memory.
# usage: bash bench/recheck.sh [POSTS=10000] [CONCURRENCY=8]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
n="${1:-10000}"
conc="${2:-8}"
work="$(mktemp -d /dev/shm/newsmirror-recheck.XXXXXX 2>/dev/null || mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
bin="${NEWSMIRROR:-$root/target/release/newsmirror}"
[ -n "${NEWSMIRROR:-}" ] || (cd "$root" && cargo build --release --quiet)

mkdir -p "$work/pages" "$work/site/_posts"
python3 "$here/serve.py" "$work/pages" > "$work/port" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(head -1 "$work/port")"
python3 - "$work" "$n" "$port" <<'PY'
import sys, os
work, n, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
para = "<p>" + "The council met on Tuesday and voted to rebuild the old bridge over the river. " * 6 + "</p>"
for i in range(n):
    with open(f"{work}/pages/a{i}.html", "w") as f:
        f.write(f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>{para * 4}</article></body></html>")
    with open(f"{work}/site/_posts/2022-01-01-story-{i}.md", "w") as f:
        f.write(f"---\nlayout: post\ntitle: \"Story {i}\"\ndate: 2022-01-01T00:00:00.000Z\nauthor: B\n"
                f"from: http://127.0.0.1:{port}/a{i}.html\ntags: [ Bench ]\ncomments: True\ncategories: [ Bench ]\n---\n"
                f"<!--1640995200000-->\n[Story {i}](http://127.0.0.1:{port}/a{i}.html)\n------\n\n<div>\n{para}\n</div>\n")
PY
cat > "$work/site/newsmirror.toml" <<TOML
[defaults]
allow_private = true
concurrency = $conc
per_host = $conc

[[source]]
name = "Bench"
url = "http://127.0.0.1:$port/feed.xml"
TOML

# First pass: baselines and ETags (every page fetched and extracted).
/usr/bin/time -f "%e %M" -o "$work/first" "$bin" recheck --site "$work/site" --all --json > "$work/first.json"
echo "first pass (200s, extraction): $(cut -d' ' -f1 "$work/first") s, peak $(( $(cut -d' ' -f2 "$work/first") / 1024 )) MiB"

# Timed: every page unchanged, every answer a 304.
/usr/bin/time -f "%e %M" -o "$work/second" "$bin" recheck --site "$work/site" --all --json > "$work/second.json"
cat "$work/second.json"
ours="$(cut -d' ' -f1 "$work/second")"
mem="$(( $(cut -d' ' -f2 "$work/second") / 1024 ))"

# curl: the same URLs, each with its ETag, the same concurrency.
python3 - "$work" "$n" "$port" > "$work/curl.cfg" <<'PY'
import sys, hashlib
work, n, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    body = open(f"{work}/pages/a{i}.html", "rb").read()
    sha = hashlib.sha1(body).hexdigest()
    if i:
        print("next")
    print(f'url = "http://127.0.0.1:{port}/a{i}.html"')
    print('header = "If-None-Match: \\"%s\\""' % sha)
    print('output = "/dev/null"')
    print('write-out = "%{http_code}\\n"')
PY
start=$(date +%s.%N)
curl --silent --parallel --parallel-max "$conc" --config "$work/curl.cfg" > "$work/curl.codes" 2>/dev/null
end=$(date +%s.%N)
theirs="$(echo "$end - $start" | bc)"
echo "curl answers: $(sort "$work/curl.codes" | uniq -c | tr '\n' ' ')"
echo "newsmirror recheck: ${ours} s, peak ${mem} MiB; curl --parallel: ${theirs} s; ratio $(echo "scale=2; $ours / $theirs" | bc)"
