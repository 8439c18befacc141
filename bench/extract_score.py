#!/usr/bin/env python3
"""Score extracted article HTML against Mozilla Readability's expected.html.

usage: extract_score.py PAGES_DIR NAME=OUT_DIR[:TIMES_FILE] ...

Each OUT_DIR holds <page>.html for every page directory in PAGES_DIR (a
missing or empty file scores zero: the extractor found nothing). TIMES_FILE,
if given, has lines "<page> <milliseconds>".

Text is compared as a multiset of tokens: a run of letters or digits in
alphabetic scripts is one token, and every CJK, kana or hangul character is a
token of its own, so Chinese pages (qq, gmw, youth, pixnet) count as much as
English ones. Precision is the share of the extracted tokens found in the
expected text, recall the share of the expected tokens that were extracted.
Order-sensitive 4-token shingles are scored the same way, so text in the wrong
order or repeated also costs.
"""
import html.parser
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

SKIP = {"script", "style", "noscript", "template", "head"}
TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
    r"|[^\W_\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+"
)


class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skip += 1
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in SKIP and self.skip:
            self.skip -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def tokens(markup):
    p = Text()
    p.feed(markup)
    p.close()
    return [t.lower() for t in TOKEN.findall("".join(p.parts))]


def prf(got, want):
    if not got and not want:
        return 1.0, 1.0, 1.0
    common = sum((Counter(got) & Counter(want)).values())
    p = common / len(got) if got else 0.0
    r = common / len(want) if want else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def shingles(toks, n=4):
    return [" ".join(toks[i : i + n]) for i in range(max(len(toks) - n + 1, 1))] if toks else []


def main():
    pages_dir = Path(sys.argv[1])
    pages = sorted(d.name for d in pages_dir.iterdir() if (d / "expected.html").is_file())
    expected = {p: tokens((pages_dir / p / "expected.html").read_text(encoding="utf-8", errors="replace")) for p in pages}
    rows = []
    for spec in sys.argv[2:]:
        name, _, rest = spec.partition("=")
        out_dir, _, times_file = rest.partition(":")
        scores = []
        for page in pages:
            f = Path(out_dir) / f"{page}.html"
            got = tokens(f.read_text(encoding="utf-8", errors="replace")) if f.is_file() else []
            want = expected[page]
            scores.append((prf(got, want), prf(shingles(got), shingles(want))))
        times = []
        if times_file:
            times = [float(line.split()[-1]) for line in Path(times_file).read_text().splitlines() if line.strip()]
        mean = lambda xs: statistics.fmean(xs) if xs else float("nan")
        rows.append(
            (
                name,
                mean([s[0][0] for s in scores]),
                mean([s[0][1] for s in scores]),
                mean([s[0][2] for s in scores]),
                statistics.median([s[0][2] for s in scores]),
                mean([s[1][2] for s in scores]),
                sum(1 for s in scores if s[0][2] >= 0.9),
                mean(times),
                statistics.median(times) if times else float("nan"),
            )
        )
    print(f"{len(pages)} pages from {pages_dir}")
    print(f"{'extractor':<16} {'precision':>9} {'recall':>7} {'F1':>6} {'median F1':>9} {'4-gram F1':>9} {'F1>=0.9':>8} {'mean ms':>8} {'median ms':>9}")
    for r in rows:
        print(f"{r[0]:<16} {r[1]:>9.3f} {r[2]:>7.3f} {r[3]:>6.3f} {r[4]:>9.3f} {r[5]:>9.3f} {r[6]:>8} {r[7]:>8.2f} {r[8]:>9.2f}")


if __name__ == "__main__":
    main()
