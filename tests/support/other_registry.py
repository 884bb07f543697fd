#!/usr/bin/env python3
"""Another registry on loopback that always asks for a bearer token from its
own realm, and logs every Authorization header it and its realm receive.

    other_registry.py PORT LOG

Used to show that credentials meant for one registry never reach another.
"""
import http.server
import sys

PORT, LOG = int(sys.argv[1]), sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def handle_any(self):
        with open(LOG, "a") as log:
            log.write(f"{self.command} {self.path} {self.headers.get('Authorization', '')}\n")
        if self.path.startswith("/token"):
            body = b'{"token": "other-token"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(401)
        self.send_header("WWW-Authenticate", f'Bearer realm="http://127.0.0.1:{PORT}/token",service="other"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = handle_any
    do_HEAD = handle_any


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
