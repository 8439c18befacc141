#!/usr/bin/env python3
"""Write N Jekyll posts shaped like the seed post, for bench/build.sh.

usage: gen-posts.py OUTDIR N [--text seed|random-cjk|waimei]

Writes OUTDIR/_posts/YYYY-MM-DD-<title>.md, named as newsmirror names posts
(src/post/filename.rs), with the seed's front matter keys and body layout:
`<!--ms-->`, the markdown link line, `------`, a blank line, then the HTML.
Titles carry a counter so every post is a distinct page; dates are spread
over six years so date archives, pagination and prev/next see real spread;
ten sources give ten tag and ten category pages. Deterministic (fixed seed).

--text random-cjk: titles and bodies are random CJK characters (the same
sizes), every post in one month, as a run of new feeds would write them: no
two posts share words, which is the worst case for a search index, and one
month archive holds every post.

--text waimei: the real archive in shared/corpus/archive/waimei (5,300 posts
the old system wrote, raw feed HTML and all), copied as they are up to N and
replicated past it: copy k of a post is dated k * 31 days earlier and its
title ends in " ·k", so every copy is a distinct page in its own month.
"""
import datetime
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_NAME = os.path.join("shared", "seed", "000_ccd9b382a023a351.txt")
# shared/ sits beside the checkout (CI clones elsewhere, with shared/ beside
# it); /work/shared is where a developer's machine has it.
SEED_PATHS = [os.path.join(HERE, "..", "..", SEED_NAME), os.path.join("/work", SEED_NAME)]
WAIMEI_NAME = os.path.join("shared", "corpus", "archive", "waimei", "_posts")
WAIMEI_PATHS = [os.path.join(HERE, "..", "..", WAIMEI_NAME), os.path.join("/work", WAIMEI_NAME)]

# (author / tag / category, article URL prefix): the sources mirrors follow most.
SOURCES = [
    ("(臺)中央社CNA", "https://www.cna.com.tw/news/aopl/"),
    ("(法)法廣RFI", "https://www.rfi.fr/tw/國際/"),
    ("(德)德國之聲DW", "https://www.dw.com/zh/a-"),
    ("(美)美國之音VOA", "https://www.voachinese.com/a/"),
    ("(英)BBC中文", "https://www.bbc.com/zhongwen/trad/world-"),
    ("(美)紐約時報中文網", "https://cn.nytimes.com/world/"),
    ("(新)聯合早報", "https://www.zaobao.com.sg/realtime/world/story"),
    ("(美)自由亞洲電台RFA", "https://www.rfa.org/mandarin/"),
    ("(英)路透中文網", "https://www.reuters.com/world/"),
    ("(美)中國數字時代", "https://chinadigitaltimes.net/chinese/"),
]
# The seed's dateline city, swapped so bodies are not byte-identical.
CITIES = ["東京", "台北", "華盛頓", "倫敦", "巴黎", "柏林", "新加坡", "首爾", "香港", "布魯塞爾"]

START = datetime.datetime(2019, 1, 1, tzinfo=datetime.timezone.utc)
SPAN_SECONDS = 6 * 365 * 86400
HEAD_CHARS = 50  # newsmirror keeps the first 50 characters of a title in the file name


