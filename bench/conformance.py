#!/usr/bin/env python3
"""Driver for conformance.sh: newsmirror `parse --json` against feedparser.

Like is compared with like: newsmirror's parsed values (`parse --json`,
sanitised content) against feedparser's `title`, `link`,
`published_parsed`/`updated_parsed` as UTC, `author_detail.name`, and the
tag-stripped, white-space-normalised text of `content[0]`/`summary`.
Disagreements whose cause is a documented class where newsmirror is right by
design (docs/CONFORMANCE.md) are counted apart; every other one is printed.
"""
import argparse
import calendar
import collections
import concurrent.futures
import html
import json
import os
import re
import subprocess
import sys
import urllib.parse

import feedparser

FIELDS = ("title", "link", "date", "author", "content")
TAG = re.compile(r"<[^>]*>")
SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
WS = re.compile(r"\s+")


def text_of(markup):
    markup = SCRIPT.sub(" ", markup or "")
    return WS.sub(" ", html.unescape(TAG.sub(" ", markup))).strip()


def line(s):
    return WS.sub(" ", s or "").strip()


def feed_files(corpus):
    """Every document in the corpus that is a feed's input, not an expectation."""
    for dirpath, _, names in os.walk(corpus):
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            ext = name.rsplit(".", 1)[-1].lower()
            if ext in ("xml", "rss", "atom", "rdf"):
                yield path
            elif ext == "json" and not name.endswith((".serde.json", "_expected.json")):
                with open(path, "rb") as f:
                    head = f.read(2048)
                if b"jsonfeed.org/version" in head:
                    yield path


def newsmirror(binary, path):
    proc = subprocess.run([binary, "parse", "--json", path], capture_output=True, timeout=120)
    if proc.returncode != 0:
        return None, proc.stderr.decode("utf-8", "replace").strip()
    return json.loads(proc.stdout), None


def fp_date(entry):
    for key in ("published_parsed", "updated_parsed"):
        t = entry.get(key)
        if t:
            return calendar.timegm(t)
    return None


def fp_content(entry):
    if entry.get("content"):
        return entry["content"][0].get("value", "")
    return entry.get("summary", "")


def nm_date(item):
    p = item.get("published")
    if not p:
        return None
    from datetime import datetime
    return int(datetime.fromisoformat(p.replace("Z", "+00:00")).timestamp())


def same_url(a, b):
    """Whether two links are one URL, spelled as written or in WHATWG form."""
    def norm(u):
        p = urllib.parse.urlsplit(u.strip())
        path = urllib.parse.unquote(p.path) or ("/" if p.netloc else "")
        return (p.scheme.lower(), p.netloc.lower(), path, urllib.parse.unquote(p.query))
    try:
        return norm(a) == norm(b)
    except ValueError:
        return False


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def classify(field, fp, nm, ctx):
    """The documented class a disagreement belongs to, or None."""
    entry = ctx.get("entry", {})
    if field == "link" and fp and nm and same_url(fp, nm):
        return "same URL in WHATWG form"
    if field == "title" and fp and nm:
        if "<" in fp and text_of(fp) == nm:
            return "markup in a title: the text"
        if "<" in nm and text_of(nm) == text_of(fp):
            return "escaped markup in a plain-text title stays text"
        if line(CONTROL.sub("", fp)) == nm:
            return "control characters dropped"
        if re.fullmatch(r"[A-Za-z0-9+/=]{8,}", nm) and entry.get("title_detail", {}).get("type") == "text/html":
            return "Atom 1.0 titles are never base64"
    if field == "author" and len(entry.get("authors", [])) > 1 and nm == line(entry["authors"][0].get("name", "")):
        return "the first of several authors"
    if field == "date" and fp is not None and nm is not None:
        raw = entry.get("published") or entry.get("updated") or ""
        if re.search(r"\b[AP]M\b", raw, re.I):
            return "12-hour clock feedparser ignores"
        if re.match(r"\d{4}/\d{1,2}/\d{1,2}", raw):
            return "year-first date feedparser misreads"
    if field == "title":
        if not fp and nm:
            return "made-up title for an untitled item"
        if "\ufffd" in fp or (ctx["fp_encoding"] != ctx["nm_encoding"] and ctx["charset_differs"]):
            return "charset feedparser misreads"
    if field == "date" and fp is None and nm is not None:
        return "date feedparser cannot read"
    if field == "link" and fp and nm and not urllib.parse.urlparse(fp).scheme and nm.endswith(fp.lstrip("./")):
        return "relative link resolved"
    if field == "link" and not fp and nm:
        return "link from the guid or a base feedparser lacks"
    if field == "content" and ctx["charset_differs"]:
        return "charset feedparser misreads"
    if field == "author" and fp and nm and "@" in fp and nm in fp:
        return "author name without the address"
    return None


