#!/usr/bin/env python3
"""Run newsmirror against each hostile case, served on 127.0.0.1 beside a
good feed, and print a Markdown table: the report line, the wall time and
the peak memory. usage: python3 bench/hostile.py [NEWSMIRROR_BINARY]

The same cases are asserted by the test suite (tests/hostile_feeds.rs,
tests/fetch.rs, tests/run.rs); this script measures them for
docs/RELIABILITY.md.
"""
import gzip
import http.server
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "release", "newsmirror")

def rss(items):
    body = "".join(f"<item><title>{t}</title><link>{l}</link><description><![CDATA[<p>{t}</p>]]></description></item>" for t, l in items)
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>x</title>{body}</channel></rss>'.encode()

GOOD = rss([("Good news", "https://good.example/1")])
BOMB = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss><channel><item><title>Bomb &c;</title><link>https://bad.example/b</link></item></channel></rss>'
XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><item><title>XXE</title><link>https://bad.example/x</link><description>&x;</description></item></channel></rss>'
BIG = rss([(f"Item {i}", f"https://big.example/{i}") for i in range(10000)])

# name -> (description, behaviour); behaviour is bytes (200 body), an int status, or a special string.
CASES = [
    ("unclosed tags", b"<rss><channel><item><title>Unclosed<description><p>x</description></item></channel></rss>"),
    ("undefined entities (&nbsp; in XML)", b"<rss><channel><item><title>A&nbsp;B &bogus;</title><link>https://bad.example/e</link></item></channel></rss>"),
    ("entity-expansion bomb", BOMB),
    ("external entity (file:///etc/passwd)", XXE),
    ("garbage before the root", b"PHP Warning: oops\n" + GOOD.replace(b"Good news", b"After garbage").replace(b"good.example/1", b"bad.example/g")),
    ("BOM and prolog disagree", b"\xef\xbb\xbf" + GOOD.replace(b"UTF-8", b"ISO-8859-1").replace(b"Good news", b"BOM wins").replace(b"good.example/1", b"bad.example/bom")),
    ("NUL bytes", GOOD.replace(b"Good news", b"Nul\x00byte").replace(b"good.example/1", b"bad.example/n")),
    ("invalid UTF-8 in a UTF-8 feed", GOOD.replace(b"Good news", b"Bad \xff byte").replace(b"good.example/1", b"bad.example/u")),
    ("truncated document", GOOD[: len(GOOD) // 2]),
    ("random bytes", bytes((i * 2654435761 >> 24) & 255 for i in range(4096))),
    ("HTML page instead of a feed", b'<html><head><link rel="alternate" type="application/rss+xml" href="https://bad.example/feed.xml"></head><body>hi</body></html>'),
    ("empty body", b""),
    ("10,000 items", BIG),
    ("duplicate items in one feed", rss([("Twice", "https://bad.example/t"), ("Twice", "https://bad.example/t")])),
    ("items without title, link or date", b"<rss><channel><item><description>Only a body</description></item></channel></rss>"),
    ("404", 404), ("410", 410), ("500 (retried)", 500), ("503 with Retry-After: 1", "503-then-ok"), ("429 with Retry-After: 3600", "429"),
    ("endless redirects", "loop"), ("redirect to ftp://", "ftp"), ("body over the 20 MiB cap", "huge"), ("gzip bomb (64 MiB)", "gzbomb"),
    ("server never answers", "hang"), ("a byte per second", "trickle"), ("connection reset mid-body", "cut"),
]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = {}

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # newsmirror hung up at its cap, as it should

    def do_GET(self):
        if self.path == "/good.xml":
            return self.send(200, GOOD, [("Content-Type", "application/rss+xml")])
        b = self.server.behaviour
        n = Handler.seen.get(self.path, 0)
        Handler.seen[self.path] = n + 1
        if isinstance(b, bytes):
            return self.send(200, b, [("Content-Type", "application/rss+xml")])
        if isinstance(b, int):
            return self.send(b)
        if b == "503-then-ok":
            return self.send(503, b"", [("Retry-After", "1")]) if n == 0 else self.send(200, rss([("After 503", "https://bad.example/503")]))
        if b == "429":
            return self.send(429, b"", [("Retry-After", "3600")])
        if b == "loop":
            return self.send(302, b"", [("Location", f"/bad.xml?{n}")])
        if b == "ftp":
            return self.send(301, b"", [("Location", "ftp://bad.example/feed.xml")])
        if b == "huge":
            return self.send(200, b" " * (21 * 1024 * 1024), [("Content-Type", "application/rss+xml")])
        if b == "gzbomb":
            return self.send(200, self.server.gzbomb, [("Content-Type", "application/rss+xml"), ("Content-Encoding", "gzip")])
        if b == "hang":
            time.sleep(3600)
        if b == "trickle":
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            for byte in GOOD:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(1)
        if b == "cut":
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD[:40])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.gzbomb = gzip.compress(GOOD + b" " * (64 * 1024 * 1024), 9)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    print("| case | report line for the bad source | good feed written | wall s | peak MiB |")
    print("| --- | --- | --- | ---: | ---: |")
    for name, behaviour in CASES:
        server.behaviour = behaviour
        Handler.seen.clear()
        with tempfile.TemporaryDirectory() as site:
            cfg = os.path.join(site, "newsmirror.toml")
            with open(cfg, "w") as f:
                f.write(f'[[source]]\nname = "Good"\nurl = "http://127.0.0.1:{port}/good.xml"\n'
                        f'[[source]]\nname = "Bad"\nurl = "http://127.0.0.1:{port}/bad.xml"\n')
            t0 = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-f", "%M", BIN, "run", "--site", site, "--config", cfg], capture_output=True, text=True)
            wall = time.perf_counter() - t0
            rss_kib = int(p.stderr.strip().splitlines()[-1])
            bad = next((l.strip() for l in p.stdout.splitlines() if " Bad: " in l), "(no line)")
            bad = bad.replace(f"http://127.0.0.1:{port}", "http://127.0.0.1:PORT").replace("|", "\\|")
            good = "yes" if "Good: 1 new post" in p.stdout else "NO"
            print(f"| {name} | `{bad}` | {good} | {wall:.2f} | {rss_kib / 1024:.1f} |", flush=True)

if __name__ == "__main__":
    main()
