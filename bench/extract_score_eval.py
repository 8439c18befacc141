#!/usr/bin/env python3
"""Score plain-text extractions on trafilatura's evaluation set, by its rule.

usage: extract_score_eval.py EVAL_DIR NAME=OUT_DIR[:TIMES_FILE] ...
       extract_score_eval.py --manifest EVAL_DIR [even|odd|all] > MANIFEST

EVAL_DIR holds evaldata.json, cache/ and eval/ (see its PROVENANCE.txt). Entry
i of evaldata.json (in file order) is page "NNNN" (i, zero-padded); its file is
found under cache/ first, else eval/. OUT_DIR/NNNN.txt is what an extractor
returned for it (missing or empty: it found nothing).

The rule, as the corpus's own scripts apply it: whitespace-normalise the text
and each segment (runs of whitespace to one space, trimmed) and test substring
containment; per entry tp = "with" found, fn = "with" missing, fp = "without"
found, tn = "without" missing; sum over entries, then P = tp/(tp+fp),
R = tp/(tp+fn), F1 = 2PR/(P+R). Reported for all entries and for the even and
odd positions apart (tune on even; odd shows whether a change generalises),
with the median time per page, and the pages the first extractor named does
worst on.
"""
import json
import re
import statistics
import sys
from pathlib import Path

WS = re.compile(r"\s+")


def norm(s):
    return WS.sub(" ", s).strip()


def entries(eval_dir):
    data = json.loads((eval_dir / "evaldata.json").read_text(encoding="utf-8"))
    out = []
    for i, (url, e) in enumerate(data.items()):
        path = eval_dir / "cache" / e["file"]
        if not path.is_file():
            path = eval_dir / "eval" / e["file"]
        out.append((f"{i:04d}", url, path, e))
    return out


def counts(text, entry):
    text = norm(text)
    found = [norm(s) in text for s in entry["with"]] if text else [False] * len(entry["with"])
    leaked = [norm(s) in text for s in entry["without"]] if text else [False] * len(entry["without"])
    tp = sum(found)
    return tp, len(found) - tp, sum(leaked), len(leaked) - sum(leaked)


def prf(tp, fn, fp):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main():
    if sys.argv[1] == "--manifest":
        half = sys.argv[3] if len(sys.argv) > 3 else "all"
        for i, (name, url, path, _) in enumerate(entries(Path(sys.argv[2]))):
            if half == "all" or (half == "even") == (i % 2 == 0):
                print(f"{name}\t{path}\t{url}")
        return
    eval_dir = Path(sys.argv[1])
    data = entries(eval_dir)
    header = f"{'extractor':<16} {'half':<5} {'pages':>5} {'precision':>9} {'recall':>7} {'F1':>6} {'median ms':>9} {'mean ms':>8}"
    rows, worst = [], None
    for spec in sys.argv[2:]:
        name, _, rest = spec.partition("=")
        out_dir, _, times_file = rest.partition(":")
        times = {}
        if times_file and Path(times_file).is_file():
            for line in Path(times_file).read_text().splitlines():
                if line.strip():
                    page, ms = line.split()
                    times[page] = float(ms)
        per_page = []
        for i, (page, url, path, entry) in enumerate(data):
            f = Path(out_dir) / f"{page}.txt"
            if not f.is_file():
                continue  # not run (a half-set run): left out, not scored as zero
            per_page.append((i, page, url, counts(f.read_text(encoding="utf-8", errors="replace"), entry)))
        for half, keep in (("all", lambda i: True), ("even", lambda i: i % 2 == 0), ("odd", lambda i: i % 2 == 1)):
            sel = [p for p in per_page if keep(p[0])]
            if not sel:
                continue
            tp, fn, fp = (sum(p[3][k] for p in sel) for k in (0, 1, 2))
            p, r, f1 = prf(tp, fn, fp)
            ms = [times[s[1]] for s in sel if s[1] in times]
            med = statistics.median(ms) if ms else float("nan")
            mean = statistics.fmean(ms) if ms else float("nan")
            rows.append(f"{name:<16} {half:<5} {len(sel):>5} {p:>9.3f} {r:>7.3f} {f1:>6.3f} {med:>9.2f} {mean:>8.2f}")
        if worst is None:
            worst = (name, per_page)
    print(f"{len(data)} entries from {eval_dir}")
    print(header)
    print("\n".join(rows))
    if worst:
        name, per_page = worst
        bad = sorted(per_page, key=lambda p: -(p[3][1] + p[3][2]))[:15]
        print(f"\npages {name} does worst on (missed 'with' + kept 'without'):")
        for i, page, url, (tp, fn, fp, tn) in bad:
            if fn + fp:
                print(f"  {page} missed {fn}/{tp + fn} kept {fp}/{fp + tn}  {url}")


if __name__ == "__main__":
    main()
