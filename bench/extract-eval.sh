#!/usr/bin/env bash
# Scores newsmirror's article extraction side by side with trafilatura and
# readability-lxml (installed from PyPI into a throwaway virtualenv) and the
# other Rust extractors (bench/rust-extractors: rs-trafilatura, the
# trafilatura crate, dom_smoothie alone), on two sets in one run:
#
# 1. Mozilla Readability's test pages (source.html and the expected.html
#    Readability.js produced): precision, recall and F1 over tokens (a CJK
#    character is a token) and over 4-token shingles (bench/extract_score.py).
# 2. trafilatura's evaluation set (990 pages with human-chosen segments that
#    must and must not appear), scored as its PROVENANCE.txt says
#    (bench/extract_score_eval.py), for all entries and for the even and odd
#    positions apart (tune on even, odd shows whether it generalises), with
#    the pages newsmirror does worst on.
#
# Times are per page, in-process: the median of ROUNDS rounds (7 on the
# Mozilla set; EVAL_ROUNDS, default 1, on the 990 pages, which are many).
#
# usage: bench/extract-eval.sh [MOZILLA_PAGES_DIR [TRAFILATURA_EVAL_DIR]]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
pages="${1:-$root/../shared/corpus/extraction/mozilla-readability/test/test-pages}"
evalset="${2:-$root/../shared/corpus/extraction/trafilatura-eval}"
[ -d "$pages" ] || { echo "no pages at $pages" >&2; exit 1; }
[ -f "$evalset/evaldata.json" ] || { echo "no evaldata.json in $evalset" >&2; exit 1; }
pages="$(cd "$pages" && pwd)"
evalset="$(cd "$evalset" && pwd)"
eval_rounds="${EVAL_ROUNDS:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/moz" "$work/eval"
python3 "$here/extract_score_eval.py" --manifest "$evalset" all > "$work/eval/manifest.tsv"
# The same pages for the other Rust extractors: Mozilla's, one per line.
for d in "$pages"/*/; do
  [ -f "$d/source.html" ] && printf '%s\t%s\n' "$(basename "$d")" "$d/source.html"
done > "$work/moz/manifest.tsv"

echo "== newsmirror (cargo bench --bench extract)" >&2
(cd "$root" && EXTRACT_PAGES="$pages" EXTRACT_OUT="$work/moz/newsmirror" cargo bench --quiet --bench extract)
(cd "$root" && EXTRACT_ROUNDS="$eval_rounds" EXTRACT_MANIFEST="$work/eval/manifest.tsv" \
  EXTRACT_OUT="$work/eval/newsmirror" cargo bench --quiet --bench extract)

echo "== rs-trafilatura, trafilatura (crate), dom_smoothie (bench/rust-extractors)" >&2
(cd "$here/rust-extractors" && CARGO_TARGET_DIR="$root/target/rust-extractors" cargo build --quiet --release)
"$root/target/rust-extractors/release/rust-extractors" "$work/moz/manifest.tsv" "$work/moz" html 7
"$root/target/rust-extractors/release/rust-extractors" "$work/eval/manifest.tsv" "$work/eval" txt "$eval_rounds"

echo "== trafilatura and readability-lxml from PyPI into $work/venv" >&2
python3 -m venv "$work/venv"
# One at a time: pip 23's resolver trips over lxml's extras when they come together.
for pkg in trafilatura readability-lxml lxml_html_clean; do
  "$work/venv/bin/pip" install --quiet --disable-pip-version-check "$pkg"
done
"$work/venv/bin/pip" freeze | grep -iE '^(trafilatura|readability-lxml|lxml)==' >&2
"$work/venv/bin/python" "$here/extract_others.py" "$pages" "$work/moz"
EXTRACT_ROUNDS="$eval_rounds" "$work/venv/bin/python" "$here/extract_others.py" --manifest "$work/eval/manifest.tsv" "$work/eval"

names="newsmirror trafilatura readability-lxml rs-trafilatura trafilatura-rs dom_smoothie"
echo
python3 "$here/extract_score.py" "$pages" $(for n in $names; do echo "$n=$work/moz/$n:$work/moz/$n/times.txt"; done)
echo
python3 "$here/extract_score_eval.py" "$evalset" $(for n in $names; do echo "$n=$work/eval/$n:$work/eval/$n/times.txt"; done)
