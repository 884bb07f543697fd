#!/usr/bin/env python3
"""A registry that misbehaves on purpose, for imagelint's hardening tests.

    fault_registry.py PORT LOG

Listens on 127.0.0.1:PORT (the registry) and 127.0.0.2:PORT (another host)
and logs every request as `HOST METHOD PATH AUTHORIZATION`. The repository
name picks the fault:

  redirect/*   307 to the same path on the other host, which asks for a
               bearer token from a realm on itself
  realm/*      401 with a bearer realm on the other host
  malformed/*  200 with a Docker-Content-Digest that is not a digest
  ratelimit/*  429 with Retry-After: 1 until a second has passed since the
               first request, then a digest
  hang/*       never answers
  ok/*         200 with a good digest
"""
import http.server
import sys
import threading
import time

PORT, LOG = int(sys.argv[1]), sys.argv[2]
OTHER = f"127.0.0.2:{PORT}"
DIGEST = "sha256:" + "ab" * 32
first_seen = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, headers=(), body=b""):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        host = self.server.server_address[0]
        with lock, open(LOG, "a") as log:
            log.write(f"{host} {self.command} {self.path} {self.headers.get('Authorization', '')}\n")
        other = host == "127.0.0.2"
        if self.path.startswith("/token"):
            return self.reply(200, body=b'{"token": "t"}')
        parts = self.path.split("/")
        fault = parts[2] if len(parts) > 2 else ""
        if other:
            return self.reply(401, [("WWW-Authenticate", f'Bearer realm="http://{OTHER}/token",service="x"')])
        if fault == "redirect":
            return self.reply(307, [("Location", f"http://{OTHER}{self.path}")])
        if fault == "realm":
            if self.headers.get("Authorization", "").startswith("Bearer"):
                return self.reply(200, [("Docker-Content-Digest", DIGEST)])
            return self.reply(401, [("WWW-Authenticate", f'Bearer realm="http://{OTHER}/token",service="x"')])
        if fault == "malformed":
            return self.reply(200, [("Docker-Content-Digest", "sha256:not-a-digest")])
        if fault == "ratelimit":
            with lock:
                since = time.monotonic() - first_seen.setdefault(self.path, time.monotonic())
            if since < 1.0:
                return self.reply(429, [("Retry-After", "1")])
            return self.reply(200, [("Docker-Content-Digest", DIGEST)])
        if fault == "hang":
            time.sleep(3600)
            return None
        return self.reply(200, [("Docker-Content-Digest", DIGEST)])

    do_GET = handle_any
    do_HEAD = handle_any


servers = [http.server.ThreadingHTTPServer((h, PORT), Handler) for h in ("127.0.0.1", "127.0.0.2")]
for s in servers:
    s.daemon_threads = True
    threading.Thread(target=s.serve_forever, daemon=True).start()
threading.Event().wait()
