#!/usr/bin/env python3
"""A bearer-token service for distribution's `token` auth, on loopback.

    token_server.py PORT KEY.pem CERT.pem ISSUER USER:PASSWORD LOG

Answers GET /token?service=…&scope=… with a JWT signed RS256 by KEY (the
registry trusts CERT), granting pull on the asked repository. With Basic
credentials it checks them; anonymous requests get pull too, as Docker Hub
gives for public images. Every request's Authorization header is appended to
LOG, so tests can see who sent credentials where.
"""
import base64
import http.server
import json
import subprocess
import sys
import time
import urllib.parse

PORT, KEY, CERT, ISSUER, CRED, LOG = sys.argv[1:7]
USER, PASSWORD = CRED.split(":", 1)
with open(CERT) as f:
    pem = f.read()
DER = base64.b64decode("".join(l for l in pem.splitlines() if "-----" not in l))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload):
    header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(DER).decode()]}
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=signing_input, capture_output=True, check=True).stdout
    return signing_input.decode() + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        auth = self.headers.get("Authorization", "")
        with open(LOG, "a") as log:
            log.write(f"{url.path} {auth}\n")
        if url.path != "/token":
            self.send_response(404)
            self.end_headers()
            return
        subject = "anonymous"
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            if (user, password) != (USER, PASSWORD):
                self.send_response(401)
                self.end_headers()
                return
            subject = user
        q = urllib.parse.parse_qs(url.query)
        access = []
        for scope in q.get("scope", []):
            kind, name, actions = scope.split(":", 2)
            access.append({"type": kind, "name": name, "actions": ["pull", "push"] if subject != "anonymous" else ["pull"]})
        now = int(time.time())
        token = sign({"iss": ISSUER, "sub": subject, "aud": q.get("service", [""])[0], "exp": now + 300,
                      "nbf": now - 10, "iat": now, "jti": str(now), "access": access})
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", int(PORT)), Handler).serve_forever()
