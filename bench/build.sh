#!/usr/bin/env bash
# Static-site build benchmark: `newsmirror build` against Hugo and Jekyll (both
# Debian's) on the same N seed-shaped posts, on disk and on tmpfs, the tools
# side by side in each round. Medians of wall time and peak RSS.
# usage: bash bench/build.sh [--text seed|random-cjk|waimei] [N=2000] [ROUNDS=3]
#   --text random-cjk  posts of random CJK text, all in one month (gen-posts.py)
#   --text waimei      the real waimei archive (shared/corpus), replicated past
#                      its 5,300 posts into earlier months (gen-posts.py)
#   NEWSMIRROR=/path/to/binary  use that binary instead of `cargo build --release`
#   BEFORE=/path/to/binary      also time an older newsmirror, side by side
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
text=seed
if [ "${1:-}" = --text ]; then text="${2:-}"; shift 2 || true; fi
n="${1:-2000}" rounds="${2:-3}"
[[ "$n" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ && "$text" =~ ^(seed|random-cjk|waimei)$ ]] ||
  { echo "usage: bash bench/build.sh [--text seed|random-cjk|waimei] [N=2000] [ROUNDS=3]" >&2; exit 2; }
# Jekyll needs minutes for a few thousand posts and tens of minutes beyond:
# past this it would dominate the run without telling anything new.
jekyll_max=2000

disk="" shm=""
cleanup() { rm -rf "$disk" "$shm"; }
trap cleanup EXIT
# A plain `kill` or Ctrl-C must still remove gigabytes of posts and output.
trap 'exit 130' INT
trap 'exit 143' TERM
disk="$(mktemp -d "${TMPDIR:-/var/tmp}/newsmirror-build.XXXXXX")"
shm="$(mktemp -d /dev/shm/newsmirror-build.XXXXXX)"

