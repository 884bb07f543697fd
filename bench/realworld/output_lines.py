#!/usr/bin/env python3
"""How long the default report is on real repositories: lines of the human
output (no colour, as a terminal 80 columns wide would get it) and of
`--format concise`, per repository of repos.tsv, for this build and,
with --old BINARY, for another build beside it.

    python3 bench/realworld/output_lines.py --old /tmp/old-target/debug/imagelint
    python3 bench/realworld/output_lines.py --only GoogleCloudPlatform/microservices-demo

Repositories are exported as run.py does (fetch them first; see README.md).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (export: the tree at a commit, from the mirror)

ROOT = os.path.dirname(os.path.dirname(HERE))


def report(binary, tree, *args):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="80")
    out = subprocess.run([binary, "check", *args], cwd=tree, env=env, capture_output=True,
                         text=True)
    return out.stdout


def findings(binary, tree):
    out = report(binary, tree, "--format", "json")
    try:
        return len(json.loads(out)["findings"])
    except (ValueError, KeyError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/debug/imagelint"))
    ap.add_argument("--old", help="another build to compare with")
    ap.add_argument("--only", action="append")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="imagelint-lines-")
    rows = []
    with open(os.path.join(HERE, "repos.tsv")) as f:
        for line in f:
            repo, commit = line.split()[:2]
            if args.only and repo not in args.only:
                continue
            if not os.path.isdir(os.path.join(args.mirrors, repo.replace("/", "+"))):
                print(f"{repo}: not fetched, skipped", file=sys.stderr)
                continue
            tree = run.export(args.mirrors, work, repo, commit)
            new = report(args.binary, tree).count("\n")
            concise = report(args.binary, tree, "--format", "concise").count("\n")
            old = report(args.old, tree).count("\n") if args.old else None
            rows.append((repo, findings(args.binary, tree), old, new, concise))
    print(f"{'repository':45} {'findings':>8} {'old human':>9} {'human':>6} {'concise':>7} {'human/old':>9}")
    for repo, n, old, new, concise in rows:
        ratio = f"{new / old:.3f}" if old else "-"
        print(f"{repo:45} {n!s:>8} {old!s:>9} {new:>6} {concise:>7} {ratio:>9}")


if __name__ == "__main__":
    main()
