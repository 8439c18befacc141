#!/usr/bin/env python3
"""Driver for conformance.sh: newsmirror `parse --json` against feedparser.

Like is compared with like: newsmirror's parsed values (`parse --json`,
sanitised content) against feedparser's `title`, `link`,
`published_parsed`/`updated_parsed` as UTC, `author_detail.name`, and the
tag-stripped, white-space-normalised text of `content[0]`/`summary`.
Disagreements whose cause is a documented class where newsmirror is right by
design (docs/CONFORMANCE.md) are counted apart, each class by one precise rule
in classify()/classify_file(); every other one is printed.
"""
import argparse
import calendar
import collections
import concurrent.futures
import base64
import html
import json
import os
import re
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET

import feedparser

FIELDS = ("title", "link", "date", "author", "content")
# Inline elements render no break: `1930ft<sup>2</sup>` reads `1930ft2`, so
# their tags are dropped without a space; every other tag separates words.
INLINE_TAG = re.compile(
    r"</?(a|abbr|b|bdi|bdo|cite|code|data|dfn|em|font|i|kbd|mark|q|s|samp|small|span|strike|strong|sub|sup|"
    r"time|tt|u|var)\b[^>]*>",
    re.I,
)
# A tag starts with `<` and a letter, `/`, `!` or `?`; any other `<` is text
# (`&lt; &gt;` in a description is `< >`, not a tag).
TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
WS = re.compile(r"\s+")


def text_of(markup):
    """The text a browser shows for `markup`, white space normalised."""
    markup = SCRIPT.sub(" ", markup or "")
    return WS.sub(" ", html.unescape(TAG.sub(" ", INLINE_TAG.sub("", markup)))).strip()


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


def fp_title(entry):
    """feedparser's title as text: its HTML and XHTML titles are markup."""
    title = entry.get("title", "")
    if entry.get("title_detail", {}).get("type") in ("text/html", "application/xhtml+xml"):
        return line(text_of(title))
    return line(title)


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
ADDRESS = re.compile(r"(mailto:)?[^\s()<>@]+@[^\s()<>@]+")
HTML_TYPES = ("text/html", "application/xhtml+xml")


def local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def ns(tag):
    return tag[1:].split("}", 1)[0].lower() if isinstance(tag, str) and tag.startswith("{") else ""


def raw_items(path):
    """Each item's or entry's elements as the document has them (None when the
    document is not well-formed XML), for the classes whose rule needs to know
    which element a value came from."""
    try:
        with open(path, "rb") as f:
            # white space before the XML declaration is an error for expat,
            # not for feed readers
            root = ET.fromstring(f.read().lstrip())
    except (ET.ParseError, ValueError, LookupError):
        return None
    return [el for el in root.iter() if local(el.tag) in ("item", "entry")]


def markup_of(el):
    """An element's content as the HTML a reader takes from it."""
    if el is None:
        return ""
    if len(el):  # inline XHTML
        return (el.text or "") + "".join(ET.tostring(c, encoding="unicode") for c in el)
    return el.text or ""


def format_md_content(item):
    """The RSS item element FORMAT.md's order of preference takes content from:
    `content:encoded` (or `xhtml:body`, `body`, `fullitem`), YouTube's
    `media:group/media:description`, `description`, then `itunes:summary`;
    the first that is not empty."""
    def first(pred):
        for child in item:
            if pred(child) and markup_of(child).strip():
                return child
        return None
    group = next((c for c in item if local(c.tag) == "group" and "search.yahoo.com/mrss" in ns(c.tag)), None)
    ranked = [
        first(lambda c: (local(c.tag) == "encoded" and "purl.org/rss/1.0/modules/content" in ns(c.tag))
              or (local(c.tag) == "body" and ns(c.tag) in ("", "http://www.w3.org/1999/xhtml"))
              or local(c.tag) == "fullitem"),
        first(lambda c: False) if group is None else next(
            (c for c in group if local(c.tag) == "description" and markup_of(c).strip()), None),
        first(lambda c: local(c.tag) == "description" and ns(c.tag) == ""),
        first(lambda c: local(c.tag) == "summary" and "itunes.com" in ns(c.tag)),
    ]
    return next((el for el in ranked if el is not None), None)


