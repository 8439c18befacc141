#!/usr/bin/env bash
# Scores newsmirror's article extraction on Mozilla Readability's test pages
# (../shared/corpus/extraction/mozilla-readability: source.html and the
# expected.html Readability.js produced) side by side with trafilatura and
# readability-lxml, installed from PyPI into a throwaway virtualenv, on the
# same pages in the same run. Prints precision, recall and F1 over tokens
# (a CJK character is a token, so Chinese pages count) and over 4-token
# shingles, and the median time per page of each extractor, in-process.
#
# usage: bench/extract-eval.sh [PAGES_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
pages="${1:-$root/../shared/corpus/extraction/mozilla-readability/test/test-pages}"
[ -d "$pages" ] || { echo "no pages at $pages" >&2; exit 1; }
pages="$(cd "$pages" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== newsmirror (cargo bench --bench extract)" >&2
(cd "$root" && EXTRACT_PAGES="$pages" EXTRACT_OUT="$work/newsmirror" cargo bench --quiet --bench extract)

echo "== trafilatura and readability-lxml from PyPI into $work/venv" >&2
python3 -m venv "$work/venv"
# One at a time: pip 23's resolver trips over lxml's extras when they come together.
for pkg in trafilatura readability-lxml lxml_html_clean; do
  "$work/venv/bin/pip" install --quiet --disable-pip-version-check "$pkg"
done
"$work/venv/bin/pip" freeze | grep -iE '^(trafilatura|readability-lxml|lxml)==' >&2
"$work/venv/bin/python" "$here/extract_others.py" "$pages" "$work"

echo
python3 "$here/extract_score.py" "$pages" \
  "newsmirror=$work/newsmirror:$work/newsmirror/times.txt" \
  "trafilatura=$work/trafilatura:$work/trafilatura/times.txt" \
  "readability-lxml=$work/readability-lxml:$work/readability-lxml/times.txt"
