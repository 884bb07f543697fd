#!/usr/bin/env python3
"""Times `imagelint lock` on many tags of a loopback registry.

    bench/lock.py [--tags 200] [--latency-ms 20] [--runs 3] [--threads N] [--compare OLD_BINARY] [BINARY]

Starts Debian's docker-registry on a free loopback port behind a small
proxy that holds every request for --latency-ms (a registry that far away;
on loopback every request is otherwise instant), pushes one image with
skopeo and tags it --tags times, and writes a compose file using every tag
across four repositories, each registry answering 401 with a bearer
challenge from a token service on the proxy (so tokens are asked for, and
reuse counts). Then runs `imagelint lock` from an empty lock, alternating
with OLD_BINARY when given, and prints the medians and the ratio.
"""
import argparse
import http.server
import json
import os
import shutil
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPOS = ["bench/a", "bench/b", "bench/c", "bench/d"]
MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port):
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def proxy(upstream, latency, port):
    """A delaying reverse proxy with a token service at /token."""
    counts = {"token": 0, "registry": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_HEAD(self):
            self.forward("HEAD")

        def do_GET(self):
            self.forward("GET")

        def forward(self, method):
            time.sleep(latency)
            if self.path.startswith("/token"):
                counts["token"] += 1
                body = json.dumps({"token": "t"}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            counts["registry"] += 1
            if self.headers.get("Authorization") != "Bearer t":
                self.send_response(401)
                self.send_header(
                    "WWW-Authenticate",
                    f'Bearer realm="http://127.0.0.1:{port}/token",service="bench"',
                )
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            req = urllib.request.Request(f"http://127.0.0.1:{upstream}{self.path}", method=method)
            req.add_header("Accept", self.headers.get("Accept", "*/*"))
            try:
                with urllib.request.urlopen(req) as r:
                    body = r.read()
                    status, headers = r.status, r.headers
            except urllib.error.HTTPError as e:
                body, status, headers = e.read(), e.code, e.headers
            self.send_response(status)
            for k in ("Docker-Content-Digest", "Content-Type"):
                if headers.get(k):
                    self.send_header(k, headers[k])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method == "GET":
                self.wfile.write(body)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return counts


def setup(work, tags):
    reg_port = free_port()
    cfg = os.path.join(work, "registry.yml")
    with open(cfg, "w") as f:
        f.write(f"version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {work}/storage}}}}\nhttp: {{addr: 127.0.0.1:{reg_port}}}\n")
    registry = subprocess.Popen(["docker-registry", "serve", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(reg_port)
    # One tiny image: an empty config, no layers.
    layout = os.path.join(work, "oci")
    os.makedirs(os.path.join(layout, "blobs", "sha256"))
    def blob(data):
        import hashlib
        h = hashlib.sha256(data).hexdigest()
        with open(os.path.join(layout, "blobs", "sha256", h), "wb") as f:
            f.write(data)
        return f"sha256:{h}", len(data)
    config = blob(b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}')
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config[0], "size": config[1]},
                           "layers": []}).encode()
    m = blob(manifest)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "digest": m[0], "size": m[1], "annotations": {"org.opencontainers.image.ref.name": "base"}}]}, f)
    for repo in REPOS:
        subprocess.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"oci:{layout}:base",
                        f"docker://127.0.0.1:{reg_port}/{repo}:base"], check=True)
    refs = []
    for i in range(tags):
        repo = REPOS[i % len(REPOS)]
        tag = f"v{i}"
        req = urllib.request.Request(f"http://127.0.0.1:{reg_port}/v2/{repo}/manifests/{tag}", data=manifest, method="PUT")
        req.add_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        urllib.request.urlopen(req).read()
        refs.append((repo, tag))
    return registry, reg_port, refs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tags", type=int, default=200)
    ap.add_argument("--latency-ms", type=float, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--compare")
    ap.add_argument("--threads", type=int, help="passed to `imagelint lock --threads`")
    ap.add_argument("binary", nargs="?", default=os.path.join(ROOT, "target", "release", "imagelint"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="imagelint-lock-bench-")
    registry, reg_port, refs = setup(work, args.tags)
    try:
        port = free_port()
        counts = proxy(reg_port, args.latency_ms / 1000, port)
        repo = os.path.join(work, "repo")
        os.makedirs(repo)
        with open(os.path.join(repo, "compose.yaml"), "w") as f:
            f.write("services:\n")
            for i, (r, t) in enumerate(refs):
                f.write(f"  s{i}: {{image: 127.0.0.1:{port}/{r}:{t}}}\n")
        env = dict(os.environ, DOCKER_CONFIG=os.path.join(work, "no-docker-config"))
        binaries = [("this", args.binary)] + ([("old", args.compare)] if args.compare else [])
        times = {name: [] for name, _ in binaries}
        requests = {}
        for _ in range(args.runs):
            for name, binary in binaries:
                lock = os.path.join(repo, "imagelint.lock")
                if os.path.exists(lock):
                    os.remove(lock)
                before = dict(counts)
                start = time.perf_counter()
                threads = ["--threads", str(args.threads)] if args.threads else []
                out = subprocess.run([binary, "lock", *threads], cwd=repo, env=env, capture_output=True,
                                     text=True)
                times[name].append(time.perf_counter() - start)
                if out.returncode != 0:
                    sys.exit(f"{name}: {out.stdout}{out.stderr}")
                requests[name] = (counts["registry"] - before["registry"], counts["token"] - before["token"])
        for name, _ in binaries:
            med = statistics.median(times[name])
            reg, tok = requests[name]
            print(f"{name}: {args.tags} tags, {args.latency_ms:g} ms latency: median {med:.2f} s; {reg} registry requests, {tok} token requests")
        if args.compare:
            print(f"ratio this/old: {statistics.median(times['this']) / statistics.median(times['old']):.3f}")
    finally:
        registry.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