def format_md_author(item):
    """The author FORMAT.md takes, as written: RSS `author`, then `dc:creator`,
    then Atom `author/name`; the first that is not empty."""
    for pred in (
        lambda c: local(c.tag) == "author" and ns(c.tag) == "" and not len(c),
        lambda c: local(c.tag) == "creator" and "purl.org/dc/elements/1.1" in ns(c.tag),
    ):
        for child in item:
            if pred(child) and (child.text or "").strip():
                return line(child.text)
    for child in item:
        if local(child.tag) == "author":
            name = next((c for c in child if local(c.tag) == "name"), None)
            if name is not None and (name.text or "").strip():
                return line(name.text)
    return None


def name_beside_address(written):
    """`someone@example.org (Some One)` or `Some One (mailto:…)`: the name."""
    return line(re.sub(r"[()<>]", " ", ADDRESS.sub(" ", written)))


def is_address(s):
    return bool(ADDRESS.fullmatch(s or ""))


def classify(field, fp, nm, ctx):
    """The documented class a disagreement belongs to, or None.

    Each class is a rule about the two values (and, where it must know which
    element a value came from, the document itself); docs/CONFORMANCE.md says
    who is right and why."""
    entry = ctx.get("entry", {})
    raw = ctx.get("raw")
    if field == "title":
        if not fp and nm:
            return "made-up title for an untitled item"
        if fp and nm and "<" in nm and text_of(nm) == text_of(fp):
            return "escaped markup in a plain-text title stays text"
        if fp and nm and line(CONTROL.sub("", fp)) == nm:
            return "control characters dropped"
        detail = entry.get("title_detail", {})
        if ctx["version"] == "atom10" and detail.get("type") not in ("text/plain",) + HTML_TYPES:
            try:
                if base64.b64decode(nm, validate=True).decode("utf-8") == entry.get("title"):
                    return "Atom 1.0 titles are never base64"
            except (ValueError, UnicodeDecodeError):
                pass
        if "\ufffd" in fp or ctx["charset_differs"]:
            return "charset feedparser misreads"
    if field == "link":
        if fp and nm and same_url(fp, nm):
            return "same URL in WHATWG form"
        if fp and nm and not urllib.parse.urlsplit(fp).scheme and urllib.parse.unquote(nm).endswith(fp.lstrip("./")):
            return "relative link resolved"
        if not fp and nm:
            return "link from the guid or a base feedparser lacks"
        scheme = urllib.parse.urlsplit(fp).scheme.lower()
        if fp and scheme not in ("http", "https") and (not nm or urllib.parse.urlsplit(nm).scheme in ("http", "https")):
            return "an address that is not a web page is no link"
        if fp and not nm and fp == entry.get("id") and ctx["text"] is not None and fp not in ctx["text"]:
            # the id as written is relative: feedparser resolved it against xml:base
            return "an address that is not a web page is no link"
        alternates = [l.get("href", "") for l in entry.get("links", []) if l.get("rel") == "alternate"]
        if len(alternates) > 1 and fp == alternates[-1] and same_url(nm, alternates[0]):
            return "the first of several links"
        if fp and fp == entry.get("title_detail", {}).get("base") and nm == entry.get("id"):
            return "an empty link is no link"
    if field == "date" and nm is not None:
        if fp is None:
            return "date feedparser cannot read"
        raw_date = entry.get("published") or entry.get("updated") or ""
        if re.search(r"\b[AP]M\b", raw_date, re.I):
            return "12-hour clock feedparser ignores"
        if re.match(r"\d{4}/\d{1,2}/\d{1,2}", raw_date):
            return "year-first date feedparser misreads"
    if field == "author":
        detail = entry.get("author_detail") or {}
        if not fp and nm and nm == detail.get("email"):
            return "an author given only as an address"
        written = entry.get("author", "")
        if fp and nm and ADDRESS.search(written) and name_beside_address(written) == nm:
            return "a name beside an address feedparser cuts wrongly"
        if fp and "<" in fp and text_of(fp) == nm:
            return "markup in an author: the text"
        if fp and nm and html.unescape(fp) == nm:
            return "entities in an author decoded"
        authors = entry.get("authors", [])
        chosen = format_md_author(raw) if raw is not None else None
        if len(authors) > 1 and chosen is not None and nm in (chosen, name_beside_address(chosen)):
            # but not a bare address chosen over another element's name: see
            # "Known differences to fix" in docs/CONFORMANCE.md
            if not (is_address(nm) and any(a.get("name") for a in authors)):
                return "another of the item's author elements (FORMAT.md's order)"
    if field == "content":
        if ctx["charset_differs"]:
            return "charset feedparser misreads"
        fp_markup = fp_content(entry)
        fp_type = (entry["content"][0] if entry.get("content") else entry.get("summary_detail") or {}).get("type", "")
        if fp_type and fp_type not in HTML_TYPES and nm == line(fp_markup) and fp_markup.strip():
            return "text content stays text"
        if "<svg" in fp_markup and text_of(re.sub(r"<svg\b.*?</svg\s*>", " ", fp_markup, flags=re.S | re.I)) == nm:
            return "inline SVG dropped by the sanitiser"
        if raw is not None:
            if ctx["version"].startswith("rss"):
                chosen = format_md_content(raw)
                if chosen is not None and text_of(markup_of(chosen)) == nm:
                    return "FORMAT.md's content order"
            content = next((c for c in raw if local(c.tag) == "content"), None)
            summary = next((c for c in raw if local(c.tag) == "summary"), None)
            if content is not None and content.get("src") and not fp and nm == text_of(markup_of(summary)):
                return "content by reference: the summary"
            el = next((c for c in raw if local(c.tag) in ("content", "summary")), None)
            m = re.search(r"<iframe\b[^>]*/>", markup_of(el), re.I)
            if m and text_of(markup_of(el)[: m.start()]) == nm:
                return "text after a self-closed <iframe> is not shown"
    return None