def norm_enc(name):
    name = (name or "").lower().replace("_", "-")
    return {"iso-8859-1": "windows-1252", "latin-1": "windows-1252", "us-ascii": "utf-8", "ascii": "utf-8",
            "gb2312": "gbk", "shift-jis": "shift_jis"}.get(name, name)


def compare(binary, path):
    doc, err = newsmirror(binary, path)
    parsed = feedparser.parse(path)
    entries = parsed.entries
    if doc is None:
        return path, [("feed", "reads", "" if entries else "(no entries)", err)], []
    items = doc["items"]
    rows, problems = [], []
    if len(items) != len(entries):
        problems.append(("items", "count", len(entries), len(items)))
    ctx = {
        "fp_encoding": norm_enc(parsed.get("encoding")),
        "nm_encoding": norm_enc(doc.get("encoding")),
    }
    ctx["charset_differs"] = ctx["fp_encoding"] != ctx["nm_encoding"] and ctx["nm_encoding"] != "utf-8"
    for entry, item in zip(entries, items):
        ctx["entry"] = entry
        detail = entry.get("author_detail") or {}
        values = {
            "title": (line(text_of(entry.get("title", "")) if entry.get("title_detail", {}).get("type", "").endswith("html") else entry.get("title", "")), line(item.get("title"))),
            "link": (entry.get("link", "").strip(), (item.get("link") or "").strip()),
            "date": (fp_date(entry), nm_date(item)),
            "author": (line(detail.get("name", "")), line(item.get("author") or "")),
            "content": (text_of(fp_content(entry)), text_of(item.get("content") or "")),
        }
        for field, (fp, nm) in values.items():
            if fp == nm or (field == "content" and not fp and not nm):
                rows.append((field, "agree"))
                continue
            cls = classify(field, fp, nm, ctx)
            if cls:
                rows.append((field, cls))
            else:
                rows.append((field, "DISAGREE"))
                problems.append((field, item.get("id") or item.get("link"), fp, nm))
    return path, problems, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    files = list(feed_files(args.corpus))
    tally = {f: collections.Counter() for f in FIELDS}
    disagreements = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for path, problems, rows in pool.map(lambda p: compare(args.bin, p), files):
            for field, verdict in rows:
                tally[field][verdict] += 1
            rel = os.path.relpath(path, args.corpus)
            disagreements.extend((rel,) + p for p in problems)
    print(f"{len(files)} feeds from {args.corpus}\n")
    print("| field | compared | agree | by design | disagree | agreement | outside the documented classes |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for field in FIELDS:
        t = tally[field]
        total = sum(t.values())
        agree, bad = t["agree"], t["DISAGREE"]
        by_design = total - agree - bad
        rate = 100 * agree / total if total else 100
        outside = 100 * agree / (agree + bad) if agree + bad else 100
        print(f"| {field} | {total} | {agree} | {by_design} | {bad} | {rate:.2f}% | {outside:.2f}% |")
    print("\nby design (docs/CONFORMANCE.md):")
    for field in FIELDS:
        for verdict, n in sorted(tally[field].items()):
            if verdict not in ("agree", "DISAGREE"):
                print(f"  {field}: {verdict}: {n}")
    print(f"\nevery other disagreement ({len(disagreements)}):")
    for d in disagreements:
        rel, field, where, fp, nm = d
        cut = (lambda v: v if args.verbose or not isinstance(v, str) or len(v) < 160 else v[:157] + "…")
        print(f"- {rel} [{field}] {where}\n    feedparser: {cut(fp)!r}\n    newsmirror: {cut(nm)!r}")


if __name__ == "__main__":
    sys.exit(main())
