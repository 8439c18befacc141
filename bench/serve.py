#!/usr/bin/env python3
"""Serve a directory on 127.0.0.1 with ETag / Last-Modified validation.

usage: serve.py DIR   (prints the port on the first line of stdout)
"""
import hashlib
import http.server
import os
import sys
from email.utils import formatdate

ROOT = sys.argv[1]
CACHE = {}

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = os.path.join(ROOT, os.path.basename(self.path.split("?")[0]))
        if path not in CACHE:
            try:
                body = open(path, "rb").read()
            except OSError:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            CACHE[path] = (body, '"%s"' % hashlib.sha1(body).hexdigest(), formatdate(os.path.getmtime(path), usegmt=True))
        body, etag, modified = CACHE[path]
        if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == modified:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