def classify_file(doc, err, parsed, path):
    """The documented class of a whole-document disagreement, or None."""
    if doc is None and not parsed.entries:
        return "not a feed for either reader"
    if doc is None and "HTML page" in (err or ""):
        return "a feed inside an HTML page is a page"
    if doc is not None and not parsed.entries and path.endswith(".json"):
        return "JSON Feed, which feedparser 6 does not read"
    return None


def norm_enc(name):
    name = (name or "").lower().replace("_", "-")
    return {"iso-8859-1": "windows-1252", "latin-1": "windows-1252", "us-ascii": "utf-8", "ascii": "utf-8",
            "gb2312": "gbk", "shift-jis": "shift_jis"}.get(name, name)


def compare(binary, path):
    doc, err = newsmirror(binary, path)
    parsed = feedparser.parse(path)
    entries = parsed.entries
    if doc is None or (not entries and doc["items"]):
        cls = classify_file(doc, err, parsed, path)
        if cls:
            return path, [], [("document", cls)]
        if doc is None:
            return path, [("feed", "reads", "" if entries else "(no entries)", err)], [("document", "DISAGREE")]
    items = doc["items"]
    rows, problems = [("document", "agree")], []
    if len(items) != len(entries):
        problems.append(("items", "count", len(entries), len(items)))
        rows = [("document", "DISAGREE")]
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    raw = raw_items(path)
    if raw is not None and len(raw) != len(entries):
        raw = None
    ctx = {
        "path": path,
        "fp_encoding": norm_enc(parsed.get("encoding")),
        "nm_encoding": norm_enc(doc.get("encoding")),
        "version": parsed.get("version", ""),
        "text": text,
    }
    ctx["charset_differs"] = ctx["fp_encoding"] != ctx["nm_encoding"] and ctx["nm_encoding"] != "utf-8"
    for n, (entry, item) in enumerate(zip(entries, items)):
        ctx["entry"] = entry
        ctx["raw"] = raw[n] if raw is not None else None
        detail = entry.get("author_detail") or {}
        values = {
            "title": (fp_title(entry), line(item.get("title"))),
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
    tally = {f: collections.Counter() for f in FIELDS + ("document",)}
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
    for field in FIELDS + ("document",):
        t = tally[field]
        total = sum(t.values())
        agree, bad = t["agree"], t["DISAGREE"]
        by_design = total - agree - bad
        rate = 100 * agree / total if total else 100
        outside = 100 * agree / (agree + bad) if agree + bad else 100
        print(f"| {field} | {total} | {agree} | {by_design} | {bad} | {rate:.2f}% | {outside:.2f}% |")
    print("\n(document: the file is read at all, with as many items, by both)")
    print("\nby design (docs/CONFORMANCE.md):")
    for field in FIELDS + ("document",):
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