def read_seed():
    """(title, html) of the seed post; a stand-in of the same size and shape without shared/."""
    for path in SEED_PATHS:
        try:
            text = open(path, encoding="utf-8").read()
        except OSError:
            continue
        _, front, body = text.split("---\n", 2)
        title = next(json.loads(line[len("title: "):]) for line in front.splitlines() if line.startswith("title: "))
        # Everything after the first blank line of the body is the HTML block.
        return title, body.split("\n\n", 1)[1]
    para = "<p>（中央社東京31日綜合外電報導）北大西洋公約組織秘書長今天談到俄羅斯侵略烏克蘭時說，強調支援烏克蘭的重要性。</p>"
    link = "<a class='discursive' href='https://www.cna.com.tw/news/aopl/202301300253.aspx'><span>北約秘書長促韓軍援烏克蘭</span></a>"
    unit = para * 2 + link * 4
    # The seed's HTML line is 11,325 bytes.
    line = "<div></div><div>" + unit * (11325 // len(unit.encode())) + "</div>"
    return "北約秘書長訪日 強調支援烏克蘭重要性", "<div>\n" + line + "\n</div>\n"


def safe_head(title):
    """The title part of a file name, by the rules of src/post/filename.rs."""
    head = title[:HEAD_CHARS].replace("/", "--")
    head = "".join("-" if (ord(c) < 32 or c in '\\:*?"<>|') else c for c in head)
    return head.lstrip(".").rstrip(". ")


def random_cjk(rng, chars):
    """`chars` characters from the CJK Unified Ideographs block."""
    return "".join(chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(chars))


def main():
    args = sys.argv[1:]
    mode = "seed"
    if "--text" in args:
        i = args.index("--text")
        mode = args[i + 1] if i + 1 < len(args) else ""
        del args[i:i + 2]
    if len(args) != 2 or mode not in ("seed", "random-cjk", "waimei"):
        sys.exit(__doc__)
    out, n = args[0], int(args[1])
    if mode == "random-cjk":
        return main_random(out, n)
    if mode == "waimei":
        return main_waimei(out, n)
    title, html = read_seed()
    # Leave room for the counter inside the 50 characters that name the file,
    # else long seed titles would collide once cut.
    base = title[:HEAD_CHARS - 8].rstrip()
    word = CITIES[0] if CITIES[0] in html else None
    # Encoded once: 100,000 posts should take seconds, not minutes.
    bodies = [(html.replace(word, city, 1) if word else html).encode("utf-8") for city in CITIES]

    posts = os.path.join(out, "_posts")
    os.makedirs(posts, exist_ok=True)
    rng = random.Random(20230131)
    total = 0
    for i in range(n):
        date = START + datetime.timedelta(seconds=rng.randrange(SPAN_SECONDS))
        source, prefix = SOURCES[rng.randrange(len(SOURCES))]
        t = f"{base} {i + 1}"
        url = f"{prefix}{date:%Y%m%d}{i:06d}.aspx"
        head = (
            "---\n"
            "layout: post\n"
            f"title: {json.dumps(t, ensure_ascii=False)}\n"
            f"date: {date:%Y-%m-%dT%H:%M:%S}.000Z\n"
            f"author: {source}\n"
            f"from: {url}\n"
            f"tags: [ {source} ]\n"
            "comments: True\n"
            f"categories: [ {source} ]\n"
            "---\n"
            f"<!--{int(date.timestamp()) * 1000}-->\n"
            f"[{t}]({url})\n"
            "------\n"
            "\n"
        ).encode("utf-8")
        data = head + bodies[rng.randrange(len(bodies))]
        with open(os.path.join(posts, f"{date:%Y-%m-%d}-{safe_head(t)}.md"), "wb") as fh:
            fh.write(data)
        total += len(data)
    print(f"wrote {n} posts ({total / 2**20:.1f} MiB) to {posts}", file=sys.stderr)


def main_random(out, n):
    posts = os.path.join(out, "_posts")
    os.makedirs(posts, exist_ok=True)
    rng = random.Random(20230131)
    month = datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc)
    total = 0
    for i in range(n):
        date = month + datetime.timedelta(seconds=rng.randrange(31 * 86400))
        source, prefix = SOURCES[rng.randrange(len(SOURCES))]
        t = f"{random_cjk(rng, 20)} {i + 1}"
        url = f"{prefix}{date:%Y%m%d}{i:06d}.aspx"
        # The seed's body: about 3,700 characters in paragraphs.
        paras = "".join(f"<p>{random_cjk(rng, 120)}</p>" for _ in range(30))
        data = (
            "---\n"
            "layout: post\n"
            f"title: {json.dumps(t, ensure_ascii=False)}\n"
            f"date: {date:%Y-%m-%dT%H:%M:%S}.000Z\n"
            f"author: {source}\n"
            f"from: {url}\n"
            f"tags: [ {source} ]\n"
            "comments: True\n"
            f"categories: [ {source} ]\n"
            "---\n"
            f"<!--{int(date.timestamp()) * 1000}-->\n"
            f"[{t}]({url})\n"
            "------\n"
            "\n"
            f"<div>\n<div>{paras}</div>\n</div>\n"
        ).encode("utf-8")
        with open(os.path.join(posts, f"{date:%Y-%m-%d}-{safe_head(t)}.md"), "wb") as fh:
            fh.write(data)
        total += len(data)
    print(f"wrote {n} random-CJK posts ({total / 2**20:.1f} MiB) to {posts}", file=sys.stderr)


def main_waimei(out, n):
    src = next((p for p in WAIMEI_PATHS if os.path.isdir(p)), None)
    if src is None:
        sys.exit(f"no waimei archive at {' or '.join(WAIMEI_PATHS)}")
    names = sorted(os.listdir(src))
    originals = [(name, open(os.path.join(src, name), "rb").read()) for name in names]
    posts = os.path.join(out, "_posts")
    os.makedirs(posts, exist_ok=True)
    total = 0
    for i in range(n):
        k, (name, data) = divmod(i, len(originals))[0], originals[i % len(originals)]
        if k:
            name, data = replica(name, data, k)
        with open(os.path.join(posts, name), "wb") as fh:
            fh.write(data)
        total += len(data)
    print(f"wrote {n} waimei posts ({total / 2**20:.1f} MiB) to {posts}", file=sys.stderr)


def replica(name, data, k):
    """Copy `k` of a post: dated k * 31 days earlier, its title marked."""
    shift = datetime.timedelta(days=31 * k)

    def earlier(day):
        return f"{datetime.datetime.strptime(day, '%Y-%m-%d') - shift:%Y-%m-%d}"

    head, sep, body = data.partition(b"\n---\n")
    lines = []
    for line in head.split(b"\n"):
        if line.startswith(b"date: ") and re.match(rb"date: \d{4}-\d{2}-\d{2}", line):
            line = b"date: " + earlier(line[6:16].decode()).encode() + line[16:]
        elif line.startswith(b'title: "') and line.endswith(b'"'):
            line = line[:-1] + f" \u00b7{k}\"".encode()
        lines.append(line)
    ms = int(shift.total_seconds()) * 1000
    body = re.sub(rb"<!--(\d+)-->", lambda m: f"<!--{int(m.group(1)) - ms}-->".encode(), body, count=1)
    name = earlier(name[:10]) + name[10:-3] + f"-{k}.md"
    return name, b"\n".join(lines) + sep + body


if __name__ == "__main__":
    main()