say() { echo "$@" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# A fresh machine has empty apt lists: update only when the install fails.
apt_install() {
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@")
  as_root "${apt[@]}" >"$shm/apt.log" 2>&1 ||
    { as_root apt-get update -q >>"$shm/apt.log" 2>&1 && as_root "${apt[@]}" >>"$shm/apt.log" 2>&1; } ||
    { tail -5 "$shm/apt.log" >&2; return 1; }
}

# --- tools -------------------------------------------------------------------
[ -x /usr/bin/time ] || { say "installing time…"; apt_install time; }
command -v hugo >/dev/null || { say "installing hugo…"; apt_install hugo; }
tools=(newsmirror hugo)
[ -z "${BEFORE:-}" ] || tools+=(before)
if [ "$n" -gt "$jekyll_max" ]; then
  say "jekyll: skipped, N=$n > $jekyll_max"
elif command -v jekyll >/dev/null || { say "installing jekyll…"; apt_install jekyll; }; then
  tools+=(jekyll)
else
  say "jekyll: skipped, apt-get install jekyll failed (above)"
fi

bin="${NEWSMIRROR:-$root/target/release/newsmirror}"
if [ -z "${NEWSMIRROR:-}" ]; then
  say "building newsmirror (release)…"
  (cd "$root" && cargo build --release --quiet)
fi

# --- the sites -----------------------------------------------------------------
t0=$(date +%s%N)
python3 "$here/gen-posts.py" "$shm/site" "$n" --text "$text"
say "generated in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# Each place has its own copy of the posts, so input and output are on the
# same medium; Hugo and Jekyll see them through hard links (no extra space,
# byte-identical input).
setup_place() {
  local dir="$1"
  [ -d "$dir/site/_posts" ] || { mkdir -p "$dir/site"; cp -a "$shm/site/_posts" "$dir/site/_posts"; }

  mkdir -p "$dir/hugo/content"
  cp -r "$here/hugo/." "$dir/hugo/"
  cp -al "$dir/site/_posts" "$dir/hugo/content/posts"

  # Jekyll's side: post pages with prev/next, a home listing the newest 50
  # (newsmirror's per_page) and an RSS feed of the newest 20. Plain Jekyll has no pagination or tag pages without
  # plugins, so it does less work than the other two (see the file counts).
  [[ " ${tools[*]} " == *" jekyll "* ]] || return 0
  mkdir -p "$dir/jekyll/_layouts"
  cp -al "$dir/site/_posts" "$dir/jekyll/_posts"
  cat >"$dir/jekyll/_config.yml" <<'EOF'
title: newsmirror bench
url: https://example.org
timezone: UTC
future: true
markdown: kramdown
permalink: /:year/:month/:day/:title/
EOF
  cat >"$dir/jekyll/_layouts/default.html" <<'EOF'
<!DOCTYPE html>
<html lang="zh-tw">
<head>
<meta charset="utf-8">
<title>{% if page.title %}{{ page.title }} | {% endif %}{{ site.title }}</title>
<link rel="alternate" type="application/rss+xml" href="{{ '/feed.xml' | absolute_url }}">
</head>
<body>
<header><a href="{{ '/' | relative_url }}">{{ site.title }}</a></header>
<main>{{ content }}</main>
</body>
</html>
EOF
  cat >"$dir/jekyll/_layouts/post.html" <<'EOF'
---
layout: default
---
<article>
<h1>{{ page.title }}</h1>
<p><time datetime="{{ page.date | date_to_xmlschema }}">{{ page.date | date: "%Y-%m-%d %H:%M" }}</time>
 · {{ page.author }} · <a href="{{ page.from }}">原文</a></p>
<p>{% for c in page.categories %}{{ c }} {% endfor %}{% for t in page.tags %}#{{ t }} {% endfor %}</p>
{{ content }}
</article>
<nav>
{% if page.next %}<a href="{{ page.next.url | relative_url }}">← newer: {{ page.next.title }}</a>{% endif %}
{% if page.previous %}<a href="{{ page.previous.url | relative_url }}">older: {{ page.previous.title }} →</a>{% endif %}
</nav>
EOF
  cat >"$dir/jekyll/index.html" <<'EOF'
---
layout: default
---
<ul>
{% for post in site.posts limit: 50 %}<li><time>{{ post.date | date: "%Y-%m-%d" }}</time> <a href="{{ post.url | relative_url }}">{{ post.title }}</a></li>
{% endfor %}
</ul>
EOF
  cat >"$dir/jekyll/feed.xml" <<'EOF'
---
layout: null
---
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
<title>{{ site.title }}</title>
<link>{{ '/' | absolute_url }}</link>
<description>{{ site.title }}</description>
{% for post in site.posts limit: 20 %}<item>
<title>{{ post.title | xml_escape }}</title>
<link>{{ post.url | absolute_url }}</link>
<guid>{{ post.url | absolute_url }}</guid>
<pubDate>{{ post.date | date_to_rfc822 }}</pubDate>
<description>{{ post.content | xml_escape }}</description>
</item>
{% endfor %}
</channel>
</rss>
EOF
}
places=(disk tmpfs)
declare -A dirs=([disk]="$disk" [tmpfs]="$shm")
for where in "${places[@]}"; do setup_place "${dirs[$where]}"; done

# --- the runs ------------------------------------------------------------------
results="$shm/results"  # where tool wall_s peak_kib files bytes
: >"$results"

# Runs one build, timed; returns non-zero (log kept) when the tool fails.
build() { # where tool
  local where="$1" tool="$2" dir="${dirs[$1]}"
  local out="$dir/out-$tool" log="$dir/$tool.log" cmd
  case "$tool" in
    newsmirror) cmd=("$bin" build --site "$dir/site" --out "$out") ;;
    before) cmd=("$BEFORE" build --site "$dir/site" --out "$out") ;;
    hugo) cmd=(hugo --source "$dir/hugo" --destination "$out" --cacheDir "$dir/hugo-cache") ;;
    # Jekyll's disk cache of rendered markdown would make every round after
    # the first a cache read: each build starts cold, as the others do.
    jekyll) cmd=(jekyll build --source "$dir/jekyll" --destination "$out" --disable-disk-cache) ;;
  esac
  # newsmirror keeps what it learnt of each post and output file in
  # SITE/.newsmirror and skips whatever is unchanged: without this, rounds
  # after the first would time an incremental no-op, not a build.
  rm -rf "$out" "$dir/site/.newsmirror"
  # Write back the last build's output now, not during this one's timing.
  sync
  /usr/bin/time -f '%e %M' -o "$dir/time" "${cmd[@]}" >"$log" 2>&1 || return 1
  local wall kib files_bytes
  read -r wall kib < <(tail -1 "$dir/time")
  files_bytes=$(find "$out" -type f -printf '%s\n' | awk '{ b += $1 } END { printf "%d %.0f\n", NR, b }')
  echo "$where $tool $wall $kib $files_bytes" >>"$results"
  # Freed right away: at N=100,000 each output is over a GiB, on tmpfs in RAM.
  rm -rf "$out"
}

