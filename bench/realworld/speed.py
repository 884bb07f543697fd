#!/usr/bin/env python3
"""Speed on real repositories: `imagelint check --format json` beside
`rg --hidden --no-ignore -c 'image:|FROM |docker://'` on one tree holding
every fetched repository of repos.tsv (exported as run.py does), in
alternating runs; prints the medians, the ratio (goal <= 1.5) and the peak
memory (goal <= 64 MiB). Exits 1 when a goal is missed.

    python3 bench/realworld/speed.py [--runs 11] [--binary B] [--compare OLD]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import run  # noqa: E402  (export: a repository's tree at a commit)


RG = ["rg", "--hidden", "--no-ignore", "-c", "image:|FROM |docker://", "."]


def timed(cmd, cwd):
    """Wall time in seconds and peak RSS in KiB of one run. Real trees hold
    files no tool can parse (a test's invalid YAML): imagelint names them
    and exits 2, which is a finished run here."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=null, stderr=null)
        _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 2):
        sys.exit(f"{cmd[0]} exited {code}")
    return time.perf_counter() - start, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--binary", help="[default: build this one in release mode]")
    ap.add_argument("--compare", help="another imagelint binary, timed in the same runs")
    args = ap.parse_args()
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "imagelint")
    tree = tempfile.mkdtemp(prefix="imagelint-real-")
    names = []
    with open(os.path.join(HERE, "repos.tsv")) as f:
        for line in f:
            repo, commit = line.split()[:2]
            if os.path.isdir(os.path.join(args.mirrors, repo.replace("/", "+"))):
                run.export(args.mirrors, tree, repo, commit)
                names.append(repo)
    files = sum(len(f) for _, _, f in os.walk(tree))
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, fs in os.walk(tree) for n in fs)
    print(f"{len(names)} repositories ({', '.join(names)}): {files} files, {size / 2**20:.0f} MiB")
    cmds = {"imagelint": [os.path.abspath(binary), "check", "--format", "json"], "rg": RG}
    if args.compare:
        cmds["compare"] = [os.path.abspath(args.compare), "check", "--format", "json"]
    times = {k: [] for k in cmds}
    peaks = {k: [] for k in cmds}
    for i in range(args.runs + 2):
        for k, cmd in cmds.items():
            t, rss = timed(cmd, tree)
            if i >= 2:  # two warm-up rounds
                times[k].append(t)
                peaks[k].append(rss)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["imagelint"] / med["rg"]
    peak = max(peaks["imagelint"]) / 1024
    print(f"imagelint check --format json: median {med['imagelint'] * 1000:.1f} ms, peak {peak:.1f} MiB")
    print(f"{' '.join(RG)}: median {med['rg'] * 1000:.1f} ms")
    print(f"ratio {ratio:.2f} (goal <= 1.50), peak goal <= 64 MiB")
    if args.compare:
        print(f"{args.compare}: median {med['compare'] * 1000:.1f} ms, ratio {med['compare'] / med['rg']:.2f}, "
              f"peak {max(peaks['compare']) / 1024:.1f} MiB; this build / that one: "
              f"{med['imagelint'] / med['compare']:.2f}")
    return 0 if ratio <= 1.5 and peak <= 64 else 1


if __name__ == "__main__":
    sys.exit(main())
