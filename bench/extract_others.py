#!/usr/bin/env python3
"""Run trafilatura and readability-lxml over the same pages as newsmirror.

usage: extract_others.py PAGES_DIR OUT_DIR            (Mozilla's test pages)
       extract_others.py --manifest FILE OUT_DIR      (trafilatura's eval set)

Writes OUT_DIR/<extractor>/<page>.html (Mozilla: article HTML, scored as
tokens) or OUT_DIR/<extractor>/<name>.txt (manifest: plain text, scored by
segments), and OUT_DIR/<extractor>/times.txt ("<page> <median ms>" over
ROUNDS rounds, env EXTRACT_ROUNDS, default 7 as in benches/extract.rs),
timing the extraction call in-process as the Rust bench does.
"""
import os
import statistics
import sys
import time
from pathlib import Path

import trafilatura
from readability import Document

ROUNDS = max(int(os.environ.get("EXTRACT_ROUNDS", "7")), 1)
MOZILLA_URL = "http://fakehost/test/page.html"


def trafilatura_html(page, url):
    return trafilatura.extract(page, url=url, output_format="html", include_links=True, include_images=True,
                               include_tables=True, favor_recall=False) or ""


def readability_html(page, url):
    return Document(page, url=url).summary(html_partial=True)


# Plain text as trafilatura's own evaluation scripts take it: its standard
# mode (fallback on, tables in, comments out), and readability's summary
# through trafilatura's html2txt.
def trafilatura_text(page, url):
    return trafilatura.extract(page, url=url, include_comments=False, include_tables=True) or ""


def readability_text(page, url):
    return trafilatura.html2txt(Document(page, url=url).summary()) or ""


def run(pages, out_dir, extractors, ext):
    for name, fn in extractors.items():
        target = out_dir / name
        target.mkdir(parents=True, exist_ok=True)
        lines = []
        for page_name, path, url in pages:
            page = path.read_bytes()
            samples, result = [], ""
            for _ in range(ROUNDS):
                started = time.perf_counter()
                try:
                    result = fn(page, url)
                except Exception as e:  # an extractor crashing on a page scores zero there
                    print(f"{name}: {page_name}: {e}", file=sys.stderr)
                    result = ""
                samples.append((time.perf_counter() - started) * 1000)
            (target / f"{page_name}.{ext}").write_text(result, encoding="utf-8")
            lines.append(f"{page_name} {statistics.median(samples):.3f}")
        (target / "times.txt").write_text("\n".join(lines) + "\n")
        print(f"{name}: {len(pages)} pages", file=sys.stderr)


def main():
    if sys.argv[1] == "--manifest":
        pages = []
        for line in Path(sys.argv[2]).read_text(encoding="utf-8").splitlines():
            name, path, url = line.split("\t")
            pages.append((name, Path(path), url))
        extractors = {"trafilatura": trafilatura_text, "readability-lxml": readability_text}
        run(pages, Path(sys.argv[3]), extractors, "txt")
    else:
        pages_dir = Path(sys.argv[1])
        pages = [(d.name, d / "source.html", MOZILLA_URL)
                 for d in sorted(pages_dir.iterdir()) if (d / "source.html").is_file()]
        extractors = {"trafilatura": trafilatura_html, "readability-lxml": readability_html}
        run(pages, Path(sys.argv[2]), extractors, "html")


if __name__ == "__main__":
    main()
