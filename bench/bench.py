#!/usr/bin/env python3
"""Times whole `imagelint check` runs on the generated corpus beside ripgrep.

    bench/bench.py [--services 2000] [--runs 11] [--corpus DIR] [--binary B] [--compare BINARY]

Generates the monorepo with bench/gen-corpus.py (once; reused when
DIR exists), builds imagelint in release mode, then for each pair of PAIRS
runs the two commands alternately, so both see the same machine state, and
prints the medians, the ratio imagelint/rg and imagelint's peak memory:
`check` (human) against `rg -c` (goal 0.75), `check --format json` against
the bare walk `rg --files` (goal 1.0). Exits 1 when a ratio is over its goal
or a peak over 64 MiB. With --compare, another imagelint binary (an older
build) runs in the same alternation, for before/after figures.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEN = os.path.join(HERE, "gen-corpus.py")
RG = ["rg", "-c", "--hidden", "image|FROM|docker://", "."]
# The bare walk: every file name ripgrep would read, nothing opened.
RG_FILES = ["rg", "--files", "--hidden", "."]


def timed(cmd, cwd):
    """Wall time in seconds and peak RSS in KiB of one run."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=null, stderr=null)
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{cmd[0]} exited {code}")
    return elapsed, usage.ru_maxrss


# (name, imagelint arguments, the rg command it is compared with, the most
# the ratio may be): the goals of the speed issue.
PAIRS = [
    ("check (human)", ["check"], RG, 0.75),
    ("check --format json", ["check", "--format", "json"], RG_FILES, 1.0),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--corpus")
    ap.add_argument("--binary", help="the imagelint to time [default: build this one in release mode]")
    ap.add_argument("--compare", help="another imagelint binary to time in the same runs")
    args = ap.parse_args()
    if not shutil.which("rg"):
        sys.exit("bench.py needs ripgrep: apt-get install ripgrep")
    corpus = args.corpus or os.path.join(tempfile.gettempdir(), f"imagelint-corpus-{args.services}")
    if not os.path.isdir(corpus):
        subprocess.run([sys.executable, GEN, corpus, "--services", str(args.services)], check=True)
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "imagelint")
    binary = os.path.abspath(binary)
    files = sum(len(f) for _, _, f in os.walk(corpus))
    print(f"corpus: {corpus} ({args.services} services, {files} files), {args.runs} runs each, "
          f"{os.cpu_count()} CPUs")
    ok = True
    for name, il_args, rg, goal in PAIRS:
        ok &= compare(name, [binary, *il_args], rg, goal, corpus, args)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def compare(name, imagelint, rg, goal, corpus, args):
    """Times `imagelint` and `rg` alternately (and --compare's binary), prints
    the medians, the ratio and the peak memory; whether both goals hold."""
    for _ in range(2):  # warm the page cache for both
        timed(rg, corpus)
        timed(imagelint, corpus)
    other = [args.compare, *imagelint[1:]] if args.compare else None
    rg_times, il_times, peaks, other_times, other_peaks = [], [], [], [], []
    for _ in range(args.runs):
        rg_times.append(timed(rg, corpus)[0])
        t, rss = timed(imagelint, corpus)
        il_times.append(t)
        peaks.append(rss)
        if other:
            t, rss = timed(other, corpus)
            other_times.append(t)
            other_peaks.append(rss)
    rg_med, il_med = statistics.median(rg_times), statistics.median(il_times)
    ratio = il_med / rg_med
    peak_mib = max(peaks) / 1024
    print(f"{name}: median {il_med * 1000:.1f} ms; {' '.join(rg)}: median {rg_med * 1000:.1f} ms")
    print(f"  ratio {ratio:.2f} (goal <= {goal:.2f}), peak memory {peak_mib:.1f} MiB (goal <= 64)")
    if other:
        o_med = statistics.median(other_times)
        print(f"  {args.compare}: median {o_med * 1000:.1f} ms, ratio {o_med / rg_med:.2f}, "
              f"peak {max(other_peaks) / 1024:.1f} MiB; this build / that one: {il_med / o_med:.2f}")
    return ratio <= goal and peak_mib <= 64


if __name__ == "__main__":
    sys.exit(main())
