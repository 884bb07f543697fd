#!/usr/bin/env python3
"""Shows that imagelint's time and memory grow linearly with the input.

    bench/scaling.py [--binary PATH] [--shape NAME ...] [--max-seconds S]

For each shape of input (keys in one mapping, images on one line, YAML
documents in one file, Dockerfile stages, merge-key chains, alias fan-out),
writes files of doubling size, runs `imagelint check` on each and prints the
wall time, peak memory, and the growth factor per doubling. Linear growth is
a factor near 2 (at most 2.6 is accepted); exponential or quadratic growth
shows as 4 or more, or as a run stopped at --max-seconds. Exits 1 when a
shape grows faster than linearly or memory passes 10x the input plus a
fixed 64 MiB.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def keys_per_mapping(n):
    body = "".join(f"  k{i}: v\n" for i in range(n))
    return "values.yaml", f"image: nginx:1.25\nbig:\n{body}"


def images_per_line(n):
    items = ", ".join(f"{{name: c{i}, image: nginx:1.{i}}}" for i in range(n))
    return "pod.yaml", f"apiVersion: v1\nkind: Pod\nspec:\n  containers: [{items}]\n"


def documents_per_file(n):
    doc = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: a, image: nginx:1.25}\n"
    return "pods.yaml", "---\n".join([doc] * n)


def stages_per_dockerfile(n):
    return "Dockerfile", "".join(f"FROM nginx:1.{i} AS s{i}\n" for i in range(n))


def merge_chain(n):
    # Each level merges the previous one twice: naive following doubles the
    # work per level.
    lines = ["l0: &l0 {image: nginx:1.25}"]
    for i in range(1, n):
        lines.append(f"l{i}: &l{i}\n  <<: [*l{i-1}, *l{i-1}]")
    return "values.yaml", "\n".join(lines) + "\n"


def alias_fanout(n):
    # Six levels of maps, each with n keys aliasing the level below: a
    # search for pod templates without a visited set walks n^6 paths.
    lines = ["x0: &x0 {template: {spec: {containers: [{name: a, image: nginx:1.25}]}}}"]
    for level in range(1, 7):
        keys = ", ".join(f"k{i}: *x{level - 1}" for i in range(n))
        lines.append(f"x{level}: &x{level} {{{keys}}}")
    lines += ["apiVersion: apps/v1", "kind: Deployment", "spec: *x6"]
    return "deploy.yaml", "\n".join(lines) + "\n"


SHAPES = {
    "keys-per-mapping": (keys_per_mapping, [10_000, 20_000, 40_000, 80_000]),
    "images-per-line": (images_per_line, [5_000, 10_000, 20_000, 40_000]),
    "documents-per-file": (documents_per_file, [5_000, 10_000, 20_000, 40_000]),
    "stages-per-dockerfile": (stages_per_dockerfile, [25_000, 50_000, 100_000, 200_000]),
    "merge-chain-depth": (merge_chain, [16, 20, 24, 28]),
    "alias-fanout-width": (alias_fanout, [250, 500, 1_000, 2_000]),
}


def run(binary, path, max_seconds):
    """Wall seconds and peak RSS (KiB) of one check; None on time-out."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen([binary, "check", "--format", "json", path], stdout=null, stderr=null)
        try:
            proc.wait(timeout=max_seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None, None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "imagelint"))
    ap.add_argument("--shape", action="append", choices=sorted(SHAPES))
    ap.add_argument("--max-seconds", type=float, default=30)
    args = ap.parse_args()
    if not os.path.exists(args.binary):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.shape or sorted(SHAPES):
            make, sizes = SHAPES[name]
            print(f"{name}:")
            prev = None
            for n in sizes:
                file, text = make(n)
                path = os.path.join(tmp, name, str(n))
                os.makedirs(path, exist_ok=True)
                with open(os.path.join(path, file), "w") as f:
                    f.write(text)
                # ru_maxrss of children is a running maximum: measure each
                # size in a fresh child of its own.
                out = subprocess.run(
                    [sys.executable, "-c", MEASURE, args.binary, path, str(args.max_seconds)],
                    capture_output=True, text=True, check=True).stdout.split()
                secs, rss = (None, None) if out[0] == "timeout" else (float(out[0]), int(out[1]))
                size_kib = len(text.encode()) / 1024
                if secs is None:
                    print(f"  n={n:>7}  {size_kib:9.0f} KiB  timed out after {args.max_seconds:.0f} s")
                    ok = False
                    break
                growth = f"x{secs / prev:.2f}" if prev and prev > 0.02 else ""
                mem_ok = rss <= 10 * size_kib + 64 * 1024
                ok &= mem_ok
                print(f"  n={n:>7}  {size_kib:9.0f} KiB  {secs * 1000:8.0f} ms {growth:>6}  peak {rss / 1024:7.1f} MiB"
                      f"{'' if mem_ok else '  (over 10x input + 64 MiB)'}")
                if prev and prev > 0.05 and secs / prev > 2.6:
                    ok = False
                prev = secs
    print("PASS" if ok else "FAIL: a shape grows faster than linearly, or memory is over its bound")
    return 0 if ok else 1


MEASURE = """
import os, resource, subprocess, sys, time
binary, path, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
start = time.perf_counter()
with open(os.devnull, 'wb') as null:
    p = subprocess.Popen([binary, 'check', '--format', 'json', path], stdout=null, stderr=null)
    try:
        p.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait(); print('timeout'); sys.exit()
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

if __name__ == "__main__":
    sys.exit(main())
