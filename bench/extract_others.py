#!/usr/bin/env python3
"""Run trafilatura and readability-lxml over the same pages as newsmirror.

usage: extract_others.py PAGES_DIR OUT_DIR

Writes OUT_DIR/<extractor>/<page>.html and OUT_DIR/<extractor>/times.txt
("<page> <median ms>" over the same number of rounds as benches/extract.rs),
timing the extraction call in-process as the Rust bench does.
"""
import statistics
import sys
import time
from pathlib import Path

import trafilatura
from readability import Document

ROUNDS = 7
URL = "http://fakehost/test/page.html"


def run_trafilatura(html):
    return trafilatura.extract(html, url=URL, output_format="html", include_links=True, include_images=True,
                               include_tables=True, favor_recall=False) or ""


def run_readability(html):
    return Document(html, url=URL).summary(html_partial=True)


EXTRACTORS = {"trafilatura": run_trafilatura, "readability-lxml": run_readability}


def main():
    pages_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    pages = sorted(d for d in pages_dir.iterdir() if (d / "source.html").is_file())
    for name, fn in EXTRACTORS.items():
        target = out_dir / name
        target.mkdir(parents=True, exist_ok=True)
        lines = []
        for page in pages:
            html = (page / "source.html").read_text(encoding="utf-8", errors="replace")
            samples, result = [], ""
            for _ in range(ROUNDS):
                started = time.perf_counter()
                try:
                    result = fn(html)
                except Exception as e:  # an extractor crashing on a page scores zero there
                    print(f"{name}: {page.name}: {e}", file=sys.stderr)
                    result = ""
                samples.append((time.perf_counter() - started) * 1000)
            (target / f"{page.name}.html").write_text(result, encoding="utf-8")
            lines.append(f"{page.name} {statistics.median(samples):.3f}")
        (target / "times.txt").write_text("\n".join(lines) + "\n")
        print(f"{name}: {len(pages)} pages", file=sys.stderr)


if __name__ == "__main__":
    main()
