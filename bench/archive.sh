#!/usr/bin/env bash
# A big archive as it lives for years: N posts (the real waimei archive,
# replicated by gen-posts.py) in a git repository on disk.
#
# 1. Incremental builds: the cold build, then a build with nothing new, then
#    builds after 10 new (newest) posts each; issue 12's bounds are at most
#    max(0.5 s, 2% of cold) with nothing new and max(1 s, 5% of cold) after
#    10 new posts.
# 2. A fresh clone's run (how every hourly GitHub Actions run starts), on
#    a feed whose items the archive already holds: without the run state
#    (`.newsmirror/` rebuilt by scanning every post) and with it restored
#    as the generated workflow's actions/cache does; each with the page
#    cache dropped first (when this user may: root), else as it is.
#
# usage: bash bench/archive.sh [N=100000] [ROUNDS=3]
#   NEWSMIRROR=/path/to/binary  use that binary instead of `cargo build --release`
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
n="${1:-100000}" rounds="${2:-3}"
[[ "$n" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bash bench/archive.sh [N] [ROUNDS]" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/var/tmp}/newsmirror-archive.XXXXXX")"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
say() { echo "$@" >&2; }

bin="${NEWSMIRROR:-$root/target/release/newsmirror}"
if [ -z "${NEWSMIRROR:-}" ]; then
  say "building newsmirror (release)…"
  (cd "$root" && cargo build --release --quiet)
fi
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 1; }

export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org

# Cold page cache: what a fresh runner's clone is not (it just wrote the
# files), but what a server whose archive sat idle for an hour may be.
drop_caches() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 >/proc/sys/vm/drop_caches; echo dropped; else echo kept; fi
}
# Prints "wall_s peak_kib" of one command; its output goes to $work/log.
timed() {
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/log" 2>&1 || { tail -20 "$work/log" >&2; return 1; }
  tail -1 "$work/time"
}
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
count_posts() { find "$1/_posts" -type f | wc -l; }

say "writing $n posts…"
python3 "$here/gen-posts.py" "$work/origin" "$n" --text waimei
git -C "$work/origin" init -q -b main
# A background `git gc --auto` after a commit packs loose objects while a
# clone is copying them.
quiet_git() { git -C "$1" config gc.auto 0 && git -C "$1" config maintenance.auto false; }
quiet_git "$work/origin"
printf '.newsmirror/\n_site/\n' >"$work/origin/.gitignore"
git -C "$work/origin" add -A
git -C "$work/origin" commit -q -m "archive of $n posts"
mb=$(du -sm "$work/origin/_posts" | cut -f1)

# --- 1. incremental builds ----------------------------------------------------
site="$work/origin"
say "cold build…"
read -r cold cold_kib < <(timed "$bin" build --site "$site" --out "$work/out")
none=() more=()
for ((r = 1; r <= rounds; r++)); do
  say "round $r/$rounds: build with nothing new, then with 10 new posts"
  read -r t _ < <(timed "$bin" build --site "$site" --out "$work/out")
  none+=("$t")
  # Ten posts newer than any in the archive, each round's newer than the last.
  mapfile -t newest < <(find "$site/_posts" -type f -name '*.md' | sort | tail -n 10)
  for ((i = 1; i <= 10; i++)); do
    src="${newest[i - 1]}"
    day=$(printf '2030-01-%02d' "$r")
    title="新文章 $r-$i"
    sed -e "s/^title: .*/title: \"$title\"/" -e "s/^date: [0-9-]*/date: $day/" "$src" >"$site/_posts/$day-$title.md"
  done
  read -r t _ < <(timed "$bin" build --site "$site" --out "$work/out")
  more+=("$t")
done
none_s=$(printf '%s\n' "${none[@]}" | median)
more_s=$(printf '%s\n' "${more[@]}" | median)
echo
echo "$n waimei posts ($mb MiB in _posts), on disk ($(stat -f -c %T "$work")); medians of $rounds; $(nproc) cores"
echo "newsmirror: $bin"
echo
printf '%-44s %8s %s\n' "build" "wall s" "bound (issue 12)"
printf '%-44s %8.2f %s\n' "cold (no .newsmirror/build-*)" "$cold" "peak $((cold_kib / 1024)) MiB"
awk -v t="$none_s" -v c="$cold" 'BEGIN { b = (0.02 * c > 0.5) ? 0.02 * c : 0.5; printf "%-44s %8.2f %.2f s: %s (%.1f%% of cold)\n", "nothing new", t, b, (t <= b) ? "met" : "NOT met", 100 * t / c }'
awk -v t="$more_s" -v c="$cold" 'BEGIN { b = (0.05 * c > 1) ? 0.05 * c : 1; printf "%-44s %8.2f %.2f s: %s (%.1f%% of cold)\n", "10 new posts", t, b, (t <= b) ? "met" : "NOT met", 100 * t / c }'
rm -rf "$work/out"
git -C "$site" add -A && git -C "$site" commit -q -m "new posts"

# --- 2. a fresh clone's run ------------------------------------------------------
# One feed of 10 items, first run in a clone of its own: its posts are then
# in the archive and the state saved, as after an earlier hourly run.
python3 "$here/gen-feeds.py" 1 10 "$work/feeds" "file://$work/feeds/feeds" >/dev/null
git clone -q "$work/origin" "$work/first"
quiet_git "$work/first"
read -r t _ < <(timed "$bin" run --config "$work/feeds/subs.json" --site "$work/first" --commit)
first_new=$(( $(count_posts "$work/first") - $(count_posts "$work/origin") ))
git -C "$work/first" rev-parse HEAD >"$work/first/.newsmirror/commit"
say "first run: $first_new new posts in $t s"

declare -A runs
for ((r = 1; r <= rounds; r++)); do
  for state in none restored; do
    clone="$work/clone-$state"
    rm -rf "$clone"
    git clone -q "$work/first" "$clone"
    [ "$state" = restored ] && cp -a "$work/first/.newsmirror" "$clone/.newsmirror"
    before=$(count_posts "$clone")
    cache=$(drop_caches)
    say "round $r/$rounds: fresh clone, state $state, page cache $cache"
    read -r t kib < <(timed "$bin" run --config "$work/feeds/subs.json" --site "$clone")
    after=$(count_posts "$clone")
    [ "$after" = "$before" ] || { echo "state $state: the run wrote $((after - before)) posts the archive already holds" >&2; exit 1; }
    runs[$state]+="$t "
    runs[$state.kib]+="$kib "
  done
done
rm -rf "$work"/clone-*

echo
echo "page cache $cache before each fresh-clone run"
printf '%-44s %8s %s\n' "fresh clone, newsmirror run (1 feed, 0 new)" "wall s" "peak MiB"
for state in none restored; do
  w=$(printf '%s\n' ${runs[$state]} | median)
  k=$(printf '%s\n' ${runs[$state.kib]} | median)
  printf '%-44s %8.2f %d\n' "state $state" "$w" "$(awk -v k="$k" 'BEGIN { printf "%d", k / 1024 }')"
done
