#!/usr/bin/env bash
# Conformance: newsmirror's reading of every feed in ../shared/corpus/feeds/
# against Python's feedparser, field by field (title, link, date, author,
# content text). Prints the agreement rate per field, the disagreements
# counted apart because newsmirror is right by design (docs/CONFORMANCE.md),
# and every other disagreement.
# usage: bash bench/conformance.sh [CORPUS=../shared/corpus/feeds] [--verbose]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
corpus="${1:-$root/../shared/corpus/feeds}"
shift || true
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/newsmirror-conformance.XXXXXX")"
trap 'rm -rf "$work"' EXIT

bin="${NEWSMIRROR:-$root/target/debug/newsmirror}"
if [ -z "${NEWSMIRROR:-}" ]; then
  echo "building newsmirror…" >&2
  (cd "$root" && cargo build --quiet)
fi

echo "installing feedparser into a temporary virtualenv…" >&2
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "feedparser==6.0.11"

"$work/venv/bin/python" "$here/conformance.py" --bin "$bin" --corpus "$corpus" "$@"