for where in "${places[@]}"; do
  for ((r = 0; r < rounds; r++)); do
    # Rotate the order each round so no tool always runs first (cold) or
    # right after another's writeback.
    order=("${tools[@]:r % ${#tools[@]}}" "${tools[@]:0:r % ${#tools[@]}}")
    for tool in "${order[@]}"; do
      say "$where round $((r + 1))/$rounds: $tool"
      if ! build "$where" "$tool"; then
        say "$tool failed on $where:"
        tail -20 "${dirs[$where]}/$tool.log" >&2
        # Jekyll is the optional reference: drop it and go on. The other two
        # are what the benchmark is for.
        [ "$tool" = jekyll ] || exit 1
        say "jekyll: skipped from here on"
        kept=(); for t in "${tools[@]}"; do [ "$t" = jekyll ] || kept+=("$t"); done
        tools=("${kept[@]}")
        sed -i '/ jekyll /d' "$results"
      fi
    done
  done
done

# --- the report ----------------------------------------------------------------
# printf, not print: mawk prints numbers past 2^31 as 1.2e+09.
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.12g\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v w="$1" -v t="$2" -v c="$3" '$1 == w && $2 == t { print $c }' "$results"; }

echo
mib_of() { awk '{ printf "%.1f", $1 / 1048576 }'; }
echo "$n posts, text: $text ($(find "$shm/site/_posts" -type f -printf '%s\n' | awk '{ b += $1 } END { printf "%.0f\n", b }' | mib_of) MiB of markdown), medians of $rounds round(s); $(nproc) cores"
echo "disk: $disk ($(stat -f -c %T "$disk")), tmpfs: $shm ($(stat -f -c %T "$shm"))"
echo "newsmirror: $bin${BEFORE:+; before: $BEFORE}; $(hugo version | cut -d' ' -f1-2)$( [[ " ${tools[*]} " == *" jekyll "* ]] && echo "; $(jekyll --version)")"
echo
printf "%-6s %-11s %7s %9s %9s %10s %9s\n" where tool N "wall s" "peak MiB" "out files" "out MiB"
declare -A wall
for where in "${places[@]}"; do
  for tool in "${tools[@]}"; do
    wall[$where.$tool]=$(col "$where" "$tool" 3 | median)
    mib=$(col "$where" "$tool" 4 | median | awk '{ printf "%.1f", $1 / 1024 }')
    # Every round of a tool writes the same tree: a/b here would show it did not.
    files=$(col "$where" "$tool" 5 | sort -nu | paste -sd/)
    out_mib=$(col "$where" "$tool" 6 | median | mib_of)
    printf "%-6s %-11s %7d %9.2f %9s %10s %9s\n" "$where" "$tool" "$n" "${wall[$where.$tool]}" "$mib" "$files" "$out_mib"
  done
done
echo
for where in "${places[@]}"; do
  for tool in "${tools[@]}"; do
    [ "$tool" = newsmirror ] && continue
    awk -v w="$where" -v n="$n" -v t="$tool" -v a="${wall[$where.$tool]}" -v b="${wall[$where.newsmirror]}" 'BEGIN {
      # /usr/bin/time has 10 ms resolution: below that the ratio means nothing.
      if (b > 0) printf "%s N=%d: %s / newsmirror = %.1fx\n", w, n, t, a / b
      else printf "%s N=%d: %s / newsmirror = n/a (newsmirror under 0.01 s)\n", w, n, t }'
  done
done
