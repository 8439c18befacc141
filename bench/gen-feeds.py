#!/usr/bin/env python3
"""Generate FEEDS local RSS feeds x ITEMS items shaped like the seed feed.

usage: gen-feeds.py FEEDS ITEMS OUTDIR BASE_URL

Writes OUTDIR/feeds/feed-NNN.xml, and configs for the same feeds:
OUTDIR/subs.json (the old system's format; newsmirror sanitises by default)
and OUTDIR/raw.toml (sanitize = false: the same posts the old system wrote).
"""
import json
import os
import random
import sys

SEED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "seed", "cna.xml")

def seed_description():
    try:
        text = open(SEED, encoding="utf-8").read()
        return text[text.index("<![CDATA[") + 9:text.index("]]>")]
    except OSError:
        # Without shared/ beside the checkout: a description of the same size and shape.
        para = "<p>（中央社東京31日綜合外電報導）北大西洋公約組織秘書長今天談到俄羅斯侵略烏克蘭時說，強調支援烏克蘭的重要性。</p>\n"
        return "  <div></div><div>\n" + para * 40 + "</div>\n"

def main():
    feeds, items, out, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(20230131)
    desc = seed_description()
    os.makedirs(os.path.join(out, "feeds"), exist_ok=True)
    subs = []
    raw = []
    for f in range(feeds):
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n',
                 f"<title>來源 {f}</title>\n<link>https://www.cna.com.tw/</link>\n<description>benchmark feed</description>\n"]
        for i in range(items):
            link = f"https://www.cna.com.tw/news/aopl/2023{f:03d}{i:04d}.aspx"
            minute, second = rng.randrange(60), rng.randrange(60)
            parts.append(
                f"<item>\n<title>北約秘書長訪日 強調支援烏克蘭重要性 {f}-{i}</title>\n<link>{link}</link>\n"
                f'<guid isPermaLink="true">{link}</guid>\n<pubDate>Tue, 31 Jan 2023 08:{minute:02d}:{second:02d} GMT</pubDate>\n'
                f"<description><![CDATA[{desc}]]></description>\n</item>\n")
        parts.append("</channel>\n</rss>\n")
        name = f"feed-{f:03d}.xml"
        with open(os.path.join(out, "feeds", name), "w", encoding="utf-8") as fh:
            fh.write("".join(parts))
        subs.append({"site": f"來源{f}", "url": f"{base}/{name}"})
        raw.append(f'[[source]]\nname = "來源{f}"\nurl = "{base}/{name}"\nsanitize = false\n')
    with open(os.path.join(out, "subs.json"), "w", encoding="utf-8") as fh:
        json.dump(subs, fh, ensure_ascii=False, indent=1)
    with open(os.path.join(out, "raw.toml"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(raw))

if __name__ == "__main__":
    main()
