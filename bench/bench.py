#!/usr/bin/env python3
"""Times whole `imagelint check` runs on the generated corpus beside ripgrep.

    bench/bench.py [--services 2000] [--runs 11] [--corpus DIR] [--compare BINARY]

Generates the monorepo with bench/gen-corpus.py (once; reused when
DIR exists), builds imagelint in release mode, then runs the two commands
alternately, so both see the same machine state, and prints the medians, the
ratio imagelint/rg and imagelint's peak memory. Exits 1 when the ratio is
over 1.0 or the peak over 64 MiB. With --compare, another imagelint binary
(an older build) runs in the same alternation, for before/after figures.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--corpus")
    ap.add_argument("--compare", help="another imagelint binary to time in the same runs")
    args = ap.parse_args()
    if not shutil.which("rg"):
        sys.exit("bench.py needs ripgrep: apt-get install ripgrep")
    corpus = args.corpus or os.path.join(tempfile.gettempdir(), f"imagelint-corpus-{args.services}")
    if not os.path.isdir(corpus):
        subprocess.run([sys.executable, GEN, corpus, "--services", str(args.services)], check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    imagelint = [os.path.join(ROOT, "target", "release", "imagelint"), "check"]
    files = sum(len(f) for _, _, f in os.walk(corpus))
    for _ in range(2):  # warm the page cache for both
        timed(RG, corpus)
        timed(imagelint, corpus)
    other = [args.compare, "check"] if args.compare else None
    rg_times, il_times, peaks, other_times, other_peaks = [], [], [], [], []
    for _ in range(args.runs):
        rg_times.append(timed(RG, corpus)[0])
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
    print(f"corpus: {corpus} ({args.services} services, {files} files), {args.runs} runs each, {os.cpu_count()} CPUs")
    print(f"rg -c --hidden 'image|FROM|docker://' .   median {rg_med * 1000:7.1f} ms")
    print(f"imagelint check                          median {il_med * 1000:7.1f} ms")
    print(f"ratio imagelint/rg: {ratio:.2f}   imagelint peak memory: {peak_mib:.1f} MiB")
    if other:
        o_med = statistics.median(other_times)
        print(f"{args.compare}  median {o_med * 1000:7.1f} ms   ratio to rg {o_med / rg_med:.2f}"
              f"   peak memory {max(other_peaks) / 1024:.1f} MiB   this build / that one: {il_med / o_med:.2f}")
    ok = ratio <= 1.0 and peak_mib <= 64
    print("PASS" if ok else "FAIL: want ratio <= 1.00 and peak <= 64 MiB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
