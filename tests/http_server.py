#!/usr/bin/env python3
"""A small HTTP(S) server for the integration tests (standard library only).

Listens on 127.0.0.1 on an ephemeral port, written to --port-file once it accepts connections.
Every request is logged to --log, one line: "METHOD PATH range=R auth=A" (R and A "-" when the
request had no Range or Authorization header; A is "bearer-ok", "bearer-bad" or "other").

Paths are a chain of behaviours, then a target:
  /files/PATH          GET: the file --root/PATH (PATH may have directories, never ".."),
                       honouring "Range: bytes=N-" (206, or 416)
  /kcidb               POST: a KCIDB v5.3 submission, checked (400 "invalid KCIDB: ..." on the
                       first problem), saved as --posts/N.json, answered 200 {"ok": true}
  /webhook             POST: any JSON object, saved the same way
  /status/CODE         answers CODE with the body "status CODE"
Behaviours before the target:
  /drop/N/...          a GET without Range sends only the first N bytes, then the connection
                       is cut (the Content-Length promised the whole file)
  /fail/K/...          the first K requests for this exact path answer 500
  /norange/...         Range is ignored (always 200 and the whole file)
  /slow/BPS/...        a file's body is sent at about BPS bytes a second (for Ctrl-C tests)
With --token-file, POSTs need "Authorization: Bearer TOKEN"; a wrong one is answered 401 with a
body that echoes what was sent (a careless server; the client must not repeat it).
"""
import argparse
import http.server
import json
import os
import re
import socket
import ssl
import sys
import threading
import time

lock = threading.Lock()
counts = {}
posts = [0]


def kcidb_problem(d):
    """The first way d is not KCIDB v5.3 (the essentials), or None."""
    if not isinstance(d, dict):
        return "not an object"
    if d.get("version") != {"major": 5, "minor": 3}:
        return f"version {d.get('version')!r} is not 5.3"
    statuses = {"PASS", "FAIL", "ERROR", "MISS", "DONE", "SKIP"}
    ids = {}
    for kind in ("checkouts", "builds", "tests"):
        objs = d.get(kind, [])
        if not isinstance(objs, list):
            return f"{kind} is not a list"
        ids[kind] = set()
        for o in objs:
            for k in ("id", "origin"):
                if not isinstance(o.get(k), str) or not o[k]:
                    return f"a {kind[:-1]} has no {k}"
            if not re.match(r"^[a-z0-9_]+$", o["origin"]):
                return f"bad origin {o['origin']!r}"
            if not o["id"].startswith(o["origin"] + ":"):
                return f"id {o['id']!r} does not start with its origin"
            if "status" in o and o["status"] not in statuses:
                return f"status {o['status']!r} of {o['id']!r}"
            ids[kind].add(o["id"])
    for b in d.get("builds", []):
        if b.get("checkout_id") not in ids["checkouts"]:
            return f"build {b['id']!r} links to no checkout"
    for t in d.get("tests", []):
        if t.get("build_id") not in ids["builds"]:
            return f"test {t['id']!r} links to no build"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def log_request_line(self):
        auth = self.headers.get("Authorization")
        if auth is None:
            a = "-"
        elif self.server.token is not None and auth == "Bearer " + self.server.token:
            a = "bearer-ok"
        elif auth.startswith("Bearer "):
            a = "bearer-bad"
        else:
            a = "other"
        rng = self.headers.get("Range") or "-"
        with lock, open(self.server.log, "a") as f:
            f.write(f"{self.command} {self.path} range={rng} auth={a}\n")

    def reply(self, code, body, ctype="text/plain", extra=(), bps=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command == "HEAD":
            return
        if not bps:
            self.wfile.write(data)
            return
        step = max(1, bps // 10)
        try:
            for i in range(0, len(data), step):
                self.wfile.write(data[i:i + step])
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            self.close_connection = True

    def behaviours(self):
        """Split the path into (drop, fail, norange, target segments); sets self.bps."""
        segs = [s for s in self.path.split("?")[0].split("/") if s]
        drop, fail, norange = None, 0, False
        self.bps = None
        while segs:
            if segs[0] == "slow" and len(segs) > 1:
                self.bps = int(segs[1])
                segs = segs[2:]
                continue
            if segs[0] == "drop" and len(segs) > 1:
                drop = int(segs[1])
                segs = segs[2:]
            elif segs[0] == "fail" and len(segs) > 1:
                fail = int(segs[1])
                segs = segs[2:]
            elif segs[0] == "norange":
                norange = True
                segs = segs[1:]
            else:
                break
        return drop, fail, norange, segs

    def failing(self, fail):
        with lock:
            n = counts.get(self.path, 0)
            counts[self.path] = n + 1
        return n < fail

    def do_GET(self):
        self.log_request_line()
        drop, fail, norange, segs = self.behaviours()
        if self.failing(fail):
            return self.reply(500, "try again later")
        if len(segs) == 2 and segs[0] == "status":
            return self.reply(int(segs[1]), f"status {segs[1]}")
        if len(segs) < 2 or segs[0] != "files" or ".." in segs:
            return self.reply(404, "no such path")
        path = os.path.join(self.server.root, *segs[1:])
        if not os.path.isfile(path):
            return self.reply(404, "no such file")
        with open(path, "rb") as f:
            data = f.read()
        rng = None if norange else self.headers.get("Range")
        if rng:
            m = re.fullmatch(r"bytes=(\d+)-", rng)
            if not m:
                return self.reply(400, "only bytes=N- ranges here")
            start = int(m.group(1))
            if start >= len(data):
                return self.reply(416, "", extra=[("Content-Range", f"bytes */{len(data)}")])
            return self.reply(206, data[start:], "application/octet-stream",
                              [("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")],
                              bps=self.bps)
        if drop is not None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:drop])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        return self.reply(200, data, "application/octet-stream", bps=self.bps)

    def do_POST(self):
        self.log_request_line()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        _, fail, _, segs = self.behaviours()
        if self.failing(fail):
            return self.reply(500, "try again later")
        if len(segs) == 2 and segs[0] == "status":
            return self.reply(int(segs[1]), f"status {segs[1]}")
        if segs not in (["kcidb"], ["webhook"]):
            return self.reply(404, "no such path")
        if self.server.token is not None:
            auth = self.headers.get("Authorization", "")
            if auth != "Bearer " + self.server.token:
                return self.reply(401, f"invalid credentials: {auth!r}\nsee the docs\n")
        if self.headers.get("Content-Type") != "application/json":
            return self.reply(415, "JSON only")
        try:
            d = json.loads(body)
        except ValueError as e:
            return self.reply(400, f"not JSON: {e}")
        problem = kcidb_problem(d) if segs == ["kcidb"] else (
            None if isinstance(d, dict) else "not an object")
        if problem:
            return self.reply(400, f"invalid KCIDB: {problem}")
        with lock:
            posts[0] += 1
            n = posts[0]
        if self.server.posts:
            with open(os.path.join(self.server.posts, f"{n}.json"), "wb") as f:
                f.write(body)
        return self.reply(200, '{"ok": true}\n', "application/json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--posts")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--token-file")
    a = ap.parse_args()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.root, srv.log, srv.posts = a.root, a.log, a.posts
    srv.token = None
    if a.token_file:
        with open(a.token_file) as f:
            srv.token = f.read().strip()
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    open(a.log, "a").close()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{srv.server_address[1]}\n")
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
